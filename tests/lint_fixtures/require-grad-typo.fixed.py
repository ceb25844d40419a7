import torch
import torch.nn as nn

backbone = nn.Linear(10, 10)
for param in backbone.parameters():
    param.requires_grad = False  # expect: require-grad-typo

noise = torch.randn(3)
noise.requires_grad = True  # expect: require-grad-typo

# --- correct code ----------------------------------------------------------------------
for param in backbone.parameters():
    param.requires_grad = False
noise.requires_grad_(True)
