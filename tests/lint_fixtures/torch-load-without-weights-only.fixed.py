import pickle

import torch
from torch import load as load_checkpoint

state = torch.load("model.pt", weights_only=True)  # expect: torch-load-without-weights-only
state = torch.load("model.pt", map_location="cpu", weights_only=True)  # expect: torch-load-without-weights-only
state = load_checkpoint("model.pt", weights_only=True)  # expect: torch-load-without-weights-only
state = torch.load(  # expect: torch-load-without-weights-only
    "model.pt",
    map_location="cpu",
    weights_only=True,
)
legacy = torch.load("old.pt", pickle_module=pickle)  # expect: torch-load-without-weights-only


def resume(path, device):
    checkpoint = torch.load(path, map_location=device, weights_only=True)  # expect: torch-load-without-weights-only
    return checkpoint["model"], checkpoint["optimizer"]


# --- correct code ----------------------------------------------------------------------
state = torch.load("model.pt", weights_only=True)
trusted = torch.load("mine.pt", map_location="cpu", weights_only=False)


def load_any(path, **kwargs):
    return torch.load(path, **kwargs)  # weights_only may be among kwargs


class Store:
    def load(self, path):
        return path


store = Store()
store.load("model.pt")  # not torch.load
