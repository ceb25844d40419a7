"""The same helpers, handed logits by the training script."""
import torch
import torch.nn.functional as F


def classification_loss(logits, target):
    return torch.nn.CrossEntropyLoss()(logits, target)


def presence_loss(scores, target):
    return F.binary_cross_entropy_with_logits(scores, target)
