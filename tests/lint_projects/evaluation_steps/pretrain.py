"""Periodic validation puts the model in eval mode for good: printing and checkpointing
it in between change nothing."""

import torch
import torch.nn.functional as F
from torch import nn

from utils.checkpoint_util import save_pretrain_checkpoint


class Seg(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 64), nn.BatchNorm1d(64), nn.Dropout(0.3), nn.Linear(64, 4))

    def forward(self, x):
        return self.body(x)


def pretrain(args, train_loader, valid_loader):
    model = Seg()
    print(model)
    optimizer = torch.optim.Adam(model.parameters())
    for epoch in range(args.epochs):
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if (epoch + 1) % args.eval_interval == 0:
            with torch.no_grad():
                for x, y in valid_loader:
                    model.eval()  # expect: missing-train-mode
                    print(F.cross_entropy(model(x), y).item())
            save_pretrain_checkpoint(model, args.log_dir)
