"""The same lesson with the loss handed over as it is built."""

import torch
from torch import nn

from cnn import CNNNetwork


def fit(model, batches, scorer, optimiser):
    for x, target in batches:
        scorer(model(x), target).backward()  # expect: softmax-before-cross-entropy
        optimiser.step()
        optimiser.zero_grad()


if __name__ == "__main__":
    net = CNNNetwork()
    fit(net, [], nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1))
