"""BentouAI/AlphaZero-Chain-Reaction (issue 2), reduced: the network's forward returns a
dict whose "policy" ends in nn.Softmax, and its own loss method feeds that entry to
CrossEntropyLoss. The calls that pass the output are in main.py, through a class method."""
import torch
from torch import nn


class PolicyNet(nn.Module):
    def __init__(self, cells=25):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(cells, 64), nn.ReLU())
        self.value_head = nn.Sequential(nn.Linear(64, 1), nn.Tanh())
        self.policy_head = nn.Sequential(nn.Linear(64, cells), nn.Softmax(dim=-1))

    def forward(self, boards):
        hidden = self.body(boards)
        return {"value": self.value_head(hidden), "policy": self.policy_head(hidden)}

    def joint_loss(self, out, values, policies):
        value_loss = nn.MSELoss()(out["value"].reshape(-1), values)
        policy_loss = nn.CrossEntropyLoss()(out["policy"], policies)  # expect: softmax-before-cross-entropy
        return value_loss + policy_loss
