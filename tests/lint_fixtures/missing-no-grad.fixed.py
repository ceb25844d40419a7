import torch

model = torch.nn.Linear(10, 2)
loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)  # expect: missing-no-grad
            correct += (logits.argmax(1) == y).sum().item()
    return correct


print(evaluate(model, loader))

model.eval()
outputs = []
with torch.no_grad():
    for x, _ in loader:
        outputs.append(model(x).detach())  # expect: missing-no-grad


# --- correct code ----------------------------------------------------------------------
@torch.no_grad()
def evaluate_ok(model, loader):
    model.eval()
    return [model(x) for x, _ in loader]


def evaluate_with(model, loader):
    model.eval()
    with torch.inference_mode():
        for x, _ in loader:
            print(model(x))


def evaluate_called_under_no_grad(model, loader):
    model.eval()
    for x, _ in loader:
        print(model(x))


with torch.no_grad():
    evaluate_called_under_no_grad(model, loader)


def adversarial(model, loader):
    model.eval()
    for x, y in loader:
        x.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        print(x.grad.sign())


def saliency(model, loader):
    model.eval()
    for x, y in loader:
        grads = torch.autograd.grad(model(x).sum(), x)
        print(grads)


def global_switch(model, loader):
    torch.set_grad_enabled(False)
    model.eval()
    for x, _ in loader:
        print(model(x))
