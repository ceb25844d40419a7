# from abhishekkrthakur/tez tez/model/model.py:173-199: the finding is right, but an unscale_ put
# before the clip would run where the scaled backward and the step do not: with fp16 off the
# scaler is None, and with accumulation unscale_ runs twice before update() (a RuntimeError).
import torch


class Trainer:
    def __init__(self, model, fp16, clip_grad_norm, accumulation_steps):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        self.scaler = torch.amp.GradScaler("cuda") if fp16 else None
        self.fp16 = fp16
        self.clip_grad_norm = clip_grad_norm
        self.accumulation_steps = accumulation_steps
        self.batch_index = 0

    def train_one_step(self, x, y):
        loss = torch.nn.functional.mse_loss(self.model(x), y) / self.accumulation_steps
        if self.fp16:
            self.scaler.scale(loss).backward()
        else:
            loss.backward()
        if self.clip_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip_grad_norm)
        if (self.batch_index + 1) % self.accumulation_steps == 0:
            if self.fp16:
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                self.optimizer.step()
            self.optimizer.zero_grad()
        return loss
