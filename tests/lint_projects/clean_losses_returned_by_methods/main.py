import torch

from ranker.dla import DLA


def batch(n=32):
    return {"x": torch.randn(n, 8), "y": torch.randn(n)}


def train(steps_per_checkpoint=50, max_steps=1000):
    model = DLA(features=8)
    loss, step = 0.0, 0
    history = {}
    while step < max_steps:
        step_loss, _, summary = model.train(batch())  # (train() returns the loss's item)
        loss += step_loss / steps_per_checkpoint
        step += 1
        history[step] = step_loss
        if step % steps_per_checkpoint == 0:
            print("step %d loss %.4f" % (step, loss))
            step_time, loss = 0.0, 0.0


def accumulate(model, loader, optimizer, accumulation_steps):
    """pytorch/torchtune's recipes: the window's loss kept a tensor, started again at each step."""
    running_loss = 0
    for idx, (x, y) in enumerate(loader):
        loss = torch.nn.functional.cross_entropy(model(x), y) / accumulation_steps
        running_loss += loss
        loss.backward()
        if (idx + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
            print(running_loss.item())
            running_loss = 0


def tune(model, loader, optimizer, epochs):
    count = 1
    for epoch in range(epochs):
        step_losses, last = {}, {}
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step_losses[count] = loss.item()
            last["loss"] = loss  # one key, overwritten: the last step's graph only
            count += 1
        print(epoch, list(step_losses.values()), float(last["loss"]))


if __name__ == "__main__":
    train()
