import functorch
import numpy as np
import torch
import torch as th
import torch.nn as nn
from scipy.linalg import lu
from torch import chain_matmul  # expect: deprecated-function

A = torch.randn(4, 4)
B = torch.randn(4, 2)
u, v = torch.randn(3), torch.randn(3)

Q, R = torch.linalg.qr(A)  # expect: deprecated-function
Q, R = torch.linalg.qr(A, mode="complete")  # expect: deprecated-function
P = torch.linalg.multi_dot([A, A, A])  # expect: deprecated-function
P = torch.linalg.multi_dot([A, A])  # expect: deprecated-function
L = torch.linalg.cholesky(A)  # expect: deprecated-function
U = th.linalg.cholesky(A).mH  # expect: deprecated-function
outer = torch.outer(u, v)  # expect: deprecated-function
net = nn.Linear(3, 3)
total = torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)  # expect: deprecated-function
steps = torch.arange(0, 11)  # expect: deprecated-function
LU, pivots = torch.linalg.lu_factor(A)  # expect: deprecated-function
X = torch.linalg.lu_solve(LU, pivots, B)  # expect: deprecated-function
n = torch.norm(A)  # expect: deprecated-function
U2, S, V = torch.svd(A)  # expect: deprecated-function
X, _ = torch.triangular_solve(B, A)  # expect: deprecated-function
up = nn.Upsample(scale_factor=2, mode="nearest")  # expect: deprecated-function
up2 = nn.Upsample(size=(8, 8), mode="bilinear", align_corners=True)  # expect: deprecated-function
torch.testing.assert_close(A, A)  # expect: deprecated-function
layer = nn.utils.parametrizations.weight_norm(nn.Linear(4, 4))  # expect: deprecated-function
with torch.backends.cuda.sdp_kernel(enable_math=False):  # expect: deprecated-function
    pass
batched = torch.func.vmap(torch.sin)  # expect: deprecated-function
dsin = torch.func.grad(torch.sin)  # expect: deprecated-function


class Square(torch.autograd.Function):
    @staticmethod
    @torch.amp.custom_fwd(device_type="cuda")  # expect: deprecated-function
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")  # expect: deprecated-function
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


with torch.amp.autocast("cpu", enabled=True, dtype=torch.bfloat16):  # expect: deprecated-function
    y = A @ A
with torch.amp.autocast("cpu", dtype=torch.bfloat16):  # expect: deprecated-function
    y = A @ A

sched = torch.optim.lr_scheduler.StepLR(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 10)
sched.step(3)  # expect: deprecated-function
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1))
plateau.step(0.5, 3)  # expect: deprecated-function

# --- correct code ----------------------------------------------------------------------
Q, R = torch.linalg.qr(A)
P = torch.linalg.multi_dot([A, A, A])
L = torch.linalg.cholesky(A)
outer = torch.outer(u, v)
steps = torch.arange(0, 11)
LU, pivots = torch.linalg.lu_factor(A)
n = torch.linalg.vector_norm(A)
n2 = np.linalg.norm(A.numpy())
P2, L2, U3 = lu(A.numpy())
up = nn.Upsample(scale_factor=2, mode="nearest")
torch.testing.assert_close(A, A)
layer = nn.utils.parametrizations.weight_norm(nn.Linear(4, 4))
batched = torch.func.vmap(torch.sin)
n3 = A.norm()  # the tensor method is not deprecated


def norm(x):
    return x


norm(A)

# an arm for torch before torch.linalg (1.8): the old function on purpose
if [int(v) for v in torch.__version__.split(".")[:2]] < [1, 8]:
    Q, R = torch.qr(A)

sched.step()
plateau.step(0.5)  # the metric, not an epoch
restarts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 10)
restarts.step(1 + 5 / 100)  # its documented use
