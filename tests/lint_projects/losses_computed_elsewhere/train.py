import torch
from torch import nn

from objectives.dsm import dsm_loss


def fit(loader, test_batch, epochs):
    score = nn.Sequential(nn.Linear(8, 64), nn.Dropout(0.1), nn.Linear(64, 8))
    optimizer = torch.optim.Adam(score.parameters())
    score.train()
    step = 0
    for epoch in range(epochs):
        for x in loader:
            step += 1
            loss = dsm_loss(score, x, 0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 100 == 0:
                score.eval()  # expect: missing-train-mode
                with torch.no_grad():
                    print(dsm_loss(score, test_batch, 0.1).item())
