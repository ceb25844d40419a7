"""The clean twin's evaluation helpers, but no caller wraps them: train.py calls
evaluate_all with gradients on, and validate under enable_grad (inside no_grad, which
turns gradients back on)."""


def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()  # expect: missing-no-grad
    return correct


class Scorer:
    def score(self, model, loader):
        model.eval()
        return [model(x).sum().item() for x, _ in loader]  # expect: missing-no-grad
