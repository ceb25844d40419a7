"""The optimizer and the loss come from factories, and are used right."""

import torch
from torch import nn

from setup import factory
from setup.factory import build, get_criterion, get_nll, make_optimizer


def fit(model, batches):
    optimizer = make_optimizer(model)
    criterion = get_criterion()
    for x, y in batches:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()


def fit_pair(model, batches):
    opt, loss_fn = build(model)
    for x, y in batches:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()


def fit_nll(model, batches):
    opt = factory.make_optimizer(model, lr=0.01)
    nll = get_nll()
    for x, y in batches:
        opt.zero_grad()
        nll(torch.log_softmax(model(x), dim=1), y).backward()
        opt.step()


def fit_probabilities(model, batches):
    opt = make_optimizer(model)
    mse = factory.get_mse()
    for x, y in batches:
        opt.zero_grad()
        mse(torch.softmax(model(x), dim=1), y).backward()  # MSE on probabilities: not a CE mistake
        opt.step()
