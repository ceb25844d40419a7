"""Yagami360/MachineLearning_Exercises_Python_PyTorch's shape: each script folder has its
own networks.py; this one's discriminator returns logits, and train.py beside it imports
it (not the sigmoid one of gan-wgan/, a folder no import can name)."""
from torch import nn


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(4, 1)

    def forward(self, x):
        return self.layer(x).view(-1)
