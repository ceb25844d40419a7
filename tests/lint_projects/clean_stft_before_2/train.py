import torch
from torch.cuda.amp import GradScaler, autocast

from mel_processing import spectrogram_torch


def train(model, loader, optimizer):
    scaler = GradScaler(enabled=True)
    for wav, target in loader:
        with autocast(enabled=True):
            loss = torch.nn.functional.l1_loss(model(spectrogram_torch(wav, 1024, 256, 1024)), target)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
