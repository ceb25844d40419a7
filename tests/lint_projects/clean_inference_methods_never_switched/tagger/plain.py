import torch
from torch import nn


class Scorer(nn.Module):
    """No dropout, no batch norm: its mode changes nothing."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)

    def forward(self, x):
        return self.fc(x)

    @torch.no_grad()
    def predict(self, x):
        return self(x)


class SelfSwitching(nn.Module):
    """Sets its own mode around its inference."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5))

    def forward(self, x):
        return self.fc(x)

    def predict(self, x):
        self.eval()
        with torch.no_grad():
            return self(x)
