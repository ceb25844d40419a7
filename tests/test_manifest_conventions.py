"""The VS Code manifest follows the marketplace's and the Jupyter extension's
conventions (checked without building the .vsix; test_vsix.py builds it)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


def test_license_and_icon() -> None:
    assert MANIFEST["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    icon = ROOT / MANIFEST["icon"]
    data = icon.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (128, 128)  # the marketplace's minimum
    assert icon.with_suffix(".svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    ignore = (ROOT / ".vscodeignore").read_text(encoding="utf-8").splitlines()
    assert "!LICENSE" in ignore and f"!{MANIFEST['icon']}" in ignore
    assert "--skip-license" not in MANIFEST["scripts"]["package"]


def test_trace_setting_and_notebook_activation() -> None:
    props = MANIFEST["contributes"]["configuration"]["properties"]
    trace = props["torchwise.trace.server"]  # read by vscode-languageclient for the client id "torchwise"
    assert trace["enum"] == ["off", "messages", "verbose"] and trace["default"] == "off"
    assert 'new LanguageClient("torchwise"' in (ROOT / "client/src/server.ts").read_text(encoding="utf-8")
    assert "onNotebook:jupyter-notebook" in MANIFEST["activationEvents"]
    assert '{ notebook: "jupyter-notebook", language: "python" }' in (ROOT / "client/src/server.ts").read_text()


def test_cell_keybindings_yield_to_jupyter_and_can_be_turned_off() -> None:
    props = MANIFEST["contributes"]["configuration"]["properties"]
    assert props["torchwise.cells.keybindings"]["default"] is True
    bindings = [k for k in MANIFEST["contributes"]["keybindings"]
                if k["key"] in ("shift+enter", "ctrl+enter") or k.get("mac") == "cmd+enter"]
    assert len(bindings) == 3
    for k in bindings:
        when = k["when"]
        for clause in ("config.torchwise.cells.keybindings", "!jupyter.hascodecells", "!jupyter.ownsSelection",
                       "!notebookEditorFocused", "torchwise.hasCells", "editorLangId == python"):
            assert clause in when, (k["command"], clause)


def test_import_strategy_and_secret_token() -> None:
    props = MANIFEST["contributes"]["configuration"]["properties"]
    strategy = props["torchwise.importStrategy"]
    assert strategy["enum"] == ["useBundled", "fromEnvironment"] and strategy["default"] == "useBundled"
    assert "torchwise.importStrategy" in MANIFEST["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    assert "markdownDeprecationMessage" in props["torchwise.kernel.jupyterServer.token"]
    commands = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    assert "torchwise.kernel.setJupyterToken" in commands
    client = (ROOT / "client/src/server.ts").read_text(encoding="utf-8")
    extension = (ROOT / "client/src/extension.ts").read_text(encoding="utf-8")
    assert "context.secrets.get(TOKEN_SECRET)" in client and "context.secrets.store(TOKEN_SECRET, token)" in extension
    assert 'cfg.get<string>("importStrategy", "useBundled") === "fromEnvironment"' in client


def test_lint_settings_are_per_folder() -> None:
    """lint.enabled/select/ignore are resource-scoped: a folder of a multi-root workspace
    may set them, and the server asks workspace/configuration per folder
    (test_folder_settings_lsp.py)."""
    props = MANIFEST["contributes"]["configuration"]["properties"]
    for key in ("enabled", "select", "ignore"):
        assert props[f"torchwise.lint.{key}"]["scope"] == "resource", key
    from torchwise.folder_settings import FOLDER_KEYS

    assert set(FOLDER_KEYS) == {"enabled", "select", "ignore"}



def _string_literals(source: str):
    """(line, kind, text) of the string literals of a TypeScript file: kind is '"', "'" or
    "`" (a template's text, its ${...} parts left out). Comments and regexes are skipped
    well enough for this code base."""
    i, line, n = 0, 1, len(source)
    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += source.count("\n", i, end)
            i = end
            continue
        if c in "\"'`":
            start_line, j, text, depth = line, i + 1, [], 0
            while j < n:
                d = source[j]
                if d == "\\":
                    text.append(source[j:j + 2])
                    j += 2
                    continue
                if d == "\n":
                    line += 1
                if c == "`" and source.startswith("${", j) and depth == 0:
                    depth, j = 1, j + 2
                    continue
                if depth:
                    depth += {"{": 1, "}": -1}.get(d, 0)
                    j += 1
                    continue
                if d == c:
                    break
                text.append(d)
                j += 1
            yield start_line, c, "".join(text)
            i = j + 1
            continue
        i += 1


def test_plain_text_where_vs_code_shows_plain_text() -> None:
    """Pickers, notifications, status texts and titles show backticks literally: Markdown
    quoting is kept for MarkdownString tooltips (the server's Problems messages and quick-fix
    titles are checked in test_quick_fixes_lsp / test_lint_quick_fixes)."""
    offenders = []
    for path in sorted((ROOT / "client" / "src").glob("*.ts")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for number, kind, text in _string_literals(source):
            marked = "`" in text if kind != "`" else "\\`" in text
            context = "\n".join(lines[max(0, number - 4):number])
            if marked and "MarkdownString" not in context and "appendMarkdown" not in context:
                offenders.append(f"{path.name}:{number}: {text}")
    assert not offenders, "\n".join(offenders)
