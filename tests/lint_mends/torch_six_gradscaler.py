# from baaivision/EVA EVA-01/eva/utils.py:359 (same code: EVA-02/asuka/utils.py:357)
# The file imports torch._six, which PyTorch removed in 2.0, so it only imports on torch < 2.0
# (README: torch 1.12). torch.amp.GradScaler only exists from torch 2.3, so the "safe" fix
# torch.amp.GradScaler("cuda") raises AttributeError on every torch this file can run on,
# and the deprecation (torch >= 2.4) never applies to it.
import torch
import torch.distributed as dist
from torch._six import inf


class NativeScalerWithGradNormCount:
    state_dict_key = "amp_scaler"

    def __init__(self):
        self._scaler = torch.cuda.amp.GradScaler()

    def __call__(self, loss, optimizer, clip_grad=None, parameters=None, create_graph=False, update_grad=True):
        self._scaler.scale(loss).backward(create_graph=create_graph)
        if update_grad:
            if clip_grad is not None:
                self._scaler.unscale_(optimizer)
                norm = torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
            else:
                norm = inf
            self._scaler.step(optimizer)
            self._scaler.update()
        else:
            norm = None
        return norm

    def state_dict(self):
        return self._scaler.state_dict()
