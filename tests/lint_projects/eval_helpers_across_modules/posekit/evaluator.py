"""As the clean twin, but under no_grad alone: the model is still in train mode."""
import torch


def inference_on_dataset(model, loader):
    outputs = []
    with torch.no_grad():
        for x in loader:
            outputs.append(model(x))
    return outputs
