"""``from warp import ...`` names the project's own module, not NVIDIA Warp: a torch
training loop (the file imports torch nowhere, its model and optimizer are handed in)."""

from warp import warp_image


def fit(model, loader, optimizer):
    for x, flow in loader:
        loss = model(warp_image(x, flow)).sum()
        loss.backward()
        optimizer.step()  # expect: missing-zero-grad
