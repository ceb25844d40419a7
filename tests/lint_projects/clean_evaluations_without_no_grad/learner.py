# The same validation step, under no_grad
import torch
import torch.nn as nn


class SplitLearner:
    def __init__(self, model: nn.Module):
        self.model = model
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.val_loss = []

    def train_step(self, inputs, labels):
        self.model.train()
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(inputs), labels)
        loss.backward()
        self.optimizer.step()

    def val_step(self, inputs, labels):
        self.model.eval()
        with torch.no_grad():
            pred = self.model(inputs)
            self.val_loss.append(self.criterion(pred, labels).unsqueeze(0))


import pytorch_lightning as pl


class LitClassifier(pl.LightningModule):
    """Lightning runs validation_step under no_grad (and in eval mode) itself."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def validation_step(self, batch, batch_idx):
        self.net.eval()
        x, y = batch
        return nn.functional.cross_entropy(self.net(x), y)
