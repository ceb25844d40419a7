import torch
import torch.nn as nn


class EdgeModel(nn.Module):
    """knazeri/edge-connect: the model computes its losses and steps its own optimizer."""

    def __init__(self):
        super().__init__()
        self.generator = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3))
        self.gen_optimizer = torch.optim.Adam(self.generator.parameters(), lr=1e-4)

    def process(self, images):
        self.gen_optimizer.zero_grad()
        outputs = self(images)
        return outputs, (outputs - images).abs().mean()

    def forward(self, images):
        return self.generator(images)

    def backward(self, gen_loss):
        gen_loss.backward()
        self.gen_optimizer.step()
