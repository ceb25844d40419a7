"""The same network; its helpers hand out detached copies or plain data."""
import torch
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
        return self.fc.weight.detach()

    def filters(self):
        return self.conv.weight.data.cpu()

    def raw(self):
        return self.fc.weight


def get_weights(model):
    return model.fc.weight.detach()


@torch.no_grad()
def scaled(model):
    return model.fc.weight * 2
