"""Helpers a training script imports: their effects make train.py right."""

import torch
import torch.nn.functional as F

from tools.modes import switch_to_eval


def apply_gradients(loss, optimizer):
    loss.backward()
    optimizer.step()


def step_and_clear(loss, optimizer):
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()


def clear(optimizer):
    optimizer.zero_grad()


def clear_all(*optimizers):
    for optimizer in optimizers:
        optimizer.zero_grad()


def train_one_epoch(model, batches, optimizer):
    model.train()
    for x, y in batches:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


def evaluate(model, batches):
    switch_to_eval(model)
    with torch.no_grad():
        out = [model(x) for x, _ in batches]
    model.train()  # back to training: the caller's loop goes on training
    return out
