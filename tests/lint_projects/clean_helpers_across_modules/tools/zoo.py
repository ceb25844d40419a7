from torch import nn


class Small(nn.Module):
    def __init__(self, dropout=0.1):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(dropout), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)
