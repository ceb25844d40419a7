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


async def test_pyproject_change_renews_the_fixes_of_unchanged_text(client: LanguageClient, tmp_path: Path) -> None:
    """``fix-grad-off-context`` selects the same rules but other fix edits: findings kept
    for the unchanged text (or reused after a comment edit) must not survive the change."""
    text = (Path(__file__).resolve().parent / "lint_fixtures" / "missing-no-grad.py").read_text(encoding="utf-8")

    async def fix_texts() -> str:
        while True:
            params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
            if params.uri == uri:
                return " ".join(e["content"] for d in params.diagnostics if d.data["fix"]
                                for e in d.data["fix"]["edits"])

    uri = open_document(client, tmp_path / "evaluate.py", text)
    before = await fix_texts()
    assert "no_grad" in before and "inference_mode" not in before
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nfix-grad-off-context = "inference_mode"\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=(tmp_path / "pyproject.toml").as_uri(), type=types.FileChangeType.Created)]))
    assert "inference_mode" in await fix_texts()
