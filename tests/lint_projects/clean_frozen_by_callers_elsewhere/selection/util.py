"""Helpers a teacher is evaluated through; every caller freezes the teacher first
(Kthyeon/FINE_official's dynamic_selection/selection/util.py)."""
import torch
import torch.nn.functional as F


def cleansing_loss(model, loader):
    losses = []
    model.eval()
    for x, y in loader:
        _, logits = model(x)
        losses.append(F.cross_entropy(logits, y, reduction="none").detach())
    return torch.cat(losses)


def feature_bank(model, loader):
    features = []
    model.eval()
    for x, _ in loader:
        feature, _ = model(x)
        features.append(feature.detach())
    return torch.cat(features)
