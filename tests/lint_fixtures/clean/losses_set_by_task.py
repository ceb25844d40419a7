"""A trainer whose loss and output formatting both follow its task: the softmax only for the
predictions it exports, never for the loss (DeepRank/Deeprank-GNN after its fix), and a
regression arm whose output is squashed for an MSE loss."""

import torch
import torch.nn.functional as F
from torch import nn


class GraphTrainer:
    def __init__(self, model, task, transform_sigmoid=False):
        self.model = model
        self.task = task
        self.transform_sigmoid = transform_sigmoid
        self.optimizer = torch.optim.Adam(model.parameters())
        if self.task == "reg":
            self.loss = nn.MSELoss()
        elif self.task == "class":
            self.loss = nn.CrossEntropyLoss()

    def train_epoch(self, loader):
        self.model.train()
        exported = []
        for x, y in loader:
            self.optimizer.zero_grad()
            pred, y = self.format_output(self.model(x), y)
            loss = self.loss(pred, y)
            loss.backward()
            self.optimizer.step()
            if self.task == "class":
                exported += F.softmax(pred.detach(), dim=1).argmax(1).tolist()
        return exported

    def format_output(self, pred, target=None):
        if self.task == "class":
            return pred, target
        if self.transform_sigmoid:
            pred = torch.sigmoid(pred.reshape(-1))
        else:
            pred = pred.reshape(-1)
        return pred, target
