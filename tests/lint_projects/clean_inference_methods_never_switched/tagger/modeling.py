import torch
from torch import nn


class Tagger(nn.Module):
    """tomaarsen/SpanMarkerNER#4: predict() ran the model with its dropout on."""

    def __init__(self, hidden=32, labels=5, dropout=0.1):
        super().__init__()
        self.encoder = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.classifier = nn.Linear(hidden, labels)

    def forward(self, x):
        return self.classifier(self.dropout(self.encoder(x)))

    def predict(self, batches):
        """Labels for already-collated batches."""
        return [self._predict_one(b) for b in batches]

    def _predict_one(self, batch):
        with torch.no_grad():
            logits = self(batch)
        return logits.argmax(-1).tolist()


class GraphModel(nn.Module):
    """beta-team/beta-recsys#426: an edge dropout of its own, gated on ``self.training``."""

    def __init__(self, n):
        super().__init__()
        self.embedding = nn.Embedding(n, 8)

    def forward(self, adj):
        if self.training:
            adj = adj * (torch.rand_like(adj) > 0.1)
        return adj @ self.embedding.weight

    @torch.no_grad()
    def predict(self, adj, users):
        return self(adj)[users]


class Exported(nn.Module):
    """luxonis/luxonis-train#45: exported by a method of its own, in training mode."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.body(x)

    def export_onnx(self, path):
        torch.onnx.export(self, (torch.zeros(1, 3, 32, 32),), path)


class ClassifierBase(nn.Module):
    """mead-ml/mead-baseline#680: the base class predicts; its subclasses build the layers."""

    def predict_batch(self, batch):
        with torch.no_grad():
            return self(batch).exp()


class ConvClassifier(ClassifierBase):
    def create_layers(self, hidden, labels, pdrop=0.5):
        self.pool = self.init_pool(hidden, pdrop)
        self.output = nn.Linear(hidden, labels)

    def init_pool(self, hidden, pdrop):
        return nn.Sequential(nn.Linear(hidden, hidden), nn.Dropout(pdrop))

    def forward(self, x):
        return torch.log_softmax(self.output(self.pool(x)), -1)
