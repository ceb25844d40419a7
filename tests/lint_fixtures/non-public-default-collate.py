import torch
import torch.utils.data._utils.collate
from torch.utils.data._utils.collate import default_collate  # expect: non-public-default-collate
from torch.utils.data._utils.collate import default_convert, default_collate_fn_map  # expect: non-public-default-collate

batch = default_collate([torch.ones(2), torch.zeros(2)])  # expect: non-public-default-collate
converted = torch.utils.data._utils.collate.default_convert([1, 2])  # expect: non-public-default-collate

# --- correct code ----------------------------------------------------------------------
from torch.utils.data import default_collate as public_collate  # noqa: E402

batch = public_collate([torch.ones(2)])
batch = torch.utils.data.default_collate([torch.ones(2)])
