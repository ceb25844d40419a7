"""Editing ``pyproject.toml`` re-lints the open files (workspace/didChangeWatchedFiles),
through a real torchwise server with VS Code's client capabilities."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env

BAD = "import torch\n\ntorch.no_grad()\nscaler = torch.cuda.amp.GradScaler()\n"
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def _codes(client: LanguageClient, uri: str) -> set[str]:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri:
            return {d.code for d in params.diagnostics}


async def test_pyproject_change_relints_open_files(client: LanguageClient, tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.torchwise]\nignore = ["TW107"]\n')
    uri = open_document(client, tmp_path / "train.py", BAD)
    assert await _codes(client, uri) == {"TW404"}
    pyproject.write_text('[tool.torchwise]\nignore = ["TW404"]\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]))
    assert await _codes(client, uri) == {"TW107"}
    # other files changing does nothing
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=(tmp_path / "data.csv").as_uri(), type=types.FileChangeType.Changed)]))
    pyproject.unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Deleted)]))
    assert await _codes(client, uri) == {"TW107", "TW404"}


def test_the_vscode_client_watches_pyproject_files() -> None:
    source = (Path(__file__).resolve().parent.parent / "client" / "src" / "server.ts").read_text(encoding="utf-8")
    assert 'fileEvents: vscode.workspace.createFileSystemWatcher("**/pyproject.toml")' in source
