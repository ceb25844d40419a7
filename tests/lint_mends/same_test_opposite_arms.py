# from yandex-research/tabm paper/bin/model.py:620 (same shape in example.ipynb cell 16 line 58)
import torch
from torch import nn


def train(model, optimizer, loss_fn, X, Y, batches, amp_dtype, gradient_clipping_norm):
    grad_scaler = torch.amp.GradScaler("cuda") if amp_dtype is torch.float16 else None
    for batch_idx in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(X[batch_idx]), Y[batch_idx])
        if grad_scaler is None:
            loss.backward()
        else:
            grad_scaler.scale(loss).backward()

        if gradient_clipping_norm is not None:
            if grad_scaler is not None:
                grad_scaler.unscale_(optimizer)
            nn.utils.clip_grad.clip_grad_norm_(model.parameters(), gradient_clipping_norm)
        if grad_scaler is None:
            optimizer.step()  # only runs when no scaler exists: nothing was scaled
        else:
            grad_scaler.step(optimizer)
            grad_scaler.update()
