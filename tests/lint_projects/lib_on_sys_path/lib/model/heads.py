import torch


class Head(torch.nn.Module):
    def __init__(self, channels=8):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, 4, 1)

    def forward(self, x):
        return self.conv(x)
