"""Re-lint open files when a ``pyproject.toml`` changes on disk (its
``[tool.torchwise]`` table selects the rules), also when it was edited outside the
editor: ``workspace/didChangeWatchedFiles``. The VS Code client watches
``**/pyproject.toml`` itself (``synchronize.fileEvents``); other editors send these
notifications for the files they watch."""

from __future__ import annotations

from lsprotocol import types

from torchwise.server import TorchwiseServer

CONFIG_FILES = ("pyproject.toml",)


def _is_config(uri: str) -> bool:
    return uri.rstrip("/").rsplit("/", 1)[-1] in CONFIG_FILES


def register(server: TorchwiseServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: TorchwiseServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(change.uri) for change in params.changes):
            ls.notify_document("configuration", "")
