# from pytorch/torchrec torchrec/quant/tests/test_tensor_types.py:37 and :40
# The test only exercises the subclass's _to_copy dispatch; t_u4 must stay on the CPU
# because the next line compares it with the CPU tensor t_u8 (torch.equal raises on a
# device mismatch), so `t_u4 = t_u4.to(...)` would break the test.
import unittest

import torch


class UInt4Tensor(torch.Tensor):
    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, elem):
        return torch.Tensor._make_wrapper_subclass(cls, elem.shape, dtype=torch.uint8)

    def __init__(self, elem: torch.Tensor) -> None:
        self.elem = elem

    @classmethod
    def __torch_dispatch__(cls, func, types, args, kwargs=None):
        if func is torch.ops.aten._to_copy.default:
            (self,) = args
            return cls(self.elem.to(kwargs["device"]))
        if func is torch.ops.aten.view.dtype:
            return args[0].elem
        raise NotImplementedError(func)


class QuantUtilsTest(unittest.TestCase):
    def test_uint4_tensor(self) -> None:
        t_u8 = torch.tensor([[0x01, 0x23, 0x45, 0x67]], dtype=torch.uint8)
        t_u4 = UInt4Tensor(t_u8)
        t_u4.to(torch.device("cuda"))
        assert torch.equal(t_u4.view(torch.uint8), t_u8)
