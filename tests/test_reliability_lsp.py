"""The server always answers and never drifts or leaks: invalid params, requests
after shutdown, exit status, deep nesting, closed documents, a broken file edited a
thousand times, the document model under random incremental edits, large files.

Raw JSON-RPC over stdio where a typed client would refuse to send the bad message;
pytest-lsp with VS Code's client capabilities elsewhere."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from procs import alive, children, cmdline
from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env
from test_text import UNICODE_BREAKS, ref_lines, ref_offset

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


# ------------------------------------------------------------------ raw JSON-RPC
class RawServer:
    """A torchwise server driven with hand-written JSON-RPC messages."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=server_env())
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.next_id = 100
        reply = self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}})
        assert "result" in reply
        self.notify("initialized", {})

    def _drain(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.stderr.append(line.decode(errors="replace"))

    def send(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]

    def read(self) -> dict:
        stream = self.proc.stdout
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            chunk = stream.read(1)  # type: ignore[union-attr]
            assert chunk, "server closed the connection"
            header += chunk
        length = int(re.search(rb"Content-Length: (\d+)", header).group(1))  # type: ignore[union-attr]
        return json.loads(stream.read(length))  # type: ignore[union-attr]

    def request(self, method: str, params, *, with_params: bool = True) -> dict:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if with_params:
            message["params"] = params
        self.send(message)
        while True:  # skip notifications (logs, diagnostics)
            reply = self.read()
            if reply.get("id") == self.next_id and "method" not in reply:
                return reply

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def raw(tmp_path: Path):
    server = RawServer(tmp_path)
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


def test_nothing_is_sent_after_exit(caplog) -> None:
    """After ``exit`` pygls closes the output; a lint finishing then (its diagnostics, as
    CI once caught in the test below) must send nothing. Before, each failed send logged a
    traceback and reported the error, whose own send failed in turn: one late message
    logged some 200 "Error sending data" tracebacks."""
    import io
    import logging

    from pygls.io_ import StdoutWriter

    from torchwise.server import create_server

    server = create_server()
    out = io.BytesIO()
    server.protocol.set_writer(StdoutWriter(out))
    with pytest.raises(SystemExit):
        server.protocol.handle_message(server.protocol.structure_message({"jsonrpc": "2.0", "method": "exit"}))
    assert out.closed
    with caplog.at_level(logging.INFO):
        server.protocol.notify(PUBLISH, types.PublishDiagnosticsParams(uri="file:///late.py", diagnostics=[]))
    assert "Error sending data" not in caplog.text and "Traceback" not in caplog.text


def test_invalid_params_get_an_invalid_params_error_and_one_log_line(raw: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "a.py").as_uri()
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                         "text": "import torch\ntorch.ones(1)\n"}})
    bad = [
        {"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}},
        {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2 ** 31}},
        {"textDocument": None, "position": {"line": 0, "character": 0}},
        {"position": {"line": 0, "character": 0}},
        None,
    ]
    for params in bad:
        reply = raw.request("textDocument/hover", params)
        assert reply["error"]["code"] == -32602, reply
        assert "textDocument/hover" in reply["error"]["message"]
    reply = raw.request("textDocument/hover", None, with_params=False)
    assert reply["error"]["code"] == -32602
    # the server still works
    ok = raw.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}})
    assert "torch.ones" in ok["result"]["contents"]["value"]
    raw.request("shutdown", None)
    raw.notify("exit", None)
    assert raw.close() == 0
    log = "".join(raw.stderr)
    assert "Traceback" not in log
    assert len([line for line in log.splitlines() if "invalid params" in line]) == len(bad) + 1


def test_requests_after_shutdown_are_refused_and_exit_status_follows_the_spec(raw: RawServer, tmp_path: Path) -> None:
    assert raw.request("shutdown", None).get("result", "missing") is None
    reply = raw.request("textDocument/hover", {"textDocument": {"uri": (tmp_path / "x.py").as_uri()},
                                                "position": {"line": 0, "character": 0}})
    assert reply["error"]["code"] == -32600
    raw.notify("exit", None)
    assert raw.close() == 0


def test_exit_without_shutdown_exits_with_status_1(raw: RawServer) -> None:
    raw.notify("exit", None)
    assert raw.close() == 1


# ------------------------------------------------------------------ pytest-lsp
@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def debug_state(client: LanguageClient, uri: str | None = None) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="torchwise.debugState", arguments=[{"uri": uri}] if uri else []))


async def wait_publish(client: LanguageClient, uri: str, version: int | None = None) -> types.PublishDiagnosticsParams:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri and (version is None or params.version == version):
            return params


def incremental(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int],
                text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=start[0], character=start[1]),
                              end=types.Position(line=end[0], character=end[1])), text=text)]))


async def test_deep_nesting_answers_null_and_publishes_one_finding(client: LanguageClient, tmp_path: Path) -> None:
    text = "import torch\nf = " + "lambda: " * 1000 + "torch.ones(1)\n"
    uri = open_document(client, tmp_path / "deep.py", text)
    params = await wait_publish(client, uri)
    assert [d.code for d in params.diagnostics] == ["TW001"]
    assert "nested too deeply" in params.diagnostics[0].message
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=1, character=len(text.splitlines()[1]) - 5)))
    assert result is None


async def test_closed_documents_are_not_analysed_or_kept(client: LanguageClient, tmp_path: Path) -> None:
    text = "import torch\nx = torch.sum(torch.ones(2))\n"
    uri = open_document(client, tmp_path / "closed.py", text)
    await wait_publish(client, uri)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    await wait_publish(client, uri)  # the clearing publish
    await asyncio.sleep(0.6)  # past the runtime-docs prefetch delay
    state = await debug_state(client)
    assert uri not in state["analysed"] and uri not in state["open"]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=11)))
    assert hover is None
    assert uri not in (await debug_state(client))["analysed"]


async def test_a_broken_file_edited_a_thousand_times_keeps_one_analysis(client: LanguageClient, tmp_path: Path) -> None:
    body = "".join(f"w{i} = torch.nn.Linear({i + 1}, 2)\n" for i in range(300))
    text = "import torch\n" + body + "x = (\n"
    uri = open_document(client, tmp_path / "broken.py", text)
    await wait_publish(client, uri)
    last_line = text.count("\n")
    for version in range(2, 1002):
        incremental(client, uri, version, (last_line - 1, 5), (last_line - 1, 5), "(" if version % 2 else "")
        if version % 100 == 0:
            await client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=3)),
                context=types.CodeActionContext(diagnostics=[])))
    params = await wait_publish(client, uri, 1001)
    assert "TW001" in {d.code for d in params.diagnostics}
    state = await debug_state(client)
    assert state["analysed"] == [uri]
    assert state["liveAnalyses"] == 1


def _random_edit(rng: random.Random, text: str) -> tuple[tuple[int, int], tuple[int, int], str]:
    lines = ref_lines(text)
    pieces = ["x", "é", "😀", " ", "# c", *UNICODE_BREAKS, "\r\n"]

    def position() -> tuple[int, int]:
        line = rng.randrange(len(lines) + 2)  # sometimes past the last line
        body = lines[line][0] if line < len(lines) else ""
        width = len(body.encode("utf-16-le")) // 2
        col = rng.choice([0, width, width + 1, width + 3, rng.randrange(width + 1)])
        # never inside a surrogate pair: VS Code never sends such a position
        prefix = body.encode("utf-16-le")[: 2 * col].decode("utf-16-le", errors="ignore")
        return line, min(col, len(prefix.encode("utf-16-le")) // 2) if col <= width else col

    start, end = position(), position()
    if end < start:
        start, end = end, start
    return start, end, "".join(rng.choice(pieces) for _ in range(rng.randrange(4)))


async def _publish_of(client: LanguageClient, uri: str, version: int) -> types.PublishDiagnosticsParams:
    """The publish for ``version`` of ``uri`` (or a versionless clear)."""
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri and params.version in (version, None):
            return params


async def test_document_model_matches_a_reference_under_random_edits(client: LanguageClient, tmp_path: Path) -> None:
    """Differential fuzz through the real protocol: after every incremental change the
    server's text equals the reference model's, and every published range lies inside it."""
    rng = random.Random(int(os.environ.get("TORCHWISE_FUZZ_SEED", "20261201")))
    steps = int(os.environ.get("TORCHWISE_FUZZ_EDITS", "200"))  # scripts/fuzz.sh runs many more
    text = "import torch\n# part one\x0cpart two\u2028x\r\ny = torch.log(1 + torch.ones(3))\rz = '😀'\n"
    uri = open_document(client, tmp_path / "fuzz.py", text)
    await wait_publish(client, uri)
    for version in range(2, steps + 2):
        start, end, new = _random_edit(rng, text)
        a, b = ref_offset(text, *start), ref_offset(text, *end)
        text = text[:a] + new + text[b:]
        checkpoint = version % 20 == 0 or version == steps + 1
        if checkpoint:  # lint runs off the request path: wait for this version's publish
            published = asyncio.ensure_future(_publish_of(client, uri, version))
        incremental(client, uri, version, start, end, new)
        if checkpoint:
            state = await debug_state(client, uri)
            assert state["text"] == text, f"drift after edit {version}"
            lines = ref_lines(text)
            for d in (await published).diagnostics:
                for pos in (d.range.start, d.range.end):
                    assert pos.line < len(lines)
                    assert pos.character <= len(lines[pos.line][0].encode("utf-16-le")) // 2


async def test_fix_all_edits_follow_the_editors_lines(client: LanguageClient, tmp_path: Path) -> None:
    text = "import torch\n# part one\x0cpart two\ny = torch.ones(3)\nx = torch.log(1 + y)\n"
    uri = open_document(client, tmp_path / "ff.py", text)
    params = await wait_publish(client, uri)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=4, character=0)),
        context=types.CodeActionContext(diagnostics=params.diagnostics, only=["source.fixAll.torchwise"])))
    (action,) = actions
    edits = [e for change in action.edit.document_changes for e in change.edits]
    assert [(e.range.start.line, e.new_text) for e in edits] == [(3, "torch.log1p(y)")]


async def test_a_large_file_is_linted_and_hovered(client: LanguageClient, tmp_path: Path) -> None:
    """Above the worker-thread threshold: diagnostics still arrive, hovers still answer,
    and a newer version's diagnostics replace the older ones."""
    body = "".join(f"layer{i} = torch.nn.Linear({i % 50 + 1}, 4)\n" for i in range(9000))
    text = "import torch\n" + body + "torch.no_grad()\n"
    assert len(text) > 200_000
    uri = (tmp_path / "big.py").as_uri()
    first = asyncio.ensure_future(wait_publish(client, uri, 1))
    open_document(client, tmp_path / "big.py", text)
    small = open_document(client, tmp_path / "small.py", "import torch\ntorch.ones(1)\n")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=small), position=types.Position(line=1, character=7)))
    assert "torch.ones" in hover.contents.value
    params = await first
    assert [d.code for d in params.diagnostics] == ["TW107"]
    last = text.count("\n") - 1
    second = asyncio.ensure_future(wait_publish(client, uri, 2))
    incremental(client, uri, 2, (last, 0), (last, 15), "torch.ones(1)")
    params = await second
    assert not params.diagnostics
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=20)))
    assert "torch.nn.Linear" in hover.contents.value


async def test_a_document_starting_with_a_bom_is_analysed(client: LanguageClient, tmp_path: Path) -> None:
    text = "\ufeffimport torch\ntorch.no_grad()\nx = torch.ones(1)\n"
    uri = (tmp_path / "bom.py").as_uri()
    waiter = asyncio.ensure_future(wait_publish(client, uri, 1))
    open_document(client, tmp_path / "bom.py", text)
    params = await waiter
    assert [(d.code, d.range.start.line, d.range.start.character) for d in params.diagnostics] == [("TW107", 1, 0)]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=9)))
    assert hover is not None and hover.range.start.character == 8  # `torch` after the BOM and "import "


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list child processes")
def test_the_lint_worker_process_never_outlives_the_server(raw: RawServer, tmp_path: Path) -> None:
    import time

    text = "import torch\n" + "".join(f"w{i} = torch.nn.Linear({i % 9 + 1}, 2)\n" for i in range(9000))
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": (tmp_path / "big.py").as_uri(),
                                                         "languageId": "python", "version": 1, "text": text}})
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while not workers and time.monotonic() < deadline:
        workers = {pid for pid in children(raw.proc.pid)
                   if b"multiprocessing" in cmdline(pid)}
        time.sleep(0.2)
    assert workers, "the large file was not linted in a worker process"
    raw.proc.kill()  # no shutdown, no exit: the worker must notice on its own
    raw.proc.wait()
    deadline = time.monotonic() + 20
    while workers and time.monotonic() < deadline:
        workers = {pid for pid in workers if alive(pid)}
        time.sleep(0.2)
    assert not workers, f"lint worker(s) {workers} outlived the server"
