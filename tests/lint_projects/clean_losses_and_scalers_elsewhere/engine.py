"""The training loop scales the loss and hands the scaler to the updater."""

import torch

from updater import Updater


def train_epoch(network, loader, use_amp=True):
    updater = Updater(network)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    for x, y in loader:
        with torch.autocast("cuda", enabled=use_amp):
            loss = torch.nn.functional.mse_loss(network(x), y)
        scaler.scale(loss).backward()
        updater.step(grad_scaler=scaler)
