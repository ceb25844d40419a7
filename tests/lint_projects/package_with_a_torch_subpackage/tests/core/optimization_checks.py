import torch

from mylib.torch.core.optimization import *


def check_plain_adam():
    model = torch.nn.Linear(4, 1)
    optimizer = PlainAdam(model.parameters())
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    for _ in range(50):
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()  # expect: missing-zero-grad
