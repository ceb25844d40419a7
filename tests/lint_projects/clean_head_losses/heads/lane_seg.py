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
        loss += 0.1 * criterion_exist(output["exist"], batch["lane_exist"].float())
        return {"loss": loss}

    def forward(self, x, **kwargs):
        output = {}
        output.update(self.decoder(x))
        output.update(self.exist(x))
        return output


class ClsHead(nn.Module):
    """Logits under a key written out in the returned dict."""

    def __init__(self, channels):
        super().__init__()
        self.cls = nn.Linear(channels, 1)

    def cls_loss(self, output, batch):
        return F.binary_cross_entropy_with_logits(output["cls"], batch["cls"].float())

    def forward(self, x):
        return {"cls": self.cls(x.mean((2, 3))), "prob": torch.sigmoid(self.cls(x.mean((2, 3))))}
