"""A step method that evaluates, called for every validation batch: no no_grad anywhere."""

import torch


class Net:
    def __init__(self, module, criterion):
        self.module_ = module
        self.criterion_ = criterion
        self.optimizer_ = torch.optim.SGD(module.parameters(), lr=0.01)

    def infer(self, x):
        return self.module_(x)

    def train_step(self, x, y):
        self.module_.train()
        self.optimizer_.zero_grad()
        loss = self.criterion_(self.infer(x), y)
        loss.backward()
        self.optimizer_.step()
        return loss

    def validation_step(self, x, y):
        self.module_.eval()
        y_pred = self.infer(x)  # expect: missing-no-grad
        return self.criterion_(y_pred, y)

    def fit_loop(self, train_batches, valid_batches, epochs):
        for _ in range(epochs):
            for x, y in train_batches:
                self.train_step(x, y)
            for x, y in valid_batches:
                print(self.validation_step(x, y).item())
