import torch
from torch import nn
from torch.nn import functional as F


class DraftTrainer(nn.Module):
    """sgl-project/SpecForge#237: the frozen target head runs under no_grad, the draft model
    it wraps with gradients."""

    def __init__(self, target_head, draft_model, length=3):
        super().__init__()
        self.target_head = target_head
        self.draft_model = draft_model
        self.length = length

    def forward(self, hidden, target):
        with torch.no_grad():
            target_p = F.softmax(self.target_head(target), dim=-1)
        losses = []
        for _ in range(self.length):
            hidden = self.draft_model(hidden)
            losses.append(-(target_p * F.log_softmax(hidden, -1)).sum(-1).mean())
        return losses
