"""The same evaluation helpers as the clean twin, but train.py calls them with
gradients on: autograd records every evaluation step."""


def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        out = model(x)  # expect: missing-no-grad
        correct += (out.argmax(1) == y).sum().item()
    return correct


def predictions(model, loader):
    model.eval()
    return [model(x).argmax(1) for x, _ in loader]  # expect: missing-no-grad


class Evaluator:
    def run(self, model, loader):
        model.eval()
        total = 0.0
        for x, y in loader:
            total += (model(x) - y).abs().sum().item()  # expect: missing-no-grad
        return total


def confusion(model, loader):
    model.eval()
    return [(model(x).argmax(1), y) for x, y in loader]  # expect: missing-no-grad
