import torch
import torch.nn.functional as F
from torch import nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)
        self.loss_fn = F.binary_cross_entropy_with_logits

    def forward(self, x):
        return torch.sigmoid(self.fc(x))

    def step(self, x, y):
        out = self.forward(x)
        return self.loss_fn(out, y)  # expect: sigmoid-before-bce-with-logits


class Picker(nn.Module):
    def __init__(self, criterion=nn.CrossEntropyLoss()):
        super().__init__()
        self.fc = nn.Linear(10, 3)
        self.criterion = criterion

    def forward(self, x):
        return self.fc(x).softmax(dim=-1)

    def step(self, x, y):
        return self.criterion(self(x), y)  # expect: softmax-before-cross-entropy
