"""Pull diagnostics through a real torchwise server over stdio: a client advertising
``textDocument.diagnostic`` (as vscode-languageclient does) pulls findings with result
ids and is never pushed findings for text documents; a client without it is pushed them
as before; notebook cells stay pushed until pulled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env
from test_notebooks_lsp import open_notebook

BAD = """\
import torch

model = torch.nn.Linear(4, 2)
x = torch.randn(3, 4)
torch.no_grad()
state = torch.load("m.pt")
"""
CLEAN = "import torch\n\nx = torch.randn(3, 4)\n"
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


def pulling_params(root: Path, **options) -> types.InitializeParams:
    """VS Code's capabilities (pytest-lsp's copy predates pull diagnostics) plus what
    vscode-languageclient 9 adds: textDocument.diagnostic and diagnostics refresh."""
    params = initialize_params(root, **options)
    params.capabilities.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=True, related_document_support=False)
    params.capabilities.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return params


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def puller(lsp_client: LanguageClient, tmp_path: Path):
    result = await lsp_client.initialize_session(pulling_params(tmp_path, lint={"debounceMs": 0}))
    lsp_client.__dict__["server_capabilities"] = result.capabilities
    yield
    await lsp_client.shutdown_session()


async def pull(client: LanguageClient, uri: str, previous: str | None = None):
    return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous))


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_pull_reports_findings_with_result_ids(puller: LanguageClient, tmp_path: Path) -> None:
    provider = puller.server_capabilities.diagnostic_provider
    assert provider is not None and provider.workspace_diagnostics and provider.identifier == "torchwise"
    uri = open_document(puller, tmp_path / "train.py", BAD)
    report = await pull(puller, uri)
    assert report.kind == "full" and report.result_id
    names = sorted(d.message.rsplit("[", 1)[1].rstrip("]") for d in report.items)
    assert names == ["no-grad-not-entered", "torch-load-without-weights-only"], names
    assert all(d.source == "torchwise" and d.code.startswith("TW") for d in report.items)
    # the same text again: unchanged, with the same id
    again = await pull(puller, uri, report.result_id)
    assert again.kind == "unchanged" and again.result_id == report.result_id
    # a stale id (the client's view is older): the full report
    assert (await pull(puller, uri, "stale")).kind == "full"
    # an edit that fixes one finding: a new id and one finding left
    change(puller, uri, 2, BAD.replace('torch.load("m.pt")', 'torch.load("m.pt", weights_only=True)'))
    edited = await pull(puller, uri, report.result_id)
    assert edited.kind == "full" and edited.result_id != report.result_id
    assert [d.message.rsplit("[", 1)[1] for d in edited.items] == ["no-grad-not-entered]"]
    # nothing is ever pushed for a pulled text document
    await asyncio.sleep(0.5)
    assert uri not in puller.diagnostics


async def test_workspace_pull_covers_open_documents(puller: LanguageClient, tmp_path: Path) -> None:
    bad = open_document(puller, tmp_path / "bad.py", BAD)
    clean = open_document(puller, tmp_path / "clean.py", CLEAN, version=7)
    report = await puller.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    items = {item.uri: item for item in report.items}
    assert set(items) == {bad, clean}
    assert items[bad].kind == "full" and len(items[bad].items) == 2 and items[bad].version == 1
    assert items[clean].kind == "full" and not items[clean].items and items[clean].version == 7
    previous = [types.PreviousResultId(uri=u, value=i.result_id) for u, i in items.items()]
    change(puller, clean, 8, CLEAN + "torch.no_grad()\n")
    again = await puller.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=previous))
    kinds = {item.uri: (item.kind, item.version) for item in again.items}
    assert kinds == {bad: ("unchanged", 1), clean: ("full", 8)}
    # the document pull and the workspace pull agree on ids
    assert (await pull(puller, bad, items[bad].result_id)).kind == "unchanged"


async def test_settings_change_asks_the_client_to_pull_again(puller: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(puller, tmp_path / "train.py", BAD)
    first = await pull(puller, uri)
    before = puller.diagnostic_refresh_count
    puller.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"torchwise": {"lint": {"ignore": ["torch-load-without-weights-only"]}}}))
    for _ in range(200):
        if puller.diagnostic_refresh_count > before:
            break
        await asyncio.sleep(0.05)
    assert puller.diagnostic_refresh_count > before, "no workspace/diagnostic/refresh after a settings change"
    second = await pull(puller, uri, first.result_id)
    assert second.kind == "full" and [d.code for d in second.items] == ["TW" + d.code[2:] for d in second.items]
    assert len(second.items) == 1 and "no-grad-not-entered" in second.items[0].message
    assert uri not in puller.diagnostics


async def test_unknown_or_closed_document_gets_an_empty_report(puller: LanguageClient, tmp_path: Path) -> None:
    report = await pull(puller, (tmp_path / "never-opened.py").as_uri())
    assert report.kind == "full" and not report.items


async def test_notebook_cells_stay_pushed_until_pulled(puller: LanguageClient, tmp_path: Path) -> None:
    nb = tmp_path / "nb.ipynb"
    cells = [(types.NotebookCellKind.Code, "import torch"),
             (types.NotebookCellKind.Code, "state = torch.load('m.pt')")]
    uris = open_notebook(puller, nb, cells)
    # vscode-languageclient 9 never pulls cells: they are pushed
    for _ in range(200):
        if puller.diagnostics.get(uris[1]):
            break
        await asyncio.sleep(0.05)
    pushed = puller.diagnostics.get(uris[1])
    assert pushed and "torch-load-without-weights-only" in pushed[0].message
    # a client that pulls a cell gets it pulled, and its pushed findings are cleared
    report = await pull(puller, uris[1])
    assert report.kind == "full" and len(report.items) == 1 and report.items[0].range == pushed[0].range
    for _ in range(200):
        if not puller.diagnostics.get(uris[1]):
            break
        await asyncio.sleep(0.05)
    assert not puller.diagnostics.get(uris[1]) and uris[1] in puller.diagnostics


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def pusher(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def test_client_without_pull_support_is_pushed(pusher: LanguageClient, tmp_path: Path) -> None:
    assert pusher.capabilities.text_document.diagnostic is None  # the premise: no pull capability
    uri = open_document(pusher, tmp_path / "train.py", BAD)
    while True:
        params = await asyncio.wait_for(pusher.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri:
            break
    assert len(params.diagnostics) == 2 and params.version == 1


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def debounced_puller(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(pulling_params(tmp_path, lint={"debounceMs": 600}))
    yield
    await lsp_client.shutdown_session()


async def test_pull_after_an_edit_waits_for_the_debounce(debounced_puller: LanguageClient, tmp_path: Path) -> None:
    """lint.debounceMs keeps its meaning for pulling clients: a pull right after a change
    answers once typing paused, for the text as it is then."""
    client = debounced_puller
    uri = open_document(client, tmp_path / "train.py", CLEAN)
    assert not (await pull(client, uri)).items  # no change yet: answered at once
    loop = asyncio.get_running_loop()
    change(client, uri, 2, CLEAN + "torch.no_grad()\n")
    started = loop.time()
    pending = asyncio.ensure_future(pull(client, uri))
    await asyncio.sleep(0.1)
    change(client, uri, 3, CLEAN + "torch.no_grad()\nstate = torch.load('m.pt')\n")  # typing on
    report = await pending
    assert loop.time() - started >= 0.5  # a floor, not a speed: the debounce was waited for
    assert len(report.items) == 2  # the findings of the text after the last keystroke
