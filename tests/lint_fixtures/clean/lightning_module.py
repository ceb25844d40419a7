"""A real Lightning module (a torch module: LightningModule subclasses nn.Module), its hooks run by
Lightning (here also by a tiny loop). Near-misses for the training rules."""

import torch
import torch.nn.functional as F
import pytorch_lightning as pl
from torch import nn


class LitClassifier(pl.LightningModule):
    def __init__(self, in_dim=32, classes=4, lr=1e-3):
        super().__init__()
        self.save_hparams = {"lr": lr}
        self.backbone = nn.Sequential(nn.Linear(in_dim, 64), nn.GELU(), nn.Dropout(0.1))
        self.head = nn.Linear(64, classes)
        self.metrics = {"train": [], "val": []}

    def forward(self, x):
        return self.head(self.backbone(x))

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        self.metrics["train"].append(loss.detach())
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        preds = logits.argmax(dim=-1)
        self.metrics["val"].append((preds == y).float().mean().item())

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.save_hparams["lr"])
        scheduler = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=10)
        return optimizer, scheduler


class MiniTrainer:
    def __init__(self, max_epochs=2, clip=1.0):
        self.max_epochs = max_epochs
        self.clip = clip

    def fit(self, module: LitClassifier, train_batches, val_batches):
        optimizer, scheduler = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_batches):
                optimizer.zero_grad(set_to_none=True)
                loss = module.training_step(batch, i)
                loss.backward()
                nn.utils.clip_grad_norm_(module.parameters(), self.clip)
                optimizer.step()
            scheduler.step()
            module.eval()
            with torch.no_grad():
                for i, batch in enumerate(val_batches):
                    module.validation_step(batch, i)
        return module


def manual_optimization(module: LitClassifier, batches):
    """Two optimizers stepped by hand, each cleared right before its backward."""
    opt_a = torch.optim.SGD(module.backbone.parameters(), lr=0.01)
    opt_b = torch.optim.SGD(module.head.parameters(), lr=0.01)
    module.train()
    for x, y in batches:
        opt_a.zero_grad()
        opt_b.zero_grad()
        loss = F.cross_entropy(module(x), y)
        loss.backward()
        opt_a.step()
        opt_b.step()


def lbfgs_finetune(module: LitClassifier, x, y, steps=5):
    optimizer = torch.optim.LBFGS(module.head.parameters(), lr=0.5)

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(module(x), y)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)


def predict_proba(module: LitClassifier, x):
    module.eval()
    with torch.inference_mode():
        return F.softmax(module(x), dim=-1).cpu().numpy()


if __name__ == "__main__":
    torch.manual_seed(0)
    data = [(torch.randn(8, 32), torch.randint(0, 4, (8,))) for _ in range(4)]
    trained = MiniTrainer().fit(LitClassifier(), data, data)
    print(predict_proba(trained, data[0][0]).shape)
