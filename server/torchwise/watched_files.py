"""Which watched files are lint configuration: a changed ``pyproject.toml`` (its
``[tool.torchwise]`` table selects the rules) re-lints the open files. The one
``workspace/didChangeWatchedFiles`` handler lives in ``torchwise.project.lsp`` (it also
refreshes the project model); the server registers watchers for ``**/*.py`` and
``**/pyproject.toml``, and the VS Code client also watches ``**/pyproject.toml``."""

from __future__ import annotations

CONFIG_FILES = ("pyproject.toml",)


def is_config(uri: str) -> bool:
    return uri.rstrip("/").rsplit("/", 1)[-1] in CONFIG_FILES
