import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.functional import log_softmax

x = torch.randn(4, 3)
p = F.softmax(x)  # expect: softmax-without-dim
lp = log_softmax(x)  # expect: softmax-without-dim
layer = nn.Softmax()  # expect: softmax-without-dim
misspelt = F.softmax(x, dims=-1)  # expect: softmax-without-dim
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

# an arm for torch < 0.3, before `dim` existed (wkentaro/pytorch-fcn's cross_entropy2d)
from distutils.version import LooseVersion  # noqa: E402

if LooseVersion(torch.__version__) < LooseVersion("0.3"):
    log_p = F.log_softmax(x)
else:
    log_p = F.log_softmax(x, dim=1)
OLD_TORCH = torch.__version__.startswith("0.2")
if OLD_TORCH:
    p = F.softmax(x)
# yandexdataschool/Practical_RL's exercise: a stub with no input yet, to be filled in
probs = F.softmax(  # your code here
)
