import torch


class Trainer(object):
    def __init__(self, train_data, val_data, optimizer=None, scheduler=None):
        self.train_data = train_data
        self.val_data = val_data
        self.optimizer = optimizer
        self.scheduler = scheduler

    def train(self, model):
        model.train()
        for x, y in self.train_data:
            self.scheduler.step()
            self.optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            self.optimizer.step()

    def infer(self, model):
        model.eval()
        with torch.no_grad():
            return [model(x).argmax(1) for x, _ in self.val_data]
