# from researchmm/Stark lib/train/data/loader.py: torch._six is gone from torch 2.0 on
import torch
from torch._six import string_classes  # noqa: removed-function (the code targets torch < 2.0)


class LTRLoader(torch.utils.data.DataLoader):
    kinds = string_classes
