# from michuanhaohao/reid-strong-baseline tests/lr_scheduler_test.py:19 (+ solver/lr_scheduler.py)
# A missed finding: the scheduler derives from torch's private ``_LRScheduler``, which was
# taken for no class at all; the identical file in JDAI-CV/fast-reid (import unresolved) was reported.
import torch
from torch import nn


class WarmupMultiStepLR(torch.optim.lr_scheduler._LRScheduler):
    def __init__(self, optimizer, milestones, gamma=0.1, warmup_iters=500, last_epoch=-1):
        self.milestones = milestones
        self.gamma = gamma
        self.warmup_iters = warmup_iters
        super(WarmupMultiStepLR, self).__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr for base_lr in self.base_lrs]


def test_something():
    net = nn.Linear(10, 10)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    lr_scheduler = WarmupMultiStepLR(optimizer, [20, 40], warmup_iters=10)
    for i in range(50):
        lr_scheduler.step()
        for j in range(3):
            print(i, lr_scheduler.get_lr()[0])
            optimizer.step()
