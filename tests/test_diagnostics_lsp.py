"""Lint diagnostics through a real torchwise server over stdio (pytest-lsp, VS Code's
client capabilities): publish on open/change with the document version, debounce,
quick fixes, noqa action, fix-all, settings and pyproject config."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env

BAD = """\
import torch

model = torch.nn.Linear(4, 2)
x = torch.randn(3, 4)
torch.no_grad()
scaler = torch.cuda.amp.GradScaler()
preds = model(x).numpy()
"""
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def wait_publish(client: LanguageClient, uri: str, version: int | None = None) -> types.PublishDiagnosticsParams:
    """The next publishDiagnostics for ``uri`` (with ``version``, if given)."""
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri and (version is None or params.version == version):
            return params


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
    ))


def offset(text: str, pos: types.Position) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(l) for l in lines[: pos.line]) + pos.character


def apply(text: str, edits: list[types.TextEdit]) -> str:
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(text, e.range.start)] + e.new_text + text[offset(text, e.range.end):]
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    if action.edit.changes:
        return list(action.edit.changes[uri])
    return [e for change in action.edit.document_changes for e in change.edits]  # type: ignore[union-attr]


async def code_actions(client: LanguageClient, uri: str, rng: types.Range, diagnostics, only=None):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only)))


async def test_diagnostics_appear_with_code_link_and_fix(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "train.py", BAD)
    params = await wait_publish(client, uri)
    assert params.version == 1
    by_code = {d.code: d for d in params.diagnostics}
    assert set(by_code) == {"TW107", "TW404", "TW110"}
    amp = by_code["TW404"]
    assert amp.source == "torchwise"
    assert amp.code_description.href == "https://docs.pytorch.org/docs/stable/amp.html#gradient-scaling"  # its API's page
    assert amp.range.start == types.Position(line=5, character=9)
    assert amp.severity == types.DiagnosticSeverity.Warning
    assert amp.data["fix"]["applicability"] == "safe"
    assert by_code["TW107"].data["fix"] is None
    assert "[no-grad-not-entered]" in by_code["TW107"].message


async def test_diagnostics_follow_edits_with_version(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "train.py", BAD)
    await wait_publish(client, uri, 1)
    change(client, uri, 2, BAD.replace("torch.no_grad()\n", ""))
    params = await wait_publish(client, uri, 2)
    assert {d.code for d in params.diagnostics} == {"TW404", "TW110"}
    assert {d.range.start.line for d in params.diagnostics} == {4, 5}  # moved up one line
    change(client, uri, 3, "import torch\n")
    params = await wait_publish(client, uri, 3)
    assert not params.diagnostics


async def test_quick_fix_applies_cleanly(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "train.py", BAD)
    params = await wait_publish(client, uri, 1)
    diag = next(d for d in params.diagnostics if d.code == "TW404")
    actions = await code_actions(client, uri, diag.range, [diag])
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix and "torch.amp" in a.title)
    assert fix.is_preferred
    fixed = apply(BAD, edits_of(fix, uri))
    assert 'scaler = torch.amp.GradScaler("cuda")\n' in fixed
    change(client, uri, 2, fixed)
    params = await wait_publish(client, uri, 2)
    assert {d.code for d in params.diagnostics} == {"TW107", "TW110"}


async def test_noqa_action(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "train.py", BAD)
    params = await wait_publish(client, uri, 1)
    diag = next(d for d in params.diagnostics if d.code == "TW107")
    actions = await code_actions(client, uri, diag.range, [diag])
    ignore = next(a for a in actions if a.title.startswith("Ignore no-grad-not-entered"))
    text = apply(BAD, edits_of(ignore, uri))
    assert "torch.no_grad()  # noqa: TW107\n" in text
    change(client, uri, 2, text)
    params = await wait_publish(client, uri, 2)
    assert "TW107" not in {d.code for d in params.diagnostics}
    # an existing noqa comment is extended, not duplicated
    diag = next(d for d in params.diagnostics if d.code == "TW404")
    text2 = text.replace("torch.cuda.amp.GradScaler()", "torch.cuda.amp.GradScaler()  # noqa: E501")
    change(client, uri, 3, text2)
    params = await wait_publish(client, uri, 3)
    diag = next(d for d in params.diagnostics if d.code == "TW404")
    actions = await code_actions(client, uri, diag.range, [diag])
    ignore = next(a for a in actions if a.title.startswith("Ignore deprecated-cuda-amp"))
    assert "GradScaler()  # noqa: E501, TW404\n" in apply(text2, edits_of(ignore, uri))


async def test_fix_all(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "train.py", BAD)
    await wait_publish(client, uri, 1)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=7, character=0))
    actions = await code_actions(client, uri, whole, [], only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in actions] == ["source.fixAll.torchwise"]
    fixed = apply(BAD, edits_of(actions[0], uri))
    assert 'torch.amp.GradScaler("cuda")' in fixed and "model(x).detach().numpy()" in fixed
    assert "torch.no_grad()\n" in fixed
    # quick fixes are not returned when only fix-all was asked for
    assert all(a.kind != types.CodeActionKind.QuickFix for a in actions)


async def test_pyproject_config_is_honoured(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nignore = ["TW107", "numpy-without-detach"]\n',
                                             encoding="utf-8")
    uri = open_document(client, tmp_path / "train.py", BAD)
    params = await wait_publish(client, uri, 1)
    assert {d.code for d in params.diagnostics} == {"TW404"}


async def test_close_clears(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "train.py", BAD)
    await wait_publish(client, uri, 1)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    params = await wait_publish(client, uri)
    assert not params.diagnostics


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def debounced_client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(
        tmp_path, lint={"debounceMs": 300, "select": ["TW107", "TW404"], "ignore": ["deprecated-cuda-amp"]}))
    yield
    await lsp_client.shutdown_session()


async def test_debounce_publishes_only_the_latest_version_and_settings_apply(
        debounced_client: LanguageClient, tmp_path: Path) -> None:
    client = debounced_client
    uri = open_document(client, tmp_path / "train.py", BAD)
    params = await wait_publish(client, uri, 1)
    assert {d.code for d in params.diagnostics} == {"TW107"}  # select + ignore from the client settings
    for version in (2, 3, 4):
        change(client, uri, version, BAD + "torch.no_grad()\n" * version)
    params = await wait_publish(client, uri)
    assert params.version == 4  # the pending runs for 2 and 3 were cancelled
    assert len(params.diagnostics) == 1 + 4


async def test_broken_source_and_bad_settings_keep_serving(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "broken.py", "import torch\nx = = 1\ntorch.no_grad()\ndef f(:\n")
    params = await wait_publish(client, uri, 1)
    assert "TW001" in {d.code for d in params.diagnostics}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"torchwise": {"lint": {"select": ["nonsense"], "debounceMs": 0}}}))
    params = await wait_publish(client, uri)
    assert "TW001" in {d.code for d in params.diagnostics}
    uri2 = open_document(client, tmp_path / "ok.py", BAD)
    params = await wait_publish(client, uri2, 1)
    assert params.diagnostics
