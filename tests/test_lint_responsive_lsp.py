"""Lint never blocks the editor: through a real server over stdio (pytest-lsp, VS Code's
client capabilities), a hover sent right after an edit is answered before that edit's
diagnostics, and rapid edits publish only the newest version's diagnostics."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
CHUNK = """\
def train_{i}(model, loader, optimizer):
    model.train()
    for inputs, targets in loader:
        optimizer.zero_grad()
        logits = model(inputs)
        loss = torch.nn.functional.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
    return loss.item()


"""


def large_text() -> str:
    """A training script long enough that one lint run takes many event-loop turns,
    yet below the size that goes to the worker process."""
    text = "import torch\n\n\n" + "".join(CHUNK.format(i=i) for i in range(560)) + "torch.no_grad()\n"
    assert 150_000 < len(text) < 190_000  # server.BIG_SOURCE_CHARS
    return text


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


def record(client: LanguageClient) -> list[tuple]:
    """Every message from the server, in the order the client handles them:
    ("publish", uri, version) or ("response", id)."""
    seen: list[tuple] = []
    handle = client.protocol.handle_message

    def recording(message) -> None:
        method = getattr(message, "method", None)
        if method == PUBLISH:
            seen.append(("publish", message.params.uri, message.params.version))
        elif method is None and getattr(message, "id", None) is not None:
            seen.append(("response", message.id))
        handle(message)

    client.protocol.handle_message = recording  # type: ignore[method-assign]
    return seen


async def wait_publish(client: LanguageClient, uri: str, version: int) -> types.PublishDiagnosticsParams:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=120)
        if params.uri == uri and params.version == version:
            return params


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    ))


def insert(client: LanguageClient, uri: str, version: int, at: types.Position, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)],
    ))


async def hover_deep_inside(client: LanguageClient, uri: str, text: str) -> None:
    """A hover on the 200th ``cross_entropy`` of ``text``: it must be answered."""
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=position_of(text, "cross_entropy", offset=3, occurrence=200)))
    assert hover is not None and "cross_entropy" in hover.contents.value  # type: ignore[union-attr]


async def test_a_hover_right_after_a_change_answers_before_that_versions_diagnostics(
        client: LanguageClient, tmp_path: Path) -> None:
    text = large_text()
    uri = open_document(client, tmp_path / "train.py", text)
    await wait_publish(client, uri, 1)
    seen = record(client)
    edited = text.replace("torch.no_grad()\n", "torch.no_grad()\ntorch.no_grad()\n")
    published = asyncio.ensure_future(wait_publish(client, uri, 2))
    change(client, uri, 2, edited)
    await hover_deep_inside(client, uri, edited)
    params = await published
    assert [d.code for d in params.diagnostics] == ["TW107", "TW107"]  # this version's findings
    kinds = [entry[0] for entry in seen]
    assert "response" in kinds and ("publish", uri, 2) in seen
    assert kinds.index("response") < seen.index(("publish", uri, 2)), seen


async def test_rapid_edits_publish_only_the_newest_versions_diagnostics(
        client: LanguageClient, tmp_path: Path) -> None:
    text = large_text()
    uri = open_document(client, tmp_path / "train.py", text)
    await wait_publish(client, uri, 1)
    seen = record(client)
    newest = asyncio.ensure_future(wait_publish(client, uri, 6))
    # typing: five versions back to back, each a small edit as VS Code sends it, so all five
    # reach the server's pipe at once (whole-text changes of 170 kB trickled through it, and a
    # busy machine let the server finish a stale version before the next one arrived)
    end = types.Position(line=text.count("\n"), character=0)
    for version in range(2, 7):
        insert(client, uri, version, end, "torch.no_grad()\n" * (2 if version == 2 else 1))
    params = await newest
    assert len(params.diagnostics) == 7  # the newest text's findings: 1 + 6 no_grad() lines
    # one more round trip: a stale run finishing late would have published by now
    await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=8)))
    assert [entry for entry in seen if entry[0] == "publish" and entry[1] == uri] == [("publish", uri, 6)]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def puller(lsp_client: LanguageClient, tmp_path: Path):
    from test_pull_diagnostics_lsp import pulling_params

    await lsp_client.initialize_session(pulling_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


def ids_of(client: LanguageClient, method: str) -> list[str]:
    """The ids of the requests of ``method`` the client sends from now on."""
    ids: list[str] = []
    send = client.protocol.send_request

    def sending(name, params=None, callback=None, msg_id=None):
        msg_id = msg_id or str(uuid.uuid4())
        if name == method:
            ids.append(msg_id)
        return send(name, params, callback, msg_id)

    client.protocol.send_request = sending  # type: ignore[method-assign]
    return ids


async def test_a_hover_sent_after_a_pull_is_answered_before_the_pulled_report(
        puller: LanguageClient, tmp_path: Path) -> None:
    """VS Code pulls: the pull's full lint runs in slices too, so a hover sent right
    after it is answered first (a pull used to lint the whole file in one go)."""
    text = large_text()
    uri = open_document(puller, tmp_path / "train.py", text)
    first = await puller.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [d.code for d in first.items] == ["TW107"]
    # two places far apart: neither reuse nor one statement's re-lint answers it
    edited = text.replace("def train_0(", "def train_zero(").replace("torch.no_grad()\n", "torch.no_grad()\n" * 2)
    change(puller, uri, 2, edited)
    seen = record(puller)
    pull_id, hover_id = ids_of(puller, types.TEXT_DOCUMENT_DIAGNOSTIC), ids_of(puller, types.TEXT_DOCUMENT_HOVER)
    pulled = asyncio.ensure_future(puller.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri))))
    await asyncio.sleep(0.15)  # the pull's lint has started (it takes seconds here)
    await hover_deep_inside(puller, uri, edited)
    report = await pulled
    assert [d.code for d in report.items] == ["TW107", "TW107"]  # this version's findings
    answered = [entry[1] for entry in seen if entry[0] == "response"]
    assert answered == [hover_id[0], pull_id[0]], (answered, hover_id, pull_id)  # the hover first


async def test_a_comment_typed_in_a_large_document_moves_its_findings_without_a_lint(
        client: LanguageClient, tmp_path: Path) -> None:
    """A large document is linted in the worker process, seconds for a file this size;
    its findings come back with what reusing them needs, so a comment typed next is
    answered by moving them (``torchwise.incremental``), not by another worker run."""
    text = "import torch\n\n\n" + "".join(CHUNK.format(i=i) for i in range(700)) + "torch.no_grad()\n"
    assert len(text) > 200_000  # server.BIG_SOURCE_CHARS: linted in the worker process
    uri = open_document(client, tmp_path / "train.py", text)
    first = await wait_publish(client, uri, 1)
    assert [(d.code, d.range.start.line) for d in first.diagnostics] == [("TW107", text.count("\n") - 1)]
    edited = text.replace("def train_3(", "# the fourth\ndef train_3(")
    change(client, uri, 2, edited)
    params = await wait_publish(client, uri, 2)
    assert [(d.code, d.range.start.line) for d in params.diagnostics] == [("TW107", text.count("\n"))]
    stats = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.lintStats", arguments=[]))
    assert stats["reused"] == 1 and stats["runs"] == 2, stats  # the worker's run, then the reuse
