import abc

import torch
from torch import nn


class SparseWeightsBase(nn.Module, metaclass=abc.ABCMeta):
    """numenta/nupic.torch#51: the wrapped layer, handed up by every subclass, called
    through `.forward`: hooks registered on it never run."""

    def __init__(self, module, sparsity):
        super(SparseWeightsBase, self).__init__()
        self.module = module
        self.sparsity = sparsity

    def forward(self, x):
        return self.module(x)

    @abc.abstractmethod
    def rezero_weights(self):
        raise NotImplementedError


class SparseWeights(SparseWeightsBase):
    def __init__(self, module, sparsity):
        super(SparseWeights, self).__init__(module, sparsity)

    def rezero_weights(self):
        with torch.no_grad():
            self.module.weight.mul_(torch.rand_like(self.module.weight) > self.sparsity)


class SparseConv(SparseWeightsBase):
    def rezero_weights(self):
        pass


class Wrapped(nn.Module):
    """What its subclass hands up is not a module: `.forward` is that object's own method."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner.forward(x)


class Scaled(Wrapped):
    def __init__(self, scale):
        super().__init__(Scaler(scale))


class Scaler:
    def __init__(self, scale):
        self.scale = scale

    def forward(self, x):
        return x * self.scale
