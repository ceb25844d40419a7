import math

import torch

x = torch.rand(4) * 1e-8
a = torch.expm1(x)  # expect: use-expm1
b = 2 * (torch.expm1(x * 3))  # expect: use-expm1

# --- correct code ----------------------------------------------------------------------
a = torch.expm1(x)
c = torch.exp(x) - 2
d = 1 - torch.exp(x)
e = math.exp(0.5) - 1
