"""The clean twin: numbers appended, lists a step starts again, lists summed for one
backward, a bounded window, evaluation under no_grad, and terms returned as numbers."""
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
        output["loss"] = output["loss"].detach()
        outputs.append({"loss": output["loss"].item()})
    return outputs


def train(model, loader, val_loader, epochs, tasks):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ce_loss = nn.CrossEntropyLoss()
    history, recent = [], []

    def compute_loss(data):
        pred, kl = model(data["x"])
        loss_ce = ce_loss(pred, data["y"])
        loss_total = loss_ce + kl
        return loss_total, loss_ce.item(), kl.item()

    for epoch in range(epochs):
        ce_losses = []
        model.train()
        for data in loader:
            loss, loss_ce, kl = compute_loss(data)
            ce_losses.append(loss_ce)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.item())
            recent.append(loss)
            if len(recent) > 10:
                recent.pop(0)
        for data in loader:  # one loss per task, summed for one backward each step
            task_losses = []
            for task in tasks:
                task_losses.append(ce_loss(model(data["x"])[0], data[task]))
            optimizer.zero_grad()
            torch.stack(task_losses).sum().backward()
            optimizer.step()
        window = []
        for data in loader:  # the whole epoch's losses, backpropagated together after the loop
            window.append(ce_loss(model(data["x"])[0], data["y"]))
        optimizer.zero_grad()
        torch.stack(window).mean().backward()
        optimizer.step()
        model.eval()
        val_losses = []
        with torch.no_grad():
            for data in val_loader:
                val_loss = ce_loss(model(data["x"])[0], data["y"])
                val_losses.append(val_loss)
        print(sum(ce_losses), sum(val_losses))
    return history


def optimize(parameters, loss_function, tol=1e-4):
    optimizer = torch.optim.Adam(parameters)
    losses, window = [], []
    while True:
        optimizer.zero_grad()
        loss = sum(loss_function())
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if len(losses) >= 2 and losses[-2] - losses[-1] < tol:
            break
        window.append(sum(loss_function()))
        window = window[-3:]
        window[-1].backward()
    return losses


def meta_step(model, tasks, loss_fn, optimiser, inner_lr):
    """MAML's meta-batch: one loss per task, kept for the one step after the loop."""
    task_losses = []
    for x, y in tasks:
        fast_weights = dict(model.named_parameters())
        grads = torch.autograd.grad(loss_fn(model(x), y), fast_weights.values(), create_graph=True)
        fast_weights = {n: p - inner_lr * g for (n, p), g in zip(fast_weights.items(), grads)}
        loss = loss_fn(torch.func.functional_call(model, fast_weights, (x,)), y)
        loss.backward(retain_graph=True)
        task_losses.append(loss)
    optimiser.zero_grad()
    meta_batch_loss = torch.stack(task_losses).mean()
    meta_batch_loss.backward()
    optimiser.step()
    return meta_batch_loss
