from torch import nn


class DrugNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))
