# from autonomousvision/sdfstudio nerfstudio/data/datamanagers/base_datamanager.py:61
import torch

from nerfstudio.data.utils.nerfstudio_collate import nerfstudio_collate


class VanillaDataManager:
    collate_fn = staticmethod(nerfstudio_collate)
