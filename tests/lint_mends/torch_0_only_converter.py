# from naoto0804/pytorch-AdaIN torch_to_pytorch.py:104
# Lua-Torch -> PyTorch converter that only runs on torch 0.x (asserted below; load_lua and
# torch.legacy exist only there). nn.Softmax() without dim reproduces Lua nn.SoftMax's own
# dimension choice (1-D/3-D -> 0, 2-D/4-D -> 1); torch < 0.3 has no `dim` at all.
import torch
assert torch.__version__.split('.')[0] == '0', 'Only working on PyTorch 0.x.x'
import torch.nn as nn
from torch.utils.serialization import load_lua


def add_submodule(seq, *args):
    for n in args:
        seq.add_module(str(len(seq._modules)), n)


def lua_recursive_model(module, seq):
    for m in module.modules:
        name = type(m).__name__
        if name == 'TorchObject':
            name = m._typename.replace('cudnn.', '')
            m = m._obj
        if name == 'ReLU':
            add_submodule(seq, nn.ReLU())
        elif name == 'SoftMax':
            n = nn.Softmax()
            add_submodule(seq, n)


def torch_to_pytorch(t7_filename):
    model = load_lua(t7_filename, unknown_classes=True)
    seq = nn.Sequential()
    lua_recursive_model(model, seq)
    return seq
