import torch
from torch import nn

from utils.meters import AverageMeter, DetachingMeter, LossesTrackEpoch, PlainMeter


def train_epoch(model, loader, optimizer):
    criterion = nn.CrossEntropyLoss()
    losses = AverageMeter("loss")
    detached = DetachingMeter()
    plain = PlainMeter()
    for images, target in loader:
        loss = criterion(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss, images.size(0))
        detached.update(loss)
        plain.update(loss.item(), images.size(0))
    return losses.sum


def validate(model, loader):
    criterion = nn.CrossEntropyLoss()
    plain = PlainMeter()
    model.eval()
    with torch.no_grad():
        for images, target in loader:
            loss = criterion(model(images), target)
            plain.update(loss, images.size(0))
    return plain.sum


def train_and_log(model, loader, optimizer):
    plain = PlainMeter()
    for images, target in loader:
        loss = nn.functional.cross_entropy(model(images), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss = loss.item()
        plain.update(loss, images.size(0))


def train_dict_losses(model, loader, optimizer):
    tracker = LossesTrackEpoch()
    for data in loader:
        loss = model.compute_loss(model(data), data)
        optimizer.zero_grad()
        loss["total"].backward()
        optimizer.step()
        tracker.update_train_losses(loss)
