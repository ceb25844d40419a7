import torch

from models import CompletionNetwork


def resume(weights, loader):
    model = CompletionNetwork()
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    optimizer = torch.optim.Adam(model.parameters())
    for x, y in loader:
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
