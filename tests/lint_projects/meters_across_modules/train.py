import torch
from torch import nn

from utils.meters import AverageMeter, ListMeter, LossesTrackEpoch


def train_epoch(model, loader, optimizer):
    criterion = nn.CrossEntropyLoss()
    losses = AverageMeter("loss")
    for images, target in loader:
        loss = criterion(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss, images.size(0))  # expect: loss-accumulated-without-item
    return losses.avg


class Runner:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer
        self.meter = ListMeter(1)

    def fit(self, loader):
        for x, y in loader:
            loss = nn.functional.mse_loss(self.model(x), y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.meter.add(loss)  # expect: loss-accumulated-without-item


class Metrics:
    def __init__(self):
        self.losses_track = LossesTrackEpoch()


def train_dict_losses(model, loader, optimizer, metrics: Metrics):
    for data in loader:
        loss = model.compute_loss(model(data), data)
        optimizer.zero_grad()
        loss["total"].backward()
        optimizer.step()
        metrics.losses_track.update_train_losses(loss)  # expect: loss-accumulated-without-item
