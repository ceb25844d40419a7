# from PKU-YuanGroup/Open-Sora-Plan opensora/npu_config.py:258
# On Ascend, transfer_to_npu rebinds torch.cuda.amp to torch_npu.npu.amp, so this
# autocast(enabled=False) turns off NPU autocast; the branch runs only on NPU.
import torch

try:
    import torch_npu

    npu_is_available = True
    from torch_npu.contrib import transfer_to_npu
except:
    npu_is_available = False


class NPUConfig:
    def __init__(self):
        self.on_npu = npu_is_available

    def _run(self, operator, x, tmp_dtype, out_dtype=None):
        if self.on_npu:
            if out_dtype is None:
                out_dtype = x.dtype
            with torch.cuda.amp.autocast(enabled=False):
                x = operator.to(device=x.device, dtype=tmp_dtype)(x.to(tmp_dtype))
                return x.to(out_dtype)
        else:
            return operator(x)

    def run_group_norm(self, operator, x):
        return self._run(operator, x, torch.float32)
