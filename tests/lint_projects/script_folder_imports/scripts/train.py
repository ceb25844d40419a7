"""Run as ``python scripts/train.py``: Python puts ``scripts/`` first on ``sys.path``, so
``nets`` is ``scripts/nets.py`` (the shape of OFA's ``from eval_utils.inceptionV3 import``)."""
import torch
from torch import nn

from nets import Classifier


def main(batches):
    net = Classifier(8, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    for x, y in batches:
        opt.zero_grad()
        loss = criterion(net(x), y)  # expect: softmax-before-cross-entropy
        loss.backward()
        opt.step()
