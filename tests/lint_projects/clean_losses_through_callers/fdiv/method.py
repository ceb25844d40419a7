"""The f-divergence terms take the label's probability: ``-criterion_prob(...)``."""

import torch

from .utils import ProbLossStable


class FDivergence:
    def __init__(self, model):
        self.model = model
        self.criterion_prob = ProbLossStable()
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def training_step(self, x, y, x_peer, y_peer):
        prob_reg = -self.criterion_prob(self.model(x), y)
        prob_peer = -self.criterion_prob(self.model(x_peer), y_peer)
        loss = -torch.mean(prob_reg) + torch.mean(torch.tanh(prob_peer) / 2)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
