"""The new quick fixes through a real torchwise server (pytest-lsp, VS Code's client
capabilities): plain-text messages and titles, the edits keep the document's line
endings, and applying them makes the finding go away."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env

SCRIPT = """\
import torch
import torch.nn.functional as F

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(2, 4), torch.tensor([0, 1]))]
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
"""
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def _publish(client: LanguageClient, uri: str, version: int) -> types.PublishDiagnosticsParams:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri and params.version == version:
            return params


def _apply(text: str, edits: list[types.TextEdit], eol: str) -> str:
    lines = text.split(eol)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + len(eol))
    def offset(pos: types.Position) -> int:
        return starts[pos.line] + pos.character
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


async def _zero_grad_fix_round_trip(client: LanguageClient, tmp_path: Path, eol: str) -> None:
    text = SCRIPT.replace("\n", eol)
    uri = open_document(client, tmp_path / f"train{len(eol)}.py", text)
    params = await _publish(client, uri, 1)
    diag = next(d for d in params.diagnostics if d.code == "TW101")
    assert "`" not in diag.message and "call optimizer.zero_grad() once per step" in diag.message
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag])))
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "(TW101)" in a.title)
    assert fix.title == "Insert optimizer.zero_grad() at the start of the loop (TW101) [unsafe]"
    assert not fix.is_preferred  # unsafe fixes are offered, never preferred
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text == f"    optimizer.zero_grad(){eol}"
    fixed = _apply(text, [edit], eol)
    assert f"for x, y in loader:{eol}    optimizer.zero_grad(){eol}    loss = " in fixed
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    params = await _publish(client, uri, 2)
    assert not [d for d in params.diagnostics if d.code == "TW101"]


async def test_missing_zero_grad_quick_fix(client: LanguageClient, tmp_path: Path) -> None:
    await _zero_grad_fix_round_trip(client, tmp_path, "\n")


async def test_missing_zero_grad_quick_fix_keeps_crlf(client: LanguageClient, tmp_path: Path) -> None:
    await _zero_grad_fix_round_trip(client, tmp_path, "\r\n")
