"""Mixed-precision training with torch.cuda.amp (deprecated from torch 2.4)."""

import torch
from torch.cuda.amp import GradScaler, autocast


def train(model, batches, optimizer):
    scaler = GradScaler()
    for x, y in batches:
        optimizer.zero_grad()
        with autocast():
            loss = torch.nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
