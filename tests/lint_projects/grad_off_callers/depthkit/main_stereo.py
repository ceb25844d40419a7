"""As the clean twin, but with the project's decorator left off."""
from torch import nn

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))


def test(loader):
    model.eval()
    for left, right in loader:
        print(model(left) - model(right))  # expect: missing-no-grad
