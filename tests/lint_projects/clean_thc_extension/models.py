import pointops
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, points):
        return self.fc(pointops.knn_query_cuda(points))
