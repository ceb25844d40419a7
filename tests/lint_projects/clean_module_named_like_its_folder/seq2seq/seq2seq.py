"""threelittlemonkeys/seq2seq-pytorch's shape: the model clears its own gradients at the
start of forward, and the script beside it (train.py, in a folder of the same name as
this module) never calls zero_grad."""
import torch
import torch.nn as nn


class seq2seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(4, 8)
        self.dec = nn.Linear(8, 4)

    def forward(self, x, y):
        self.zero_grad()
        return nn.functional.mse_loss(self.dec(torch.relu(self.enc(x))), y)
