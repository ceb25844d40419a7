"""Each client trains a copy of the global model with the loss it holds."""
import torch
from torch import nn


class LocalUpdate:
    def __init__(self, loader, lr):
        self.loader = loader
        self.lr = lr
        self.loss_func = nn.CrossEntropyLoss()
        self.nll = nn.NLLLoss()

    def train(self, net):
        net.train()
        optimizer = torch.optim.SGD(net.parameters(), lr=self.lr)
        for images, labels in self.loader:
            net.zero_grad()
            log_probs = net(images)
            loss = self.loss_func(log_probs, labels)
            loss.backward()
            optimizer.step()
        return net.state_dict()

    def train_nll(self, net):
        optimizer = torch.optim.SGD(net.parameters(), lr=self.lr)
        for images, labels in self.loader:
            optimizer.zero_grad()
            loss = self.nll(torch.log_softmax(net(images), dim=1), labels)
            loss.backward()
            optimizer.step()
