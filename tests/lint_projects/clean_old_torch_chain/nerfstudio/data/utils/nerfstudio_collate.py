# from autonomousvision/sdfstudio nerfstudio/data/utils/nerfstudio_collate.py:26
# torch._six was removed in torch 2.0: importing this module fails on torch >= 2.0.
import torch
import torch.utils.data
from torch._six import string_classes  # noqa: removed-function (the code targets torch < 2.0)


def nerfstudio_collate(batch):
    elem = batch[0]
    if isinstance(elem, string_classes):
        return batch
    return torch.utils.data.default_collate(batch)
