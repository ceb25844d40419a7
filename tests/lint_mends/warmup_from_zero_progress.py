# from huawei-noah/Pretrained-Language-Model CAME/run_glue.py:647 (scheduler from CAME/schedulers.py)
# NVIDIA-BERT style scheduler: built to be stepped BEFORE optimizer.step() (1-indexed warmup;
# the value at last_epoch=0 is lr=0, and the step-count branch uses state['step'] + 1).
import torch
from torch.optim.lr_scheduler import _LRScheduler


class LinearWarmUpScheduler(_LRScheduler):
    def __init__(self, optimizer, warmup, total_steps, last_epoch=-1):
        self.warmup = warmup
        self.total_steps = total_steps
        super().__init__(optimizer, last_epoch)

    def step(self, epoch=None):
        self.last_epoch = epoch if epoch is not None else self.last_epoch + 1
        for param_group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            param_group['lr'] = lr

    def get_lr(self):
        progress = self.last_epoch / self.total_steps
        return [base_lr * progress / self.warmup for base_lr in self.base_lrs]


def train(model, loader, fp16, total_steps):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    scheduler = LinearWarmUpScheduler(optimizer, warmup=0.1, total_steps=total_steps)
    for x, y in loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        if fp16:
            # modify learning rate with special warm up for BERT which FusedAdam doesn't do
            scheduler.step()
        optimizer.step()
        optimizer.zero_grad()
