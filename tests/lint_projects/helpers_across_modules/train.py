"""Helpers from another module do part of the work: their effects count here."""

import torch
import torch.nn.functional as F
from torch import nn

from tools import engine
from tools.engine import apply_gradients, train_one_epoch as run_epoch


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)


def fit_without_clearing(model, batches):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in batches:
        loss = F.cross_entropy(model(x), y)
        apply_gradients(loss, opt)  # expect: missing-zero-grad


def fit_schedule_first(model, batches):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    for x, y in batches:
        engine.clear(opt)
        sched.step()  # expect: scheduler-step-before-optimizer-step
        apply_gradients(F.cross_entropy(model(x), y), opt)


def fit_then_evaluate(model, batches, held_out, epochs):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(epochs):
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        engine.evaluate(model, held_out)  # expect: missing-train-mode


def main(batches, held_out):
    model = Net()
    opt = torch.optim.Adam(model.parameters())
    for _ in range(3):
        run_epoch(model, batches, opt)
        hits = 0
        with torch.no_grad():
            for x, y in held_out:
                hits += (model(x).argmax(1) == y).sum().item()  # expect: missing-eval
        print(hits)
