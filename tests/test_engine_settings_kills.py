"""The rule engine through its public behaviour (settings, globs, rule order, error lines):
written to kill the survivors of scripts/mutation.sh lint/engine.py --lines 41-276 (stop 19).
Only findings, selections and reported lines are checked, never the engine's internals."""

from __future__ import annotations

import pytest

from torchwise.lint import base
from torchwise.lint.engine import LintSettings, get_rule, lint_source, select_rules


def test_settings_default_to_empty_selections_and_no_root() -> None:
    assert vars(LintSettings()) == {
        "select": [], "ignore": [], "extend_select": [], "per_file_ignores": {}, "exclude": [],
        "root": None, "fix_grad_off_context": None, "torch_version": None,
    }


def test_a_settings_selection_is_used() -> None:
    assert LintSettings(select=["TW107"]).rules_for("a.py") == [get_rule("TW107")]
    assert LintSettings().rules_for("a.py") == select_rules()


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("gen/TMPX", "gen/TMPX/a.py", True),  # a trailing X is part of the name (only "/" is stripped)
        ("gen/TMPX/", "gen/TMPX/a.py", True),
        ("gen/TMPX", "gen/TMP/a.py", False),
        ("src/**/gen_a.py", "src/gen_a.py", True),  # "**/" also matches no folder at all
        ("**/gen/**", "gen/a.py", True),  # at the top level too
        ("**/gen/**", "src/gen/a.py", True),
        ("**/gen/**", "src/agen/a.py", True),  # (fnmatch's * crosses "/")
        ("src/**/gen_a.py", "lib/gen_a.py", False),
        ("gen", "src/gen/a.py", True),  # a bare name: any path component
        ("gen", "src/generated/a.py", False),
    ],
)
def test_exclude_globs(pattern, path, excluded) -> None:
    assert LintSettings(exclude=[pattern]).is_excluded(path) is excluded


def test_rules_after_unused_noqa_still_run() -> None:
    """unused-noqa (TW002) sorts before every rule but syntax-error: skipping it must not stop the loop."""
    source = "import torch\ntorch.no_grad()\nx = 1  # noqa: TW404\n"
    findings = lint_source(source, "s.py", rules=select_rules(["ALL"]))
    assert [(f.rule.code, f.line) for f in findings] == [("TW107", 2), ("TW002", 3)]


def _report_of(exc: BaseException) -> list[str]:
    @base.rule(code="TW098", name="always-raises", group="general", summary="Test rule that raises.", default=False)
    def explode(ctx):
        raise exc

    try:
        messages: list[str] = []
        findings = lint_source("import torch\ntorch.no_grad()\n", "s.py", rules=[get_rule("TW098"), get_rule("TW107")],
                               on_error=messages.append)
        assert [f.rule.code for f in findings] == ["TW107"]  # the other rules still ran
        return messages
    finally:
        base.RULES[:] = [r for r in base.RULES if r.code != "TW098"]


def test_a_rule_that_recurses_too_deep_is_reported_as_such() -> None:
    assert _report_of(RecursionError("maximum recursion depth exceeded")) == [
        "torchwise: rule TW098 (always-raises) recursed too deep on s.py; skipped"
    ]


@pytest.mark.parametrize("length", [299, 300, 301])
def test_a_failing_rule_is_reported_in_one_line_of_at_most_300_characters(length) -> None:
    text = "x" * (length - len("ValueError('')"))
    assert len(repr(ValueError(text))) == length
    shown = repr(ValueError(text)) if length < 300 else repr(ValueError(text))[:297] + "..."
    assert _report_of(ValueError(text)) == [f"torchwise: rule TW098 (always-raises) failed on s.py: {shown}; skipped"]


SKIPPED = "; the other rules checked the file with this line skipped"


@pytest.mark.parametrize(
    ("source", "finding"),
    [
        ("x = (\n", (1, 4, 1, 5, "SyntaxError: '(' was never closed" + SKIPPED)),
        ("if x:\npass\n", (2, 0, 2, 4, "SyntaxError: expected an indented block after 'if' statement on line 1" + SKIPPED)),
        ("x = 1 +   \n", (1, 10, 1, 10, "SyntaxError: invalid syntax" + SKIPPED)),  # at the end, past the blanks
        ("x = 1\ny = 2 3   \n", (2, 6, 2, 7, "SyntaxError: invalid syntax" + SKIPPED)),  # the rest, less the blanks
        ("   x = 1\n", (1, 2, 1, 8, "SyntaxError: unexpected indent" + SKIPPED)),
        ("\t\n  \n)", (3, 0, 3, 1, "SyntaxError: unmatched ')'" + SKIPPED)),
        # no line or column in the error (an expression too deep for the parser): the first line, whole
        ("x = " + "-" * 20000 + "1\n", (1, 0, 1, 20005, "SyntaxError: invalid syntax" + SKIPPED)),
        ("x = 1\ny = " + "-" * 20000 + "1\n", (1, 0, 1, 5, "SyntaxError: invalid syntax" + SKIPPED)),  # line 1
        ("def f(:\n    pass\n", (1, 6, 1, 7, "SyntaxError: invalid syntax" + SKIPPED)),  # line 1 of several
    ],
)
def test_the_syntax_error_finding_to_the_character(source, finding) -> None:
    findings = lint_source(source, "s.py", rules=[get_rule("TW001")])
    assert [(f.line, f.col, f.end_line, f.end_col, f.message) for f in findings] == [finding]


def test_lint_slices_runs_one_rule_per_step_and_returns_every_finding() -> None:
    from torchwise.analysis import build_analysis
    from torchwise.lint.engine import lint_analysis, lint_slices

    source = "import torch\ntorch.no_grad()\nstate = torch.load('m.pt')\nx = 1  # noqa: TW404\n"
    rules = select_rules(["ALL"])
    analysis = build_analysis(source, "s.py")
    steps = lint_slices(analysis, "s.py", rules)
    count = 0
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            sliced = stop.value
            break
        count += 1
    assert count == len(rules)
    assert [(f.rule.code, f.line) for f in sliced] == [("TW107", 2), ("TW501", 3), ("TW002", 4)]
    assert sliced == lint_analysis(build_analysis(source, "s.py"), "s.py", rules)


def test_a_file_noqa_silences_its_codes_in_the_whole_file_only() -> None:
    body = "import torch\ntorch.no_grad()\nstate = torch.load('m.pt')\n"
    rules = select_rules()
    found = lambda source: [(f.rule.code, f.line) for f in lint_source(source, "s.py", rules=rules)]  # noqa: E731
    assert found(body) == [("TW107", 2), ("TW501", 3)]
    assert found("# torchwise: noqa: TW107\n" + body) == [("TW501", 4)]
    assert found("# torchwise: noqa\n" + body) == []
