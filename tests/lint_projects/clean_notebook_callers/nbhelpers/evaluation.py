"""Evaluation helpers of a package whose only callers are a notebook's cells, which
run them under no_grad: directly, or through a function defined in a cell."""


def score(model, loader):
    model.eval()
    total = 0.0
    for x, y in loader:
        total += (model(x) - y).abs().sum().item()
    return total


def predict_all(model, loader):
    model.eval()
    return [model(x).argmax(1) for x, _ in loader]
