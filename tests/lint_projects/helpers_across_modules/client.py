"""A star-imported helper that only reads gradients does not put them back: the step
after the clear has nothing to apply."""

import torch

from tools.gradsync import *


class Client:
    def __init__(self, model, criterion):
        self.model, self.criterion = model, criterion
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def local_step(self, data, targets):
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(data), targets)
        loss.backward()
        self.optimizer.zero_grad()  # expect: zero-grad-between-backward-and-step
        norm = log_grads(self.model)
        self.optimizer.step()
        return norm
