import torch

from lr_scheduler import get_lr_scheduler
from trainer import Trainer

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = get_lr_scheduler(optimizer, 1000)
Trainer([], [], optimizer, scheduler).train(model)
