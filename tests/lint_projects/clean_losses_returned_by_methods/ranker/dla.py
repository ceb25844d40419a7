import torch
from torch import nn


class DLA:
    """A learning algorithm whose train() hands back its loss tensor, graph and all
    (ULTR-Community/ULTRA_pytorch#6: the backward runs in another method)."""

    def __init__(self, features):
        self.model = nn.Sequential(nn.Linear(features, 16), nn.ELU(), nn.Linear(16, 1))
        self.opt = torch.optim.Adagrad(self.model.parameters(), 0.05)
        self.summary = {}

    def update(self):
        self.opt.zero_grad()
        self.loss.backward()
        self.opt.step()

    def train(self, feed):
        scores = self.model(feed["x"]).squeeze(-1)
        self.loss = torch.nn.functional.mse_loss(scores, feed["y"])
        self.update()
        return self.loss.item(), None, self.summary


class Trainer:
    def __init__(self, model, world_size=None):
        self.model = model
        self.world_size = world_size
        self.opt = torch.optim.Adam(model.parameters())

    def _backward(self, loss, mul=1):
        """stylegan2_pytorch's helper: the loss scaled and returned, 0 when there is none."""
        if loss is None:
            return 0
        loss = loss * mul
        loss.backward()
        return loss.item() * (self.world_size or 1)

    def fit(self, loader, epochs):
        for _ in range(epochs):
            epoch_loss = 0
            for x, y in loader:
                self.opt.zero_grad()
                loss = torch.nn.functional.mse_loss(self.model(x), y)
                epoch_loss += self._backward(loss)
                self.opt.step()
            print(float(epoch_loss))
