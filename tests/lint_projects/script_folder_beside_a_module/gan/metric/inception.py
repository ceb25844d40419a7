"""The metric's feature extractor, not frozen here: its forward records a graph."""
import torch.nn as nn


class InceptionV3(nn.Module):
    def __init__(self, output_blocks, requires_grad=False):
        super().__init__()
        self.blocks = nn.Sequential(nn.Linear(4, 4), nn.ReLU())

    def forward(self, x):
        return [self.blocks(x)]
