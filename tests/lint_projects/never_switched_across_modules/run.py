"""Builds models with dropout (from a config's rates, from layers) and trains them; nothing
here switches modes, so the helpers evaluate in training mode."""

import torch
from torch import nn
from transformers import GPT2Config

from lm import TinyLM
from metrics import accuracy, estimate


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)


def pretrain(cfg, train_loader, loaders):
    config = GPT2Config(n_layer=2, resid_pdrop=cfg.dropout, attn_pdrop=cfg.dropout)
    raw = TinyLM(config)
    model = torch.compile(raw)
    opt = torch.optim.AdamW(model.parameters())
    for step, (x, y) in enumerate(train_loader):
        if step % 100 == 0:
            print(estimate(model, loaders, 10))
        model(x, labels=y).loss.backward()
        opt.step()
        opt.zero_grad()


def fit(train_loader, test_loader):
    net = Classifier()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return accuracy(net, test_loader)
