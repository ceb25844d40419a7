"""Optimizers bound again in ways that keep their scheduler on the optimizer that steps."""
import horovod.torch as hvd
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import CosineAnnealingLR, StepLR


def stages(net, loader, n_stages):
    # each stage builds its optimizer, then its scheduler on it
    for stage in range(n_stages):
        opt = torch.optim.SGD(net.parameters(), lr=0.1 / (stage + 1))
        sched = StepLR(opt, step_size=10)
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        sched.step()


def wrapped(net, loader):
    # the same optimizer, wrapped for data-parallel training
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=10)
    optimizer = hvd.DistributedOptimizer(optimizer, named_parameters=net.named_parameters())
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    scheduler.step()


def rebuilt(net, loader, fine_tune):
    # a new optimizer for fine-tuning, and its scheduler built again on it
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    scheduler = StepLR(optimizer, step_size=5)
    if fine_tune:
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
        scheduler = StepLR(optimizer, step_size=5)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    scheduler.step()


def on_one_arm(net, loader, use_sgd):
    # the optimizer picked on the arms of an if, before its scheduler
    if use_sgd:
        optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    scheduler = StepLR(optimizer, step_size=5)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    scheduler.step()


def two_phases(net, loader, lr_lambda):
    # a second phase with a new optimizer and no scheduler (Candy-CY's HyLiOSR demo)
    optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            optimizer.step()
        scheduler.step()
    optimizer = torch.optim.Adadelta(net.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
