import torch
import torch.nn as nn
from torch.optim.lr_scheduler import StepLR
from transformers import get_scheduler

# sander-wood/tunesformer's train.py: the optimizer is built again after the cosine scheduler was
# attached to the first one, so the scheduler drives an optimizer that never steps
model = nn.Linear(4, 2)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
lr_scheduler = get_scheduler(name="cosine", optimizer=optimizer, num_warmup_steps=10, num_training_steps=100)
model = model.to("cpu")
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)  # expect: scheduler-on-replaced-optimizer


def train_epoch(loader):
    for x, y in loader:
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        lr_scheduler.step()
        optimizer.zero_grad()


for epoch in range(3):
    train_epoch([])


def fit(net, loader, epochs):
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=10)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)  # expect: scheduler-on-replaced-optimizer
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        sched.step()
