"""HRNet/DEKR lib/utils/rescore.py, in short: its only caller runs it under no_grad."""
import torch


def rescore_valid(feature):
    model = torch.nn.Linear(8, 1)
    model.eval()
    scores = model(feature)
    return scores.cpu().numpy()
