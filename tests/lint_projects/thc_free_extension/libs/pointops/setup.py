"""The same extension on ATen headers: it builds on any torch, so torch.cuda.amp is deprecated."""
from setuptools import setup
from torch.utils.cpp_extension import BuildExtension, CUDAExtension

setup(
    name="pointops",
    packages=["pointops"],
    package_dir={"pointops": "functions"},
    ext_modules=[CUDAExtension(name="pointops._C", sources=["src/query.cpp"])],
    cmdclass={"build_ext": BuildExtension},
)
