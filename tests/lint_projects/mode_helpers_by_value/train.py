"""clevr-iep's train_loop, reduced: check_accuracy switches the models to eval and, at its
end, to eval again where it meant train; the loop trains on in eval mode."""
import torch

from modes import set_mode, set_training


def check_accuracy(encoder, model, loader):
    set_mode("eval", [encoder, model])
    correct = 0
    for x, y in loader:
        correct += (model(encoder(x)).argmax(1) == y).sum().item()
    set_mode("eval", [encoder, model])
    return correct


def train_loop(encoder, model, train_loader, val_loader, optimizer, checkpoint_every):
    set_mode("train", [encoder, model])
    t = 0
    for x, y in train_loader:
        t += 1
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(encoder(x)), y)
        loss.backward()
        optimizer.step()
        if t % checkpoint_every == 0:
            check_accuracy(encoder, model, val_loader)  # expect: missing-train-mode


def finetune(model, loader, optimizer):
    set_training(model, True)
    for epoch in range(10):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        set_training(model, False)  # expect: missing-train-mode
