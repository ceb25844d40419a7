"""THU-DA-6D-Pose-Group/GDR-Net's shape: the evaluation helper runs the model under
detectron2's ``inference_context(model)``, which puts it in eval mode and restores it."""
import torch
from detectron2.evaluation import inference_context


def inference_on_dataset(model, loader):
    outputs = []
    with inference_context(model), torch.no_grad():
        for x in loader:
            outputs.append(model(x))
    return outputs
