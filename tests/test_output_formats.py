"""Every report format compared whole (text, statistics, JSON, SARIF, GitHub), on
findings built by hand: positions 1-based, levels per severity, fix hints counted
right. Fast enough to run against every mutant of lint/output.py."""

from __future__ import annotations

import json

from torchwise import __version__
from torchwise.lint.base import Edit, Finding, Fix, Rule
from torchwise.lint.output import format_github, format_json, format_sarif, format_statistics, format_text


def rule(code: str, name: str, severity: str = "warning", fix: str | None = "safe", default: bool = True) -> Rule:
    return Rule(code=code, name=name, group="g", severity=severity, summary=f"{name} summary",  # type: ignore[arg-type]
                default=default, fix=fix, check=lambda ctx: None)  # type: ignore[arg-type]


A = rule("TW101", "alpha", "error")
B = rule("TW202", "bravo-long-name", "information", fix="unsafe")
C = rule("TW303", "charlie", "hint", fix=None, default=False)

SAFE = Finding(A, 1, 0, 1, 4, "alpha here", Fix("safe", "do a", (Edit(1, 4, 1, 4, "!"),)))
UNSAFE = Finding(B, 2, 2, 3, 1, "bravo here", Fix("unsafe", "do b", (Edit(2, 2, 3, 1, "b"), Edit(3, 5, 3, 6, ""))))
PLAIN = Finding(C, 4, 0, 4, 1, "50% sure: a, b\nnext")
FILES = [("src/a.py", [SAFE, UNSAFE]), ("src\\b.py", [PLAIN])]


def test_text_report():
    assert format_text(FILES) == (
        "src/a.py:1:1: TW101 [*] [alpha] alpha here\n"
        "src/a.py:2:3: TW202 [bravo-long-name] bravo here\n"
        "src\\b.py:4:1: TW303 [charlie] 50% sure: a, b\nnext\n"
        "Found 3 findings.\n"
        "[*] 1 fixable with the `--fix` option.\n")
    assert format_text(FILES, fixed=2, unsafe_hidden=1).splitlines()[-3:] == [
        "Found 5 findings (2 fixed, 3 remaining).",
        "[*] 1 fixable with the `--fix` option.",
        "1 more fixable with `--fix --unsafe-fixes`."]
    assert format_text(FILES, unsafe_hidden=1, show_fix_hint=False).splitlines()[-1] == "Found 3 findings."
    assert format_text([("a.py", [PLAIN])]).splitlines()[-1] == "Found 1 finding."
    assert format_text([("a.py", [SAFE, UNSAFE, SAFE])]).splitlines()[-2:] == [
        "Found 3 findings.", "[*] 2 fixable with the `--fix` option."]


def test_text_report_without_findings():
    assert format_text([]) == "All checks passed!\n"
    assert format_text([("a.py", [])], summary=False) == ""
    assert format_text([], fixed=1) == "Found 1 finding (1 fixed, 0 remaining).\n"
    assert format_text([], fixed=2) == "Found 2 findings (2 fixed, 0 remaining).\n"


def test_statistics():
    files = [("a.py", [SAFE, SAFE, UNSAFE]), ("b.py", [PLAIN, SAFE])]
    assert format_statistics(files) == (
        "3  TW101  [*]  alpha            alpha summary\n"
        "1  TW202       bravo-long-name  bravo-long-name summary\n"
        "1  TW303       charlie          charlie summary\n"
        "Found 5 findings.\n")
    many = [("a.py", [PLAIN] * 12 + [UNSAFE])]
    assert format_statistics(many).splitlines()[:2] == [
        "12  TW303       charlie          charlie summary",
        " 1  TW202       bravo-long-name  bravo-long-name summary"]
    assert format_statistics([("a.py", [])]) == "All checks passed!\n"
    # equal counts: by code, whatever order they were found in
    assert [line.split()[1] for line in format_statistics([("a.py", [PLAIN, UNSAFE])]).splitlines()[:2]] == [
        "TW202", "TW303"]


def test_json():
    assert json.loads(format_json(FILES)) == [
        {"path": "src/a.py", "line": 1, "column": 1, "end_line": 1, "end_column": 5, "code": "TW101",
         "name": "alpha", "severity": "error", "message": "alpha here", "url": A.url,
         "fix": {"applicability": "safe", "message": "do a",
                 "edits": [{"line": 1, "column": 5, "end_line": 1, "end_column": 5, "content": "!"}]}},
        {"path": "src/a.py", "line": 2, "column": 3, "end_line": 3, "end_column": 2, "code": "TW202",
         "name": "bravo-long-name", "severity": "information", "message": "bravo here", "url": B.url,
         "fix": {"applicability": "unsafe", "message": "do b",
                 "edits": [{"line": 2, "column": 3, "end_line": 3, "end_column": 2, "content": "b"},
                           {"line": 3, "column": 6, "end_line": 3, "end_column": 7, "content": ""}]}},
        {"path": "src\\b.py", "line": 4, "column": 1, "end_line": 4, "end_column": 2, "code": "TW303",
         "name": "charlie", "severity": "hint", "message": "50% sure: a, b\nnext", "url": C.url, "fix": None},
    ]
    assert format_json([]) == "[]\n"
    assert format_json(FILES).startswith('[\n  {\n    "path": "src/a.py",\n    "line": 1,\n')  # indented by 2
    assert A.url.startswith("https://docs.pytorch.org/docs/stable/")  # a rule of no known API: the docs index


def test_sarif_document():
    extra = rule("TW404", "delta", "warning")
    text = format_sarif(FILES, [extra, A])
    assert text.startswith('{\n  "$schema": ') and text.endswith("}\n")  # indented by 2, one final newline
    sarif = json.loads(text)
    assert set(sarif) == {"$schema", "version", "runs"}
    assert (sarif["$schema"], sarif["version"]) == ("https://json.schemastore.org/sarif-2.1.0.json", "2.1.0")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert {k: v for k, v in driver.items() if k != "rules"} == {
        "name": "torchwise", "version": __version__, "semanticVersion": __version__}
    keys = ("id", "name", "shortDescription", "helpUri", "defaultConfiguration")
    assert [{k: r[k] for k in keys} | {"fix": r["properties"]["fix"]} for r in driver["rules"]] == [
        {"id": "TW101", "name": "alpha", "shortDescription": {"text": "alpha summary"}, "helpUri": A.url,
         "defaultConfiguration": {"level": "error", "enabled": True}, "fix": "safe"},
        {"id": "TW202", "name": "bravo-long-name", "shortDescription": {"text": "bravo-long-name summary"},
         "helpUri": B.url, "defaultConfiguration": {"level": "note", "enabled": True}, "fix": "unsafe"},
        {"id": "TW303", "name": "charlie", "shortDescription": {"text": "charlie summary"}, "helpUri": C.url,
         "defaultConfiguration": {"level": "note", "enabled": False}, "fix": "none"},
        {"id": "TW404", "name": "delta", "shortDescription": {"text": "delta summary"}, "helpUri": extra.url,
         "defaultConfiguration": {"level": "warning", "enabled": True}, "fix": "safe"},
    ]
    assert all(r["fullDescription"]["text"] and r["help"]["text"] and r["help"]["markdown"] for r in driver["rules"])
    assert run["results"] == [
        {"ruleId": "TW101", "ruleIndex": 0, "level": "error", "message": {"text": "alpha here"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.py"},
                                             "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 5}}}],
         "fixes": [{"description": {"text": "do a"}, "artifactChanges": [{
             "artifactLocation": {"uri": "src/a.py"},
             "replacements": [{"deletedRegion": {"startLine": 1, "startColumn": 5, "endLine": 1, "endColumn": 5},
                               "insertedContent": {"text": "!"}}]}]}]},
        {"ruleId": "TW202", "ruleIndex": 1, "level": "note", "message": {"text": "bravo here"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.py"},
                                             "region": {"startLine": 2, "startColumn": 3, "endLine": 3, "endColumn": 2}}}],
         "fixes": [{"description": {"text": "do b"}, "artifactChanges": [{
             "artifactLocation": {"uri": "src/a.py"},
             "replacements": [
                 {"deletedRegion": {"startLine": 2, "startColumn": 3, "endLine": 3, "endColumn": 2},
                  "insertedContent": {"text": "b"}},
                 {"deletedRegion": {"startLine": 3, "startColumn": 6, "endLine": 3, "endColumn": 7},
                  "insertedContent": {"text": ""}}]}]}]},
        {"ruleId": "TW303", "ruleIndex": 2, "level": "note", "message": {"text": "50% sure: a, b\nnext"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/b.py"},
                                             "region": {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 2}}}]},
    ]


def test_github_annotations():
    assert format_github(FILES) == (
        "::error file=src/a.py,line=1,col=1,endLine=1,endColumn=5,title=TW101 alpha::TW101 alpha here\n"
        "::notice file=src/a.py,line=2,col=3,endLine=3,endColumn=2,title=TW202 bravo-long-name::TW202 bravo here\n"
        "::notice file=src\\b.py,line=4,col=1,endLine=4,endColumn=2,title=TW303 charlie::TW303 50%25 sure: a, b%0Anext\n")
    odd = rule("TW505", "echo", "warning")
    assert format_github([("d:/x,y%.py", [Finding(odd, 1, 0, 1, 1, "a\r\nb")])]) == (
        "::warning file=d%3A/x%2Cy%25.py,line=1,col=1,endLine=1,endColumn=2,title=TW505 echo::TW505 a%0D%0Ab\n")
    assert format_github([]) == ""


def test_sarif_uris_use_forward_slashes_in_locations_and_fixes():
    sarif = json.loads(format_sarif([("src\\win\\a.py", [SAFE])], []))
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "src/win/a.py"}
    assert result["fixes"][0]["artifactChanges"][0]["artifactLocation"] == {"uri": "src/win/a.py"}
