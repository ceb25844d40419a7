# from meta-pytorch/torchrec torchrec/experimental/torch_tpu/benchmarks/train_dlrm_mlperf_tpu.py:204
# _materialize() exists only to force pending (lazy) device work to run before a clock is read:
# the blocking device-to-host copy of tensor.detach().to("cpu") is the point; its result is not needed.
import time

import torch

try:
    from torch_tpu._internal import sync as _tpu_sync  # type: ignore[import-not-found]

    def _materialize(tensor: torch.Tensor | None = None) -> None:
        if tensor is None:
            _tpu_sync.synchronize(wait=True)
        else:
            _tpu_sync.synchronize(tensor, wait=True)

except Exception:  # noqa: BLE001

    def _materialize(tensor: torch.Tensor | None = None) -> None:
        # Must still FLUSH: a no-op here would silently report meaningless step times.
        if tensor is None:
            torch.tpu.synchronize()
        else:
            tensor.detach().to("cpu")


def timed_step(model, batch):
    t0 = time.perf_counter()
    loss = model(batch)
    _materialize(loss)
    return time.perf_counter() - t0
