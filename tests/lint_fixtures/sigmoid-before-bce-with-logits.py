import torch
import torch.nn.functional as F
from torch import nn

logits = torch.randn(8, 1)
target = torch.rand(8, 1)
bce_logits = nn.BCEWithLogitsLoss()

loss = bce_logits(torch.sigmoid(logits), target)  # expect: sigmoid-before-bce-with-logits
scores = logits.sigmoid()
loss = F.binary_cross_entropy_with_logits(scores, target)  # expect: sigmoid-before-bce-with-logits


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


head = Head()
loss = bce_logits(head(torch.randn(8, 4)), target)  # expect: sigmoid-before-bce-with-logits

# --- correct code ----------------------------------------------------------------------
loss = bce_logits(logits, target)
loss = F.binary_cross_entropy(torch.sigmoid(logits), target)
loss = nn.BCELoss()(scores, target)
loss = F.binary_cross_entropy_with_logits(logits, torch.sigmoid(target))


def calc_bce(pred, gt, lerp_bound=None):
    """facebookresearch/pytorch3d's metric_utils.calc_bce: the sigmoid is taken in the arm
    that returns; the other arm's loss gets the raw logits."""
    if lerp_bound is not None:
        pred = F.sigmoid(pred)
        return (pred - gt).abs().clamp(max=lerp_bound).mean()
    else:
        return F.binary_cross_entropy_with_logits(pred, gt)
