from typing import Generic, TypeVar

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(8, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head.forward(self.encoder(x))  # expect: forward-called-directly


model = Net()
x = torch.randn(4, 8)
out = model.forward(x)  # expect: forward-called-directly


def run(m: nn.Module, batch):
    return m.forward(batch)  # expect: forward-called-directly


T = TypeVar("T")


class Operator(Generic[T], nn.Module):
    pass


class Scale(Operator[torch.Tensor]):  # a module through a generic base (PTB-MR/mrpro's operators)
    def forward(self, x):
        return 2 * x


class Inverse(Operator[torch.Tensor]):
    def __init__(self, op: Scale):
        super().__init__()
        self.op = op

    def forward(self, x):
        return self.op.forward(x)  # expect: forward-called-directly


# --- correct code ----------------------------------------------------------------------
out = model(x)


class Child(Net):
    def forward(self, x):
        y = super().forward(x)
        return Net.forward(self, x) + y

    def predict(self, x):
        return self.forward(x)


def unknown(thing, batch):
    return thing.forward(batch)
