"""researchmm/Stark's trainer, in short: it imports its own package back (a cycle, no script);
the scripts that import it reach torch._six, so it runs only on torch before 2.0."""
import torch

from lib.train.trainers import BaseTrainer


class LTRTrainer(BaseTrainer):
    def __init__(self, actor, loaders, optimizer):
        super().__init__(actor, loaders, optimizer)
        self.scaler = torch.cuda.amp.GradScaler()

    def train_epoch(self, loader):
        for data in loader:
            with torch.cuda.amp.autocast():
                loss = self.actor(data)
            self.optimizer.zero_grad()
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
