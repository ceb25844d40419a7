import torch.nn as nn
from timm.layers import make_head


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = make_head(8)

    def forward(self, images, targets):
        return nn.functional.mse_loss(self.head(images), targets)
