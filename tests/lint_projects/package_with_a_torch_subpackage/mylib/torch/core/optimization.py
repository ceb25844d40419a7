"""asyml/texar-pytorch's shape: the package's own ``texar.torch`` beside the real torch,
whose ``Optimizer`` this module imports (``torch`` is never the package's ``texar.torch``)."""
import torch
from torch.optim.optimizer import Optimizer

__all__ = ["PlainAdam"]


class PlainAdam(Optimizer):
    def __init__(self, params, lr=1e-3):
        super().__init__(params, dict(lr=lr))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
