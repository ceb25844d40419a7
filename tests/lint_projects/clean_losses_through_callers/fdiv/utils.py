"""An unreduced NLLLoss of a softmax behind a module: minus each label's probability,
which every caller, in another module, negates (the f-divergence methods' ProbLossStable)."""

import torch.nn as nn


class ProbLossStable(nn.Module):
    def __init__(self):
        super().__init__()
        self._softmax = nn.Softmax(dim=-1)
        self._nllloss = nn.NLLLoss(reduction="none")

    def forward(self, outputs, labels):
        return self._nllloss(self._softmax(outputs), labels)
