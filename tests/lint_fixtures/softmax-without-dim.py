import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.functional import log_softmax

x = torch.randn(4, 3)
p = F.softmax(x)  # expect: softmax-without-dim
lp = log_softmax(x)  # expect: softmax-without-dim
layer = nn.Softmax()  # expect: softmax-without-dim
layer2 = torch.nn.LogSoftmax()  # expect: softmax-without-dim
m = F.softmin(x, dtype=torch.float64)  # expect: softmax-without-dim

# --- correct code ----------------------------------------------------------------------
p = F.softmax(x, dim=1)
p = F.softmax(x, -1)
p = torch.softmax(x, 1)
p = x.softmax(dim=-1)
layer = nn.Softmax(dim=-1)
layer = nn.Softmax(1)
kwargs = {"dim": 1}
p = F.softmax(x, **kwargs)
