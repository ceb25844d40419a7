# from mozilla/TTS TTS/bin/train_encoder.py:78 (same shape: TTS/bin/train_tacotron.py:156)
# NoamLR clamps its step with max(self.last_epoch, 1), so lr(0) == lr(1): stepping it before
# optimizer.step() skips no learning-rate value, and the first update uses Noam step 1, the
# second step 2 (the scheduler's last_epoch tracks global_step, last_epoch=restore_step - 1).
import torch


class NoamLR(torch.optim.lr_scheduler._LRScheduler):
    def __init__(self, optimizer, warmup_steps=0.1, last_epoch=-1):
        self.warmup_steps = float(warmup_steps)
        super(NoamLR, self).__init__(optimizer, last_epoch)

    def get_lr(self):
        step = max(self.last_epoch, 1)
        return [base_lr * self.warmup_steps**0.5 * min(step * self.warmup_steps**-1.5, step**-0.5)
                for base_lr in self.base_lrs]


def train(model, criterion, optimizer, scheduler, data_loader, global_step, lr_decay=True):
    for _, data in enumerate(data_loader):
        global_step += 1
        if lr_decay:
            scheduler.step()
        optimizer.zero_grad()
        loss = criterion(model(data[0]))
        loss.backward()
        optimizer.step()
        print(global_step, scheduler.last_epoch, optimizer.param_groups[0]["lr"])
    return global_step


if __name__ == "__main__":
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = NoamLR(optimizer, warmup_steps=4, last_epoch=0 - 1)
    print("initial lr", optimizer.param_groups[0]["lr"])
    train(model, lambda o: o.pow(2).mean(), optimizer, scheduler, [(torch.randn(3, 4),)] * 4, 0)
