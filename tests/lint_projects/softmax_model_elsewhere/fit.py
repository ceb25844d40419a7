import torch
from torch import nn

from nets.classifier import Classifier


def fit(net, batches, opt):
    criterion = nn.CrossEntropyLoss()
    net.train()
    for x, y in batches:
        opt.zero_grad()
        scores = net(x)
        loss = criterion(scores, y)  # expect: softmax-before-cross-entropy
        loss.backward()
        opt.step()


def main(batches):
    net = Classifier(8, 3)
    fit(net, batches, torch.optim.SGD(net.parameters(), lr=0.1))
