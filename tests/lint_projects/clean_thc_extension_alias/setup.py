"""maskrcnn-benchmark's setup.py shape: the extension class picked into a name
(``extension = CUDAExtension`` where CUDA is found), then ``extension("detlib._C", ...)``."""
import glob
import os

import torch
from setuptools import setup
from torch.utils.cpp_extension import CUDA_HOME, CppExtension, CUDAExtension


def get_extensions():
    sources = glob.glob(os.path.join("detlib", "csrc", "**", "*.cu"), recursive=True)
    extension = CppExtension
    if torch.cuda.is_available() and CUDA_HOME is not None:
        extension = CUDAExtension
    return [extension("detlib._C", sources)]


setup(name="detlib", ext_modules=get_extensions())
