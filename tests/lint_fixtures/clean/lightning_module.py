"""A real Lightning module: ``LightningModule`` subclasses ``nn.Module``, so the module rules
read it as one. Lightning runs the hooks: it switches the modes, turns gradients off for
validation, clears, backpropagates and steps; heads in a ModuleList, weights saved by state dict."""

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn


class LitClassifier(pl.LightningModule):
    def __init__(self, in_dim=32, classes=(4, 3), lr=1e-3):
        super().__init__()
        self.save_hyperparameters()
        self.backbone = nn.Sequential(nn.Linear(in_dim, 64), nn.GELU(), nn.Dropout(0.1))
        self.heads = nn.ModuleList([nn.Linear(64, n) for n in classes])

    def forward(self, x):
        features = self.backbone(x)
        return [head(features) for head in self.heads]

    def training_step(self, batch, batch_idx):
        x, ys = batch
        loss = sum(F.cross_entropy(logits, y) for logits, y in zip(self(x), ys))
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, ys = batch
        accuracy = [(logits.argmax(-1) == y).float().mean() for logits, y in zip(self(x), ys)]
        self.log("val_acc", torch.stack(accuracy).mean())

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr)
        return {"optimizer": optimizer, "lr_scheduler": torch.optim.lr_scheduler.StepLR(optimizer, 10)}

    def export(self, path):
        torch.save(self.state_dict(), path)
