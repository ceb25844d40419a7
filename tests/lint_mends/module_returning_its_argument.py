# from facebookresearch/ppuda examples/mlp.ipynb cell 3:26 (GHN.forward in ppuda/ghn/nn.py:144-299)
# GHN.forward returns the network it was given (an nn.Module) with predicted
# parameters, so `model = ghn(model)` is still a module and `model.to('cpu')` moves it in place.
import torch
import torch.nn as nn


class GHN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)

    @staticmethod
    def load(path):
        ghn = GHN().eval()
        return ghn

    def forward(self, nets_torch, return_embeddings=False):
        for p in nets_torch.parameters():
            p.data = torch.randn_like(p)
        x = self.embed.weight
        return (nets_torch, x) if return_embeddings else nets_torch


def GHN2(dataset='imagenet'):
    return GHN.load('ghn2_%s.pt' % dataset)


ghn = GHN2('imagenet')
model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 2)).eval()
model = ghn(model)
model.to('cpu')
print(model(torch.rand(5, 8)))
