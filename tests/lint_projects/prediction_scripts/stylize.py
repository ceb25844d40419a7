import torch

from models import BatchStyleNet


def stylize(path, image):
    net = BatchStyleNet()
    net.load_state_dict(torch.load(path, weights_only=True))
    net = net.to("cpu")
    with torch.no_grad():
        return net(image)  # expect: missing-eval
