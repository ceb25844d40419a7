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
        self.model.train()  # back to training: the caller's loop goes on training

    def _apply(self):
        self.optimizer.step()
        self.optimizer.zero_grad()

    def epoch(self, batches, held_out):
        self.model.train()
        for i, (x, y) in enumerate(batches):
            if i % self.every == 0:
                self.validate(held_out)
            F.cross_entropy(self.model(x), y).backward()
            self._apply()


def evaluate(model, batches):
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in batches]


def fit(model, batches, held_out, epochs):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(epochs):
        model.train()
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        evaluate(model, held_out)


def adversarial(enc, dec, critic, batches):
    opt_e = torch.optim.Adam(enc.parameters())
    opt_c = torch.optim.Adam(critic.parameters())
    for x in batches:
        opt_c.zero_grad()
        critic(dec(enc(x)).detach()).mean().backward()
        opt_c.step()
        opt_e.zero_grad()
        F.mse_loss(dec(enc(x)), x).backward()
        opt_e.step()


def shared(model, batches):
    opt = torch.optim.Adam(model.parameters())
    other = torch.optim.Adam(model.parameters())
    for x in batches:
        model.zero_grad()  # clears what both optimizers hold
        other.zero_grad()
        model(x).sum().backward()
        opt.step()


def recurse(model, depth):
    """Helpers that call themselves (or each other) must not hang the summaries."""
    if depth:
        return ping(model, depth - 1)
    model.eval()
    return model


def ping(model, depth):
    return recurse(model, depth)


def score(model, batches):
    hits = 0
    for x, y in batches:
        with torch.no_grad():
            hits += (model(x).argmax(1) == y).sum().item()
    return hits


def run(batches, held_out, teacher):
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        model.train()
        for x, y in batches:
            opt.zero_grad()
            with torch.no_grad():
                target = model(x).softmax(dim=1)  # targets from the model in train mode, on purpose
            F.kl_div(model(x).log_softmax(dim=1), target, reduction="batchmean").backward()
            opt.step()
        model.eval()
        score(model, held_out)


class DeepTrainer:
    """Clearing two helpers down (the DDP tutorial's _run_epoch -> _run_batch)."""

    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def _run_batch(self, x, y):
        self.optimizer.zero_grad()
        F.cross_entropy(self.model(x), y).backward()
        self.optimizer.step()

    def _run_epoch(self, batches):
        for x, y in batches:
            self._run_batch(x, y)

    def train(self, batches, epochs):
        for _ in range(epochs):
            self._run_epoch(batches)


def checkpointing(transformer, batches, opt, every, device):
    transformer.train()
    for i, x in enumerate(batches):
        opt.zero_grad()
        transformer(x).sum().backward()
        opt.step()
        if i % every == 0:
            transformer.eval().cpu()
            torch.save(transformer.state_dict(), "ckpt.pth")
            transformer.to(device).train()  # moved back and in train mode again


def smart_inference_mode():
    return torch.inference_mode()


@smart_inference_mode()
def validate(model, batches):
    model.eval()
    for x, _ in batches:
        model(x)
