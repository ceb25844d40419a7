"""Evaluation helpers that never switch modes: their callers' models decide."""

import torch


@torch.inference_mode()
def estimate(model, loaders, steps):
    out = {}
    for split, loader in loaders:
        total = 0.0
        for _, (x, y) in zip(range(steps), loader):
            total += model(x, labels=y).loss.item()
        out[split] = total / steps
    return out


def accuracy(net, loader):
    hits = 0
    with torch.no_grad():
        for x, y in loader:
            hits += (net(x).argmax(1) == y).sum().item()
    return hits
