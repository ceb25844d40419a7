# from THUDM/ChatGLM-6B ptuning/trainer.py:2612 and :2615 (Trainer.autocast_smart_context_manager)
# Both autocast calls sit in the arms of `if is_torch_greater_or_equal_than_1_10:`, a flag named for a
# torch version (transformers.pytorch_utils); the else arm only runs on torch < 1.10, where
# torch.cuda.amp.autocast is not deprecated and torch.amp.autocast does not exist.
import contextlib
from typing import Optional

import torch
from transformers.pytorch_utils import is_torch_greater_or_equal_than_1_10


class Trainer:
    def __init__(self, use_cuda_amp, use_cpu_amp, amp_dtype):
        self.use_cuda_amp = use_cuda_amp
        self.use_cpu_amp = use_cpu_amp
        self.amp_dtype = amp_dtype

    def autocast_smart_context_manager(self, cache_enabled: Optional[bool] = True):
        if self.use_cuda_amp or self.use_cpu_amp:
            if is_torch_greater_or_equal_than_1_10:
                ctx_manager = (
                    torch.cpu.amp.autocast(cache_enabled=cache_enabled, dtype=self.amp_dtype)
                    if self.use_cpu_amp
                    else torch.cuda.amp.autocast(cache_enabled=cache_enabled, dtype=self.amp_dtype)
                )
            else:
                ctx_manager = torch.cuda.amp.autocast()
        else:
            ctx_manager = contextlib.nullcontext()
        return ctx_manager
