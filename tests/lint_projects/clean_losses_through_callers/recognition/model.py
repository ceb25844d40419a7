import torch.nn as nn


class ConvHead(nn.Module):
    # the output layer gives logits
    def __init__(self, features=32, classes=10):
        super().__init__()
        self.body = nn.Linear(64, features)
        self.output_layer = nn.Sequential(nn.Linear(features, classes))

    def forward(self, x):
        hidden = self.body(x)
        return self.output_layer(hidden)
