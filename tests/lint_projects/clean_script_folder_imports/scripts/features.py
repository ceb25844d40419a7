"""``eval_utils`` is a package beside this script (OFA's FID code): its frozen network
needs no ``no_grad``."""
import torch

from eval_utils.features import FeatureNet


def features(loader):
    net = FeatureNet()
    net.eval()
    out = []
    for x in loader:
        out.append(net(x))
    return torch.cat(out)
