# from noahzn/Lite-Mono lite-mono-pretrain-code/engine.py:45: the scripts of this folder run from
# it, so `import utils` is its own utils.py (not the root's), which needs torch < 2.0
import torch

import utils


def train_one_epoch(model, loader, optimizer):
    for x, y in loader:
        with torch.cuda.amp.autocast():
            loss = torch.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        utils.clip(model.parameters())
        optimizer.step()
