"""Property tests for function effects (torchwise.project.effects): no input crashes the
summaries or the rules that use them, recursion and deep call chains end, and the mode a
helper leaves is the one its last unconditional switch sets."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torchwise.lint.engine import all_rules, lint_source
from torchwise.project import effects

PROJECTS = Path(__file__).resolve().parent / "lint_projects"
CORPUS = [p.read_text(encoding="utf-8") for p in sorted(PROJECTS.rglob("*.py"))]
RULES = all_rules()

STATEMENTS = ["m.train()", "m.eval()", "m.train(False)", "m.train(flag)", "opt.step()", "loss.backward()",
              "scaler.step(opt)", "self.net.eval()", "self.helper(m)", "m(x)", "m = other",
              "glob.eval()", "pass"]


@st.composite
def programs(draw) -> str:
    """Module-level functions and one class whose methods call each other at random
    (recursion and mutual recursion included)."""
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        body = []
        for _ in range(draw(st.integers(1, 6))):
            choice = draw(st.integers(0, len(STATEMENTS) + 2))
            if choice < len(STATEMENTS):
                stmt = STATEMENTS[choice]
            elif choice == len(STATEMENTS):
                stmt = f"f{draw(st.integers(0, n - 1))}(m, opt)"
            elif choice == len(STATEMENTS) + 1:
                stmt = f"if c:\n        f{draw(st.integers(0, n - 1))}(opt, m)"
            else:
                stmt = f"for _ in x:\n        f{draw(st.integers(0, n - 1))}(*a)"
            body.append("    " + stmt)
        out.append(f"def f{i}(m, opt):\n" + "\n".join(body))
    methods = "\n".join(f"    def helper{'' if j == 0 else j}(self, m):\n        self.helper(m)\n        m.eval()"
                        for j in range(draw(st.integers(1, 3))))
    out.append(f"class T:\n{methods}")
    return "\n\n".join(out) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs())
def test_summaries_never_crash_and_stay_well_formed(source: str) -> None:
    tree = ast.parse(source)
    s = effects.summaries(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            e = s.of(node)
            assert all(mode in ("train", "eval", "unknown") for _, mode in e.modes)
            assert all(t.startswith(("#", "self.")) or "." not in t or t.split(".")[0].isidentifier()
                       for t, _ in e.modes)
    errors: list[str] = []
    lint_source(source, "gen.py", rules=RULES, on_error=errors.append)
    assert not errors, errors


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(CORPUS), st.integers(0, 10_000), st.integers(0, 40))
def test_truncated_project_files_never_crash(source: str, cut: int, drop: int) -> None:
    lines = source.split("\n")
    mutant = "\n".join(lines[:drop % max(1, len(lines))] + lines[drop % max(1, len(lines)) + 1:])[: cut]
    errors: list[str] = []
    lint_source(mutant, "mutant.py", rules=RULES, on_error=errors.append)
    assert not errors, errors
    try:
        tree = ast.parse(mutant)
    except SyntaxError:
        return
    s = effects.summaries(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            s.of(node)


def _summary(source: str, name: str) -> effects.Effects:
    tree = ast.parse(source)
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    return effects.summaries(tree).of(func)


def test_last_unconditional_switch_wins_and_conditional_is_unknown() -> None:
    src = "def f(m, n):\n    m.eval()\n    m.train()\n    n.train()\n    if c:\n        n.eval()\n"
    assert dict(_summary(src, "f").modes) == {"#0": "train", "#1": "unknown"}


def test_effects_flow_through_helpers_to_the_callers_names() -> None:
    src = ("def inner(model):\n    model.eval()\n\n"
           "def middle(a, b):\n    inner(b)\n\n"
           "def outer(x, y):\n    middle(y, x)\n")
    assert dict(_summary(src, "outer").modes) == {"#0": "eval"}


def test_depth_is_bounded() -> None:
    chain = "\n\n".join(f"def g{i}(m):\n    g{i + 1}(m)" for i in range(10)) + "\n\ndef g10(m):\n    m.eval()\n"
    assert _summary(chain, "g10").modes == (("#0", "eval"),)
    assert _summary(chain, "g0").modes == ()  # beyond MAX_DEPTH: not known, so no verdict


def test_answers_do_not_depend_on_the_order_of_questions() -> None:
    chain = "\n\n".join(f"def g{i}(m):\n    g{i + 1}(m)" for i in range(6)) + "\n\ndef g6(m):\n    m.eval()\n"
    loop = "def a(m):\n    b(m)\n    m.eval()\n\ndef b(m):\n    a(m)\n    m.train()\n"
    for src in (chain, loop):
        tree = ast.parse(src)
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        forward = {f.name: effects.summaries(tree).of(f) for f in funcs}
        tree = ast.parse(src)
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        backward = {f.name: effects.summaries(tree).of(f) for f in reversed(funcs)}
        assert {k: v.modes for k, v in forward.items()} == {k: v.modes for k, v in backward.items()}
