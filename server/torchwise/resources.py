"""Where the data that ships with torchwise (knowledge base, snippets) lives.

An installed wheel carries them under ``torchwise/_data``; a source checkout
(editable install, tests) has them at the repository root.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the directory of the shipped data set ``name`` ("knowledge" or "snippets")."""
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"torchwise data folder {name!r} not found (looked in {installed} and {checkout})"
    )


def cache_root() -> Path:
    """Where torchwise keeps caches: ``$TORCHWISE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/torchwise``, else ``~/.cache/torchwise``."""
    if os.environ.get("TORCHWISE_CACHE_DIR"):
        return Path(os.environ["TORCHWISE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "torchwise"
