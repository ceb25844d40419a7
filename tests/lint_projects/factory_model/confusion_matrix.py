"""TingsongYu/PyTorch-Tutorial-2nd's confusion-matrix script (before its fix): the model comes
from a factory of the project that builds a batch-norm ResNet; eval() for the validation
pass, and train() never called, so every epoch after the first trains in eval mode."""

import torch
import torch.nn.functional as F

from my_utils import tiny_resnet


def confusion_matrix_script(train_loader, valid_loader, max_epoch):
    model = tiny_resnet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for epoch in range(max_epoch):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval()  # expect: missing-train-mode
        with torch.no_grad():
            for x, y in valid_loader:
                print(model(x).argmax(1).eq(y).sum().item())
