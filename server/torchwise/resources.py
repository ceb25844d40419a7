"""Where the data that ships with torchwise (knowledge base, snippets) lives.

An installed wheel carries them under ``torchwise/_data``; a source checkout
(editable install, tests) has them at the repository root.
"""

from __future__ import annotations

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
