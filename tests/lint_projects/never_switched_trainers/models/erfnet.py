import torch.nn as nn


class ERFNet(nn.Module):
    def __init__(self, num_class=1):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.head = nn.Conv2d(16, num_class, 1)

    def forward(self, x):
        return self.head(self.body(x))


class LightNet(nn.Module):
    def __init__(self, num_class=1):
        super().__init__()
        self.head = nn.Conv2d(3, num_class, 1)

    def forward(self, x):
        return self.head(x)
