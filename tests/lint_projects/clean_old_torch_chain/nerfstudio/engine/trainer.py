# from autonomousvision/sdfstudio nerfstudio/engine/trainer.py:85
# trainer -> base_pipeline -> base_datamanager -> nerfstudio_collate -> torch._six:
# this file only imports on torch < 2.0, where torch.cuda.amp.GradScaler is not deprecated
# (and torch.amp.GradScaler, the suggested replacement, does not exist before 2.3).
# TW404 is silent: the torch._six import three modules down is followed.
from __future__ import annotations

import torch
from torch.cuda.amp.grad_scaler import GradScaler

from nerfstudio.pipelines.base_pipeline import VanillaPipeline


class Trainer:
    pipeline: VanillaPipeline

    def __init__(self, mixed_precision: bool, local_rank: int = 0, world_size: int = 1):
        self.device = "cpu" if world_size == 0 else f"cuda:{local_rank}"
        self.mixed_precision = mixed_precision
        if self.device == "cpu":
            self.mixed_precision = False
        self.grad_scaler = GradScaler(enabled=self.mixed_precision)
