# open-mmlab/mmagic tests/test_models/test_losses/test_pixelwise_loss.py: CharbonnierLoss
# stores floats only; its class decorator registers the class in a registry
import torch
import torch.nn as nn
from mmengine.registry import Registry

MODELS = Registry("model")


@MODELS.register_module()
class CharbonnierLoss(nn.Module):
    def __init__(self, loss_weight=1.0, reduction="mean", eps=1e-12):
        super().__init__()
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.eps = eps

    def forward(self, pred, target):
        return self.loss_weight * torch.sqrt((pred - target) ** 2 + self.eps)


def test_pixelwise_losses():
    weight = torch.zeros(1, 1, 64, 64)
    pred = weight.clone()
    target = weight.clone() * 2
    charbonnier_loss = CharbonnierLoss(loss_weight=0.5, reduction="none", eps=1e-6)
    loss = charbonnier_loss(pred, target)
    print(loss.numpy())
