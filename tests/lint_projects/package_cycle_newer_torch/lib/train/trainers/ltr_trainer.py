"""researchmm/Stark's trainer, its scripts on a current torch: the deprecated classes are reported."""
import torch

from lib.train.trainers import BaseTrainer


class LTRTrainer(BaseTrainer):
    def __init__(self, actor, loaders, optimizer):
        super().__init__(actor, loaders, optimizer)
        self.scaler = torch.cuda.amp.GradScaler()  # expect: deprecated-cuda-amp

    def train_epoch(self, loader):
        for data in loader:
            with torch.cuda.amp.autocast():  # expect: deprecated-cuda-amp
                loss = self.actor(data)
            self.optimizer.zero_grad()
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
