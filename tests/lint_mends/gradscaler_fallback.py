# MIC-DKFZ/nnUNet nnunetv2/training/nnUNetTrainer/nnUNetTrainer.py: the modern class where
# torch has it; torch.cuda.amp's only in the ImportError fallback (torch < 2.3)
import torch

try:
    from torch import GradScaler
    TORCH_HAS_OLD_GRADSCALER = False
except ImportError:
    from torch.cuda.amp import GradScaler
    TORCH_HAS_OLD_GRADSCALER = True


class Trainer:
    def __init__(self, device: torch.device):
        self.device = device
        self.grad_scaler = (GradScaler("cuda") if not TORCH_HAS_OLD_GRADSCALER else GradScaler()) \
            if self.device.type == "cuda" else None
