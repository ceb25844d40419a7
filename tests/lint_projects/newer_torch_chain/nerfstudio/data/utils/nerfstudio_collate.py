# from autonomousvision/sdfstudio nerfstudio/data/utils/nerfstudio_collate.py:26
# no torch._six here: the chain imports on any torch, and the deprecation holds
import torch
import torch.utils.data
string_classes = (str, bytes)


def nerfstudio_collate(batch):
    elem = batch[0]
    if isinstance(elem, string_classes):
        return batch
    return torch.utils.data.default_collate(batch)
