import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8))

    def forward(self, x):
        return checkpoint(self.layers, x, use_reentrant=False)  # expect: checkpoint-without-use-reentrant


x = torch.randn(2, 8, requires_grad=True)
block = Block()
y = torch.utils.checkpoint.checkpoint(block, x, use_reentrant=False)  # expect: checkpoint-without-use-reentrant
z = checkpoint_sequential(block.layers, 2, x, use_reentrant=False)  # expect: checkpoint-without-use-reentrant

# --- correct code ----------------------------------------------------------------------
y = checkpoint(block, x, use_reentrant=False)
z = checkpoint_sequential(block.layers, 2, x, use_reentrant=False)


def wrapped(fn, *args, **kwargs):
    return checkpoint(fn, *args, **kwargs)
