import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_layers, use_batch_norm=True):
        super().__init__()
        self.linears = nn.ModuleList()
        self.norms = nn.ModuleList()
        last = input_dim
        for hidden in hidden_layers:
            self.linears.append(nn.Linear(last, hidden))
            if use_batch_norm:
                self.norms.append(nn.BatchNorm1d(hidden))
            else:
                self.norms.append(nn.Identity())
            last = hidden
        self.out = nn.Linear(last, output_dim)

    def forward(self, x):
        for linear, norm in zip(self.linears, self.norms):
            x = norm(linear(x)).relu()
        return self.out(x)
