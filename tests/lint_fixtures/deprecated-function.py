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

Q, R = torch.qr(A)  # expect: deprecated-function
Q, R = torch.qr(A, some=False)  # expect: deprecated-function
P = torch.chain_matmul(A, A, A)  # expect: deprecated-function
P = chain_matmul(A, A)  # expect: deprecated-function
L = torch.cholesky(A)  # expect: deprecated-function
U = th.cholesky(A, upper=True)  # expect: deprecated-function
outer = torch.ger(u, v)  # expect: deprecated-function
net = nn.Linear(3, 3)
total = torch.nn.utils.clip_grad_norm(net.parameters(), 5.0)  # expect: deprecated-function
steps = torch.range(0, 10)  # expect: deprecated-function
LU, pivots = torch.lu(A)  # expect: deprecated-function
X = torch.lu_solve(B, LU, pivots)  # expect: deprecated-function
n = torch.norm(A)  # expect: deprecated-function
U2, S, V = torch.svd(A)  # expect: deprecated-function
X, _ = torch.triangular_solve(B, A)  # expect: deprecated-function
up = nn.UpsamplingNearest2d(scale_factor=2)  # expect: deprecated-function
up2 = nn.UpsamplingBilinear2d(size=(8, 8))  # expect: deprecated-function
torch.testing.assert_allclose(A, A)  # expect: deprecated-function
layer = nn.utils.weight_norm(nn.Linear(4, 4))  # expect: deprecated-function
with torch.backends.cuda.sdp_kernel(enable_math=False):  # expect: deprecated-function
    pass
batched = functorch.vmap(torch.sin)  # expect: deprecated-function
dsin = functorch.grad(torch.sin)  # expect: deprecated-function


class Square(torch.autograd.Function):
    @staticmethod
    @torch.cuda.amp.custom_fwd  # expect: deprecated-function
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @torch.cuda.amp.custom_bwd  # expect: deprecated-function
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


with torch.cpu.amp.autocast(True, torch.bfloat16):  # expect: deprecated-function
    y = A @ A
with torch.cpu.amp.autocast(dtype=torch.bfloat16):  # expect: deprecated-function
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
