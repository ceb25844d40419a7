"""Research-style code: linear algebra with torch.linalg, torch.func ensembles, and a
Lightning-style module whose dataloaders start workers only when the trainer asks."""

import math

import numpy as np
import torch
import torch.nn as nn
from torch.func import functional_call, stack_module_state, vmap
from torch.utils.data import DataLoader, TensorDataset


def whiten(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    cov = torch.cov(x.T) + eps * torch.eye(x.shape[1])
    L = torch.linalg.cholesky(cov)
    return torch.linalg.solve_triangular(L, x.T, upper=False).T


def least_squares(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    Q, R = torch.linalg.qr(A)
    return torch.linalg.solve_triangular(R, Q.mH @ B, upper=True)


def spectral_norms(W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
    rank = torch.linalg.matrix_rank(W)
    return S.max(), rank + torch.linalg.vector_norm(W) * 0


def stable_softplus(x: torch.Tensor) -> torch.Tensor:
    # log(1 + exp(x)) written stably
    return torch.log1p(torch.exp(-x.abs())) + x.clamp(min=0)


def numpy_check(a: np.ndarray) -> float:
    # numpy's own linear algebra is not PyTorch's deprecated API
    return float(np.linalg.norm(a) + np.linalg.solve(np.eye(2), np.ones(2)).sum() + math.log(1 + 1e-3))


def ensemble_predict(models: list[nn.Module], x: torch.Tensor) -> torch.Tensor:
    params, buffers = stack_module_state(models)
    base = models[0]

    def call(p, b, inp):
        return functional_call(base, (p, b), (inp,))

    return vmap(call, in_dims=(0, 0, None))(params, buffers, x)


class LitClassifier(nn.Module):
    """Lightning-style: the trainer calls the *_dataloader hooks inside its own guard."""

    def __init__(self, workers: int = 4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
        self.workers = workers
        self.scale = nn.Parameter(torch.tensor([1.0, 1.0]))
        self.register_buffer("class_ids", torch.arange(2))

    def forward(self, x):
        return self.net(x) * self.scale

    def train_dataloader(self):
        data = TensorDataset(torch.randn(64, 8), torch.randint(0, 2, (64,)))
        return DataLoader(data, batch_size=16, shuffle=True, num_workers=self.workers,
                          persistent_workers=self.workers > 0)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return nn.functional.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)


def freeze(module: nn.Module) -> None:
    for p in module.parameters():
        p.requires_grad_(False)


positions = torch.arange(10, dtype=torch.float32, requires_grad=True)
weights = torch.tensor([0.25, 0.75], requires_grad=True)
steps = torch.arange(0, 1, 0.1)
