"""A model class picked by name from a module, wrapped once: still a fresh module in train
mode, which an evaluation helper inside the epoch loop leaves in eval mode."""

import torch
import torch.nn.functional as F
from torch import nn

from tools import zoo


def validate(model, batches):
    model.eval()
    with torch.no_grad():
        return sum(F.cross_entropy(model(x), y).item() for x, y in batches)


def main(name, batches, held_out):
    arch = getattr(zoo, name)
    model = arch(dropout=0.2)
    model = nn.DataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(10):
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        validate(model, held_out)  # expect: missing-train-mode
