# from facebookresearch/omnivore omnivision/trainer/omnivision_trainer.py:557 (OmniOptimizer from
# omnivision/optim/omni_optimizer.py, not seen here): the wrapper's zero_grad() clears the
# optimizer it holds, the one the scaler steps
import torch
from omnivision.optim import construct_optimizer


class OmnivisionTrainer:
    def __init__(self, model, optim_conf):
        self.model = model
        self.optim_conf = optim_conf
        self.scaler = torch.amp.GradScaler("cuda")
        self.optim = None if self.optim_conf is None else construct_optimizer(self.model)

    def train_epoch(self, train_loader):
        for batch in train_loader:
            self.optim.zero_grad()
            loss = self.model(batch).sum()
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optim.optimizer)
            self.scaler.update()
