# NVlabs/imaginaire imaginaire/losses/perceptual.py: the loss the trainers backpropagate
# into the generator runs a frozen VGG in eval mode over scales: no_grad would cut it off.
import torch.nn.functional as F
from torch import nn


class PerceptualLoss(nn.Module):
    def __init__(self, network, num_scales=1):
        super().__init__()
        self.model = network
        self.criterion = nn.L1Loss()
        self.num_scales = num_scales

    def forward(self, inp, target):
        self.model.eval()
        loss = 0
        for scale in range(self.num_scales):
            input_features, target_features = self.model(inp), self.model(target)
            loss += self.criterion(input_features, target_features.detach())
            if scale != self.num_scales - 1:
                inp = F.interpolate(inp, scale_factor=0.5, mode="bilinear")
                target = F.interpolate(target, scale_factor=0.5, mode="bilinear")
        return loss.float()
