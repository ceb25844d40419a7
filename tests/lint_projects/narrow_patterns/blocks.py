from torch import nn


class Stack(nn.Module):
    def __init__(self, width: int, depth: int):
        super().__init__()
        self.blocks = []  # expect: unregistered-submodules
        for _ in range(depth):
            self.blocks.append([nn.Linear(width, width), nn.GELU()])

    def forward(self, x):
        for linear, act in self.blocks:
            x = act(linear(x))
        return x


class Registered(nn.Module):
    def __init__(self, width: int, depth: int):
        super().__init__()
        self.blocks = nn.ModuleList()
        self.shapes = []
        for _ in range(depth):
            self.blocks.append(nn.ModuleList([nn.Linear(width, width), nn.GELU()]))
            self.shapes.append([width, width])  # plain numbers: nothing to register

    def forward(self, x):
        for linear, act in self.blocks:
            x = act(linear(x))
        return x
