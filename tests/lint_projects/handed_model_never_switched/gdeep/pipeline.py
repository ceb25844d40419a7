# giotto-ai/giotto-deep#40: a pipeline that trains the model it is handed and evaluates it
# under no_grad, and nothing in it ever switches the model's mode
import torch


class Pipeline:
    def __init__(self, model, dataloaders, loss_fn):
        self.model = model
        self.dataloaders = dataloaders
        self.loss_fn = loss_fn

    def _train_loop(self, dl_tr):
        for X, y in dl_tr:
            loss = self.loss_fn(self.model(X), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

    def _val_loop(self, dl_val):
        correct = 0
        with torch.no_grad():
            for X, y in dl_val:
                pred = self.model(X)  # expect: missing-eval
                correct += (pred.argmax(1) == y).sum().item()
        return correct

    def train(self, optimizer, n_epochs=10):
        self.optimizer = optimizer(self.model.parameters())
        for _ in range(n_epochs):
            self._train_loop(self.dataloaders[0])
            self._val_loop(self.dataloaders[1])
