import sys

import torch
from torch import nn

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(2))
loader = []
mode = sys.argv[1]

if mode == "ood":
    from oodkit import eval_ood_detection
else:
    from oodkit.pre import eval_ood_detection

with torch.no_grad():
    print(eval_ood_detection(model, loader, mode))
