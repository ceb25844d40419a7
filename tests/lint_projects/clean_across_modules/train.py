import torch
from torch import nn

from nets.models import Held, Scorer, TwoHeads


def fit(model, heads, batches, opt):
    ce = nn.CrossEntropyLoss()
    bce = nn.BCELoss()
    model.train()
    heads.train()
    for x, y, t in batches:
        opt.zero_grad()
        loss = ce(model(x), y)
        p, logits = heads(x)
        loss = loss + bce(p, t) + ce(logits, y)
        loss.backward()
        opt.step()


def main(batches):
    model, heads, held = Scorer(), TwoHeads(), Held()
    opt = torch.optim.SGD([*model.parameters(), *heads.parameters(), *held.parameters()], lr=0.1)
    fit(model, heads, batches, opt)
