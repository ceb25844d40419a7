"""Turoad/lanedet#32: the lane head's loss feeds the existence branch, already a sigmoid's
output, to BCEWithLogitsLoss. No call of ``loss`` is seen (the detector gets its head from a
registry): the head's own forward output is what it is handed."""
import torch
import torch.nn.functional as F
from torch import nn

from .exist_head import ExistHead


class LaneSeg(nn.Module):
    def __init__(self, decoder, channels, num_lanes, exist=True):
        super().__init__()
        self.decoder = decoder
        self.exist = ExistHead(channels, num_lanes) if exist else None

    def loss(self, output, batch):
        criterion_exist = torch.nn.BCEWithLogitsLoss()
        loss = F.cross_entropy(output["seg"], batch["mask"].long())
        if "exist" in output:
            loss += 0.1 * criterion_exist(output["exist"], batch["lane_exist"].float())  # expect: sigmoid-before-bce-with-logits
        return {"loss": loss}

    def forward(self, x, **kwargs):
        output = {}
        output.update(self.decoder(x))
        if self.exist:
            output.update(self.exist(x))
        return output
