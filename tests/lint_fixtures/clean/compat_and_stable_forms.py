"""Correct code that used to draw findings: compatibility imports for older torch
versions, the max-subtracted log-sum-exp, `zero_grad(set_to_none=False)` where
`.grad` is read right after, and a plain variable called `require_grad`."""

import torch
from torch import nn

try:  # torch >= 2.0
    from torch.func import vmap
except ImportError:  # older releases shipped it in functorch
    from functorch import vmap

try:
    from torch.linalg import cholesky
except ModuleNotFoundError:
    from torch import cholesky

try:
    import torch.func as func_api
except ImportError:
    import functorch as func_api


def batched_dot(a, b):
    return vmap(torch.dot)(a, b)


def log_partition(scores):
    peak = scores.max(dim=-1, keepdim=True).values
    return torch.log(torch.sum(torch.exp(scores - peak), dim=-1, keepdim=True)) + peak


def log_partition_inline(scores):
    return torch.log(torch.exp(scores - scores.amax(-1, keepdim=True)).sum(-1))


def gradient_norms(model: nn.Module, optimizer: torch.optim.Optimizer, loss: torch.Tensor):
    optimizer.zero_grad(set_to_none=False)
    loss.backward()
    return [p.grad.norm() for p in model.parameters()]


def freeze(model: nn.Module, require_grad: bool = False):
    for p in model.parameters():
        p.requires_grad = require_grad
    return model


if __name__ == "__main__":
    print(batched_dot(torch.ones(2, 3), torch.ones(2, 3)), cholesky(torch.eye(2)), func_api)
    print(log_partition(torch.randn(2, 4)), log_partition_inline(torch.randn(2, 4)))
    net = nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    print(gradient_norms(net, opt, net(torch.ones(2, 3)).sum()), freeze(net))


class GraphAttention(nn.Module):
    """Diego999/pyGAT models.py (3664f2d): the heads live in a plain list and are
    registered one by one with add_module in a loop over it."""

    def __init__(self, nfeat, nhid, nheads):
        super().__init__()
        self.attentions = [nn.Linear(nfeat, nhid) for _ in range(nheads)]
        for i, attention in enumerate(self.attentions):
            self.add_module("attention_{}".format(i), attention)

    def forward(self, x):
        return torch.cat([att(x) for att in self.attentions], dim=1)


class SearchedNet(nn.Module):
    """PacktPublishing/Mastering-PyTorch Chapter12/optuna_pytorch.ipynb (7787dd3): the
    layers are gathered in a plain list, then registered through the Sequential built on it."""

    def __init__(self, depths):
        super().__init__()
        self.layers = []
        for d_in, d_out in zip(depths, depths[1:]):
            self.layers.append(nn.Linear(d_in, d_out))
            self.layers.append(nn.ReLU())
        self.model = nn.Sequential(*self.layers)

    def forward(self, x):
        return self.model(x)


class SharedCompressionLayer(nn.Module):
    """facebookresearch/fairseq examples/linformer (3d262bb): a layer shared between
    blocks, wrapped in a list "so it's not automatically registered" here; the attention
    module built on it registers it."""

    def __init__(self, dim):
        super().__init__()
        self.shared_compress_layer = [nn.Linear(dim, dim)]
        self.self_attn = nn.MultiheadAttention(dim, 1, kdim=self.shared_compress_layer[0].out_features)
        self.attn = CompressedAttention(dim, shared_compress_layer=self.shared_compress_layer[0])

    def forward(self, x):
        return self.attn(x)


class CompressedAttention(nn.Module):
    def __init__(self, dim, shared_compress_layer):
        super().__init__()
        self.compress = shared_compress_layer
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        return self.proj(self.compress(x))


class PretrainingHeads(nn.Module):
    """microsoft/LoRA's copy of transformers' LXMERT (c4593f0): losses without weights hold
    nothing to register, move or switch."""

    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.loss_fcts = {
            "l2": nn.SmoothL1Loss(reduction="none"),
            "ce": nn.CrossEntropyLoss(),
        }

    def forward(self, x, y):
        return self.loss_fcts["ce"](self.proj(x), y)


class RemovedAcquisition(torch.nn.Module):
    # botorch's qMultiObjectiveMaxValueEntropy: no longer available, its __init__ only raises
    def __init__(self, *args, **kwargs) -> None:
        """Removed: use another acquisition function."""
        raise NotImplementedError("removed; use qLowerBoundMultiObjectiveMaxValueEntropySearch")
