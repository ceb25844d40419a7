# from tianzhi0549/FCOS fcos_core/engine/trainer.py:64 (maskrcnn-benchmark's trainer): the scheduler
# steps first only where torch is older than 1.1, whose schedulers wanted that order.
import torch


def is_pytorch_1_1_0_or_later():
    return [int(_) for _ in torch.__version__.split("+")[0].split(".")[:3]] >= [1, 1, 0]


def do_train(model, data_loader, optimizer, scheduler):
    pytorch_1_1_0_or_later = is_pytorch_1_1_0_or_later()
    for iteration, (images, targets) in enumerate(data_loader):
        if not pytorch_1_1_0_or_later:
            scheduler.step()
        losses = model(images, targets)
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        if pytorch_1_1_0_or_later:
            scheduler.step()
