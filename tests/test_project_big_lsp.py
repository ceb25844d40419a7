"""A large document (analysed on a worker thread for hover and linted in a worker
process) sees the project too: hovers across modules and lint findings that need facts
from another module (``Net`` is an ``nn.Module``) are the same as in a small file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env

ENGINE = '''\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc(x)


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)
'''

HEAD = '''\
import torch
from pkg.engine import make_optimizer, Net

model = Net()
opt = make_optimizer(model)
model.fc.weight
opt.zero_grad()
torch.save(model, "m.pt")
'''
BIG = HEAD + "# padding to push the document over the worker threshold ...........................\n" * 2500


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def workspace(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "engine.py").write_text(ENGINE)
    await lsp_client.initialize_session(initialize_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


async def hover(client: LanguageClient, uri: str, needle: str, offset: int) -> str | None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(BIG, needle, offset)))
    return result.contents.value if result is not None else None  # type: ignore[union-attr]


async def codes_of(client: LanguageClient, uri: str) -> list[str]:
    for _ in range(300):
        if uri in client.diagnostics:
            break
        await asyncio.sleep(0.05)
    return sorted(str(d.code) for d in client.diagnostics.get(uri, []))


async def test_a_large_document_hovers_across_modules(workspace: LanguageClient, tmp_path: Path):
    assert len(BIG) >= 200_000
    uri = open_document(workspace, tmp_path / "big.py", BIG)
    assert "torch.nn.Linear" in (await hover(workspace, uri, "model.fc.weight", 7) or "")
    assert "torch.nn.Parameter" in (await hover(workspace, uri, "fc.weight", 4) or "")
    assert "torch.optim.Optimizer.zero_grad" in (await hover(workspace, uri, "opt.zero_grad", 6) or "")
    assert "**Layers**\n- `fc`: `Linear(3, 1)`" in (await hover(workspace, uri, "model = Net()", 9) or "")


async def test_a_large_document_is_linted_with_the_project(workspace: LanguageClient, tmp_path: Path):
    small = open_document(workspace, tmp_path / "small.py", HEAD)
    big = open_document(workspace, tmp_path / "big.py", BIG)
    expected = await codes_of(workspace, small)
    assert "TW502" in expected  # saving a whole Net: only known from pkg/engine.py
    assert await codes_of(workspace, big) == expected


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def test_a_large_document_is_linted_against_unsaved_edits_of_open_modules(workspace: LanguageClient,
                                                                                tmp_path: Path):
    """The lint worker (another process) gets the open documents' texts with the request:
    ``Net`` is an ``nn.Module`` only in the editor's unsaved text of pkg/engine.py, and then
    only on disk while the editor says it is a plain class."""
    plain = ENGINE.replace("class Net(nn.Module):", "class Net:")
    engine = tmp_path / "pkg" / "engine.py"
    engine.write_text(plain)
    engine_uri = open_document(workspace, engine, plain)
    change_document(workspace, engine_uri, ENGINE, 2)  # unsaved: Net is a module in the editor only
    big = open_document(workspace, tmp_path / "big.py", BIG)
    assert "TW502" in await codes_of(workspace, big)

    engine.write_text(ENGINE)  # on disk a module now, but the editor's text (unsaved) says plain class
    change_document(workspace, engine_uri, plain, 3)
    workspace.diagnostics.pop(big, None)
    change_document(workspace, big, BIG + "# edited\n", 2)
    codes = await codes_of(workspace, big)
    assert big in workspace.diagnostics and "TW502" not in codes


async def wait_codes(client: LanguageClient, uri: str, wanted, timeout: float = 60) -> list[str]:
    """The published codes of ``uri`` once ``wanted(codes)`` holds (the last ones after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        codes = sorted(str(d.code) for d in client.diagnostics.get(uri, []))
        if (uri in client.diagnostics and wanted(codes)) or loop.time() > deadline:
            return codes
        await asyncio.sleep(0.05)


async def test_an_edit_of_another_open_module_refreshes_the_large_documents_findings(workspace: LanguageClient,
                                                                                    tmp_path: Path):
    """Issue 11: the big document (and a small one) is not edited, only the module it
    imports: its pushed findings follow (``Net`` becomes an ``nn.Module``, then not)."""
    plain = ENGINE.replace("class Net(nn.Module):", "class Net:")
    engine = tmp_path / "pkg" / "engine.py"
    engine_uri = open_document(workspace, engine, plain)
    big = open_document(workspace, tmp_path / "big.py", BIG)
    small = open_document(workspace, tmp_path / "small.py", HEAD)
    assert "TW502" not in await codes_of(workspace, big)
    assert "TW502" not in await codes_of(workspace, small)
    for version, text in enumerate([plain + "# typing\n", ENGINE + "#\n", ENGINE], start=2):
        change_document(workspace, engine_uri, text, version)  # typed quickly: one refresh (debounced)
    assert "TW502" in await wait_codes(workspace, big, lambda codes: "TW502" in codes)
    assert "TW502" in await wait_codes(workspace, small, lambda codes: "TW502" in codes)
    change_document(workspace, engine_uri, plain, 5)
    assert "TW502" not in await wait_codes(workspace, big, lambda codes: "TW502" not in codes)
    assert "TW502" not in await wait_codes(workspace, small, lambda codes: "TW502" not in codes)


async def test_a_module_changed_on_disk_refreshes_the_large_documents_findings(workspace: LanguageClient,
                                                                              tmp_path: Path):
    """The imported module is not open: a watched-files notification of its change on
    disk re-lints the open big document."""
    engine = tmp_path / "pkg" / "engine.py"
    engine.write_text(ENGINE.replace("class Net(nn.Module):", "class Net:"))
    big = open_document(workspace, tmp_path / "big.py", BIG)
    assert "TW502" not in await codes_of(workspace, big)
    engine.write_text(ENGINE)
    workspace.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=engine.as_uri(), type=types.FileChangeType.Changed)]))
    assert "TW502" in await wait_codes(workspace, big, lambda codes: "TW502" in codes)


async def test_an_edit_of_another_module_refreshes_a_notebooks_cells(workspace: LanguageClient, tmp_path: Path):
    """A notebook is linted as one module: its cells' pushed findings follow the module
    it imports too."""
    from test_notebooks_lsp import open_notebook

    plain = ENGINE.replace("class Net(nn.Module):", "class Net:")
    engine_uri = open_document(workspace, tmp_path / "pkg" / "engine.py", plain)
    cells = [(types.NotebookCellKind.Code, "import torch\nfrom pkg.engine import Net\n"),
             (types.NotebookCellKind.Code, "model = Net()\ntorch.save(model, 'm.pt')\n")]
    uris = open_notebook(workspace, tmp_path / "nb.ipynb", cells)
    await asyncio.sleep(1.0)
    assert "TW502" not in await wait_codes(workspace, uris[1], lambda codes: True, timeout=0)
    change_document(workspace, engine_uri, ENGINE, 2)
    assert "TW502" in await wait_codes(workspace, uris[1], lambda codes: "TW502" in codes)
    change_document(workspace, engine_uri, plain, 3)
    assert "TW502" not in await wait_codes(workspace, uris[1], lambda codes: "TW502" not in codes)
