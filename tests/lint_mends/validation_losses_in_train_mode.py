# from facebookresearch/maskrcnn-benchmark maskrcnn_benchmark/engine/trainer.py:151
# The detector returns its loss dict only in training mode, so the validation-loss
# loop deliberately calls model.train() right before it (after inference() used eval()).
import torch


def inference(model, loader):
    model.eval()
    with torch.no_grad():
        return [model(images) for images, _ in loader]


def do_train(model, data_loader, data_loader_val, optimizer, device, test_period):
    model.train()
    for iteration, (images, targets) in enumerate(data_loader):
        loss_dict = model(images.to(device), targets)
        losses = sum(loss for loss in loss_dict.values())
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        if iteration % test_period == 0:
            _ = inference(model, data_loader_val)
            model.train()
            with torch.no_grad():
                for iteration_val, (images_val, targets_val) in enumerate(data_loader_val):
                    images_val = images_val.to(device)
                    loss_dict = model(images_val, targets_val)
                    losses = sum(loss for loss in loss_dict.values())
