"""Generic fixture tests for every lint rule (TorchFix-style).

``tests/lint_fixtures/<rule-name>.py`` marks each expected finding with a trailing
``# expect: <rule-name>`` on the line where it starts; every other line must stay
silent. ``<rule-name>.fixed.py`` is the file after applying all of that rule's fixes
(safe and unsafe). ``clean/*.py`` are correct scripts: zero findings from all rules.
Adding a rule means adding files here, not code.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from torchwise.lint.rule_docs import PYTORCH_DOCS
from torchwise.lint.engine import all_rules, get_rule, lint_source, select_rules
from torchwise.lint.fix import fix_source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "lint_fixtures"
CLEAN = FIXTURES / "clean"
RULE_DOCS = ROOT / "knowledge" / "rules"
EXPECT = re.compile(r"#\s*expect:\s*([A-Za-z0-9_\-]+(?:\s*,\s*[A-Za-z0-9_\-]+)*)")


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))


def _expected_lines(source: str, name: str) -> Counter:
    expected: Counter = Counter()
    for number, line in enumerate(source.splitlines(), start=1):
        for match in EXPECT.finditer(line):
            names = [n.strip() for n in match.group(1).split(",")]
            expected[number] += names.count(name)
    return +expected


def _describe(source: str, lines) -> str:
    text = source.splitlines()
    return "\n".join(f"  {n}: {text[n - 1].strip() if n <= len(text) else ''}" for n in sorted(lines))


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.stem)
def test_rule_fixture(path: Path) -> None:
    name = path.stem
    rule = get_rule(name)
    assert rule is not None, f"{path.name} is named after no rule"
    source = path.read_text(encoding="utf-8")
    expected = _expected_lines(source, name)
    assert expected, f"{path.name} marks no '# expect: {name}' line"
    errors: list[str] = []
    findings = lint_source(source, str(path), rules=[rule], on_error=errors.append)
    assert not errors, errors
    actual = Counter(f.line for f in findings)
    missing = expected - actual
    extra = actual - expected
    assert not missing and not extra, (
        f"{name}: missed lines\n{_describe(source, missing)}\nunexpected findings on lines\n"
        + _describe(source, extra) + "\nmessages:\n" + "\n".join(f"  {f.line}: {f.message}" for f in findings))
    for f in findings:
        assert f.message and (f.message[0].isupper() or f.message[0] == "`"), f"message should be a sentence: {f.message!r}"
        assert (f.line, f.col) <= (f.end_line, f.end_col)
        if f.fix is not None:
            assert rule.fix is not None, f"{name} offers a fix but declares fix=None"
            assert f.fix.edits


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.stem)
def test_rule_fixture_fixed(path: Path) -> None:
    name = path.stem
    rule = get_rule(name)
    assert rule is not None
    fixed = path.with_name(f"{name}.fixed.py")
    source = path.read_text(encoding="utf-8")
    if rule.fix is None:
        assert not fixed.exists(), f"{fixed.name} exists but {name} declares no fix"
        return
    assert fixed.exists(), f"{name} declares a {rule.fix} fix: add {fixed.name}"
    new, applied, _ = fix_source(source, str(path), [rule], unsafe=True)
    assert applied > 0
    assert new == fixed.read_text(encoding="utf-8")
    # the fixed file still parses, and is stable under a second round of fixes
    compile(new, str(fixed), "exec")
    again, _, _ = fix_source(new, str(fixed), [rule], unsafe=True)
    assert again == new


@pytest.mark.parametrize("path", sorted(CLEAN.glob("*.py")), ids=lambda p: p.stem)
def test_clean_code_has_no_findings(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    errors: list[str] = []
    # every rule that is on by default (rules off by default are opinions, e.g. "use
    # DataLoader workers", that correct code may well not follow)
    findings = lint_source(source, str(path), rules=select_rules(), on_error=errors.append)
    assert not errors, errors
    assert findings == [], "\n".join(f"{f.line}:{f.col + 1} {f.rule.code} [{f.rule.name}] {f.message}" for f in findings)


def test_clean_corpus_exists() -> None:
    assert len(list(CLEAN.glob("*.py"))) >= 3


def test_rule_codes_and_names_are_distinct_and_well_formed() -> None:
    rules = all_rules()
    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    assert len(codes) == len(set(codes)), [c for c in codes if codes.count(c) > 1]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    hundreds: dict[str, set[str]] = {}
    for r in rules:
        assert re.fullmatch(r"TW\d{3}", r.code), r.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        assert r.severity in ("error", "warning", "information", "hint")
        assert r.fix in (None, "safe", "unsafe")
        assert r.summary.strip()
        hundreds.setdefault(r.group, set()).add(r.code[2])
    for group, digits in hundreds.items():
        assert len(digits) == 1, f"group {group} spans several hundreds: {digits}"


def test_every_rule_has_a_docs_page_and_every_page_a_rule() -> None:
    rules = all_rules()
    pages = {p.stem for p in RULE_DOCS.glob("*.md")}
    names = {r.name for r in rules}
    assert not names - pages, f"rules without docs page: {sorted(names - pages)}"
    assert not pages - names, f"docs pages without rule: {sorted(pages - names)}"
    for r in rules:
        text = (RULE_DOCS / f"{r.name}.md").read_text(encoding="utf-8")
        assert r.code in text and r.name in text, f"{r.name}.md should name its code and name"
        assert "noqa" in text, f"{r.name}.md should say how to suppress it"
        assert r.url == PYTORCH_DOCS[r.name], f"{r.name}: give it the PyTorch docs page of its API"


def test_every_rule_has_a_fixture() -> None:
    have = {p.stem for p in _fixtures()}
    missing = sorted(r.name for r in all_rules() if r.name not in have)
    assert not missing, f"rules without tests/lint_fixtures/<name>.py: {missing}"
