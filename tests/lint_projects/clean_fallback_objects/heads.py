"""A fallback that a call of the project overrides with an object of another class: the
attribute holds either, so nothing is assumed of what ``build`` returns (here the passed
builder returns modules, which move in place)."""
import torch


class TensorHeads:
    def build(self):
        return torch.zeros(4), torch.ones(4)


class ModuleHeads:
    def build(self):
        return torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)


class Model:
    def __init__(self, builder=None):
        self.builder = builder or TensorHeads()

    def place(self, device):
        first, second = self.builder.build()
        first.to(device)
        second.to(device)
        return first, second


Model(builder=ModuleHeads()).place("cpu")
