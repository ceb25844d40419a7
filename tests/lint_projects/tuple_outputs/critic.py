import torch
from torch import nn


class Critic(nn.Module):
    """Two heads: a realness logit and class probabilities."""

    def __init__(self, n_classes: int = 5):
        super().__init__()
        self.trunk = nn.Linear(16, 64)
        self.real = nn.Linear(64, 1)
        self.cls = nn.Sequential(nn.Linear(64, n_classes), nn.Softmax(dim=1))

    def forward(self, x):
        h = torch.relu(self.trunk(x))
        return self.real(h), self.cls(h)


critic = Critic()
opt = torch.optim.Adam(critic.parameters())
bce = nn.BCEWithLogitsLoss()
ce = nn.CrossEntropyLoss()
for x, y in []:
    opt.zero_grad()
    realness, probs = critic(x)
    loss = bce(realness, torch.ones_like(realness))  # the first element is a logit: fine
    loss = loss + ce(probs, y)  # expect: softmax-before-cross-entropy
    loss.backward()
    opt.step()
