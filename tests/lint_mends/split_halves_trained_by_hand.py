"""WesleyHsieh0806/C3-SL's SplitResNet50, reduced: the two halves of a split-learning model
kept in a plain list on purpose. The class passes the mode on to each half itself and builds
one optimizer per half over that half's parameters; nothing asks the wrapper's own."""
import torch
from torch import nn


class SplitNet(nn.Module):
    def __init__(self, layers, split, learning_rate=1e-3):
        super().__init__()
        self.models = []  # [ConvBlocks, FC]
        self.models.append(nn.Sequential(*layers[:split]))
        self.models.append(nn.Sequential(*layers[split:], nn.Flatten(start_dim=1), nn.Linear(512, 10)))
        self.optimizers = [torch.optim.Adam(model.parameters(), lr=learning_rate) for model in self.models]

    def forward(self, x):
        for model in self.models:
            x = model(x)
        return x

    def train(self):
        for model in self.models:
            model.train()

    def eval(self):
        for model in self.models:
            model.eval()

    def cuda(self):
        for model in self.models:
            model.cuda()
