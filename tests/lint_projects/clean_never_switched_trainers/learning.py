# The learner after the fix: evaluation switches to eval mode, each epoch back to train mode
import torch
from torch import nn

from models.erfnet import ERFNet


class Learning:
    def __init__(self, loader, test_loader):
        self.loader, self.test_loader = loader, test_loader
        self.build_model()

    def build_model(self):
        model = ERFNet(num_class=2)
        model.to("cpu")
        self.model = model
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)

    def evaluation(self):
        self.model.eval()
        correct = 0
        for x, label in self.test_loader:
            with torch.no_grad():
                outputs = self.model(x).mean((2, 3))
                correct += (outputs.argmax(-1) == label).sum().item()
        return correct

    def train(self, epochs=10):
        for _ in range(epochs):
            self.model.train()
            for x, label in self.loader:
                self.optimizer.zero_grad()
                self.criterion(self.model(x).mean((2, 3)), label).backward()
                self.optimizer.step()
            print(self.evaluation())


def test(loader, test_loader):
    learner = Learning(loader, test_loader)
    learner.train(10)
    print(learner.evaluation())
