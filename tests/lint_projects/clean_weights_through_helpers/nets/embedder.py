"""A speaker embedder whose network is frozen where it is built (facebookresearch/fairseq
examples/speech_synthesis/preprocessing/speaker_embedder, 3d262bb)."""
import torch
from torch import nn


def set_requires_grad(nets, requires_grad=False):
    for net in nets if isinstance(nets, list) else [nets]:
        for param in net.parameters():
            param.requires_grad = requires_grad


class SpkrEmbedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedder = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 16))
        self.embedder.eval()
        set_requires_grad(self.embedder, requires_grad=False)

    def forward(self, inputs):
        return torch.stack([self.embedder(x).mean(0) for x in inputs])
