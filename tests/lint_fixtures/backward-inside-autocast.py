import contextlib

import torch
import torch.nn.functional as F

model = torch.nn.Linear(10, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cuda")
x, y = torch.randn(4, 10), torch.randint(0, 2, (4,))

with torch.autocast(device_type="cuda", dtype=torch.float16):
    loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()  # expect: backward-inside-autocast

with torch.amp.autocast("cpu", dtype=torch.bfloat16):
    out = model(x)
    loss = F.cross_entropy(out, y)
    if loss.requires_grad:
        loss.backward()  # expect: backward-inside-autocast

# the region held in a variable, as in many training scripts with an --amp flag
use_amp = True
amp_ctx = torch.autocast("cuda", dtype=torch.float16) if use_amp else contextlib.nullcontext()
with amp_ctx:
    loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()  # expect: backward-inside-autocast

# --- correct code ----------------------------------------------------------------------
with torch.autocast(device_type="cuda", dtype=torch.float16):
    loss = F.cross_entropy(model(x), y)
scaler.scale(loss).backward()

with torch.autocast("cuda", enabled=False):
    loss = F.cross_entropy(model(x), y)
    loss.backward()

with torch.autocast("cuda"):
    def closure():
        out = model(x)
        return out
loss = closure().sum()
loss.backward()


with amp_ctx:
    loss = F.cross_entropy(model(x), y)
scaler.scale(loss).backward()


# a training step decorated with autocast: its whole body runs in the region
@torch.autocast("cuda", dtype=torch.float16)
def decorated_step(x, y):
    loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()  # expect: backward-inside-autocast
    with torch.autocast("cuda", enabled=False):
        loss.float().backward()  # the region is off here


def backward_helper(loss):
    scaler.scale(loss).backward()


@torch.cuda.amp.autocast()
def decorated_helper_step(x, y):
    backward_helper(F.cross_entropy(model(x), y))  # expect: backward-inside-autocast


# correct: the decorated function computes the loss; the caller runs the backward
@torch.autocast("cuda", dtype=torch.float16)
def forward_loss(x, y):
    return F.cross_entropy(model(x), y)


scaler.scale(forward_loss(x, y)).backward()


@torch.autocast("cuda", enabled=False)
def full_precision_step(x, y):
    F.cross_entropy(model(x), y).backward()


# Project-MONAI/tutorials generation/maisi/maisi_train_vae_tutorial.ipynb (b3c6c99): the
# plain backward runs where `enabled=` is false (the scaled one above it is a finding).
def train_optional_amp(model, x, y, scaler, optimizer, amp):
    with torch.autocast("cuda", enabled=amp):
        loss = F.cross_entropy(model(x), y)
        if amp:
            scaler.scale(loss).backward()  # expect: backward-inside-autocast
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        if not amp:
            loss.backward()


class QuantTest:
    """pytorch/ao's tests: a helper that trains only when asked, called under no_grad and
    autocast with check_train=False: nothing trains in the region."""

    def _check_common(self, fn, args, check_train=True):
        for training in [False, True] if check_train else [False]:
            result = fn(*args)
            if training:
                result.sum().backward()

    def test_int8(self, mod, inputs):
        with torch.no_grad(), torch.amp.autocast("cpu", dtype=torch.bfloat16):
            self._check_common(mod, inputs, check_train=False)
        with torch.amp.autocast("cpu", dtype=torch.bfloat16):
            self._check_common(mod, inputs)  # expect: backward-inside-autocast
