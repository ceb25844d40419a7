# GitHub-HongweiZhang/prediction-flow: fit switches the model it is handed (eval mode only with a
# validation loader), predict, which no code of the project calls, sets no mode
import numpy as np
import torch


def fit(epochs, model, loss, optimizer, train_loader, valid_loader=None):
    for _ in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss(model(x), y).backward()
            optimizer.step()
        if valid_loader is not None:
            model.eval()
            with torch.no_grad():
                for x, y in valid_loader:
                    print(loss(model(x), y).item())


def predict(model, test_loader):
    preds = []
    with torch.no_grad():
        for x in test_loader:
            preds.append(model(x).numpy())  # expect: missing-eval
    return np.vstack(preds)
