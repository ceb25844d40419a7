import torch

from model.heads import Head


class Detector(torch.nn.Module):
    def __init__(self, levels=4):
        super().__init__()
        self.body = torch.nn.Conv2d(3, 8, 3)
        self.heads = [Head() for _ in range(levels)]  # expect: unregistered-submodules

    def forward(self, image):
        features = self.body(image)
        return [head(features) for head in self.heads]
