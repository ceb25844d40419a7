import torch
from torch import nn


class ExistHead(nn.Module):
    def __init__(self, channels, num_lanes):
        super().__init__()
        self.fc = nn.Linear(channels, num_lanes)

    def forward(self, x):
        x = torch.sigmoid(self.fc(x.mean((2, 3))))
        output = {"exist": x}
        return output
