"""Gofinge/PointTransformerV2's libs/pointops/setup.py shape: a CUDA extension whose sources
include THC/THC.h, removed in torch 1.11; it builds, and the code importing it runs, only
on an older torch, which deprecates nothing of torch.cuda.amp."""
from setuptools import setup
from torch.utils.cpp_extension import BuildExtension, CUDAExtension

setup(
    name="pointops",
    packages=["pointops"],
    package_dir={"pointops": "functions"},
    ext_modules=[CUDAExtension(name="pointops._C", sources=["src/query.cpp"])],
    cmdclass={"build_ext": BuildExtension},
)
