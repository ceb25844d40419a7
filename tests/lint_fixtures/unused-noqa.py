import torch

x = torch.ones(3)
z = x.mean()  # noqa: E501, TW999  # expect: unused-noqa
w = x.max()  # noqa: missing-zero-grads  # expect: unused-noqa
v = x.min()  # noqa: TW10  # expect: unused-noqa
# (this fixture runs unused-noqa alone: codes of rules that do not run are left alone)
torch.no_grad()  # noqa: TW107

# --- correct code ----------------------------------------------------------------------
u = x.min()  # noqa: E501
t = x.std()  # noqa
