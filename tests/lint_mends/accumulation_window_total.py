# from lucidrains/deep-daze deep_daze/deep_daze.py:507
# total_loss is reset at the start of each train_step (one gradient-accumulation
# window); backward() is called on each loss, the caller only reads .item().
import torch
from torch import nn


class Imagine(nn.Module):
    def __init__(self, model, optimizer, gradient_accumulate_every=4):
        super().__init__()
        self.model = model
        self.optimizer = optimizer
        self.gradient_accumulate_every = gradient_accumulate_every

    def train_step(self, x):
        total_loss = 0

        for _ in range(self.gradient_accumulate_every):
            loss = self.model(x).pow(2).mean()
            loss = loss / self.gradient_accumulate_every
            total_loss += loss
            loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()
        return total_loss

    def forward(self, x, iterations=10):
        for i in range(iterations):
            loss = self.train_step(x)
            print(f'loss: {loss.item():.2f}')
