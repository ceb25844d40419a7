import math

import torch
import torch as th

x = torch.rand(4) * 1e-8
a = torch.log1p(x)  # expect: use-log1p
b = torch.log1p(x)  # expect: use-log1p
c = th.log1p(x.abs())  # expect: use-log1p

# --- correct code ----------------------------------------------------------------------
a = torch.log1p(x)
d = torch.log(2 + x)
e = torch.log(1 + x + x)
f = math.log(1 + 0.5)
g = torch.log(1 - x)
