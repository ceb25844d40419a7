# from damo-cv/TransReID model/backbones/vit_pytorch.py:29: torch._six is gone from torch 2.0 on
import torch
from torch._six import container_abcs  # noqa: removed-function (the code targets torch < 2.0)


def vit_base():
    return torch.nn.Linear(8, 8)
