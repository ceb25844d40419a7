import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, hidden=32):  # expect: missing-super-init
        super().__init__()
        self.fc = nn.Linear(hidden, 2)

    def forward(self, x):
        return self.fc(x)


class Block(torch.nn.Module):
    def __init__(self):  # expect: missing-super-init
        """A residual block."""
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)


class Deeper(Net):
    def __init__(self):  # expect: missing-super-init
        self.extra = nn.ReLU()


class OneArgSuper(nn.Module):
    def __init__(self):
        super().__init__()  # expect: missing-super-init
        self.fc = nn.Linear(2, 2)


# --- correct code ----------------------------------------------------------------------
class Ok(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)


class OldStyle(nn.Module):
    def __init__(self):
        super(OldStyle, self).__init__()


class Explicit(nn.Module):
    def __init__(self):
        nn.Module.__init__(self)


class NoInit(nn.Module):
    def forward(self, x):
        return x


class NotAModule:
    def __init__(self):
        self.x = 1
