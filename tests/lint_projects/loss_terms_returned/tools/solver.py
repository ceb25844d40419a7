"""MultimediaTechLab/YOLO#83: ``train_one_batch`` backpropagates the loss and returns its
terms; the epoch loop adds each term itself into tensors, keeping every batch's graph."""
from collections import defaultdict

import torch

from tools.loss_functions import create_loss_function


class ModelTrainer:
    def __init__(self, model, device):
        self.model = model
        self.device = device
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        self.loss_fn = create_loss_function(0.25)
        self.scaler = torch.amp.GradScaler("cuda")

    def train_one_batch(self, images, targets):
        images, targets = images.to(self.device), targets.to(self.device)
        self.optimizer.zero_grad()
        aux_predicts, main_predicts = self.model(images)
        loss, loss_item = self.loss_fn(aux_predicts, main_predicts, targets)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss_item

    def train_one_epoch(self, dataloader):
        self.model.train()
        total_loss = defaultdict(lambda: torch.tensor(0.0, device=self.device))
        total_samples = 0
        for batch_size, images, targets in dataloader:
            loss_each = self.train_one_batch(images, targets)
            for loss_name, loss_val in loss_each.items():
                total_loss[loss_name] += loss_val * batch_size  # expect: loss-accumulated-without-item
            total_samples += batch_size
        return total_loss

    def epoch_means(self, dataloader):
        self.model.train()
        sums = {}
        for batch_size, images, targets in dataloader:
            loss_each = self.train_one_batch(images, targets)
            for loss_val in loss_each.values():
                sums["all"] += loss_val  # expect: loss-accumulated-without-item
        return sums
