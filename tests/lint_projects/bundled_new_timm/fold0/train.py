"""GuanshuoXu/SIIM-FISABIO-RSNA's shape: a script beside the effdet and timm it bundles;
effdet imports timm (found from the script's folder), whose package here needs no old torch."""
import torch
from effdet import Detector


def train(loader):
    model = Detector()
    optimizer = torch.optim.AdamW(model.parameters())
    scaler = torch.cuda.amp.GradScaler()  # expect: deprecated-cuda-amp
    for images, targets in loader:
        optimizer.zero_grad()
        with torch.cuda.amp.autocast():  # expect: deprecated-cuda-amp
            loss = model(images, targets)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
