"""A GAN whose networks hold their own optimizers, and whose ``step`` clears both before
their backward() calls."""

import torch
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, lr):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)

    def forward(self, x):
        return self.main(x)


class Generator(nn.Module):
    def __init__(self, lr):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(2, 4), nn.Tanh())
        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)

    def forward(self, z):
        return self.main(z)


class GAN:
    def __init__(self, lr):
        self.generator = Generator(lr)
        self.discriminator = Discriminator(lr)
        self.criterion = nn.BCELoss()

    def step(self, real):
        self.discriminator.zero_grad()
        out = self.discriminator(real).view(-1)
        err_real = self.criterion(out, torch.ones_like(out))
        err_real.backward()
        fake = self.generator(torch.randn(real.size(0), 2))
        out = self.discriminator(fake.detach()).view(-1)
        err_fake = self.criterion(out, torch.zeros_like(out))
        err_fake.backward()
        self.discriminator.optimizer.step()
        self.generator.zero_grad()
        out = self.discriminator(fake).view(-1)
        err_g = self.criterion(out, torch.ones_like(out))
        err_g.backward()
        self.generator.optimizer.step()
        return err_real + err_fake, err_g
