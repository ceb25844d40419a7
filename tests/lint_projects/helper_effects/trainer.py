import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)


class Trainer:
    def __init__(self, model, optimizer, every):
        self.model = model
        self.optimizer = optimizer
        self.every = every

    def validate(self, batches):
        self.model.eval()
        with torch.no_grad():
            for x, _ in batches:
                self.model(x)

    def _apply(self):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()

    def epoch(self, batches, held_out):
        self.model.train()
        for i, (x, y) in enumerate(batches):
            if i % self.every == 0:
                self.validate(held_out)  # expect: missing-train-mode
            F.cross_entropy(self.model(x), y).backward()
            self._apply()  # expect: missing-zero-grad


def evaluate(model, batches):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in batches]


def fit(model, batches, held_out, epochs):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(epochs):
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, held_out)  # expect: missing-train-mode


def adversarial(enc, dec, critic, batches):
    opt_e = torch.optim.Adam(enc.parameters())
    opt_c = torch.optim.Adam(critic.parameters())
    for x in batches:
        critic(dec(enc(x)).detach()).mean().backward()
        opt_c.step()  # expect: missing-zero-grad
        opt_e.zero_grad()
        F.mse_loss(dec(enc(x)), x).backward()
        opt_e.step()


def score(model, batches):
    hits = 0
    for x, y in batches:
        with torch.no_grad():
            hits += (model(x).argmax(1) == y).sum().item()  # expect: missing-eval
    return hits


def run(batches, held_out):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        model.train()
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        score(model, held_out)
