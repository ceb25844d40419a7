"""The MLP chapter: a net without dropout or batch norm; its mode changes nothing."""

import torch
from torch import nn

import d2l_lib

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
d2l_lib.train_ch3(net, [], [], nn.CrossEntropyLoss(), 10, trainer)
