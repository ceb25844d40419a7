"""Tests that kill bugs a review planted one at a time and the suite did not notice.

Each test names the bug it catches. They are exact on purpose: a test that any
plausible answer satisfies cannot fail, and so guards nothing.
"""

from __future__ import annotations

import json

import pytest

from torchwise.code_actions import noqa_edit
from torchwise.lint.base import Edit, Finding, Fix, Rule
from torchwise.lint.engine import get_rule, lint_source
from torchwise.lint.fix import apply_fixes, choose_edits
from torchwise.lint.output import format_github, format_json, format_sarif


# ------------------------------------------------------------ numpy-without-detach
FROZEN_MODEL = """\
import torch

model = torch.nn.Linear(10, 2)
{freeze}
x = torch.randn(4, 10)
preds = model(x).numpy()
"""


@pytest.mark.parametrize("freeze", [
    "for p in model.parameters():\n    p.requires_grad_(False)",
    "for p in model.parameters():\n    p.requires_grad = False",
])
def test_numpy_on_a_frozen_models_output_is_not_reported(freeze):
    """Bug: the frozen-model exemption deleted (the rule then fires on correct code)."""
    rule = get_rule("numpy-without-detach")
    assert lint_source(FROZEN_MODEL.format(freeze=freeze), "frozen.py", rules=[rule]) == []


def test_numpy_on_an_unfrozen_models_output_is_reported():
    rule = get_rule("numpy-without-detach")
    found = lint_source(FROZEN_MODEL.format(freeze="model.train()"), "live.py", rules=[rule])
    assert [(f.rule.code, f.line, f.col) for f in found] == [("TW110", 6, 8)]


# ------------------------------------------------------------ "Ignore on this line"
@pytest.mark.parametrize("line, expected", [
    # an existing code list is extended right after its last code, never a second comment
    ("x = 1  # noqa: TW101", (1, 20, 20, ", TW110")),
    ("x = 1  # noqa: TW101, TW102  # why", (1, 27, 27, ", TW110")),
    ("x = 1  # NOQA:TW101 TW102", (1, 25, 25, ", TW110")),
    # no comment yet: appended after the code, trailing blanks replaced
    ("x = 1", (1, 5, 5, "  # noqa: TW110")),
    ("x = 1   ", (1, 5, 8, "  # noqa: TW110")),
    ("x = 1  # a comment", (1, 18, 18, "  # noqa: TW110")),
    # already suppressed
    ("x = 1  # noqa: tw110", None),
    ("x = 1  # noqa", None),
])
def test_noqa_edit_extends_an_existing_noqa(line, expected):
    """Bug: "Ignore on this line" appending a second ``# noqa`` instead of extending the first."""
    assert noqa_edit([line + "\n"], 1, "TW110") == expected


def test_noqa_edit_outside_the_document():
    assert noqa_edit(["x = 1\n"], 0, "TW110") is None
    assert noqa_edit(["x = 1\n"], 2, "TW110") is None


# ------------------------------------------------------------ fix application
def _fix(*edits: tuple[int, int, int, int, str]) -> Fix:
    return Fix("safe", "test", tuple(Edit(*e) for e in edits))


def test_touching_fixes_are_all_applied():
    """Bug: the applier dropping touching (adjacent) fixes, as fix-all does in one round."""
    source = "abcdef\n"
    fixes = [_fix((1, 0, 1, 2, "X")), _fix((1, 2, 1, 4, "Y")), _fix((1, 4, 1, 6, "Z"))]
    assert apply_fixes(source, fixes) == ("XYZ\n", 3)
    assert choose_edits(source, fixes) == ([(0, 2, "X"), (2, 4, "Y"), (4, 6, "Z")], 3)


def test_an_insertion_touching_a_replacement_is_applied():
    source = "model(x).numpy()\n"
    fixes = [_fix((1, 0, 1, 8, "net(x)")), _fix((1, 8, 1, 8, ".detach()"))]
    assert apply_fixes(source, fixes) == ("net(x).detach().numpy()\n", 2)


def test_overlapping_fixes_keep_the_first():
    source = "abcdef\n"
    fixes = [_fix((1, 0, 1, 3, "X")), _fix((1, 2, 1, 5, "Y")), _fix((1, 5, 1, 6, "Z"))]
    assert apply_fixes(source, fixes) == ("XdeZ\n", 2)


def test_two_insertions_at_one_point_keep_the_first():
    assert apply_fixes("ab\n", [_fix((1, 1, 1, 1, "X")), _fix((1, 1, 1, 1, "Y"))]) == ("aXb\n", 1)


def test_a_fix_whose_own_edits_overlap_is_skipped():
    """Bug: the self-overlap guard removed (a fix would corrupt the text it edits twice)."""
    source = "abcdef\n"
    bad = _fix((1, 0, 1, 3, "X"), (1, 2, 1, 4, "Y"))
    good = _fix((1, 5, 1, 6, "Z"))
    assert apply_fixes(source, [bad, good]) == ("abcdeZ\n", 1)
    assert choose_edits(source, [bad]) == ([], 0)
    # its own edits touching (not overlapping) are fine
    assert apply_fixes(source, [_fix((1, 0, 1, 2, "X"), (1, 2, 1, 4, "Y"))]) == ("XYef\n", 1)


def test_fix_edits_follow_the_files_line_ending():
    source = "a\r\nb\r\n"
    assert apply_fixes(source, [_fix((2, 0, 2, 0, "x\ny\n"))]) == ("a\r\nx\r\ny\r\nb\r\n", 1)


# ------------------------------------------------------------ output formats
def _rule(code: str, severity: str) -> Rule:
    return Rule(code=code, name=f"rule-{code.lower()}", group="test", severity=severity,  # type: ignore[arg-type]
                summary="s", default=True, fix="safe", check=lambda ctx: None)


def _finding(rule: Rule) -> Finding:
    # line 3, columns 4..9 (0-based, end exclusive) -> 1-based 5..10 in every format
    return Finding(rule=rule, line=3, col=4, end_line=3, end_col=9, message="m",
                   fix=Fix("safe", "fix it", (Edit(3, 9, 3, 9, ".detach()"),)))


@pytest.mark.parametrize("severity, level", [
    ("error", "error"), ("warning", "warning"), ("information", "note"), ("hint", "note"),
])
def test_sarif_result_level_and_region(severity, level):
    """Bugs: SARIF ``level`` always "warning"; ``endColumn`` off by one."""
    rule = _rule("TW999", severity)
    sarif = json.loads(format_sarif([("src/a.py", [_finding(rule)])], [rule]))
    (result,) = sarif["runs"][0]["results"]
    assert result["level"] == level
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"] == {"level": level, "enabled": True}
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 10}
    assert result["fixes"][0]["artifactChanges"][0]["replacements"] == [{
        "deletedRegion": {"startLine": 3, "startColumn": 10, "endLine": 3, "endColumn": 10},
        "insertedContent": {"text": ".detach()"}}]


def test_json_and_github_positions_are_one_based():
    rule = _rule("TW999", "information")
    (item,) = json.loads(format_json([("a.py", [_finding(rule)])]))
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (3, 5, 3, 10)
    assert item["fix"]["edits"] == [{"line": 3, "column": 10, "end_line": 3, "end_column": 10, "content": ".detach()"}]
    assert format_github([("a,b.py", [_finding(rule)])]) == (
        "::notice file=a%2Cb.py,line=3,col=5,endLine=3,endColumn=10,title=TW999 rule-tw999::TW999 m\n")


# ------------------------------------------------------------ fix positions and rounds
@pytest.mark.parametrize("edit, span", [
    ((1, 1, 1, 1), (1, 1)),  # the last line (no line end)
    ((2, 0, 2, 0), (2, 2)),  # past the last line: the end of the text
    ((0, 5, 1, 1), (0, 1)),  # before the first line: the start
    ((1, -3, 1, 9), (0, 2)),  # columns clamp to the line
    ((1, 2, 1, 0), (2, 2)),  # an end before the start is empty
])
def test_edit_span_clamps(edit, span):
    from torchwise.lint.fix import edit_span

    assert edit_span("ab", Edit(*edit, "")) == span


def test_edit_span_never_reaches_into_the_line_end():
    from torchwise.lint.fix import edit_span
    from torchwise.text import LineIndex

    source = "ab\r\ncd\r\n"
    assert edit_span(source, Edit(1, 9, 2, 1, "")) == (2, 5)
    assert edit_span(source, Edit(1, 9, 2, 1, ""), LineIndex(source)) == (2, 5)
    assert edit_span(source, Edit(1, 9, 2, 1, ""), LineIndex("x")) == (2, 5)  # an index of another text is ignored


def test_an_insertion_at_the_start_of_a_replacement_is_applied_before_it():
    source = "abcdef\n"
    fixes = [_fix((1, 2, 1, 4, "X")), _fix((1, 2, 1, 2, "Y"))]
    assert apply_fixes(source, fixes) == ("abYXef\n", 2)
    assert apply_fixes(source, fixes[::-1]) == ("abYXef\n", 2)


def test_fix_source_runs_rounds_until_nothing_is_fixable():
    from torchwise.lint.fix import fix_source

    source = "import torch\nx = torch.randn(2)\nscaler = torch.cuda.amp.GradScaler()\n"
    rules = [get_rule("deprecated-cuda-amp")]
    new, count, remaining = fix_source(source, "amp.py", rules)
    assert (new, count, remaining) == (
        'import torch\nx = torch.randn(2)\nscaler = torch.amp.GradScaler("cuda")\n', 1, [])
    assert fix_source(new, "amp.py", rules) == (new, 0, [])


def test_a_fix_with_three_separate_edits_is_applied():
    source = "abcdef\n"
    assert apply_fixes(source, [_fix((1, 0, 1, 1, "A"), (1, 2, 1, 3, "C"), (1, 4, 1, 5, "E"))]) == ("AbCdEf\n", 1)
    # its second and third edits overlap: skipped whole
    assert apply_fixes(source, [_fix((1, 0, 1, 1, "A"), (1, 2, 1, 4, "C"), (1, 3, 1, 5, "E"))]) == (source, 0)


@pytest.mark.parametrize("content, newline, expected", [
    ("x\ny\n", "\r\n", "x\r\ny\r\n"),
    ("x\ry", "\r\n", "x\r\ny"),  # a lone \r is a line end too
    ("x\r\ny", "\n", "x\r\ny"),  # in a \n file the text is inserted as the fix wrote it
    ("x\ny", "\r", "x\ry"),
    ("xy", "\r\n", "xy"),
])
def test_inserted_line_ends_follow_the_file(content, newline, expected):
    from torchwise.lint.fix import _with_newline

    assert _with_newline(content, newline) == expected


def test_fix_source_stops_after_max_rounds():
    """A fix that never converges (each round finds more) stops after MAX_ROUNDS."""
    from torchwise.lint.fix import MAX_ROUNDS, fix_source

    def check(ctx):
        yield Finding(rule=endless, line=1, col=0, end_line=1, end_col=0, message="m",
                      fix=_fix((1, 0, 1, 0, "#")))

    endless = Rule(code="TW998", name="endless", group="test", severity="warning", summary="s", default=True,
                   fix="safe", check=check)
    new, count, remaining = fix_source("x = 1\n", "e.py", [endless])
    assert MAX_ROUNDS == 10
    assert (new, count, len(remaining)) == ("#" * 10 + "x = 1\n", 10, 1)


def test_unsafe_fixes_only_when_asked():
    from torchwise.lint.fix import fixable

    rule = _rule("TW997", "warning")
    unsafe = Finding(rule=rule, line=1, col=0, end_line=1, end_col=0, message="m",
                     fix=Fix("unsafe", "m", (Edit(1, 0, 1, 0, "#"),)))
    safe = Finding(rule=rule, line=1, col=0, end_line=1, end_col=0, message="m", fix=_fix((1, 0, 1, 0, "#")))
    bare = Finding(rule=rule, line=1, col=0, end_line=1, end_col=0, message="m")
    assert [fixable(f, False) for f in (unsafe, safe, bare)] == [False, True, False]
    assert [fixable(f, True) for f in (unsafe, safe, bare)] == [True, True, False]


def _one_fix_rule(fix: Fix, applicability="safe") -> Rule:
    def check(ctx):
        yield Finding(rule=rule, line=1, col=0, end_line=1, end_col=1, message="m", fix=fix)

    rule = Rule(code="TW996", name="one-fix", group="test", severity="warning", summary="s", default=True,
                fix=applicability, check=check)
    return rule


def test_fix_source_leaves_unsafe_fixes_by_default():
    from torchwise.lint.fix import fix_source

    rule = _one_fix_rule(Fix("unsafe", "m", (Edit(1, 0, 1, 1, "y"),)), "unsafe")
    assert fix_source("x = 1\n", "u.py", [rule])[:2] == ("x = 1\n", 0)
    assert fix_source("x = 1\n", "u.py", [rule], unsafe=True)[:2] == ("y = 1\n", 1)


def test_a_fix_that_changes_nothing_is_not_counted():
    from torchwise.lint.fix import fix_source

    rule = _one_fix_rule(_fix((1, 0, 1, 1, "x")))
    assert fix_source("x = 1\n", "n.py", [rule])[:2] == ("x = 1\n", 0)


def test_unified_diff():
    from torchwise.lint.fix import unified_diff

    assert unified_diff("a\r\nb\r\n", "a\r\nc\r\n", "p.py") == (
        "--- a/p.py\n+++ b/p.py\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n")
    assert unified_diff("a\n", "a\n", "p.py") == ""
