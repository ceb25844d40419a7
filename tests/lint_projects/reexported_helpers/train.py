import torch
from torch import nn

from metrics import eval_mode, graph_evaluate


def fit(features, labels, epochs):
    model = nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.5), nn.Linear(32, 2))
    optimizer = torch.optim.AdamW(model.parameters())
    model.train()
    for epoch in range(epochs):
        loss = nn.functional.cross_entropy(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(graph_evaluate(model, features, labels))  # expect: missing-train-mode


def fit_and_validate(features, labels, val_loader, epochs):
    # MONAI's integration tests: ``with eval_mode(model):``, re-exported by a package
    model = nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.5), nn.Linear(32, 2))
    optimizer = torch.optim.AdamW(model.parameters())
    for epoch in range(epochs):
        model.train()
        loss = nn.functional.cross_entropy(model(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with eval_mode(model):
            for val_images, val_labels in val_loader:
                print((model(val_images).argmax(dim=1) == val_labels).float().mean())
