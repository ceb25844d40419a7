"""The lint engine: selection, noqa, syntax errors, failing rules, fixes, settings."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from torchwise.lint import base
from torchwise.lint.base import Edit, Fix
from torchwise.lint.engine import (LintSettings, all_rules, get_rule, lint_source, noqa_map, select_rules,
                                   unknown_selectors)
from torchwise.lint.fix import apply_fixes, fix_source

SOURCE = textwrap.dedent("""\
    import torch

    x = torch.ones(3)
    torch.no_grad()
    scaler = torch.cuda.amp.GradScaler()
""")


def codes(findings) -> list[str]:
    return [f.rule.code for f in findings]


def test_default_selection_skips_rules_off_by_default() -> None:
    defaults = select_rules()
    assert defaults and all(r.default for r in defaults)
    everything = select_rules(["ALL"])
    assert len(everything) == len(all_rules())
    off = [r for r in all_rules() if not r.default]
    if off:
        assert off[0] in select_rules([off[0].code])
        assert off[0] in select_rules(None, extend_select=[off[0].name])


def test_selectors() -> None:
    assert [r.code for r in select_rules(["TW107"])] == ["TW107"]
    assert [r.code for r in select_rules(["no-grad-not-entered"])] == ["TW107"]
    assert {r.group for r in select_rules(["TW4"])} == {"amp"}
    assert {r.code for r in select_rules(["amp"])} == {r.code for r in select_rules(["TW4"])}
    assert "TW107" not in {r.code for r in select_rules(["TW1"], ignore=["tw107"])}
    assert unknown_selectors(["TW1", "ALL", "training", "missing-eval", "bogus", "TW1234"]) == ["bogus", "TW1234"]
    assert get_rule("tw101").name == "missing-zero-grad" and get_rule("missing-zero-grad").code == "TW101"
    assert get_rule("nope") is None


def test_lint_source_and_sorting() -> None:
    findings = lint_source(SOURCE)
    assert codes(findings) == ["TW107", "TW404"]
    assert (findings[0].line, findings[0].col, findings[0].end_col) == (4, 0, len("torch.no_grad()"))
    assert lint_source(SOURCE, settings=LintSettings(ignore=["TW4"])) and codes(
        lint_source(SOURCE, settings=LintSettings(ignore=["TW4"]))) == ["TW107"]


def test_noqa_forms() -> None:
    src = "import torch\n" + "".join(
        f"torch.no_grad()  {comment}\n" for comment in [
            "# noqa: TW107", "# noqa:no-grad-not-entered", "# NOQA: tw107", "# noqa", "# noqa: E501, TW107",
            "# noqa: E501 TW107", "# noqa: E501", "# noqa: TW404", "# some comment",
        ])
    assert [f.line for f in lint_source(src)] == [8, 9, 10]
    assert noqa_map(["x  # noqa", "y  # noqa: A1, b-c", "z"]) == {1: {"*"}, 2: {"a1", "b-c"}}


def test_syntax_error_is_one_finding_and_the_rules_still_run() -> None:
    src = "import torch\nx = = 1\ntorch.no_grad()\ny = (\n"
    findings = lint_source(src)
    assert codes(findings).count("TW001") == 1
    assert "TW107" in codes(findings)
    syntax = next(f for f in findings if f.rule.code == "TW001")
    assert syntax.line == 2 and syntax.message.startswith("SyntaxError")
    assert lint_source("def f(:\n", settings=LintSettings(ignore=["syntax-error"])) == []
    # a broken block header keeps its body and everything after it checked
    findings = lint_source("import torch\ndef train(model, :\n    torch.no_grad()\ntorch.no_grad()\n")
    assert [(f.rule.code, f.line) for f in findings] == [("TW001", 2), ("TW107", 3), ("TW107", 4)]


def test_a_failing_rule_is_reported_and_skipped() -> None:
    @base.rule(code="TW099", name="always-explodes", group="general", summary="Test rule that raises.", default=False)
    def explode(ctx):
        raise ValueError("boom\nsecond line")

    try:
        broken = get_rule("TW099")
        messages: list[str] = []
        findings = lint_source(SOURCE, rules=[broken, get_rule("TW107")], on_error=messages.append)
        assert codes(findings) == ["TW107"]
        assert len(messages) == 1 and "\n" not in messages[0]
        assert "TW099" in messages[0] and "always-explodes" in messages[0] and "boom" in messages[0]
    finally:
        base.RULES[:] = [r for r in base.RULES if r.code != "TW099"]


def test_apply_fixes_skips_overlaps_and_keeps_order() -> None:
    src = "abcdef\nghij\n"
    fixes = [
        Fix("safe", "a", (Edit(1, 0, 1, 2, "AB"),)),
        Fix("safe", "overlaps a", (Edit(1, 1, 1, 3, "zz"),)),
        Fix("safe", "two edits", (Edit(1, 4, 1, 4, "<"), Edit(2, 4, 2, 4, ">"))),
        Fix("safe", "same insertion point", (Edit(1, 4, 1, 4, "!"),)),
    ]
    new, applied = apply_fixes(src, fixes)
    assert (new, applied) == ("ABcd<ef\nghij>\n", 2)
    # positions past the end of a line or file are clamped, not errors
    assert apply_fixes("x\n", [Fix("safe", "m", (Edit(5, 9, 6, 0, "y"),))]) == ("x\ny", 1)


def test_fix_source_rounds_and_applicability() -> None:
    src = "import torch\nx = torch.ones(2)\nx.cuda()\ns = torch.cuda.amp.GradScaler()\n"
    new, applied, remaining = fix_source(src, "f.py", select_rules())
    assert applied == 1 and 'torch.amp.GradScaler("cuda")' in new and codes(remaining) == ["TW109"]
    new, applied, remaining = fix_source(src, "f.py", select_rules(), unsafe=True)
    assert applied == 2 and "x = x.cuda()" in new and remaining == []


def test_per_file_ignores_and_exclude() -> None:
    settings = LintSettings(per_file_ignores={"tests/*": ["TW1"], "legacy.py": ["ALL"]},
                            exclude=["build", "gen_*.py"], root="/proj")
    assert "TW107" not in {r.code for r in settings.rules_for("/proj/tests/test_x.py")}
    assert "TW107" in {r.code for r in settings.rules_for("/proj/src/x.py")}
    assert settings.rules_for("/proj/pkg/legacy.py") == []
    assert settings.is_excluded("/proj/build/x.py") and settings.is_excluded("/proj/a/gen_models.py")
    assert not settings.is_excluded("/proj/src/x.py")


def test_rule_docs_markdown() -> None:
    from torchwise.diagnostics import rule_docs_markdown

    text = rule_docs_markdown("TW101")
    assert text is not None and text.startswith("# missing-zero-grad (TW101)") and "noqa" in text
    assert rule_docs_markdown("missing-zero-grad") == text
    assert rule_docs_markdown("TW999") is None


def test_linting_never_imports_torch() -> None:
    code = textwrap.dedent("""
        import sys
        from torchwise.lint.engine import lint_source, all_rules
        import torchwise.diagnostics
        src = open(sys.argv[1], encoding="utf-8").read()
        lint_source(src, rules=all_rules())
        assert "torch" not in sys.modules, sorted(m for m in sys.modules if m.startswith("torch."))[:5]
        print("ok")
    """)
    from pathlib import Path

    sample = Path(__file__).parent / "lint_fixtures" / "clean" / "grad_accumulation_amp.py"
    proc = subprocess.run([sys.executable, "-c", code, str(sample)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_a_lint_hangs_nothing_on_the_syntax_nodes() -> None:
    """Facts are queries of the analysis, not attributes of nodes: after every rule has run
    on every fixture, each node holds only its own fields (a fact hung on a node outlives
    its query table, and a list that holds its owner is a reference cycle)."""
    import ast
    from pathlib import Path

    from torchwise.analysis import build_analysis
    from torchwise.lint.engine import lint_analysis

    rules = all_rules()
    fixtures = sorted(Path(__file__).parent.joinpath("lint_fixtures").rglob("*.py"))
    assert fixtures
    for path in fixtures:
        analysis = build_analysis(path.read_text(encoding="utf-8"), str(path))
        lint_analysis(analysis, str(path), rules)
        for node in ast.walk(analysis.tree):
            extra = set(vars(node)) - set(node._fields) - set(node._attributes)
            assert not extra, f"{path.name}: {type(node).__name__} has {sorted(extra)}"


def test_calls_in_a_statement_are_those_a_walk_finds() -> None:
    """``flow.calls_in`` answers a statement from its scope's calls within its span (no
    walk): the same calls in the same order as walking it, f-strings included (whose
    parts have the whole string's span)."""
    import ast
    from pathlib import Path

    from torchwise.analysis import build_analysis
    from torchwise.lint import flow

    fixtures = sorted(Path(__file__).parent.joinpath("lint_fixtures").rglob("*.py"))
    texts = [p.read_text(encoding="utf-8") for p in fixtures]
    texts.append('def f(x):\n    for i in g(x):\n        print(f"{h(i)} {k(i)(x)}", a.b(c(1)).d(2))\n'
                 '        class C:\n            y = m(1)\n        lambda: n(2)\n')
    for text in texts:
        analysis = build_analysis(text, "f.py")
        for node in ast.walk(analysis.tree):
            if isinstance(node, ast.stmt):
                walked = sorted((n for n in flow._walk_local(node) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
                assert flow.calls_in(analysis, node) == walked, ast.unparse(node)[:80]


def test_calls_named_of_several_names_is_in_one_order() -> None:
    """Calls starting at one place (``f(x)(y)`` and ``f(x)``) come outer first, whatever
    order the names' set iterates in (string hashes change from one process to the next)."""
    from torchwise.analysis import build_analysis
    from torchwise.lint import flow

    analysis = build_analysis("f(x)(y)\ng(1).h(2)\n", "f.py")
    outer, inner = flow.calls_named(analysis, None, "f")
    assert outer.func is inner
    first, second = flow.calls_named(analysis, "g", "h", "zz")
    assert first.func.value is second


def test_a_message_quoting_code_of_several_lines_is_one_line() -> None:
    """A diagnostic, a CLI row and a SARIF result show one line: code quoted from several
    lines (a call with one argument per line) is shown as ``name(...)``."""
    source = textwrap.dedent("""\
        import torch

        model = torch.nn.Linear(10, 2)
        preds = model(
            torch.randn(4, 10),
        ).numpy()
        """)
    [finding] = lint_source(source, "x.py", rules=[get_rule("numpy-without-detach")])
    assert "\n" not in finding.message
    assert finding.message.startswith("`model(...).numpy()` is called on the output of `model`")
    assert base.one_line("`f(\n  a,\n  b)` and `g(\n)` or `x[0] + y[\n 1]`") == "`f(...)` and `g(...)` or `x[0] + y[...]`"
