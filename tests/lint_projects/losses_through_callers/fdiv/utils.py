"""An unreduced NLLLoss of a softmax behind a module: minus each label's probability,
which one caller, in another module, trains on as it is: a loss that is no log-likelihood."""

import torch.nn as nn


class ProbLossStable(nn.Module):
    def __init__(self):
        super().__init__()
        self._softmax = nn.Softmax(dim=-1)
        self._nllloss = nn.NLLLoss(reduction="none")

    def forward(self, outputs, labels):
        return self._nllloss(self._softmax(outputs), labels)  # expect: nll-loss-without-log-softmax
