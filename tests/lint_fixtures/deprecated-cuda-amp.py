import torch
import torch.cuda.amp as cuda_amp
from torch.cuda.amp import GradScaler

scaler = torch.cuda.amp.GradScaler()  # expect: deprecated-cuda-amp
scaler2 = torch.cuda.amp.GradScaler(init_scale=2.0**14, enabled=True)  # expect: deprecated-cuda-amp
scaler3 = GradScaler()  # expect: deprecated-cuda-amp

with torch.cuda.amp.autocast(dtype=torch.float16):  # expect: deprecated-cuda-amp
    pass

with torch.cuda.amp.autocast():  # expect: deprecated-cuda-amp
    pass

with torch.cuda.amp.autocast(False):  # expect: deprecated-cuda-amp
    pass

with torch.cuda.amp.autocast(True, torch.bfloat16, False):  # expect: deprecated-cuda-amp
    pass

with torch.cuda.amp.autocast(  # expect: deprecated-cuda-amp
    True,
    dtype=torch.bfloat16,
):
    pass

scaler4 = torch.cuda.amp.GradScaler(2.0**10, 3.0, 0.25, 100, False)  # expect: deprecated-cuda-amp
scaler5 = cuda_amp.GradScaler(enabled=False)  # expect: deprecated-cuda-amp
options = {"enabled": False}
with torch.cuda.amp.autocast_mode.autocast(**options):  # expect: deprecated-cuda-amp
    pass

# --- correct code ----------------------------------------------------------------------
scaler = torch.amp.GradScaler("cuda")
with torch.amp.autocast("cuda", dtype=torch.float16):
    pass
with torch.autocast(device_type="cuda"):
    pass
# an arm for versions before torch.amp took the device type (chosen on purpose)
TORCH_VERSION = tuple(int(v) for v in torch.__version__.split(".")[:2])
if TORCH_VERSION < (1, 10):
    scaler = torch.cuda.amp.GradScaler()
# open-mmlab/mmcv's tests: the name is torch_musa's autocast where MUSA is available. Still
# the deprecated API on CUDA, but a fix for CUDA would change the MUSA path: none.
def musa_or_cuda(use_musa):
    if use_musa:
        from torch_musa.core.amp import autocast
    else:
        from torch.cuda.amp import autocast
    with autocast(enabled=True):  # expect: deprecated-cuda-amp
        pass


def active_autocast():
    """NVIDIA/TransformerEngine: the version read through a helper named for it."""
    if torch_version() >= (2, 4, 0):
        return torch.amp.autocast("cuda")
    else:
        return torch.cuda.amp.autocast()


def torch_version():
    return tuple(int(v) for v in torch.__version__.split(".")[:3])


def yolov3_scaler(amp):
    """ultralytics/yolov3's train.py: a flag named for the version (imported from the
    project's utilities) tested in a conditional expression: both arms chosen on purpose."""
    from ultralytics.utils.torch_utils import TORCH_2_4

    return torch.amp.GradScaler("cuda", enabled=amp) if TORCH_2_4 else torch.cuda.amp.GradScaler(enabled=amp)


def other_test_scaler(amp, new_api):
    return torch.amp.GradScaler("cuda", enabled=amp) if new_api else torch.cuda.amp.GradScaler(enabled=amp)  # expect: deprecated-cuda-amp


def llama_recipes_train(use_fp16, model, batch):
    """meta-llama/llama-recipes' train_utils: the class is named here and called later."""
    import functools
    from contextlib import nullcontext

    autocast = torch.cuda.amp.autocast if use_fp16 else nullcontext  # expect: deprecated-cuda-amp
    with autocast():
        model(batch)
    half = functools.partial(torch.cuda.amp.autocast, dtype=torch.float16)  # expect: deprecated-cuda-amp
    ctx = torch.cuda.amp.autocast  # expect: deprecated-cuda-amp
    with half(), ctx():
        model(batch)
    # builds nothing: an annotation, a type test, the modern class in a conditional
    scaler: torch.cuda.amp.GradScaler = None
    if isinstance(scaler, torch.cuda.amp.GradScaler):
        pass
    return torch.amp.autocast if use_fp16 else nullcontext


def get_autocast(precision):
    """mlfoundations/open_flamingo's eval/utils.py: the class is returned, and the caller
    builds it later (``self.autocast = get_autocast(...)``, ``with self.autocast():``)."""
    from contextlib import suppress

    if precision == "amp":
        return torch.cuda.amp.autocast  # expect: deprecated-cuda-amp
    return suppress


def amp_context(device, amp_dtype):
    # timm's train script: torch.autocast first; the handler runs only where torch lacks it
    # (PyTorch < 1.10), where torch.cuda.amp.autocast is the API to use
    try:
        amp_autocast = functools.partial(torch.autocast, device_type=device.type, dtype=amp_dtype)
    except (AttributeError, TypeError):
        amp_autocast = torch.cuda.amp.autocast
    return amp_autocast


def amp_context_without_detection(device):
    try:
        device_name = device.type
    except AttributeError:
        return torch.cuda.amp.autocast  # expect: deprecated-cuda-amp
    return device_name
