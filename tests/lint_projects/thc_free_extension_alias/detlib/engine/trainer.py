import torch

from detlib import _C


def do_train(model, loader, optimizer):
    scaler = torch.cuda.amp.GradScaler()  # expect: deprecated-cuda-amp
    for images, targets in loader:
        optimizer.zero_grad()
        with torch.cuda.amp.autocast():  # expect: deprecated-cuda-amp
            loss = model(images, targets, _C.nms)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
