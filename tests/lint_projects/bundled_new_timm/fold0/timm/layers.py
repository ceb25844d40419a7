import collections.abc

import torch.nn as nn


def make_head(width):
    assert not isinstance(width, collections.abc.Iterable)
    return nn.Linear(width, width)
