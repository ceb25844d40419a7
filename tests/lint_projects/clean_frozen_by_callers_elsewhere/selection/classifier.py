from .util import *


def extract_clean(teacher, loader):
    for params in teacher.parameters():
        params.requires_grad = False
    losses = cleansing_loss(teacher, loader)
    features = feature_bank(teacher, loader)
    for params in teacher.parameters():
        params.requires_grad = True
    return losses, features
