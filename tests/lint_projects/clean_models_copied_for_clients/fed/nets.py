"""The fixed federated-learning MLP (commit 5ffe3e3): it returns logits; a client that wants
log-probabilities takes a log-softmax of a copy's output."""
from torch import nn


class MLP(nn.Module):
    def __init__(self, dim_in, dim_hidden, dim_out):
        super().__init__()
        self.layer_input = nn.Linear(dim_in, dim_hidden)
        self.relu = nn.ReLU()
        self.layer_hidden = nn.Linear(dim_hidden, dim_out)

    def forward(self, x):
        return self.layer_hidden(self.relu(self.layer_input(x)))
