import torch.nn as nn


class FeatureNet(nn.Module):
    """Frozen by default, as FID feature extractors are: nothing it computes needs a graph."""

    def __init__(self, requires_grad=False):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        for param in self.parameters():
            param.requires_grad = requires_grad

    def forward(self, x):
        return self.body(x).flatten(1)
