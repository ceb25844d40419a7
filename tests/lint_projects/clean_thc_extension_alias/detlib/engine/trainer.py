import torch

from detlib import _C


def do_train(model, loader, optimizer):
    scaler = torch.cuda.amp.GradScaler()
    for images, targets in loader:
        optimizer.zero_grad()
        with torch.cuda.amp.autocast():
            loss = model(images, targets, _C.nms)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
