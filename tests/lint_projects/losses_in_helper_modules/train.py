import torch

import losses
from losses import classification_loss


def train(model, head, loader, optimizer):
    for x, y, present in loader:
        optimizer.zero_grad()
        probs = torch.softmax(model(x), dim=-1)
        loss = classification_loss(probs, y) + losses.presence_loss(head(x), present)
        loss.backward()
        optimizer.step()
