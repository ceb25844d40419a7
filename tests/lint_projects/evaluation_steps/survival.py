"""A model never switched to eval mode, evaluated on one held-out batch at a time."""

import torch

from helpers import neg_log_likelihood

model = torch.nn.Sequential(
    torch.nn.BatchNorm1d(8),
    torch.nn.Linear(8, 32),
    torch.nn.ReLU(),
    torch.nn.Dropout(),
    torch.nn.Linear(32, 1),
)


def fit(dataloader_train, dataloader_val, epochs):
    optimizer = torch.optim.Adam(model.parameters())
    history = []
    for epoch in range(epochs):
        for x, (event, time) in dataloader_train:
            optimizer.zero_grad()
            neg_log_likelihood(model(x), event, time).backward()
            optimizer.step()
        with torch.no_grad():
            x, (event, time) = next(iter(dataloader_val))
            history.append(neg_log_likelihood(model(x), event, time))  # expect: missing-eval
    return history
