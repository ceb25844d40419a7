import torch
import torch.nn as nn


class ConvKB(nn.Module):
    def __init__(self, dim, out_channels, drop_prob):
        super().__init__()
        self.conv = nn.Conv2d(1, out_channels, (1, 3))
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(dim * out_channels, 1)

    def forward(self, x):
        out = self.dropout(torch.relu(self.conv(x)))
        return self.fc(out.flatten(1))
