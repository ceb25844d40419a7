"""A classifier built in main() (moved to the GPU), its softmax fed to a loss moved there too."""

import torch
from torch import nn

import models


def fit(classifier, loader):
    criterion = nn.CrossEntropyLoss().cuda()
    optimizer = torch.optim.SGD(classifier.parameters(), lr=0.01)
    for x, y in loader:
        optimizer.zero_grad()
        pred = classifier(x)
        criterion(pred, y).backward()  # expect: softmax-before-cross-entropy
        optimizer.step()


def main(loader):
    classifier = models.Classifier().cuda()
    fit(classifier, loader)
