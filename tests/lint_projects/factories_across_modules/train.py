"""The optimizer and the loss come from factories (another module, or this one)."""

import torch
from torch import nn

from setup import factory
from setup.factory import build, get_criterion, make_optimizer


def local_criterion():
    return nn.CrossEntropyLoss()


def fit(model, batches):
    optimizer = make_optimizer(model)
    criterion = get_criterion()
    for x, y in batches:
        loss = criterion(torch.softmax(model(x), dim=1), y)  # expect: softmax-before-cross-entropy
        loss.backward()
        optimizer.step()  # expect: missing-zero-grad


def fit_pair(model, batches):
    opt, loss_fn = build(model)
    for x, y in batches:
        opt.zero_grad()
        loss_fn(torch.softmax(model(x), -1), y).backward()  # expect: softmax-before-cross-entropy
        opt.step()


def fit_binary(model, batches):
    opt = factory.make_optimizer(model, lr=0.01)
    bce = factory.get_bce()
    for x, y in batches:
        opt.zero_grad()
        bce(torch.sigmoid(model(x)), y).backward()  # expect: sigmoid-before-bce-with-logits
        opt.step()


def fit_local(model, batches):
    opt = make_optimizer(model)
    ce = local_criterion()
    for x, y in batches:
        opt.zero_grad()
        ce(nn.functional.softmax(model(x), dim=1), y).backward()  # expect: softmax-before-cross-entropy
        opt.step()
