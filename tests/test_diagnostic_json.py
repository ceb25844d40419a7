"""The diagnostics the server sends are built as JSON (``Linter.diagnostic_json``), not
as lsprotocol objects: that form must be exactly what lsprotocol's own would send."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.protocol import default_converter

from torchwise.analysis import build_analysis
from torchwise.lint.engine import LintSettings, lint_analysis
from torchwise.lint.rule_docs import finding_url
from torchwise.server import create_server
from torchwise.text import split_lines

FIXTURES = Path(__file__).parent / "lint_fixtures"


def test_every_fixture_finding_as_json_is_a_diagnostic_lsprotocol_sends_unchanged():
    """Each finding's JSON form, read as an lsprotocol ``Diagnostic`` and written back,
    is itself (no field misnamed, dropped or of the wrong type), and says what the
    finding says: range, severity, code and its page, message, tags, fix data."""
    server = create_server()
    linter = server.linter
    converter = default_converter()
    seen = {"fix": 0, "tags": 0, "all": 0}
    rules = LintSettings(select=["ALL"]).rules_for("x.py")
    for path in sorted(FIXTURES.glob("*.py"))[:40]:
        text = path.read_text(encoding="utf-8")
        analysis = build_analysis(text, str(path))
        lines = split_lines(text, keepends=True)
        for f in lint_analysis(analysis, str(path), rules):
            d = linter.diagnostic_json("file:///x.py", f, lines)
            typed = converter.structure(d, types.Diagnostic)
            assert converter.unstructure(typed) == d, (path.name, f)
            assert (typed.range.start.line, typed.range.end.line) == (f.line - 1, f.end_line - 1)
            assert typed.code == f.rule.code and typed.code_description.href == finding_url(f)
            assert typed.message.endswith(f"[{f.rule.name}]") and typed.source == "torchwise"
            assert typed.data["name"] == f.rule.name and (typed.data["fix"] is None) == (f.fix is None)
            assert linter.to_diagnostic("file:///x.py", f, lines) == typed
            seen["all"] += 1
            seen["fix"] += f.fix is not None
            seen["tags"] += bool(typed.tags)
    assert seen["all"] > 100 and seen["fix"] > 20 and seen["tags"] > 5, seen


def test_the_server_sends_json_diagnostics_as_they_are_and_objects_as_lsprotocol_does():
    server = create_server()
    converter = server.protocol._converter
    d = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "message": "m"}
    typed = types.Diagnostic(range=types.Range(start=types.Position(line=1, character=0),
                                               end=types.Position(line=1, character=2)), message="r")
    sent = converter.unstructure(types.PublishDiagnosticsNotification(
        params=types.PublishDiagnosticsParams(uri="file:///x.py", diagnostics=[d, typed], version=3)))
    assert sent["params"]["diagnostics"] == [d, default_converter().unstructure(typed)]
