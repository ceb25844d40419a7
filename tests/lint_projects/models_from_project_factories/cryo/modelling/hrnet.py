import torch
from torch import nn


class HRNet(nn.Module):
    def __init__(self, num_classes=5):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv3d(1, 16, 3, padding=1), nn.BatchNorm3d(16), nn.ReLU())
        self.head = nn.Conv3d(16, num_classes, 1)

    def forward(self, volume):
        return self.head(self.backbone(volume))
