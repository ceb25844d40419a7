import torch

from .models import EdgeModel


class EdgeConnect:
    def __init__(self, train_loader, val_loader):
        self.edge_model = EdgeModel()
        self.train_loader, self.val_loader = train_loader, val_loader

    def train(self, epochs):
        for epoch in range(epochs):
            self.edge_model.train()
            for i, images in enumerate(self.train_loader):
                outputs, gen_loss = self.edge_model.process(images)
                self.edge_model.backward(gen_loss)
                if i % 1000 == 0:
                    self.sample()  # expect: missing-train-mode

    def sample(self):
        self.edge_model.eval()
        with torch.no_grad():
            images = next(iter(self.val_loader))
            return self.edge_model(images)
