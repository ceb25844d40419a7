# from ContinualAI/avalanche tests/training/test_plugins.py:644
# _PlainMLP has no Dropout/BatchNorm, so model.eval() inside the training loop changes nothing.
import torch
from torch import nn
from torch.optim import SGD


class _PlainMLP(nn.Module):
    """An internal MLP implementation without Dropout."""

    def __init__(self, input_size=6, hidden_size=10, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(input_size, hidden_size), nn.ReLU(inplace=True))
        self.classifier = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


def _prepare(seed=1234):
    torch.random.manual_seed(seed)
    return [torch.randn(32, 6) for _ in range(4)], _PlainMLP(input_size=6, hidden_size=10)


def run(n_epochs, criterion, val_x, val_y):
    stream, model = _prepare()
    optimizer = SGD(model.parameters(), lr=0.001)
    for exp in stream:
        model.train()
        for epoch in range(n_epochs):
            for x, y in [(exp, torch.zeros(32, dtype=torch.long))]:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                model.eval()
                with torch.no_grad():
                    criterion(model(val_x), val_y)
