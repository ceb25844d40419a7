# from XiangLi1999/PrefixTuning transformers/src/transformers/trainer_prefix.py:62-82, 418-420
# (the old Hugging Face trainer): native AMP is chosen where torch is 1.6 or newer, through a
# flag set in the version test's arm and an import made there.
import torch
from packaging import version

_use_native_amp = False

if version.parse(torch.__version__) < version.parse("1.6"):
    from apex import amp
else:
    _use_native_amp = True
    from torch.cuda.amp import autocast


class Trainer:
    def __init__(self, model, fp16):
        self.model = model
        self.fp16 = fp16
        if self.fp16 and _use_native_amp:
            self.scaler = torch.cuda.amp.GradScaler()

    def training_step(self, inputs):
        if self.fp16 and _use_native_amp:
            with autocast():
                loss = self.model(**inputs)
        else:
            loss = self.model(**inputs)
        return loss
