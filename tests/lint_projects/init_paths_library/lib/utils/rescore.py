"""HRNet/DEKR lib/utils/rescore.py, in short: its caller runs it with gradients on."""
import torch


def rescore_valid(feature):
    model = torch.nn.Linear(8, 1)
    model.eval()
    scores = model(feature)
    return scores.cpu().numpy()  # expect: numpy-without-detach
