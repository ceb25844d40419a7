# BloodAxe/Kaggle-2024-CryoET: the HRNet a project function builds and loads, traced in training mode
import torch

from cryo.ensembling import eval_model_from_checkpoint, model_from_checkpoint


@torch.no_grad()
def trace_and_save(checkpoint_path, traced_path):
    model = model_from_checkpoint(checkpoint_path).cuda()
    traced = torch.jit.trace(model, torch.randn(1, 1, 32, 32, 32).cuda())  # expect: export-in-train-mode
    torch.jit.save(traced, traced_path)


@torch.no_grad()
def trace_switched(checkpoint_path, traced_path):
    model = eval_model_from_checkpoint(checkpoint_path)  # the loader switches it itself
    torch.jit.save(torch.jit.trace(model, torch.randn(1, 1, 32, 32, 32)), traced_path)
