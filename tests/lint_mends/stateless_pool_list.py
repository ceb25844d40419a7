# NVIDIA/flownet2-pytorch losses.py: a plain list of AvgPool2d (no parameter, buffer or mode)
import torch
import torch.nn as nn


class MultiScale(nn.Module):
    def __init__(self, start_scale=4, num_scales=5):
        super().__init__()
        self.multi_scales = [nn.AvgPool2d(start_scale * (2 ** s), start_scale * (2 ** s)) for s in range(num_scales)]

    def forward(self, output, target):
        return sum(torch.abs(o - self.multi_scales[i](target)).mean() for i, o in enumerate(output))
