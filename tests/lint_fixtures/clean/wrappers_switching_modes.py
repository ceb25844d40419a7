"""Plain classes that keep a network and switch its mode in one method: their evaluation
methods switch it too, or go through the method that does, or are called by the class itself."""
import torch


class Wrapper:
    def __init__(self, network, loss_function):
        self.network = network
        self.loss_function = loss_function

    def predict(self, x):
        self.network.eval()
        with torch.no_grad():
            return self.network(x)

    def evaluate(self, x, y):
        self.network.eval()
        with torch.no_grad():
            return self._compute_loss(x, y).item()

    def test(self, x, y):
        return self.loss_function(self.predict(x), y).item()  # predict switches it first

    def _compute_loss(self, x, y):
        return self.loss_function(self.network(x), y)


class Fitter:
    def __init__(self, network, optimizer, loss_function):
        self.network, self.optimizer, self.loss_function = network, optimizer, loss_function

    def fit(self, loader, val):
        for x, y in loader:
            self.network.train()
            self.optimizer.zero_grad()
            self.loss_function(self.network(x), y).backward()
            self.optimizer.step()
            self.network.eval()
            self._validate(*val)

    def _validate(self, x, y):  # called by fit, right after it switches to eval mode
        with torch.no_grad():
            return self.loss_function(self.network(x), y).item()
