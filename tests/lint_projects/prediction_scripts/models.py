import torch.nn as nn


class CompletionNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.bn(self.conv(x))


class ConvLayer(nn.Module):
    """Instance norm unless asked for batch norm (rrmina/fast-neural-style-pytorch)."""

    def __init__(self, in_channels, out_channels, norm="instance"):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        if norm == "instance":
            self.norm = nn.InstanceNorm2d(out_channels, affine=True)
        elif norm == "batch":
            self.norm = nn.BatchNorm2d(out_channels)
        else:
            self.norm = nn.Identity()

    def forward(self, x):
        return self.norm(self.conv(x))


class StyleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(ConvLayer(3, 32), ConvLayer(32, 3, norm="None"))

    def forward(self, x):
        return self.body(x)


class BatchStyleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(ConvLayer(3, 32, "batch"), ConvLayer(32, 3, norm="None"))

    def forward(self, x):
        return self.body(x)
