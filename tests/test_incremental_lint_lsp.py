"""The editor's incremental lint through a real server over stdio (pytest-lsp, VS Code's
client capabilities): over a seeded session of edits to a module with cross-module facts,
every published version's diagnostics equal a fresh full lint of that text, and some of
them were answered by reuse (``torchwise.lintStats``)."""

from __future__ import annotations

import asyncio
import random
import shutil
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env
from test_incremental_lint import COMMENTS, call_statement, edit
from torchwise.analysis import build_analysis  # noqa: F401  (the same package the server runs)
from torchwise.lint.engine import lint_analysis, select_rules
from torchwise.lint.term import plain
from torchwise.project import Project
from torchwise.text import split_lines, strip_eol, to_units

PROJECT = Path(__file__).resolve().parent / "lint_projects" / "softmax_model_elsewhere"
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


async def _session(lsp_client: LanguageClient, tmp_path: Path, params=initialize_params):
    """The project copied to ``tmp_path/proj``, a session on it (``params``: the client's)."""
    shutil.copytree(PROJECT, tmp_path / "proj")
    await lsp_client.initialize_session(params(tmp_path / "proj", lint={"debounceMs": 0}))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await _session(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


def expected(root: Path, path: Path, text: str) -> list[tuple]:
    """A full lint of ``text`` with the project's facts, as the server publishes it."""
    path.write_text(text, encoding="utf-8")  # the module's own callers are read as the server sees them
    project = Project([str(root)])
    analysis = project.analysis_for(path.as_uri(), text, adopt=False)
    lines = split_lines(text)

    def col(line: int, c: int) -> int:
        return to_units(strip_eol(lines[line - 1]), c) if 1 <= line <= len(lines) else c

    return [(f.line - 1, col(f.line, f.col), f.end_line - 1, col(f.end_line, f.end_col), f.rule.code,
             f"{plain(f.message)} [{f.rule.name}]",
             None if f.fix is None else [(e.line, e.col + 1, e.end_line, e.end_col + 1, e.content) for e in f.fix.edits])
            for f in lint_analysis(analysis, str(path), select_rules())]


def published(params: types.PublishDiagnosticsParams) -> list[tuple]:
    out = []
    for d in params.diagnostics:
        fix = d.data["fix"]
        out.append((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.code,
                    d.message, None if fix is None else [(e["line"], e["column"], e["end_line"], e["end_column"],
                                                          e["content"]) for e in fix["edits"]]))
    return out


def comment_line(text: str, rng: random.Random) -> str:
    """A comment line typed at a random line start (the edit reuse answers, where it can)."""
    lines = split_lines(text, keepends=True)
    i = rng.randrange(len(lines) + 1)
    return "".join(lines[:i] + [rng.choice(["", "    ", "        "]) + rng.choice(COMMENTS) + "\n"] + lines[i:])


async def wait_publish(client: LanguageClient, uri: str, version: int) -> types.PublishDiagnosticsParams:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri and params.version == version:
            return params


async def type_versions(client: LanguageClient, uri: str, root: Path, path: Path, text: str, end: int,
                        step) -> dict:
    """Send versions 2 .. end-1, each ``step(text, version)`` of the last; every published
    version must equal a full lint. Returns the server's ``torchwise.lintStats``."""
    for version in range(2, end):
        text = step(text, version)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        params = await wait_publish(client, uri, version)
        assert published(params) == expected(root, path, text), f"version {version}:\n{text}"
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.lintStats", arguments=[]))


async def test_published_diagnostics_equal_a_full_lint_over_a_session_of_edits(client: LanguageClient,
                                                                                tmp_path: Path):
    root = tmp_path / "proj"
    path = root / "fit.py"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    first = await wait_publish(client, uri, 1)
    assert published(first) == expected(root, path, text) and first.diagnostics  # cross-module findings
    rng = random.Random(11)
    stats = await type_versions(client, uri, root, path, text, 42,
                                lambda text, v: comment_line(text, rng) if rng.random() < 0.6 else edit(text, rng))
    assert stats["reused"] >= 5  # the session exercised reuse, not only full lints


async def test_statements_that_call_are_relinted_through_the_server(client: LanguageClient, tmp_path: Path):
    """Statements that call things typed in functions and at module level: every published
    version equals a full lint, and the server answered some by re-linting the edited
    statement alone (``torchwise.incremental_statement``)."""
    root = tmp_path / "proj"
    path = root / "fit.py"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_publish(client, uri, 1)
    rng = random.Random(5)
    stats = await type_versions(client, uri, root, path, text, 32, lambda text, v: call_statement(text, rng, v))
    assert stats["statements"] >= 3, stats


SPLICED = """\
import torch
from torch import nn


def first(x):
    y = x + 1
    return y


def second():
    layer = nn.Linear(2, 2)
    print(layer)
    layer = nn.ReLU()
    return layer
"""


async def test_hovers_after_a_statement_relint_read_the_spliced_analysis(client: LanguageClient, tmp_path: Path):
    """A statement re-lint splices the previous analysis (``Analysis.spliced``) and the
    server keeps it for hovers: below the edit, a name between two of its bindings reads
    the one above it, as its bindings moved with their lines (unmoved, the later binding
    would sit above the use and answer)."""
    path = tmp_path / "proj" / "spliced.py"
    uri = open_document(client, path, SPLICED)
    await wait_publish(client, uri, 1)
    edited = SPLICED.replace("    y = x + 1\n", "    print('edit')\n    print('more')\n    y = x + 1\n")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    await wait_publish(client, uri, 2)
    stats = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.lintStats", arguments=[]))
    assert stats["statements"] == 1, stats  # answered by the statement re-lint
    index = edited.index("print(layer)") + len("print(")
    line = edited.count("\n", 0, index)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=index - (edited.rfind("\n", 0, index) + 1))))
    assert result is not None
    text = result.contents.value  # type: ignore[union-attr]
    assert "Linear" in text and "ReLU" not in text, text


async def _stats(client: LanguageClient) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.lintStats", arguments=[]))


async def _type(client: LanguageClient, uri: str, version: int, text: str) -> types.PublishDiagnosticsParams:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    return await wait_publish(client, uri, version)


COMMENTED = "        opt.zero_grad()\n        # the batch's scores\n"
PRINTED = "        scores = net(x)\n        print(scores.shape)\n"


async def test_code_typed_right_after_a_comment_is_relinted_from_the_last_analysis(client: LanguageClient,
                                                                                    tmp_path: Path):
    """A comment (answered by reuse, whose snapshot has no analysis: its lines moved),
    then code in the same function at once: the statement re-lint starts from the last
    analysis, not a full lint."""
    root = tmp_path / "proj"
    path = root / "fit.py"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_publish(client, uri, 1)
    commented = text.replace("        opt.zero_grad()\n", COMMENTED)
    assert published(await _type(client, uri, 2, commented)) == expected(root, path, commented)
    printed = commented.replace("        scores = net(x)\n", PRINTED)
    assert published(await _type(client, uri, 3, printed)) == expected(root, path, printed)
    stats = await _stats(client)
    assert (stats["reused"], stats["statements"]) == (1, 1), stats


async def test_an_idle_editor_gives_a_reused_text_its_analysis(client: LanguageClient, tmp_path: Path):
    """A comment at the top (reused), a pause, then code in another function: the pause
    re-lints the comment's text from the last analysis (``caughtUp``), so the code is
    one statement's re-lint, not a full lint (from the last analysis, the two edits span
    both functions)."""
    root = tmp_path / "proj"
    path = root / "fit.py"
    text = path.read_text(encoding="utf-8")
    uri = open_document(client, path, text)
    await wait_publish(client, uri, 1)
    commented = text.replace("from torch import nn\n", "from torch import nn\n# the model lives in nets/\n")
    assert published(await _type(client, uri, 2, commented)) == expected(root, path, commented)
    for _ in range(100):
        stats = await _stats(client)
        if stats["caughtUp"]:
            break
        await asyncio.sleep(0.05)
    assert stats["caughtUp"] == 1 and stats["statements"] == 0, stats
    printed = commented.replace("    net = Classifier(8, 3)\n", "    net = Classifier(8, 3)\n    print(net)\n")
    assert published(await _type(client, uri, 3, printed)) == expected(root, path, printed)
    stats = await _stats(client)
    assert (stats["reused"], stats["statements"]) == (1, 1), stats


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def puller(lsp_client: LanguageClient, tmp_path: Path):
    from test_pull_diagnostics_lsp import pulling_params

    await _session(lsp_client, tmp_path, pulling_params)
    yield
    await lsp_client.shutdown_session()


async def test_a_pulling_client_gets_the_same_incremental_answers(puller: LanguageClient, tmp_path: Path):
    """VS Code pulls: its reports come the way pushed ones do (reuse, the edited
    statement's re-lint, a full lint in slices), each equal to a full lint."""
    root = tmp_path / "proj"
    path = root / "fit.py"
    text = path.read_text(encoding="utf-8")
    uri = open_document(puller, path, text)
    rng = random.Random(5)
    for version in range(2, 24):
        text = call_statement(text, rng, version) if version % 3 else comment_line(text, rng)
        puller.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        report = await puller.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        assert published(types.PublishDiagnosticsParams(uri=uri, diagnostics=report.items)) == \
            expected(root, path, text), f"version {version}:\n{text}"
    stats = await _stats(puller)
    assert stats["statements"] >= 3 and stats["reused"] >= 1, stats


HELPER = """

def helper_{i}(net, batches, opt):
    net.train()
    for x, y in batches:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
"""


async def test_pulls_cancelled_while_their_lint_runs_leave_the_newest_report_right(puller: LanguageClient,
                                                                                   tmp_path: Path):
    """VS Code pulls on every change and cancels the pull the change made outdated
    (``$/cancelRequest``), its lint maybe running: the last pull of each burst, and the
    workspace poll after it, still report the newest text exactly."""
    root = tmp_path / "proj"
    path = root / "fit.py"
    text = path.read_text(encoding="utf-8") + "".join(HELPER.format(i=i) for i in range(300))
    path.write_text(text, encoding="utf-8")
    uri = open_document(puller, path, text)
    rng = random.Random(1)
    cancelled = 0
    for burst in range(3):
        pulls = {}
        for version in range(2 + 10 * burst, 12 + 10 * burst):
            text = call_statement(text, rng, version) if rng.random() < 0.6 else comment_line(text, rng)
            puller.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
            if pulls:  # as VS Code does: the change makes the pull before it outdated
                puller.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=list(pulls)[-1]))
            pulls[f"pull-{version}"] = asyncio.ensure_future(puller.protocol.send_request_async(
                types.TEXT_DOCUMENT_DIAGNOSTIC, types.DocumentDiagnosticParams(
                    text_document=types.TextDocumentIdentifier(uri=uri)), msg_id=f"pull-{version}"))
            await asyncio.sleep(rng.choice([0, 0.005, 0.02]))
        answers = await asyncio.gather(*pulls.values(), return_exceptions=True)
        cancelled += sum(isinstance(a, Exception) for a in answers)
        want = expected(root, path, text)
        assert published(types.PublishDiagnosticsParams(uri=uri, diagnostics=answers[-1].items)) == want
        poll = await puller.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
        (item,) = [i for i in poll.items if i.uri == uri]
        assert published(types.PublishDiagnosticsParams(uri=uri, diagnostics=item.items)) == want
    assert cancelled, "no pull was cancelled: the test did not test that"
