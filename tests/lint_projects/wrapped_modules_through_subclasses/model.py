from torch import nn

from sparse.weights import SparseConv, SparseWeights

model = nn.Sequential(SparseWeights(nn.Linear(784, 10), 0.4), SparseConv(nn.Linear(10, 10), 0.5))
