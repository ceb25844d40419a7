from torch import nn

from sparse.weights import SparseConv, SparseWeights

model = nn.Sequential(SparseWeights(nn.Linear(784, 10), 0.4), SparseConv(nn.Conv2d(1, 1, 3), 0.5))
