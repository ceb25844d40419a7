from collections import defaultdict

import torch

from tools.loss_functions import DualLoss, TermsLoss


class ModelTrainer:
    def __init__(self, model, device):
        self.model = model
        self.device = device
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        self.loss_fn = DualLoss()
        self.terms_fn = TermsLoss()

    def train_one_batch(self, images, targets):
        self.optimizer.zero_grad()
        aux_predicts, main_predicts = self.model(images)
        loss, loss_item = self.loss_fn(aux_predicts, main_predicts, targets)
        loss.backward()
        self.optimizer.step()
        return loss_item

    def train_terms(self, images, targets):
        self.optimizer.zero_grad()
        loss, terms = self.terms_fn(self.model(images)[1], targets)
        loss.backward()
        self.optimizer.step()
        return terms

    def train_one_epoch(self, dataloader):
        self.model.train()
        total_loss = defaultdict(float)
        for batch_size, images, targets in dataloader:
            loss_each = self.train_one_batch(images, targets)
            for loss_name, loss_val in loss_each.items():
                total_loss[loss_name] += loss_val * batch_size
            terms = self.train_terms(images, targets)
            for name, value in terms.items():
                total_loss[name] += value.item() * batch_size
        return total_loss
