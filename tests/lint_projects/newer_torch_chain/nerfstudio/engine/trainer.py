# from autonomousvision/sdfstudio nerfstudio/engine/trainer.py:85
# the chain of imports reaches no torch._six: this runs on current torch, where
# torch.cuda.amp.GradScaler is deprecated
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
        self.grad_scaler = GradScaler(enabled=self.mixed_precision)  # expect: deprecated-cuda-amp
