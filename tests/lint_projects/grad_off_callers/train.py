import torch
from torch import nn

from evalkit import runner

models = [nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.1), nn.Linear(8, 2))]
loader = []


def validate():
    return runner.score_all(models, loader)


if __name__ == "__main__":
    print(runner.evaluate_all(models, loader))
    with torch.no_grad():
        with torch.enable_grad():
            print(validate())
