# from state-spaces/s4 src/models/hippo/visualizations.py:367 (measure returns a lambda bound to a name;
# transition returns numpy arrays): HiPPO holds buffers only, its output needs no grad
import numpy as np
import torch
import torch.nn as nn


def measure(method, c=0.0):
    if method == 'legt':
        fn = lambda x: np.heaviside(x, 0.0)
    else: raise NotImplementedError
    fn_tilted = lambda x: np.exp(c*x) * fn(x)
    return fn_tilted


def transition(N):
    A = np.eye(N)
    B = np.ones((N, 1))
    return A, B


class HiPPO(nn.Module):
    def __init__(self, N, method='legs', dt=1.0):
        super().__init__()
        A, B = transition(N)
        self.B = B.squeeze(-1)
        self.measure_fn = measure(method)
        self.register_buffer('dA', torch.Tensor(np.eye(N) * (1 - dt)))

    def forward(self, inputs):
        return nn.functional.linear(inputs, self.dA)


def animate_hippo(method='legs', N=8, dt=5e-4):
    u = torch.FloatTensor(np.random.randn(100, 8))
    hippo = HiPPO(method=method, N=N, dt=dt)
    return hippo(u).cpu().numpy()
