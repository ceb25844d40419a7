"""The metric's feature extractor, frozen by default (as pytorch-fid's InceptionV3)."""
import torch.nn as nn


class InceptionV3(nn.Module):
    def __init__(self, output_blocks, requires_grad=False):
        super().__init__()
        self.blocks = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        for param in self.parameters():
            param.requires_grad = requires_grad

    def forward(self, x):
        return [self.blocks(x)]
