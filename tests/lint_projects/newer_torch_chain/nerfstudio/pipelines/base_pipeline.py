# from autonomousvision/sdfstudio nerfstudio/pipelines/base_pipeline.py:41
import torch

from nerfstudio.data.datamanagers.base_datamanager import VanillaDataManager


class VanillaPipeline(torch.nn.Module):
    datamanager_cls = VanillaDataManager
