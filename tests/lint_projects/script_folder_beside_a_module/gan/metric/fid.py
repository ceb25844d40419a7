"""yaxingwang/MineGAN's styleGAN/metric/fid_score.py, in short: run from gan/ (train.py's
folder), ``metric`` is the package gan/metric/, whose inception.py freezes the model."""
import numpy as np
import torch

from metric.inception import InceptionV3


def get_activations(batches, model):
    model.eval()
    acts = []
    for batch in batches:
        pred = model(torch.from_numpy(batch))[0]  # expect: missing-no-grad
        acts.append(pred.cpu().numpy())  # expect: numpy-without-detach
    return np.concatenate(acts)


def statistics(batches, model):
    act = get_activations(batches, model)
    return np.mean(act, axis=0), np.cov(act, rowvar=False)


def calculate_fid(paths):
    model = InceptionV3([3])
    batches = [np.load(p) for p in paths]
    return statistics(batches, model)
