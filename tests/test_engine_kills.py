"""The rule engine (lint/engine.py): selection, settings' globs, line noqa in any case, the
syntax-error finding and a failing rule; written to kill the mutants that tests/test_lint_engine.py
left alive (scripts/mutation.sh lint/engine.py)."""

from __future__ import annotations

import pytest

from torchwise.lint.engine import (
    LintSettings,
    all_rules,
    get_rule,
    lint_source,
    noqa_map,
    select_rules,
    selector_matches,
    unknown_selectors,
)
from torchwise.records import replace
from torchwise.text import split_lines

RULES = [*select_rules(), get_rule("unused-noqa")]


@pytest.mark.parametrize("comment", ["# noqa: TW107", "# NOQA: TW107", "# NoQA: tw107", "# nOqA", "#noqa:no-grad-not-entered"])
def test_a_line_noqa_in_any_case_suppresses(comment) -> None:
    source = f"import torch\ntorch.no_grad()  {comment}\n"
    assert lint_source(source, "s.py", rules=RULES) == []  # suppressed, and not reported as unused


def test_noqa_map() -> None:
    lines = ["x = 1  # NoQA: TW107, Missing-Eval", "y = 2", "z = 3  # noqa", "w  # noqa: E501  # noqa: TW404"]
    assert noqa_map(lines) == {1: {"tw107", "missing-eval"}, 3: {"*"}, 4: {"e501", "tw404"}}
    assert noqa_map(["# no qa", "x"]) == {}


@pytest.mark.parametrize("source", [
    "a = 1  # NOQA\n\nb  # noqa: TW101\n", "\ufeffx  # NoQa: E1\ny\n", "a\r\nb  # noqa\rc  # noqa: X\n",
    "\u0130\u0130 = 1\nb  # noqa\n", "a\x0cb  # noqa\nc # noqa:TW1\u2028d\n", "noqanoqa\nx  # noqa # NOQA: Y", "",
])
def test_noqa_map_from_the_source_finds_the_lines_a_scan_of_each_line_finds(source) -> None:
    """With the text the lines were split from, the noqa lines are found by one scan of it
    (exotic characters, other line breaks and a BOM keep the same numbers)."""
    lines = split_lines(source)
    assert list(noqa_map(lines, source).items()) == list(noqa_map(lines).items())



def test_selector_matches_each_form() -> None:
    rule = get_rule("TW107")
    for selector in ("ALL", "all", " TW107 ", "tw107", "TW1", "TW", "TW10", "no-grad-not-entered", rule.group,
                     rule.group.upper()):
        assert selector_matches(rule, selector), selector
    for selector in ("", "   ", "TW2", "TW1070", "TW1071", "no-grad", "NO-GRAD-NOT-ENTERED-X", "amp", "T"):
        assert not selector_matches(rule, selector), selector
    assert selector_matches(rule, "NO-GRAD-NOT-ENTERED")  # names are matched lowercased
    assert unknown_selectors(["", " ", "TW107"]) == []


def test_select_ignore_and_extend() -> None:
    off = [r for r in all_rules() if not r.default]
    assert off, "some rules are off by default"
    first = off[0]
    defaults = select_rules()
    assert first not in defaults
    extended = select_rules(None, extend_select=[first.code])
    assert extended == sorted([*defaults, first], key=lambda r: r.code)
    assert select_rules(["TW107"], extend_select=["TW107"]) == [get_rule("TW107")]  # no duplicate
    assert select_rules(["TW107"], extend_select=[first.code]) == sorted([get_rule("TW107"), first], key=lambda r: r.code)
    assert select_rules(None, ["TW107"], extend_select=["TW107"]) == [r for r in defaults if r.code != "TW107"]
    assert select_rules([], ignore=[]) == defaults  # an empty selection means the defaults
    codes = [r.code for r in select_rules(["ALL"])]
    assert codes == sorted(codes)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("build", "build/x.py", True),
        ("build/", "build/x.py", True),
        ("build", "src/build/x.py", True),  # a bare name: any component
        ("gen_*.py", "a/b/gen_x.py", True),
        ("src/gen", "src/gen/x.py", True),  # a directory: everything under it
        ("src/**/x.py", "src/a/b/x.py", True),
        ("src/**", "src/a/x.py", True),
        ("src/gen", "other/src/gen/x.py", False),  # a path with a slash is anchored at the root
        ("", "x.py", False),
        ("  ", "x.py", False),
        ("buil", "build/x.py", False),
        ("x.py", "x.pyi", False),
    ],
)
def test_exclude_globs(pattern, path, matches) -> None:
    settings = LintSettings(exclude=[pattern], root="/proj")
    assert settings.is_excluded(f"/proj/{path}") is matches


def test_paths_outside_the_root_and_without_one() -> None:
    settings = LintSettings(exclude=["tests/*"], root="/proj")
    assert settings.is_excluded("/proj/tests/a.py")
    assert not settings.is_excluded("/elsewhere/tests/a.py")  # outside the root: its whole path
    assert LintSettings(exclude=["tests/*"]).is_excluded("tests/a.py")
    ignoring = LintSettings(per_file_ignores={"a.py": ["TW107"], "b.py": ["TW404"]}, ignore=["TW101"])
    codes = {r.code for r in ignoring.rules_for("a.py")}
    assert "TW107" not in codes and "TW101" not in codes and "TW404" in codes
    assert ignoring.ignore == ["TW101"]  # rules_for does not grow the settings' own list


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = (\n", (1, 4, 1, 5)),
        ("import torch\ndef f(:\n    pass\n", (2, 6, 2, 7)),
        ("x = 1\ny = = 2\n", (2, 4, 2, 7)),
    ],
)
def test_the_syntax_error_finding_span(source, expected) -> None:
    found = [f for f in lint_source(source, "s.py", rules=select_rules()) if f.rule.code == "TW001"]
    assert len(found) == 1
    f = found[0]
    assert (f.line, f.col, f.end_line, f.end_col) == expected, (f.line, f.col, f.end_line, f.end_col)
    assert f.message.startswith("SyntaxError: ") and f.message.endswith(
        "; the other rules checked the file with this line skipped")


def test_a_failing_rule_is_reported_on_one_short_line() -> None:
    def broken(ctx):
        raise ValueError("bad\nthing " + "x" * 400)

    rule = replace(get_rule("TW107"), check=broken)  # a copy: the registered rule is untouched
    errors: list[str] = []
    found = lint_source("import torch\ntorch.no_grad()\n", "s.py", rules=[rule, get_rule("TW404")],
                        on_error=errors.append)
    assert found == [] and len(errors) == 1
    assert errors[0].startswith("torchwise: rule TW107 (no-grad-not-entered) failed on s.py: ValueError('bad\\nthing ")
    assert "\n" not in errors[0] and errors[0].endswith("...; skipped") and len(errors[0]) < 400
