import contextlib

import torch


def graph_evaluate(model, features, labels):
    model.eval()
    with torch.no_grad():
        scores = model(features)
    return (scores.argmax(dim=1) == labels).float().mean().item()


@contextlib.contextmanager
def eval_mode(*nets):
    """MONAI's: eval mode (and no gradients) for the block, the modes restored after."""
    training = [n for n in nets if n.training]
    try:
        with torch.no_grad():
            yield [n.eval() for n in nets]
    finally:
        for n in training:
            n.train()
