import torch
import torch.nn.functional as F
from torch import nn


class LaneExist(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(128, n)

    def forward(self, x):
        return F.sigmoid(self.fc(x))


class LaneNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.seg = nn.Linear(128, n + 1)
        self.exist = LaneExist(n)

    def forward(self, x):
        return self.seg(x), self.exist(x)
