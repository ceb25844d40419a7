# kan-bayashi/ParallelWaveGAN test/test_parallel_wavegan.py: padding layers hold no
# parameters; padded plain tensors do not require grad
import numpy as np
import torch


def test_causal():
    c = torch.randn(1, 10, 16)
    c_ = c.clone()
    c = torch.nn.ConstantPad1d(2, 0.0)(c)
    c_ = torch.nn.ReflectionPad1d(2)(c_)
    np.testing.assert_array_equal(c.numpy(), c_.numpy())
