import torch
from torch import nn

from networks import Discriminator


def train(loader):
    model_d = Discriminator()
    loss_fn = nn.BCEWithLogitsLoss()
    for x, y in loader:
        loss_fn(model_d(x), y).backward()
