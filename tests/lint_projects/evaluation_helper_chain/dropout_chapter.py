"""The dropout chapter: a net with dropout layers, trained and evaluated by the library."""

import torch
from torch import nn

import d2l_lib

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
d2l_lib.train_ch3(net, [], [], nn.CrossEntropyLoss(), 10, trainer)
