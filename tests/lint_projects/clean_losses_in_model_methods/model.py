"""The fixed AlphaZero-Chain-Reaction network: the policy head returns logits (the softmax
is taken where probabilities are wanted), and the loss method takes the logits. A second
caller passes a dict it builds itself, from logits too."""
import torch
from torch import nn


class PolicyNet(nn.Module):
    def __init__(self, cells=25):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(cells, 64), nn.ReLU())
        self.value_head = nn.Sequential(nn.Linear(64, 1), nn.Tanh())
        self.policy_head = nn.Linear(64, cells)

    def forward(self, boards):
        hidden = self.body(boards)
        return {"value": self.value_head(hidden), "policy": self.policy_head(hidden)}

    def joint_loss(self, out, values, policies):
        value_loss = nn.MSELoss()(out["value"].reshape(-1), values)
        policy_loss = nn.CrossEntropyLoss()(out["policy"], policies)
        return value_loss + policy_loss

    def policy(self, boards):
        return torch.softmax(self.forward(boards)["policy"], dim=-1)
