"""An epoch method that evaluates through a batch method, which runs the network under
no_grad (TabSurvey's DANet ``_predict_epoch`` and ``_predict_batch``), called per
validation set by the fitting loop: no graph is recorded."""

import torch


class DANetModel:
    def __init__(self, network, device):
        self.network = network
        self.device = device
        self.optimizer = torch.optim.Adam(network.parameters())

    def _train_epoch(self, loader):
        self.network.train()
        for X, y in loader:
            self.optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(self.network(X), y)
            loss.backward()
            self.optimizer.step()

    def _predict_epoch(self, loader):
        self.network.eval()
        scores = []
        for X, y in loader:
            scores.append(self._predict_batch(X))
        self.network.train()
        return scores

    def _predict_batch(self, X):
        X = X.to(self.device).float()
        with torch.no_grad():
            scores = self.network(X)
        return scores.cpu().numpy()

    def fit(self, train_loader, valid_loaders, epochs):
        for epoch in range(epochs):
            self._train_epoch(train_loader)
            for name, loader in valid_loaders:
                self._predict_epoch(loader)
