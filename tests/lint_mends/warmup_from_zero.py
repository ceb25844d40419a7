# from yuanli2333/Teacher-free-Knowledge-Distillation train_kd.py:94 (and utils.py:256 WarmUpLR)
# WarmUpLR's first value is 0 (base_lr * last_epoch / total_iters with last_epoch=0);
# stepping it before optimizer.step() skips only that zero-LR update, on purpose.
from torch.optim.lr_scheduler import _LRScheduler


class WarmUpLR(_LRScheduler):
    def __init__(self, optimizer, total_iters, last_epoch=-1):
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * self.last_epoch / (self.total_iters + 1e-8) for base_lr in self.base_lrs]


def train_kd(model, teacher_model, optimizer, loss_fn_kd, dataloader, warmup_scheduler, params, epoch):
    model.train()
    teacher_model.eval()
    for i, (train_batch, labels_batch) in enumerate(dataloader):
        if epoch <= 0:
            warmup_scheduler.step()
        output_batch = model(train_batch)
        loss = loss_fn_kd(output_batch, labels_batch, teacher_model(train_batch), params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main(model, teacher_model, optimizer, loss_fn_kd, dataloader, params):
    warmup = WarmUpLR(optimizer, len(dataloader))
    for epoch in range(params.num_epochs):
        train_kd(model, teacher_model, optimizer, loss_fn_kd, dataloader, warmup, params, epoch)
