"""Notebooks over real notebookDocument/* messages: the code cells are one module in
cell order (hover in a cell sees earlier cells), IPython lines are blanked, and lint
findings are published on the cell they belong to."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from lsp_helpers import position_of

CELLS = [
    (types.NotebookCellKind.Code, "%matplotlib inline\nimport torch\nimport torch.nn as nn\n!pip list"),
    (types.NotebookCellKind.Markup, "# Model\nnn.Linear in markdown"),
    (types.NotebookCellKind.Code, "model = nn.Sequential(nn.Linear(4, 2))\nopt = torch.optim.SGD(model.parameters())"),
    (types.NotebookCellKind.Code, "opt.zero_grad()\nstate = torch.load('m.pt')\nmodel?\ny = torch.log(1 + torch.zeros(3))"),
]


def cell_uri(nb: Path, i: int) -> str:
    return f"vscode-notebook-cell:{nb}#W{i}sZmlsZQ%3D%3D"


def open_notebook(client: LanguageClient, nb: Path, cells=CELLS) -> list[str]:
    uris = [cell_uri(nb, i) for i in range(len(cells))]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=nb.as_uri(), notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=kind, document=uri) for (kind, _), uri in zip(cells, uris)]),
        cell_text_documents=[
            types.TextDocumentItem(uri=uri, language_id="python" if kind == types.NotebookCellKind.Code else "markdown",
                                   version=1, text=text)
            for (kind, text), uri in zip(cells, uris)],
    ))
    return uris


async def hover(client: LanguageClient, uri: str, position: types.Position) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position))


async def diagnostics_of(client: LanguageClient, uri: str, want: int = 1) -> list[types.Diagnostic]:
    for _ in range(100):
        found = client.diagnostics.get(uri)
        if found is not None and len(found) >= want:
            return found
        await asyncio.sleep(0.05)
    return client.diagnostics.get(uri) or []


async def test_hover_sees_earlier_cells_and_maps_ranges(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "nb.ipynb"
    uris = open_notebook(client, nb)
    text = CELLS[3][1]
    result = await hover(client, uris[3], position_of(text, "zero_grad", 1))
    assert result is not None and "torch.optim.Optimizer.zero_grad" in result.contents.value
    assert result.range is not None and result.range.start == position_of(text, "zero_grad")
    result = await hover(client, uris[2], position_of(CELLS[2][1], "nn.Linear", 4))
    assert result is not None and "torch.nn.Linear" in result.contents.value
    assert await hover(client, uris[1], types.Position(line=1, character=4)) is None  # markdown
    assert await hover(client, uris[0], types.Position(line=0, character=3)) is None  # a magic


async def test_diagnostics_are_published_per_cell(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "nb.ipynb"
    uris = open_notebook(client, nb)
    found = await diagnostics_of(client, uris[3])
    assert [d.code for d in found] == ["TW" + d.code[2:] for d in found]
    load = [d for d in found if "torch-load-without-weights-only" in d.message]
    assert load and load[0].range.start.line == 1, found  # line 2 of the cell, not of the module
    assert not client.diagnostics.get(uris[0])  # magics and shell lines raise nothing
    # a settings change re-lints the notebook as one module (not each cell on its own,
    # where `torch` would be unknown and the finding lost)
    before = len(client.diagnostics.get(uris[3], []))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"lint": {"debounceMs": 50}}))
    await asyncio.sleep(1.0)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.serverModules", arguments=[]))  # a round trip
    assert len([d for d in client.diagnostics.get(uris[3], []) if "weights-only" in d.message]) == 1
    assert len(client.diagnostics.get(uris[3], [])) == before
    # an edit to one cell: the finding goes away from that cell
    fixed = CELLS[3][1].replace("torch.load('m.pt')", "torch.load('m.pt', weights_only=True)")
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb.as_uri(), version=2),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=uris[3], version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)])]))))
    for _ in range(100):
        if not [d for d in client.diagnostics.get(uris[3], []) if "weights-only" in d.message]:
            break
        await asyncio.sleep(0.05)
    assert not [d for d in client.diagnostics.get(uris[3], []) if "weights-only" in d.message]
    client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
        notebook_document=types.NotebookDocumentIdentifier(uri=nb.as_uri()),
        cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u in uris]))
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.serverModules", arguments=[]))
    assert "pygls" in result  # still serving


async def test_quick_fix_in_a_cell_edits_that_cell(client: LanguageClient, tmp_path: Path):
    nb = tmp_path / "nb.ipynb"
    uris = open_notebook(client, nb)
    found = await diagnostics_of(client, uris[3], want=2)
    log1p = [d for d in found if "use-log1p" in d.message]
    assert log1p and log1p[0].range.start.line == 3, found
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uris[3]), range=log1p[0].range,
        context=types.CodeActionContext(diagnostics=log1p, only=[types.CodeActionKind.QuickFix])))
    fixes = [a for a in actions or [] if a.edit is not None and a.edit.changes and "log1p" in str(a.edit.changes)]
    assert fixes, actions
    edits = fixes[0].edit.changes[uris[3]]
    assert edits[0].range.start.line == 3 and "log1p" in edits[0].new_text


async def test_completion_in_a_cell_sees_names_from_earlier_cells(client: LanguageClient, tmp_path: Path):
    """Snippet defaults in a cell pick the model and optimizer an earlier cell made, and
    not those of a later cell."""
    cells = [
        (types.NotebookCellKind.Code, "import torch\nimport torch.nn as nn\n"),
        (types.NotebookCellKind.Code, "net = nn.Linear(4, 2)\nopt = torch.optim.SGD(net.parameters(), lr=0.1)"),
        (types.NotebookCellKind.Markup, "Training"),
        (types.NotebookCellKind.Code, ""),
    ]
    uris = open_notebook(client, tmp_path / "nb.ipynb", cells)

    async def train_step(uri: str, line: int) -> str:
        items = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=0)))
        items = items.items if isinstance(items, types.CompletionList) else items
        return {i.label: i for i in items}["pt-train-step"].text_edit.new_text

    step = await train_step(uris[3], 0)
    assert "${6:net}" in step and "${4:opt}" in step, step
    step = await train_step(uris[0], 2)  # above the cell that makes them
    assert "${6:net}" not in step and "${4:opt}" not in step, step


def test_a_cell_finding_moved_into_its_cell_is_a_finding_like_any_other():
    """A finding mapped back to its cell keeps its fix's edits a tuple, as every finding's
    are: it hashes (the linter keys findings' diagnostics by them) and compares."""
    from torchwise.analysis import build_analysis
    from torchwise.lint.engine import LintSettings, lint_analysis
    from torchwise.notebook_cells import shift_finding

    source = "import torch\n\n\nx = torch.randn(2)\nprint(torch.cuda.amp.GradScaler())\n"
    found = [f for f in lint_analysis(build_analysis(source, "nb.py"), "nb.py", LintSettings().rules_for("nb.py"))
             if f.fix is not None]
    assert found
    for f in found:
        moved = shift_finding(f, -3, 2)
        assert moved.fix is not None and isinstance(moved.fix.edits, tuple)
        assert {moved: 1}[shift_finding(f, -3, 2)] == 1
        assert (moved.line, moved.fix.edits[0].line) == (f.line - 3, f.fix.edits[0].line - 3)


async def test_a_cells_last_expression_is_shown_not_thrown_away(client: LanguageClient, tmp_path: Path):
    """In the editor too, a cell's last line is displayed: ``t.to("cpu")`` there is a
    look at the copy; the same call followed by another statement loses the move."""
    nb = tmp_path / "shown.ipynb"
    cells = [(types.NotebookCellKind.Code, "import torch\nt = torch.ones(3)\nt.to('cpu')"),
             (types.NotebookCellKind.Code, "t.to('cpu')\nprint(t)")]
    uris = open_notebook(client, nb, cells)
    lost = await diagnostics_of(client, uris[1])
    assert [(d.range.start.line, "tensor-to-discarded" in d.message) for d in lost] == [(0, True)], lost
    assert not [d for d in client.diagnostics.get(uris[0], []) if "tensor-to-discarded" in d.message]


async def test_a_message_names_another_cell_as_the_user_sees_it(client: LanguageClient, tmp_path: Path):
    """A message pointing at the softmax names its cell and the line in it (every cell
    counted, markdown too), not the line of the joined module (dair-ai/ML-Notebooks)."""
    nb = tmp_path / "ref.ipynb"
    cells = [(types.NotebookCellKind.Code, "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)"),
             (types.NotebookCellKind.Markup, "# Loss"),
             (types.NotebookCellKind.Code, "y = torch.tensor([0, 1, 2, 0])\nprobs = F.softmax(x, dim=1)"),
             (types.NotebookCellKind.Code, "loss = F.cross_entropy(probs, y)")]
    uris = open_notebook(client, nb, cells)
    found = [d for d in await diagnostics_of(client, uris[3]) if "softmax-before-cross-entropy" in d.message]
    assert found and "(cell 3, line 2)" in found[0].message, found


async def test_an_indented_cell_is_read_as_ipython_runs_it(client: LanguageClient, tmp_path: Path):
    """A cell of pasted, indented code runs in IPython (its indentation taken off): in the
    editor it raises no syntax error, its findings and hovers keep the cell's columns."""
    nb = tmp_path / "indented.ipynb"
    cells = [(types.NotebookCellKind.Code, "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)"),
             (types.NotebookCellKind.Code, "    y = x * 2\n    p = F.softmax(y)")]
    uris = open_notebook(client, nb, cells)
    found = await diagnostics_of(client, uris[1])
    assert [(d.range.start.line, d.range.start.character, "softmax-without-dim" in d.message) for d in found] \
        == [(1, 8, True)], found
    result = await hover(client, uris[1], position_of(cells[1][1], "softmax", 2))
    assert result is not None and "torch.nn.functional.softmax" in result.contents.value
    assert result.range is not None and result.range.start == position_of(cells[1][1], "softmax"), result.range
