# from MIVRC/MSRN-PyTorch MSRN/Train/trainer.py:33: EDSR steps the scheduler as an epoch starts
import torch


class Trainer:
    def __init__(self, loader, model):
        self.loader_train = loader.loader_train
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters())
        self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, 200)

    def train(self):
        self.scheduler.step()
        self.model.train()
        for lr, hr in self.loader_train:
            self.optimizer.zero_grad()
            loss = torch.nn.functional.l1_loss(self.model(lr), hr)
            loss.backward()
            self.optimizer.step()

    def test(self):
        pass

    def terminate(self):
        return self.scheduler.last_epoch >= 300
