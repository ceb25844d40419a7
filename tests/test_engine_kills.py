"""The rule engine (lint/engine.py): selection, settings' globs, line noqa in any case, the
syntax-error finding and a failing rule; written to kill the mutants that tests/test_lint_engine.py
left alive (scripts/mutation.sh lint/engine.py)."""

from __future__ import annotations

import pytest

from torchwise.lint.engine import get_rule, lint_source, noqa_map, select_rules

RULES = [*select_rules(), get_rule("unused-noqa")]


@pytest.mark.parametrize("comment", ["# noqa: TW107", "# NOQA: TW107", "# NoQA: tw107", "# nOqA", "#noqa:no-grad-not-entered"])
def test_a_line_noqa_in_any_case_suppresses(comment) -> None:
    source = f"import torch\ntorch.no_grad()  {comment}\n"
    assert lint_source(source, "s.py", rules=RULES) == []  # suppressed, and not reported as unused


def test_noqa_map() -> None:
    lines = ["x = 1  # NoQA: TW107, Missing-Eval", "y = 2", "z = 3  # noqa", "w  # noqa: E501  # noqa: TW404"]
    assert noqa_map(lines) == {1: {"tw107", "missing-eval"}, 3: {"*"}, 4: {"e501", "tw404"}}
    assert noqa_map(["# no qa", "x"]) == {}
