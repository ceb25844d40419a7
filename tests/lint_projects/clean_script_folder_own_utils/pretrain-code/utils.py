# from noahzn/Lite-Mono lite-mono-pretrain-code/utils.py:20: torch._six is gone from torch 2.0 on
import torch
from torch._six import inf  # noqa: removed-function (the code targets torch < 2.0)


def clip(parameters, max_norm=inf):
    return torch.nn.utils.clip_grad_norm_(parameters, max_norm)
