import pytorch_lightning as pl
import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_

model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]

for x, y in loader:
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    clip_grad_norm_(model.parameters(), 1.0)  # expect: clip-grad-misplaced

for x, y in loader:
    opt.zero_grad()
    torch.nn.utils.clip_grad_value_(model.parameters(), 0.5)  # expect: clip-grad-misplaced
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()


def train_epoch(clip):
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), clip)  # expect: clip-grad-misplaced


class Classifier(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):  # Lightning runs the backward after it returns
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        clip_grad_norm_(self.net.parameters(), 10.0)  # expect: clip-grad-misplaced
        return loss


# --- correct code ----------------------------------------------------------------------
for x, y in loader:
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    grad_norm = clip_grad_norm_(model.parameters(), float("inf"))  # the norm alone, for a log


def amp_train():
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    for x, y in loader:
        opt.zero_grad()
        scaler.scale(nn.functional.mse_loss(model(x), y)).backward()
        scaler.unscale_(opt)
        clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()


for i, (x, y) in enumerate(loader):  # accumulation: the previous micro-batches' step comes first
    if i and i % 4 == 0:
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()

gen, disc = nn.Linear(3, 3), nn.Linear(3, 1)
opt_g = torch.optim.Adam(gen.parameters())
opt_d = torch.optim.Adam(disc.parameters())
for x, _ in loader:  # a GAN: each network clipped between its own backward and step
    opt_d.zero_grad()
    disc(gen(x).detach()).mean().backward()
    clip_grad_norm_(disc.parameters(), 1.0)
    opt_d.step()
    opt_g.zero_grad()
    (-disc(gen(x)).mean()).backward()
    clip_grad_norm_(gen.parameters(), 1.0)
    opt_g.step()

for x, y in loader:
    clip_grad_norm_(model.parameters(), 1.0)  # no backward in this loop: someone else's gradients


class ManualClassifier(pl.LightningModule):  # manual optimization: the step runs its own backward first
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.net = nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        opt.zero_grad()
        self.manual_backward(self.net(batch).sum())
        clip_grad_norm_(self.net.parameters(), 1.0)
        opt.step()


class AccumulatingTrainer:  # frgfm/holocron: clipped after every backward, stepped every N batches
    def __init__(self, model, optimizer, gradient_acc=4, grad_clip=1.0):
        self.model, self.optimizer = model, optimizer
        self.gradient_acc, self.grad_clip, self._grad_count = gradient_acc, grad_clip, 0

    def _backprop_step(self, loss):
        self._grad_count += 1
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)  # expect: clip-grad-misplaced
        if self._grad_count == self.gradient_acc:
            self.optimizer.step()
            self.optimizer.zero_grad()
            self._grad_count = 0


def train_accumulating(accum_steps):
    for i, (x, y) in enumerate(loader):
        loss = nn.functional.mse_loss(model(x), y) / accum_steps
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)  # expect: clip-grad-misplaced
        if (i + 1) % accum_steps == 0:
            opt.step()
            opt.zero_grad()


def train_accumulating_right(accum_steps):
    for i, (x, y) in enumerate(loader):
        loss = nn.functional.mse_loss(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:  # the clip at the window's end, before the step
            clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad()


def train_logging_norm(log_every):
    for i, (x, y) in enumerate(loader):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (i + 1) % log_every == 0:  # not an accumulation window: it steps nothing
            print(i)
