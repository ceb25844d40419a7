"""The classifier's file switches modes: missing-eval asks there, not in the helper."""

import torch
from torch import nn

from metrics import accuracy


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)


def fit(train_loader, test_loader):
    net = Classifier()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    net.eval()
    return accuracy(net, test_loader)
