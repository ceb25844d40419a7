# NVIDIA/NVFlare's split learning: a validation step a framework runs for each batch, with
# its own eval() and no no_grad, keeping each batch's loss (graph and all)
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
        pred = self.model(inputs)  # expect: missing-no-grad
        self.val_loss.append(self.criterion(pred, labels).unsqueeze(0))
