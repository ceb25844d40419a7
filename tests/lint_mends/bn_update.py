# wjmaddox/swa_gaussian swag/utils.py: train mode on purpose, to recompute the batch-norm
# statistics under no_grad after SWA (what torch.optim.swa_utils.update_bn does)
import torch


def bn_update(loader, model):
    model.train()
    momenta = {}
    n = 0
    with torch.no_grad():
        for input, _ in loader:
            b = input.size(0)
            for module in momenta.keys():
                module.momentum = b / (n + b)
            model(input)
            n += b
