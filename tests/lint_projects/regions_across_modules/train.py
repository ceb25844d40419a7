"""Regions of the caller: the helper runs inside them."""

import torch
import torch.nn.functional as F
from torch import nn

from tools.steps import predict, update


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)


def fit(model, batches, held_out):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda")
    model.train()
    for x, y in batches:
        with torch.autocast("cuda"):
            loss = F.cross_entropy(model(x), y)
            update(loss, opt, scaler)  # expect: backward-inside-autocast
    hits = 0
    with torch.no_grad():
        for x, y in held_out:
            hits += (predict(model, x) == y).sum().item()  # expect: missing-eval
    return hits


def fit_direct(model, batches):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cuda")
    for x, y in batches:
        opt.zero_grad()
        with torch.autocast("cuda"):
            loss = F.cross_entropy(model(x), y)
            scaler.scale(loss).backward()  # expect: backward-inside-autocast
        scaler.step(opt)
        scaler.update()
