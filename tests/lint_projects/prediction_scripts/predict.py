# otenim/GLCIC-PyTorch#18: a prediction script loads the trained network (batch norm) and runs
# it under no_grad, never switching it to eval mode
import torch

from models import CompletionNetwork


def main(weights, x, mask):
    model = CompletionNetwork()
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    with torch.no_grad():
        output = model(torch.cat((x - x * mask, mask), dim=1))  # expect: missing-eval
    return x - x * mask + output * mask
