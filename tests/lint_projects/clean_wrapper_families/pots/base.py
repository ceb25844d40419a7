import torch


class BaseImputer:
    def __init__(self, epochs):
        self.epochs = epochs
        self.model = None
        self.optimizer = None

    def _train_model(self, train_loader, val_loader=None):
        for _ in range(self.epochs):
            self.model.train()
            for x in train_loader:
                self.optimizer.zero_grad()
                self.model(x)["loss"].backward()
                self.optimizer.step()
            if val_loader is not None:  # eval mode only when handed a validation set
                self.model.eval()
                with torch.no_grad():
                    for x in val_loader:
                        self.model(x)
