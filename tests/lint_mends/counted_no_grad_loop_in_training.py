# from yzhao062/pyod pyod/models/mo_gaal.py:239 (discriminator: pyod/models/gaal_base.py:20-53)
# The discriminator has only nn.Linear layers (no dropout/batch norm): train vs eval mode is
# identical; the no_grad loop just logs the frozen generators' loss during training.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Discriminator(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layer1 = nn.Linear(n, 4)
        self.layer2 = nn.Linear(4, 1)

    def forward(self, x):
        return torch.sigmoid(self.layer2(F.relu(self.layer1(x))))


class MO_GAAL:
    def fit(self, dataloader, generators, k, optimizer_d, criterion, trick):
        self.discriminator = Discriminator(8)
        for data_batch in dataloader:
            self.discriminator.train()
            self.discriminator.zero_grad()
            criterion(self.discriminator(data_batch), torch.ones(len(data_batch), 1)).backward()
            optimizer_d.step()
            for i in range(k):
                with torch.no_grad():
                    fake_outputs = self.discriminator(generators[i](data_batch))
                    loss = criterion(fake_outputs, trick[i]).item()
        return self
