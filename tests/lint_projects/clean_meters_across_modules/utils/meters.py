"""Meters that take tensors: each converts what it is handed to a number."""
import torch


class AverageMeter:
    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.val = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        if isinstance(val, torch.Tensor):
            val = val.item()
        self.val = val
        self.sum += val * n
        self.count += n


class DetachingMeter:
    def __init__(self):
        self.total = 0

    def update(self, val):
        self.total += val.detach()


class PlainMeter:
    def __init__(self):
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n


class LossesTrackEpoch:
    def __init__(self):
        self.train_losses = {"total": 0, "semantic": 0}

    def update_train_losses(self, loss):
        for key in loss:
            self.train_losses[key] += loss[key].item()
