# ZhengPeng7/BiRefNet loss.py (PixLoss): a dict filled later with losses that hold no
# weight (torch's and the project's own), and one written out mixing the two kinds
import torch
from torch import nn


class IoULoss(torch.nn.Module):
    def __init__(self):
        super(IoULoss, self).__init__()

    def forward(self, pred, target):
        inter = torch.sum(target * pred)
        return 1 - inter / (torch.sum(target) + torch.sum(pred) - inter)


class PixLoss(nn.Module):
    def __init__(self, lambdas_pix_last):
        super(PixLoss, self).__init__()
        self.lambdas_pix_last = lambdas_pix_last
        self.criterions_last = {}
        if "bce" in self.lambdas_pix_last and self.lambdas_pix_last["bce"]:
            self.criterions_last["bce"] = nn.BCELoss()
        if "iou" in self.lambdas_pix_last and self.lambdas_pix_last["iou"]:
            self.criterions_last["iou"] = IoULoss()
        self.shown = {"iou": IoULoss(), "bce": nn.BCELoss()}

    def forward(self, pred, gt):
        loss = 0.0
        for name, criterion in self.criterions_last.items():
            loss += criterion(pred.sigmoid(), gt) * self.lambdas_pix_last[name]
        return loss + sum(c(pred.sigmoid(), gt) for c in self.shown.values())
