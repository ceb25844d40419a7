"""A client that corrects its gradients: save them, clear, write the corrected ones back
through a helper that a star import brings in, then step (Lee-Gihun/FedNTD's FedNova
and SCAFFOLD trainers)."""

import torch

from tools.gradsync import *


class Client:
    def __init__(self, model, criterion, correction):
        self.model, self.criterion, self.correction = model, criterion, correction
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def local_step(self, data, targets):
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(data), targets)
        loss.backward()
        grads = [g - c for g, c in zip(flatten_grads(self.model), self.correction)]
        self.optimizer.zero_grad()
        self.model = assign_grads(self.model, grads)
        self.optimizer.step()
