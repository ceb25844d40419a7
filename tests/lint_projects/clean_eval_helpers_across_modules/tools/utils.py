"""A project's own wrapper of inference mode (as large code bases write one)."""
import torch


def smart_inference_mode():
    return torch.inference_mode()
