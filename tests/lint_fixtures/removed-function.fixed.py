import numpy as np
import torch
import torch as th
from torch import lstsq  # expect: removed-function

A = torch.randn(3, 3)
B = torch.randn(3, 2)

x, lu = torch.solve(B, A)  # expect: removed-function
values, vectors = th.symeig(A, eigenvectors=True)  # expect: removed-function
rank = torch.matrix_rank(A)  # expect: removed-function
solution = lstsq(B, A)  # expect: removed-function
solver = torch.solve  # expect: removed-function

# --- correct code ----------------------------------------------------------------------
x = torch.linalg.solve(A, B)
values, vectors = torch.linalg.eigh(A)
rank = torch.linalg.matrix_rank(A)
solution = torch.linalg.lstsq(A, B).solution
np_x = np.linalg.solve(A.numpy(), B.numpy())


def solve(a, b):
    return a, b


solve(A, B)


# torch._six went in PyTorch 2.0 (the BEiT/MAE family's utils, detectron2-era datasets)
from math import inf; string_classes = (str, bytes)  # expect: removed-function
import collections.abc as abcs  # expect: removed-function

try:
    from torch._six import int_classes  # tried, with a fallback: left alone
except ImportError:
    int_classes = int


def is_path(root):
    return isinstance(root, (str, bytes))  # expect: removed-function


def py3():
    return torch._six.PY3  # expect: removed-function
