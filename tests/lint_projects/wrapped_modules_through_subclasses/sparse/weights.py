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
        return self.module.forward(x)  # expect: forward-called-directly

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
