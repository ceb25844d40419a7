"""Planted bugs the suite did not notice, caught over real LSP (pytest-lsp, VS Code's
client capabilities): UTF-16 columns in diagnostics, quick fixes and hover; hover on
``import a.b as c``; the snippet prefix filter. Expectations are whole values."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def wait_publish(client: LanguageClient, uri: str) -> types.PublishDiagnosticsParams:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri:
            return params


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    """The hover at (line, character), waiting while a runtime docstring is loading."""
    for _ in range(100):
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
        if result is None or "Loading the docstring" not in result.contents.value:  # type: ignore[union-attr]
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("runtime docstring never arrived")


def first_block(result: types.Hover | None) -> str:
    """The code block a hover starts with: the name it resolved to."""
    assert result is not None
    value = result.contents.value  # type: ignore[union-attr]
    assert value.startswith("```python\n"), value
    return value.split("\n", 2)[1]


def rng(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=start), end=types.Position(line=line, character=end))


# Two characters outside the BMP: two UTF-16 code units each, one str index each.
ASTRAL = """\
import torch
import torch.nn as nn

model = nn.Linear(10, 2)
x = torch.randn(4, 10)
s = "\U0001F600\U0001F600"; preds = model(x).numpy()  # noqa: TW107
"""
LINE = 5
SHIFT = 2  # UTF-16 columns past the emoji are the str columns + 2


async def test_diagnostic_and_noqa_action_columns_are_utf16(client: LanguageClient, tmp_path: Path):
    """Bug: UTF-16 column conversion removed from diagnostics (and quick-fix edits)."""
    uri = open_document(client, tmp_path / "astral.py", ASTRAL)
    params = await wait_publish(client, uri)
    text = ASTRAL.split("\n")[LINE]
    start = text.index("model(x).numpy()")
    (diag,) = params.diagnostics
    assert (diag.code, diag.range) == ("TW110", rng(LINE, start + SHIFT, start + len("model(x).numpy()") + SHIFT))
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag])))
    by_title = {a.title: list(a.edit.changes[uri]) for a in actions or [] if a.edit and a.edit.changes}  # type: ignore[union-attr]
    detach = start + len("model(x)") + SHIFT
    ignore_at = len(text) + SHIFT
    assert by_title == {
        "Insert .detach() before .numpy() (TW110)": [types.TextEdit(range=rng(LINE, detach, detach), new_text=".detach()")],
        "Ignore numpy-without-detach (TW110) on this line": [types.TextEdit(range=rng(LINE, ignore_at, ignore_at), new_text=", TW110")],
    }


async def test_hover_columns_are_utf16(client: LanguageClient, tmp_path: Path):
    """Bug: UTF-16 conversion removed from hover positions and ranges."""
    source = 'import torch.nn as nn\ns = "\U0001F600\U0001F600"; layer = nn.Linear(2, 2)\n'
    uri = open_document(client, tmp_path / "astral_hover.py", source)
    start = source.split("\n")[1].index("Linear") + SHIFT
    result = await hover(client, uri, 1, start + 1)
    assert first_block(result) == (
        "class torch.nn.Linear(in_features: int, out_features: int, bias: bool = True, device=None, dtype=None)")
    assert result.range == rng(1, start, start + len("Linear"))  # type: ignore[union-attr]
    # the UTF-16 column just before "Linear" is on "nn." (a str column would be 2 further right)
    result = await hover(client, uri, 1, start - 2)
    assert first_block(result) == "torch.nn"
    assert result.range == rng(1, start - 3, start - 1)  # type: ignore[union-attr]


async def test_hover_on_the_alias_of_import_a_b_as_c(client: LanguageClient, tmp_path: Path):
    """Bug: hover on the ``c`` of ``import a.b as c`` answering the alias instead of ``a.b``
    (modules are not in the knowledge base: their hover is the runtime docstring)."""
    pytest.importorskip("torch")
    source = "import torch.nn.functional as F\nimport torch.optim as O\n"
    uri = open_document(client, tmp_path / "alias.py", source)
    assert first_block(await hover(client, uri, 0, source.index(" F") + 1)) == "torch.nn.functional"
    assert first_block(await hover(client, uri, 1, len("import torch.optim as O") - 1)) == "torch.optim"


async def complete_labels(client: LanguageClient, uri: str, line: int, character: int) -> list[str]:
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    return sorted(item.label for item in items)


async def test_snippet_filter_matches_prefixes_not_substrings(client: LanguageClient, tmp_path: Path):
    """Bug: the completion filter matching substrings (``loop`` offering ``pt-train-loop``)."""
    source = "loop\ntrain\nstep\npt-tr\nPT-SCHED\n"
    uri = open_document(client, tmp_path / "words.py", source)
    assert await complete_labels(client, uri, 0, 4) == []
    assert await complete_labels(client, uri, 1, 5) == []
    assert await complete_labels(client, uri, 2, 4) == []
    assert await complete_labels(client, uri, 3, 5) == ["pt-train-loop", "pt-train-step", "pt-transfer",
                                                        "pt-transformer-classifier"]
    assert await complete_labels(client, uri, 4, 8) == ["pt-sched-cosine", "pt-sched-onecycle", "pt-sched-plateau",
                                                        "pt-sched-step"]
