"""A book's shared training library (d2l before its PR #1110): ``train_ch3`` hands the net
it is given to ``evaluate_accuracy``, which never switches it to eval mode; no function of
the library sets a mode."""

import torch


def accuracy(y_hat, y):
    return float((y_hat.argmax(1) == y).sum())


def evaluate_accuracy(net, data_iter):
    correct, total = 0.0, 0
    for X, y in data_iter:
        correct += accuracy(net(X), y)  # expect: missing-eval
        total += y.numel()
    return correct / total


def train_epoch_ch3(net, train_iter, loss, updater):
    for X, y in train_iter:
        l = loss(net(X), y)
        updater.zero_grad()
        l.backward()
        updater.step()


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater):
    for epoch in range(num_epochs):
        train_epoch_ch3(net, train_iter, loss, updater)
        print(evaluate_accuracy(net, test_iter))
