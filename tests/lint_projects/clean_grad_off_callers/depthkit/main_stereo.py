"""xy-guo/Learning-Monocular-Depth-by-Stereo's shape: the test function is decorated with
the project's own decorator (in another module), which runs it under no_grad."""
from torch import nn

from depthkit.util_functions import make_nograd_func

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))


@make_nograd_func
def test(loader):
    model.eval()
    for left, right in loader:
        print(model(left) - model(right))
