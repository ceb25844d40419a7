"""Lint settings per workspace folder (multi-root workspaces).

The client pushes one set of settings (initialization options,
``workspace/didChangeConfiguration``); a folder may override ``lint.enabled``,
``lint.select`` and ``lint.ignore`` (resource-scoped settings in VS Code). The server
asks ``workspace/configuration`` for the ``torchwise`` section of each folder
(``scopeUri``) after ``initialized``, on every settings change and when folders change,
and lints each document with the settings of the innermost folder holding it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os

from lsprotocol import types

from torchwise.config import LintOptions, _merge
from torchwise.jedi_fallback import uri_to_path
from torchwise.server import TorchwiseServer

FOLDER_KEYS = ("enabled", "select", "ignore")
ANSWER_TIMEOUT_S = 10.0


class FolderSettings:
    def __init__(self, server: TorchwiseServer) -> None:
        self.server = server
        self.lint: dict[str, dict] = {}  # folder path -> the folder's lint keys
        self.tasks: set[asyncio.Task] = set()
        self.logged: set[str] = set()

    def _supported(self) -> bool:
        try:
            workspace = self.server.client_capabilities.workspace
        except Exception:
            return False
        return bool(workspace and workspace.configuration)

    async def refresh(self) -> bool:
        """Ask the client for each folder's settings; True when they changed."""
        try:
            folders = list((self.server.workspace.folders or {}).values())
        except RuntimeError:  # not initialized
            return False
        found: dict[str, dict] = {}
        if folders and self._supported():
            items = [types.ConfigurationItem(scope_uri=f.uri, section="torchwise") for f in folders]
            try:
                answers = await asyncio.wait_for(
                    self.server.workspace_configuration_async(types.ConfigurationParams(items=items)),
                    ANSWER_TIMEOUT_S)
            except Exception as exc:
                self.server.log(f"settings per folder unavailable ({exc!r}); using the workspace's",
                                types.MessageType.Warning)
                return False
            for folder, answer in zip(folders, answers or []):
                lint = answer.get("lint") if isinstance(answer, dict) else None
                if isinstance(lint, dict):
                    keys = {k: lint[k] for k in FOLDER_KEYS if k in lint}
                    if keys:
                        found[os.path.normpath(uri_to_path(folder.uri))] = keys
        changed = found != self.lint
        self.lint = found
        return changed

    def refresh_soon(self) -> None:
        """Refresh in the background; re-lint the open documents when anything changed."""
        async def run() -> None:
            if await self.refresh():
                self.server.notify_document("configuration", "")

        task = asyncio.ensure_future(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def lint_options(self, uri: str) -> LintOptions:
        """The lint options for ``uri``: its folder's, else the pushed ones."""
        base = self.server.options.lint
        if not self.lint or not uri.startswith("file:"):
            return base
        path = os.path.normpath(uri_to_path(uri))
        holders = [f for f in self.lint if path == f or path.startswith(f.rstrip(os.sep) + os.sep)]
        if not holders:
            return base
        folder = max(holders, key=len)
        options = dataclasses.replace(base)
        problems: list[str] = []
        _merge(options, self.lint[folder], "lint.", problems)
        for problem in problems:
            message = f"settings of {folder}: {problem}"
            if message not in self.logged:
                self.logged.add(message)
                self.server.log(message, types.MessageType.Warning)
        return options


def register(server: TorchwiseServer) -> None:
    server.folder_settings = FolderSettings(server)  # type: ignore[attr-defined]
