"""Evaluation functions that switch the model to eval mode and run it once: each is under
no_grad somewhere, or runs once after training, not in each iteration of a training loop."""
import torch
import torch.nn.functional as F


def train_step(model, optimizer, data):
    model.train()
    optimizer.zero_grad()
    loss = F.mse_loss(model(data.x), data.y)
    loss.backward()
    optimizer.step()
    return loss.item()


def validate(model, data):
    model.eval()
    return F.mse_loss(model(data.x), data.y).item()


def train_loop(epochs, model, optimizer, data):
    for epoch in range(epochs):
        train_step(model, optimizer, data)
        with torch.no_grad():
            print(epoch, validate(model, data))


@torch.no_grad()
def validate_decorated(model, data):
    model.eval()
    return F.mse_loss(model(data.x), data.y).item()


def train_loop_decorated(epochs, model, optimizer, data):
    for epoch in range(epochs):
        train_step(model, optimizer, data)
        print(epoch, validate_decorated(model, data))


def final_test(model, data):
    model.eval()
    return F.mse_loss(model(data.x), data.y).item()


def fit(epochs, model, optimizer, data):
    for _ in range(epochs):
        train_step(model, optimizer, data)
    return final_test(model, data)  # once, after training


def sensitivity(model, data):
    model.eval()
    data.x.requires_grad_(True)
    F.mse_loss(model(data.x), data.y).backward()  # input gradients: autograd is needed
    return data.x.grad


def train_with_sensitivity(epochs, model, optimizer, data):
    for _ in range(epochs):
        train_step(model, optimizer, data)
        print(sensitivity(model, data))


if __name__ == "__main__":
    encoder = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Dropout(0.1))
    loader = [(torch.randn(4, 10), torch.randint(0, 2, (4,)))]
    encoder.eval()

    def compute_acc(dataset):
        total = 0.0
        for img, target in dataset:
            total += (encoder(img).argmax(1) == target).float().mean().item()
        return total

    with torch.no_grad():
        print(compute_acc(loader))

    def fine_tune(dataset, optimizer):
        for img, target in dataset:  # trains the global model: it needs gradients
            optimizer.zero_grad()
            F.cross_entropy(encoder(img), target).backward()
            optimizer.step()

    fine_tune(loader, torch.optim.SGD(encoder.parameters(), lr=0.1))
