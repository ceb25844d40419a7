"""Live values in the hover (issue 16): after a cell runs, hovering a name the kernel holds
shows its live summary first — from the real kernel, never from torch in the server — and
marks it stale once the code that produced it changed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env
from test_kernel_run import Recorder, command

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]
pytest.importorskip("torch")

SOURCE = """\
# %%
import torch
x = torch.zeros(32, 3, 28, 28)
w = torch.ones(3, requires_grad=True)
y = w * 2
model = torch.nn.Linear(3, 2)
model.eval()

# %%
print(x.shape, y, model)
"""


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("live-workspace")
    lsp_client.recorder = Recorder(lsp_client)
    lsp_client.root = root
    await lsp_client.initialize_session(initialize_params(root))
    yield
    await lsp_client.shutdown_session()


async def hover_text(client: LanguageClient, uri: str, text: str, needle: str, occurrence: int = 1) -> str:
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, needle, 0, occurrence))), 60)
    return result.contents.value if result is not None else ""


async def hover_until(client, uri, text, needle, expected: str, occurrence: int = 1) -> str:
    """A hover waits only briefly for the kernel; the answer it missed is there the next time."""
    value = ""
    for _ in range(50):
        value = await hover_text(client, uri, text, needle, occurrence)
        if expected in value:
            return value
        await asyncio.sleep(0.2)
    return value


async def test_no_live_value_before_anything_ran(client: LanguageClient):
    uri = open_document(client, client.root / "before.py", "z = 1\nprint(z)\n")
    assert "live" not in await hover_text(client, uri, "z = 1\nprint(z)\n", "z", 2)


async def test_live_hover_after_a_run_then_stale_after_an_edit(client: LanguageClient):
    path: Path = client.root / "live.py"
    uri = open_document(client, path, SOURCE)
    result = await command(client, "torchwise.runCell", {"uri": uri, "line": 2})
    finished = await client.recorder.done(result["runId"])
    assert finished["status"] == "ok"

    value = await hover_until(client, uri, SOURCE, "x.shape", "Tensor (32, 3, 28, 28) float32 cpu")
    assert "**live**" in value and "Tensor (32, 3, 28, 28) float32 cpu" in value, value
    assert value.index("**live**") < value.index("---")  # the live summary first, then the knowledge text
    value = await hover_until(client, uri, SOURCE, "y,", "grad_fn=MulBackward0")
    assert "Tensor (3,) float32 cpu" in value and "requires_grad" in value and "grad_fn=MulBackward0" in value, value
    value = await hover_until(client, uri, SOURCE, "model)", "8 parameters")
    assert "Linear: 8 parameters (8 trainable)" in value and "eval mode" in value and "cpu" in value, value

    # The cell that produced x changes: its value is marked stale, no longer live.
    edited = SOURCE.replace("torch.zeros(32, 3, 28, 28)", "torch.zeros(16, 3, 28, 28)")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    value = await hover_until(client, uri, edited, "x.shape", "**stale**")
    assert "**stale**" in value and "(32, 3, 28, 28)" in value, value

    # Running it again makes it live with the new shape.
    result = await command(client, "torchwise.runCell", {"uri": uri, "line": 2})
    assert (await client.recorder.done(result["runId"]))["status"] == "ok"
    value = await hover_until(client, uri, edited, "x.shape", "(16, 3, 28, 28)")
    assert "**live**" in value and "(16, 3, 28, 28)" in value, value


async def test_a_function_local_is_not_the_kernels_value(client: LanguageClient):
    text = "def f():\n    x = 1\n    return x\n"
    uri = open_document(client, client.root / "local.py", text)
    assert "live" not in await hover_text(client, uri, text, "x", 2)


async def test_the_server_never_imports_torch(client: LanguageClient):
    maps = Path(f"/proc/{client._server.pid}/maps")
    if maps.exists():
        assert "libtorch" not in maps.read_text()


NOTEBOOK_CELLS = [
    "import torch\nfeatures = torch.zeros(8, 4)\nnet = torch.nn.Linear(4, 2)",
    "out = net(features)\nprint(out.shape, features.sum())",
]


async def test_live_hover_in_notebook_cells(client: LanguageClient):
    """Cells run on the Torchwise kernel (the notebook controller sends each cell's code with
    its cell uri) hover with live values through notebook sync, and go stale on a cell edit."""
    from test_notebooks_lsp import open_notebook

    notebook = client.root / "live.ipynb"
    uris = open_notebook(client, notebook, [(types.NotebookCellKind.Code, text) for text in NOTEBOOK_CELLS])
    for uri, code in zip(uris, NOTEBOOK_CELLS):
        result = await command(client, "torchwise.runCode", {"code": code, "uri": uri, "firstLine": 0})
        assert (await client.recorder.done(result["runId"]))["status"] == "ok"

    second = NOTEBOOK_CELLS[1]
    value = await hover_until(client, uris[1], second, "features)", "Tensor (8, 4) float32 cpu")
    assert "**live**" in value and "Tensor (8, 4) float32 cpu" in value, value  # from the cell above
    value = await hover_until(client, uris[1], second, "out =", "Tensor (8, 2) float32 cpu")
    assert "grad_fn=AddmmBackward0" in value and "**live**" in value, value
    value = await hover_until(client, uris[1], second, "net(", "10 parameters")
    assert "Linear: 10 parameters (10 trainable)" in value, value

    # the first cell changes: what it produced is stale, in every cell
    edited = NOTEBOOK_CELLS[0].replace("zeros(8, 4)", "zeros(16, 4)")
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook.as_uri(), version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=uris[0], version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(text=edited)])]))))
    value = await hover_until(client, uris[1], second, "features)", "**stale**")
    assert "**stale**" in value and "(8, 4)" in value, value
    value = await hover_until(client, uris[0], edited, "features =", "**stale**")
    assert "**stale**" in value, value
    # the second cell's own value is still live: its code did not change
    value = await hover_until(client, uris[1], second, "out =", "**live**")
    assert "**live**" in value, value


HINTED = """\
# %%
import torch
x = torch.zeros(32, 3, 28, 28)
a, (b, n) = torch.ones(2), (torch.ones(4, 1), 7)
h: torch.Tensor = x.mean(0)
h += 1
"""


async def inlay_hints(client: LanguageClient, uri: str, lines: int = 100) -> list[types.InlayHint]:
    result = await asyncio.wait_for(client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=lines, character=0)))), 60)
    return result or []


async def test_no_shape_hints_unless_the_setting_is_on(client: LanguageClient):
    uri = open_document(client, client.root / "hints_off.py", HINTED)
    result = await command(client, "torchwise.runCell", {"uri": uri, "line": 2})
    assert (await client.recorder.done(result["runId"]))["status"] == "ok"
    assert await inlay_hints(client, uri) == []


async def test_shape_hints_on_the_assignments_of_the_last_run_cell(tmp_path: Path):
    from test_kernel_run import own_server

    async with own_server(tmp_path, kernel={"shapeHints": True}) as hinted:
        uri = open_document(hinted, tmp_path / "hints.py", HINTED)
        other = open_document(hinted, tmp_path / "other.py", "y = 1\n")
        assert await inlay_hints(hinted, uri) == []  # nothing ran yet
        result = await command(hinted, "torchwise.runCell", {"uri": uri, "line": 2})
        assert (await hinted.recorder.done(result["runId"]))["status"] == "ok"
        hints = await inlay_hints(hinted, uri)
        shown = [(h.position.line, h.position.character, h.label) for h in hints]
        assert shown == [
            (2, 1, ": (32, 3, 28, 28)"),
            (3, 1, ": (2,)"), (3, 5, ": (4, 1)"),  # `n` holds an int: no hint
            (4, 1, ": (3, 28, 28)"), (5, 1, ": (3, 28, 28)"),
        ], shown
        assert "float32 cpu" in hints[0].tooltip and "after run [1]" in hints[0].tooltip
        # only the range asked for
        assert [h.position.line for h in await inlay_hints(hinted, uri, lines=2)] == [2]
        # another document gets none; an edit to the run's code ends them
        assert await inlay_hints(hinted, other) == []
        edited = HINTED.replace("zeros(32", "zeros(16")
        hinted.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
        assert await inlay_hints(hinted, uri) == []
