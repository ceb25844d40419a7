"""Entry points: `torchwise --version`, `python -m torchwise serve` over stdio and TCP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import torchwise
from procs import alive

TORCHWISE = str(Path(sys.executable).with_name("torchwise"))


def test_version():
    for command in ([TORCHWISE, "--version"], [sys.executable, "-m", "torchwise", "--version"]):
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        assert out.strip() == f"torchwise {torchwise.__version__}"


def test_no_command_prints_help_and_fails():
    result = subprocess.run([TORCHWISE], capture_output=True, text=True)
    assert result.returncode == 2 and "serve" in result.stdout


def _frame(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def _read_message(stream) -> dict:
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        chunk = stream.read(1)
        assert chunk, "server closed the connection"
        header += chunk
    length = int(re.search(rb"Content-Length: (\d+)", header).group(1))
    return json.loads(stream.read(length))


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": None, "rootUri": None, "capabilities": {}}}


def test_serve_stdio_answers_initialize():
    proc = subprocess.Popen([sys.executable, "-m", "torchwise", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        proc.stdin.write(_frame(INITIALIZE))
        proc.stdin.flush()
        reply = _read_message(proc.stdout)
        assert reply["result"]["serverInfo"]["name"] == "torchwise"
        assert reply["result"]["capabilities"]["hoverProvider"]
    finally:
        proc.kill()
        proc.wait()


SHUTDOWN = {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None}
EXIT = {"jsonrpc": "2.0", "method": "exit", "params": None}


def test_serve_stdio_reads_messages_split_across_writes_and_exits_cleanly():
    """stdin as a pipe is read by the event loop (torchwise.stdio): a message cut anywhere,
    even inside its header, still arrives whole; shutdown then exit ends with status 0."""
    proc = subprocess.Popen([sys.executable, "-m", "torchwise", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        data = _frame(INITIALIZE) + _frame(SHUTDOWN)
        for piece in (data[:7], data[7:40], data[40:-5], data[-5:]):
            proc.stdin.write(piece)
            proc.stdin.flush()
            time.sleep(0.05)
        assert _read_message(proc.stdout)["id"] == 1
        assert _read_message(proc.stdout) == {"jsonrpc": "2.0", "id": 2, "result": None}
        proc.stdin.write(_frame(EXIT))
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


def _with_environ(marker: bytes) -> set[int]:
    """Live processes whose environment holds ``marker`` (a server's children, even orphaned)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker in environ.split(b"\0") and alive(int(entry.name)):
                found.add(int(entry.name))
    return found


def test_a_server_told_to_exit_while_its_docs_worker_starts_exits_and_leaves_no_process(tmp_path: Path) -> None:
    """The real server over stdio: a document naming a torch function the knowledge base
    lacks starts the docs worker (0.3 s after didOpen); shutdown and exit come around then."""
    source = tmp_path / "rt.py"
    text = "import torch\ny = torch.special.erfcx(torch.zeros(3))\n"
    source.write_text(text, encoding="utf-8")
    uri = source.as_uri()
    env = dict(os.environ, TORCHWISE_CACHE_DIR=str(tmp_path / "cache"))
    marker = f"TORCHWISE_CACHE_DIR={env['TORCHWISE_CACHE_DIR']}".encode()
    for delay in (0.25, 0.3, 0.35, 0.45):
        proc = subprocess.Popen([sys.executable, "-m", "torchwise", "serve"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        try:
            proc.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                     "params": {"processId": None, "rootUri": tmp_path.as_uri(),
                                                "capabilities": {}}})
                             + _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
                             + _frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
                                 "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}}))
            proc.stdin.flush()
            time.sleep(delay)
            proc.stdin.write(_frame(SHUTDOWN))
            proc.stdin.flush()
            while _read_message(proc.stdout).get("id") != 2:  # diagnostics, the initialize reply
                pass
            proc.stdin.write(_frame(EXIT))
            proc.stdin.flush()
            assert proc.wait(timeout=60) == 0, f"exit after {delay} s"
            deadline = time.monotonic() + 30
            while _with_environ(marker) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _with_environ(marker), f"a child outlived the server (exit after {delay} s)"
        finally:
            proc.kill()
            proc.wait()


def test_serve_stdio_from_a_file_uses_the_plain_reader(tmp_path):
    """A regular file on stdin cannot be read by the event loop: the server falls back to
    pygls's own reader and still answers (here: everything, then exit without shutdown -> 1)."""
    requests = tmp_path / "requests.bin"
    requests.write_bytes(_frame(INITIALIZE) + _frame(EXIT))
    with open(requests, "rb") as stdin:
        result = subprocess.run([sys.executable, "-m", "torchwise", "serve"], stdin=stdin,
                                capture_output=True, timeout=120)
    assert b'"serverInfo"' in result.stdout and result.returncode == 1, result


def test_serve_tcp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "torchwise", "serve", "--tcp", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=30)
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not listen"
                assert proc.poll() is None, "server exited"
                time.sleep(0.1)
        with conn:
            conn.sendall(_frame(INITIALIZE))
            reply = _read_message(conn.makefile("rb"))
            assert reply["result"]["serverInfo"]["name"] == "torchwise"
    finally:
        proc.kill()
        proc.wait()


def test_bad_tcp_address_is_a_usage_error():
    result = subprocess.run([TORCHWISE, "serve", "--tcp", "nonsense"], capture_output=True, text=True)
    assert result.returncode == 2 and "HOST:PORT" in result.stderr
