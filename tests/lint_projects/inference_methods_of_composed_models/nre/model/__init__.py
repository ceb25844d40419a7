from .softmax_nn import SoftmaxNN
