"""The project's model factory: a batch-norm ResNet."""

import torch
import torch.nn.functional as F


class TinyResNet(torch.nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 16, 3)
        self.bn = torch.nn.BatchNorm2d(16)
        self.fc = torch.nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(F.relu(self.bn(self.conv(x))).mean((2, 3)))


def tiny_resnet(classes=10):
    return TinyResNet(classes)
