"""The same test batch, scored in eval mode under no_grad."""

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
                classifier.eval()
                with torch.no_grad():
                    pred = classifier(points)
                classifier.train()
                print(F.nll_loss(pred, target).item())
