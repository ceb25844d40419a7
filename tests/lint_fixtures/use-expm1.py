import math

import torch

x = torch.rand(4) * 1e-8
a = torch.exp(x) - 1  # expect: use-expm1
b = 2 * (torch.exp(x * 3) - 1.0)  # expect: use-expm1

# --- correct code ----------------------------------------------------------------------
a = torch.expm1(x)
c = torch.exp(x) - 2
d = 1 - torch.exp(x)
e = math.exp(0.5) - 1
