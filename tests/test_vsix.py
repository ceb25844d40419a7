"""The packaged extension (`npm run package` → torchwise-<version>.vsix): its content, its manifest,
and that its bundled Python libraries run the language server on a bare Python."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import fields
from pathlib import Path

import pytest

from torchwise.config import KernelOptions, LintOptions, Options
from torchwise.knowledge import default_knowledge
from vsix_build import VSIX, ensure_vsix

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "package.json").read_text())
pytestmark = pytest.mark.timeout(1500)


@pytest.fixture(scope="module")
def vsix() -> zipfile.ZipFile:
    with zipfile.ZipFile(ensure_vsix()) as archive:
        yield archive


def _names(vsix: zipfile.ZipFile) -> set[str]:
    return set(vsix.namelist())


def test_vsix_holds_client_snippets_and_bundled_server(vsix):
    names = _names(vsix)
    libs = "extension/bundled/libs/"
    for required in [
        "extension/package.json",
        "extension/client/out/extension.js",
        "extension/client/out/outputView.js",  # the output panel's webview script (ansi_up inside)
        f"{libs}torchwise/kernel/terminal.py",  # loaded by the bridge from its own folder
        f"{libs}torchwise/__init__.py",
        f"{libs}torchwise/__main__.py",
        f"{libs}torchwise/server.py",
        f"{libs}pygls/__init__.py",
        f"{libs}lsprotocol/types.py",
        f"{libs}jedi/__init__.py",
        f"{libs}tomli/__init__.py",  # Python 3.10 back-ports, for the oldest supported Python
        f"{libs}exceptiongroup/__init__.py",
    ]:
        assert required in names, f"{required} missing from {VSIX.name}"
    for contributed in MANIFEST["contributes"]["snippets"]:
        assert "extension/" + contributed["path"].removeprefix("./") in names


def test_vsix_carries_the_whole_knowledge_base_and_snippets_data(vsix):
    names = _names(vsix)
    data = "extension/bundled/libs/torchwise/_data/"
    for folder in ("knowledge", "snippets"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                rel = path.relative_to(ROOT / folder).as_posix()
                assert f"{data}{folder}/{rel}" in names, f"{folder}/{rel} missing from the bundled torchwise"


def test_vsix_has_no_compiled_code_caches_or_dev_files(vsix):
    for name in _names(vsix):
        assert not re.search(r"\.(so|pyd|dylib|pyc)$", name), name
        assert "__pycache__" not in name, name
        for forbidden in ("node_modules/", "/.venv/", "extension/tests/", "extension/client/src/", "extension/samples/",
                          "extension/.tools/", "extension/artifacts/"):  # fmt: skip
            assert forbidden not in name, name


def test_manifest_settings_match_the_server_options():
    props = MANIFEST["contributes"]["configuration"]["properties"]
    option_names = {f.name for f in fields(Options)}
    lint_names = {f.name for f in fields(LintOptions)}
    camel = {"debounce_ms": "debounceMs", "max_output_chars": "maxOutputChars", "runtime_docs": "runtimeDocs"}
    # Every server option a user should set has a setting (trusted/snippets come from VS Code itself).
    for name in option_names - {"trusted", "snippets", "lint", "kernel"}:
        assert f"torchwise.{camel.get(name, name)}" in props, name
    for name in lint_names:
        assert f"torchwise.lint.{camel.get(name, name)}" in props, name
    assert {f.name for f in fields(KernelOptions)} == {"jupyter_server_url", "jupyter_server_token", "max_output_chars",
                                                       "set_default_device", "shape_hints"}
    for key in ("torchwise.kernel.jupyterServer.url", "torchwise.kernel.jupyterServer.token", "torchwise.kernel.maxOutputChars",
                "torchwise.kernel.setDefaultDevice", "torchwise.kernel.shapeHints"):
        assert key in props, key
    # Defaults agree with the server's.
    assert props["torchwise.lint.debounceMs"]["default"] == LintOptions().debounce_ms
    assert props["torchwise.kernel.maxOutputChars"]["default"] == KernelOptions().max_output_chars
    assert props["torchwise.runtimeDocs"]["default"] == Options().runtime_docs
    assert props["torchwise.kernel.setDefaultDevice"]["default"] is KernelOptions().set_default_device is False
    assert props["torchwise.kernel.shapeHints"]["default"] is KernelOptions().shape_hints is False


def test_manifest_workspace_trust_snippets_and_keybindings():
    trust = MANIFEST["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited"
    assert "torchwise.interpreter" in trust["restrictedConfigurations"]
    listed = {s["path"].removeprefix("./") for s in MANIFEST["contributes"]["snippets"]}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "snippets").glob("*.code-snippets")}
    assert listed == on_disk, "package.json must contribute exactly the snippet files in snippets/"
    shift_enter = [k for k in MANIFEST["contributes"]["keybindings"] if k["key"] == "shift+enter"]
    assert any(k["command"] == "torchwise.cell.runAndAdvance" and "torchwise.hasCells" in k["when"] for k in shift_enter)
    commands = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    # Client command ids must not collide with the server's workspace/executeCommand ids, which
    # vscode-languageclient registers as VS Code commands itself.
    server_commands = {"torchwise.runCell", "torchwise.runCode", "torchwise.interrupt", "torchwise.restart",
                       "torchwise.listDevices", "torchwise.selectDevice", "torchwise.listVariables", "torchwise.kernelInfo"}  # fmt: skip
    assert not commands & server_commands


def _lsp_send(proc: subprocess.Popen, message: dict) -> None:
    body = json.dumps(message).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def _lsp_receive(proc: subprocess.Popen, want_id: int) -> dict:
    while True:
        headers = {}
        while True:
            line = proc.stdout.readline()
            assert line, f"server closed its output; stderr:\n{proc.stderr.read().decode(errors='replace')[-3000:]}"
            line = line.strip()
            if not line:
                break
            key, _, value = line.decode().partition(":")
            headers[key.strip().lower()] = value.strip()
        message = json.loads(proc.stdout.read(int(headers["content-length"])))
        if message.get("id") == want_id and "method" not in message:
            return message


def test_bundled_libs_serve_hover_on_a_bare_python(vsix, tmp_path):
    """Run the server exactly as the extension does, from the unpacked .vsix, on a Python without
    site-packages (-S): everything it imports must come from the bundle or the standard library."""
    members = [n for n in vsix.namelist() if n.startswith("extension/bundled/libs/")]
    vsix.extractall(tmp_path, members)
    libs = tmp_path / "extension" / "bundled" / "libs"
    doc = tmp_path / "train.py"
    text = "import torch.nn as nn\nloss_fn = nn.CrossEntropyLoss()\n"
    doc.write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(libs)
    env["TORCHWISE_CACHE_DIR"] = str(tmp_path / "cache")
    check = subprocess.run(
        [sys.executable, "-S", "-c", "import torchwise, pygls, sys; print(torchwise.__file__); print(pygls.__file__)"],
        env=env, capture_output=True, text=True, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert all(line.startswith(str(libs)) for line in check.stdout.split()), check.stdout
    proc = subprocess.Popen(
        [sys.executable, "-S", "-m", "torchwise", "serve"],
        env=env, cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _lsp_send(proc, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": tmp_path.as_uri(), "capabilities": {
                "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}},
            "initializationOptions": {"snippets": False, "runtimeDocs": False, "trusted": False}}})  # fmt: skip
        init = _lsp_receive(proc, 1)
        assert init["result"]["capabilities"].get("hoverProvider"), init
        _lsp_send(proc, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        _lsp_send(proc, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": doc.as_uri(), "languageId": "python", "version": 1, "text": text}}})  # fmt: skip
        _lsp_send(proc, {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": doc.as_uri()}, "position": {"line": 1, "character": 16}}})  # fmt: skip
        hover = _lsp_receive(proc, 2)
        contents = json.dumps(hover.get("result"))
        summary_words = default_knowledge().get("torch.nn.CrossEntropyLoss").summary.split()[:3]
        assert " ".join(summary_words) in contents, contents[:500]
        _lsp_send(proc, {"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": None})
        _lsp_receive(proc, 3)
        _lsp_send(proc, {"jsonrpc": "2.0", "method": "exit", "params": None})
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
