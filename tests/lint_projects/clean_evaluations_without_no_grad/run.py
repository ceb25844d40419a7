import torch

from usad import UsadModel, testing, training


def to_device(data, device):
    return data.to(device, non_blocking=True)


def main(train_loader, val_loader, test_loader):
    model = to_device(UsadModel(8, 2), torch.device("cpu"))
    training(10, model, train_loader, val_loader)
    return testing(model, test_loader)
