"""Loss tensors kept in lists that outlive the iteration (TRI-ML/packnet-sfm#51: the
output dicts with their losses; jacbz/Lofi#14: the terms a helper returns beside the total)."""
import torch
from torch import nn


def train_epoch(dataloader, module, optimizer):
    module.train()
    outputs = []
    for i, batch in enumerate(dataloader):
        optimizer.zero_grad()
        output = module.training_step(batch, i)
        output["loss"].backward()
        optimizer.step()
        outputs.append(output)  # expect: loss-accumulated-without-item
    return outputs


def train(model, loader, epochs):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ce_loss = nn.CrossEntropyLoss()
    history = []

    def compute_loss(data):
        pred, kl = model(data["x"])
        loss_ce = ce_loss(pred, data["y"])
        loss_total = loss_ce + kl
        return loss_total, loss_ce, kl

    for epoch in range(epochs):
        ce_losses, kl_losses = [], []
        model.train()
        for data in loader:
            loss, loss_ce, kl = compute_loss(data)
            ce_losses.append(loss_ce)  # expect: loss-accumulated-without-item
            kl_losses.append(kl)  # expect: loss-accumulated-without-item
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss)  # expect: loss-accumulated-without-item
        print(sum(ce_losses) / len(ce_losses), sum(kl_losses) / len(kl_losses))
    return history


def optimize(parameters, loss_function, tol=1e-4):
    """rballester/tntorch#19: the loss lives in the list, whose last item is backpropagated."""
    optimizer = torch.optim.Adam(parameters)
    losses = []
    while True:
        optimizer.zero_grad()
        losses.append(sum(loss_function()))  # expect: loss-accumulated-without-item
        if len(losses) >= 2 and losses[-2] - losses[-1] < tol:
            break
        losses[-1].backward(retain_graph=True)
        optimizer.step()
    return losses


def fit_by_hand(X, Y, w, b, lr, epochs):
    """A course's linear regression: parameters updated by hand, each loss kept for a plot."""
    LOSS = []
    for epoch in range(epochs):
        loss = ((w * X + b - Y) ** 2).mean()
        LOSS.append(loss)  # expect: loss-accumulated-without-item
        loss.backward()
        w.data = w.data - lr * w.grad.data
        b.data = b.data - lr * b.grad.data
        w.grad.data.zero_()
        b.grad.data.zero_()
    return LOSS
