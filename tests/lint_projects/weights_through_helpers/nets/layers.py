"""A network and helpers that hand out its weights as they are (trainable parameters)."""
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))

    @property
    def head(self):
        return self.fc.weight

    def filters(self):
        return self.conv.weight.cpu()


def get_weights(model):
    return model.fc.weight
