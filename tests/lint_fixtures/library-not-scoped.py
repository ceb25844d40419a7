import torch

lib = torch.library.Library("mylib", "DEF")  # expect: library-not-scoped

# --- correct code ----------------------------------------------------------------------
with torch.library._scoped_library("mylib", "DEF") as scoped:
    scoped.define("foo(Tensor x) -> Tensor")
