import torch

from cryo.modelling.hrnet import HRNet


def model_from_checkpoint(path):
    model = HRNet()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True)["state_dict"])
    return model


def eval_model_from_checkpoint(path):
    model = HRNet()
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True)["state_dict"])
    return model.eval()
