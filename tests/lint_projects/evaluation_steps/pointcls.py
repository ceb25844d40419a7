"""Every 10 batches one test batch is scored inside the training loop, never in eval mode."""

import torch
import torch.nn.functional as F

from nets import PointCls


def fit(dataloader, testdataloader, epochs):
    classifier = PointCls(k=4)
    optimizer = torch.optim.SGD(classifier.parameters(), lr=0.01)
    for epoch in range(epochs):
        for i, (points, target) in enumerate(dataloader):
            optimizer.zero_grad()
            loss = F.nll_loss(classifier(points), target)
            loss.backward()
            optimizer.step()
            if i % 10 == 0:
                j, (points, target) = next(enumerate(testdataloader, 0))
                pred = classifier(points)  # expect: missing-eval
                print(F.nll_loss(pred, target).item())
