"""Plots the weights of a trained network: every array is taken without autograd."""
import torch

import nets.layers as layers
from nets.embedder import SpkrEmbedder
from nets.layers import Net, get_weights, scaled

net = Net()
w = get_weights(net)
print(w.numpy())
print(layers.get_weights(net).numpy())
print(net.head.numpy())
print(net.filters()[0].numpy())
print(scaled(net).numpy())
print(net.raw().detach().numpy())
with torch.no_grad():
    print(net.raw().numpy())


def extract_embedding(wav, embedder):
    return embedder([wav[0].float()]).cpu().numpy()  # frozen in nets/embedder.py


print(extract_embedding(torch.randn(1, 100, 40), SpkrEmbedder()))
