"""The same lesson, its network giving logits."""

import torch
from torch import nn

from cnn import CNNNetwork


def train_single_epoch(model, data_loader, loss_fn, optimiser):
    for x, target in data_loader:
        loss = loss_fn(model(x), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()


def train(model, data_loader, loss_fn, optimiser, epochs):
    for _ in range(epochs):
        train_single_epoch(model, data_loader, loss_fn, optimiser)


if __name__ == "__main__":
    cnn = CNNNetwork()
    loss_fn = nn.CrossEntropyLoss()
    train(cnn, [], loss_fn, torch.optim.Adam(cnn.parameters()), 10)
