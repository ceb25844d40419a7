"""The shared epoch helper, its validation call under no_grad."""

import torch


def run_epoch(batches, model, loss_compute):
    total = 0.0
    for x, y in batches:
        out = model.forward(x)
        total += loss_compute(out, y)
    return total / len(batches)


def main(model, train_batches, valid_batches, train_loss, valid_loss, epochs):
    for epoch in range(epochs):
        model.train()
        run_epoch(train_batches, model, train_loss)
        model.eval()
        with torch.no_grad():
            print(run_epoch(valid_batches, model, valid_loss))
