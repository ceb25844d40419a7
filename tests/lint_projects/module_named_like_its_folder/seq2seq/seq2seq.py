"""As the clean twin, but forward clears nothing: the script beside it (train.py) never
clears the gradients."""
import torch
import torch.nn as nn


class seq2seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 8)
        self.dec = nn.Linear(8, 4)

    def forward(self, x, y):
        return nn.functional.mse_loss(self.dec(torch.relu(self.enc(x))), y)
