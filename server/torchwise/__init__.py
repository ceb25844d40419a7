"""Torchwise: PyTorch expertise inside the editor, served over LSP.

The language server never imports torch; anything that needs torch runs in a
separate process on the workspace interpreter.
"""

__version__ = "0.1.0"
