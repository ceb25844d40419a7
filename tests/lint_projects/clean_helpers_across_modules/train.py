"""Helpers from another module do part of the work: with their effects, this is right."""

import torch
import torch.nn.functional as F
from torch import nn

from tools import engine
from tools.fp16 import drop_grads, zero_grad
from tools.engine import apply_gradients, clear_all, step_and_clear, train_one_epoch as run_epoch
from tools.ping import ping


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.3), nn.Linear(16, 2))

    def forward(self, x):
        return self.body(x)


def fit_clearing_in_helper(model, batches):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in batches:
        step_and_clear(F.cross_entropy(model(x), y), opt)


def fit_clearing_elsewhere(model, batches):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    for x, y in batches:
        engine.clear(opt)
        apply_gradients(F.cross_entropy(model(x), y), opt)
        sched.step()


def adversarial(gen, critic, batches):
    opt_g = torch.optim.Adam(gen.parameters())
    opt_c = torch.optim.Adam(critic.parameters())
    for z in batches:
        clear_all(opt_g, opt_c)  # clears both: not only the other optimizer's
        opt_g.zero_grad()
        critic(gen(z).detach()).mean().backward()
        opt_c.step()
        critic(gen(z)).mean().backward()
        opt_g.step()


def fit_then_evaluate(model, batches, held_out, epochs):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(epochs):
        for x, y in batches:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        engine.evaluate(model, held_out)


def main(batches, held_out):
    model = Net()
    opt = torch.optim.Adam(model.parameters())
    for _ in range(3):
        run_epoch(model, batches, opt)
        ping(model, 3)
        hits = 0
        with torch.no_grad():
            for x, y in held_out:
                hits += (model(x).argmax(1) == y).sum().item()
        print(hits)


class DiffusionTrainLoop:
    """openai/improved-diffusion train_util.py (1bc7bbb): the step's gradients are
    cleared by a helper of another module that zeroes each parameter's grad."""

    def __init__(self, model, batches):
        self.model, self.batches = model, batches
        self.model_params = list(model.parameters())
        self.opt = torch.optim.AdamW(self.model_params, lr=1e-4)

    def run_loop(self):
        for x, y in self.batches:
            self.run_step(x, y)

    def run_step(self, x, y):
        self.forward_backward(x, y)
        self.opt.step()

    def forward_backward(self, x, y):
        zero_grad(self.model_params)
        F.cross_entropy(self.model(x), y).backward()

    def run_loop_dropping(self):
        for x, y in self.batches:
            drop_grads(self.model_params)
            F.cross_entropy(self.model(x), y).backward()
            self.opt.step()
