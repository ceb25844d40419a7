import torch

from ranker.dla import DLA


def batch(n=32):
    return {"x": torch.randn(n, 8), "y": torch.randn(n)}


def train(steps_per_checkpoint=50, max_steps=1000):
    model = DLA(features=8)
    loss, step = 0.0, 0
    history = {}
    while step < max_steps:
        step_loss, _, summary = model.train(batch())
        loss += step_loss / steps_per_checkpoint  # expect: loss-accumulated-without-item
        step += 1
        history[step] = step_loss  # expect: loss-accumulated-without-item
        if step % steps_per_checkpoint == 0:
            print("step %d loss %.4f" % (step, loss))
            step_time, loss = 0.0, 0.0  # a report's window: 50 steps' graphs kept until then


def tune(model, loader, optimizer, epochs):
    """caikit/caikit-nlp#258: each step's loss kept under its step number for the epoch's log."""
    count = 1
    for epoch in range(epochs):
        step_losses = {}
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step_losses[count] = loss  # expect: loss-accumulated-without-item
            count += 1
        print(epoch, [float(v) for v in step_losses.values()])


if __name__ == "__main__":
    train()
