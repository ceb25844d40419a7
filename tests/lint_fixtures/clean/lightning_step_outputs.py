"""LightningModules that keep what training_step computes: values, or step outputs emptied at
each epoch's end (Lightning's documented on_train_epoch_end idiom)."""
import pytorch_lightning as pl
import torch
import torch.nn.functional as F


class Kept(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(3, 1)
        self.losses = []
        self.training_step_outputs = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.mse_loss(self.net(x), y)
        self.losses.append(loss.item())
        self.training_step_outputs.append(loss)
        return loss

    def on_train_epoch_end(self):
        print(torch.stack(self.training_step_outputs).mean())
        self.training_step_outputs.clear()


class Manual(pl.LightningModule):  # manual optimization: the step runs its own backward
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.net = torch.nn.Linear(3, 1)
        self.history = []

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        opt.zero_grad()
        loss = F.mse_loss(self.net(batch[0]), batch[1])
        self.manual_backward(loss)
        opt.step()
        loss = loss.detach()
        self.history.append(loss)
        return loss
