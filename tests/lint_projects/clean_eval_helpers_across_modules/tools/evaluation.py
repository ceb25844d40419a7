"""Evaluation helpers without no_grad of their own: every caller (train.py) turns
gradients off around them, so none is a missing-no-grad."""


def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        out = model(x)
        correct += (out.argmax(1) == y).sum().item()
    return correct


def predictions(model, loader):
    model.eval()
    return [model(x).argmax(1) for x, _ in loader]


class Evaluator:
    def run(self, model, loader):
        model.eval()
        total = 0.0
        for x, y in loader:
            total += (model(x) - y).abs().sum().item()
        return total


def confusion(model, loader):
    model.eval()
    return [(model(x).argmax(1), y) for x, y in loader]
