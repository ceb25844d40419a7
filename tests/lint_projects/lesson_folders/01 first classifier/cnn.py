from torch import nn


class CNNNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.body(x))
