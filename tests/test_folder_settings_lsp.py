"""Settings per workspace folder through a real torchwise server over stdio: with two
workspace folders whose ``workspace/configuration`` answers differ (resource-scoped
settings in VS Code), each document is linted with its own folder's settings, at start
and after ``workspace/didChangeConfiguration``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import SERVER_COMMAND, open_document, server_env

SOURCE = """\
import torch

torch.no_grad()
state = torch.load("m.pt")
"""
BOTH = ["no-grad-not-entered", "torch-load-without-weights-only"]


def names(diagnostics) -> list[str]:
    return sorted(d.message.rsplit("[", 1)[1].rstrip("]") for d in diagnostics or [])


async def settle(client: LanguageClient, uri: str, want: list[str]) -> list[str]:
    """The names published for ``uri`` once they equal ``want`` (or after 15 s)."""
    for _ in range(300):
        if uri in client.diagnostics and names(client.diagnostics[uri]) == want:
            break
        await asyncio.sleep(0.05)
    return names(client.diagnostics.get(uri))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    alpha.mkdir()
    beta.mkdir()
    # what VS Code answers for each folder's `torchwise` section (resource-scoped settings)
    lsp_client.set_configuration({"lint": {"enabled": True, "select": [], "ignore": ["torch-load-without-weights-only"]},
                                  "runtimeDocs": True}, section="torchwise", scope_uri=alpha.as_uri())
    lsp_client.set_configuration({"lint": {"enabled": True, "select": [], "ignore": []}},
                                 section="torchwise", scope_uri=beta.as_uri())
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=alpha.as_uri(), name="alpha"),
                           types.WorkspaceFolder(uri=beta.as_uri(), name="beta")],
        initialization_options={"lint": {"debounceMs": 0}},
    ))
    yield
    await lsp_client.shutdown_session()


async def test_each_folder_lints_with_its_own_settings(client: LanguageClient, tmp_path: Path) -> None:
    assert client.capabilities.workspace.configuration  # the premise: the client answers per folder
    in_alpha = open_document(client, tmp_path / "alpha" / "train.py", SOURCE)
    in_beta = open_document(client, tmp_path / "beta" / "train.py", SOURCE)
    outside = open_document(client, tmp_path / "other.py", SOURCE)  # in no folder: the pushed settings
    assert await settle(client, in_alpha, ["no-grad-not-entered"]) == ["no-grad-not-entered"]
    assert await settle(client, in_beta, BOTH) == BOTH
    assert await settle(client, outside, BOTH) == BOTH

    # beta turns lint off, alpha now ignores the other rule: a settings change asks again
    client.set_configuration({"lint": {"enabled": False}}, section="torchwise", scope_uri=(tmp_path / "beta").as_uri())
    client.set_configuration({"lint": {"ignore": ["no-grad-not-entered"]}}, section="torchwise",
                             scope_uri=(tmp_path / "alpha").as_uri())
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    assert await settle(client, in_beta, []) == []
    assert await settle(client, in_alpha, ["torch-load-without-weights-only"]) == ["torch-load-without-weights-only"]
    await asyncio.sleep(0.3)
    assert names(client.diagnostics[outside]) == BOTH  # untouched by either folder


async def test_wrong_types_in_a_folder_fall_back_with_one_log_line(client: LanguageClient, tmp_path: Path) -> None:
    client.set_configuration({"lint": {"select": "TW1"}}, section="torchwise",
                             scope_uri=(tmp_path / "beta").as_uri())
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    uri = open_document(client, tmp_path / "beta" / "train.py", SOURCE)
    assert await settle(client, uri, BOTH) == BOTH  # the bad select is ignored, not fatal
    for _ in range(100):
        if any("lint.select has the wrong type" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.05)
    logged = [m.message for m in client.log_messages if "lint.select has the wrong type" in m.message]
    assert len(logged) == 1 and "beta" in logged[0], logged
