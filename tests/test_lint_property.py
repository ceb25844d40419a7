"""Property test: mutated and truncated PyTorch files never crash the engine, and
no rule raises on them (a rule that raises would be reported through on_error)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torchwise.lint.engine import all_rules, lint_source
from torchwise.lint.fix import apply_fixes, choose_edits

FIXTURES = Path(__file__).resolve().parent / "lint_fixtures"
CORPUS = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.py")) if not p.name.endswith(".fixed.py")]
RULES = all_rules()
TOKENS = ["(", ")", "[", "]", "{", "}", ":", ",", ".", "=", "+=", "\n", "    ", "\t", "#", "'", '"', '"""',
          "\\", "lambda", "with ", "for ", "async ", "await ", "yield", "*", "**", "@", "torch.", ".backward()",
          ".step()", "model(", "é", "𝛼", "\x00", "\r", "global x\n", "del ", "if True:\n"]


def check(source: str) -> None:
    errors: list[str] = []
    findings = lint_source(source, "mutant.py", rules=RULES, on_error=errors.append)
    assert not errors, errors
    lines = source.splitlines() or [""]
    for f in findings:
        assert 1 <= f.line <= f.end_line
        assert f.col >= 0 and f.end_col >= 0
    # applying every fix at once never raises and yields text
    fixes = [f.fix for f in findings if f.fix is not None]
    new, applied = apply_fixes(source, fixes)
    chosen, chosen_fixes = choose_edits(source, fixes)
    assert applied == chosen_fixes <= len(fixes)
    # the chosen edits never overlap, and the text around them is kept as it was, in order
    expected, at = [], 0
    for a, b, content in sorted(chosen):
        assert at <= a <= b, (at, a, b)
        expected += [source[at:a], content]
        at = b
    assert new == "".join(expected) + source[at:]
    if not fixes:
        assert new == source
    del lines


@st.composite
def mutants(draw) -> str:
    source = draw(st.sampled_from(CORPUS))
    kind = draw(st.sampled_from(["truncate", "delete_lines", "insert", "replace", "dedent", "swap"]))
    lines = source.splitlines(keepends=True)
    if kind == "truncate":
        return source[: draw(st.integers(0, len(source)))]
    if kind == "delete_lines" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(i, min(len(lines), i + 8)))
        return "".join(lines[:i] + lines[j:])
    if kind == "dedent" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i].lstrip()
        return "".join(lines)
    if kind == "swap" and len(lines) > 1:
        i = draw(st.integers(0, len(lines) - 2))
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
        return "".join(lines)
    out = source
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(out)))
        token = draw(st.sampled_from(TOKENS) | st.text(min_size=1, max_size=3))
        if kind == "replace":
            out = out[:pos] + token + out[pos + len(token):]
        else:
            out = out[:pos] + token + out[pos:]
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_mutated_files_never_crash(source: str) -> None:
    check(source)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(source: str) -> None:
    check(source)


def test_pathological_inputs() -> None:
    for source in ["", "\n", "(" * 200, "[" * 1000 + "]" * 1000, "x = " + "(" * 120 + "1" + ")" * 120,
                   "def f(:\n" * 60, "\x00\x00", "if x:\n" + "    " * 120 + "pass\n", "\ufeffimport torch\n",
                   "a" + ".b" * 3000 + "\n", "x = 1 +" * 2000]:
        check(source)


# Methods whose receiver rules read (``x.requires_grad_(False)``'s ``x``): written as plain
# function calls (``requires_grad_(False)``, a name of the module), the rules must not assume
# an attribute. Found crashing before: missing-no-grad, unregistered-submodules, nll-loss-without-log-softmax.
RECEIVED = ["parameters", "named_parameters", "requires_grad_", "step", "zero_grad", "eval", "train", "backward",
            "append", "scale", "unscale_", "numpy", "to", "cuda", "softmax", "item", "modules", "update"]


PROJECT_SOURCES = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES.parent / "lint_projects").rglob("*.py"))]


@pytest.mark.parametrize("method", RECEIVED)
def test_methods_called_as_plain_functions_never_crash(method: str) -> None:
    pattern = re.compile(r"[\w\])]+(?:\.\w+)*\." + method + r"\(")
    changed = 0
    for source in CORPUS + PROJECT_SOURCES:
        mutant = pattern.sub(method + "(", source)
        if mutant != source:
            changed += 1
            errors: list[str] = []
            lint_source(mutant, "mutant.py", rules=RULES, on_error=errors.append)
            assert not errors, (method, errors)
    assert changed, method  # the pattern still finds its method in the fixtures


def _names_the_rules_look_up() -> list[str]:
    """Every identifier spelt in a string of the linter's code: the names rules look up in the
    index (``refs_by_name["_six"]``) and the attributes they read."""
    import ast
    import keyword
    import torchwise.lint as lint_package
    names: set[str] = set()
    for path in Path(lint_package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.update(w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value) if not keyword.iskeyword(w))
    return sorted(names)


# shapes a looked-up name takes in half-typed code: bare, called, as a receiver, as an
# attribute, bound, imported, as a parameter
SHAPES = ["{n}", "{n}()", "{n}.x", "x.{n}", "x.{n}()", "{n} = 1", "x.{n} = 1", "{n}[0]", "import {n}",
          "from {n} import y", "for {n} in x: pass", "with {n}: pass", "{n}.{n}()", "torch.{n}", "torch.{n}()",
          "del {n}", "{n}: int", "def f({n}): return {n}"]


# a file most rules read (a model with layers, a training loop, an evaluation loop, a loader):
# the shapes go in forward, in the loop, at module level, and the name is a parameter too
HOST = """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x):
{inner}
        return F.softmax(self.fc(x), dim=1)


def train(model, loader, {n}):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    t = torch.zeros(3)
    for x, y in loader:
{inner}
        out = model(x)
        loss = criterion(out, y)
        loss.backward()
        optimizer.step()
        t.to("cuda")
        x.cuda()
    model.eval()
    for x, y in loader:
        model(x)
    return loss.item()


loader = DataLoader(range(3), num_workers=2)
model = Net()
{outer}
train(model, loader, 1)
"""


def test_every_looked_up_name_in_any_shape_never_crashes() -> None:
    # found crashing before, each on a name in a shape its rule did not expect: a bare
    # ``_six`` (removed-function; hypothesis found it in arbitrary text), a bare
    # ``edge_index`` (tensor-to-discarded), a plain ``freeze()`` (missing-no-grad)
    import ast
    names = _names_the_rules_look_up()
    assert {"_six", "edge_index", "freeze"} <= set(names) and len(names) > 1000
    failed: dict[str, list[str]] = {}
    for name in names:
        lines = [shape.format(n=name) for shape in SHAPES]
        source = HOST.replace("{inner}", "\n".join(" " * 8 + line for line in lines)).replace(
            "{outer}", "\n".join(lines)).replace("{n}", name)
        ast.parse(source)  # (a host that stops parsing would test nothing)
        errors: list[str] = []
        lint_source(source, "mutant.py", rules=RULES, on_error=errors.append)
        if errors:
            failed[name] = errors
    assert not failed, dict(list(failed.items())[:10])
