import torch.nn.functional as F
from torch import nn


class PointCls(nn.Module):
    def __init__(self, k=2):
        super().__init__()
        self.conv = nn.Conv1d(3, 64, 1)
        self.bn = nn.BatchNorm1d(64)
        self.fc = nn.Linear(64, k)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x))).max(dim=2)[0]
        return F.log_softmax(self.fc(x), dim=1)
