"""alinlab/CSI's shape: the score is computed through a closure a factory returns, and
the only caller of the entry point (ood_eval.py), which imports it from one of two
modules by a mode, runs it with gradients on."""
import torch


def eval_ood_detection(model, id_loader, mode):
    score_func = get_ood_score_func(model, mode)
    return get_scores(id_loader, score_func)


def get_ood_score_func(model, mode):
    def score_func(x):
        return compute_ood_score(model, mode, x)
    return score_func


def get_scores(loader, score_func):
    return [score_func(x) for x, _ in loader]


def compute_ood_score(model, mode, x):
    model.eval()
    total = 0
    for k in range(4):
        outputs = model(torch.rot90(x, k, (2, 3)))  # expect: missing-no-grad
        total = total + outputs.softmax(dim=1).max(dim=1)[0]
    return total / 4
