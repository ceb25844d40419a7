"""Hover rendering and resolution (hover.py) in-process, to the character: written to kill the
mutants of its pure part (scripts/mutation.sh hover.py --lines 33-168) that only slow LSP tests
could otherwise reach."""

from __future__ import annotations

import pytest

from torchwise.analysis import build_analysis
from torchwise.hover import _signature_line, render_entry, render_loading, render_runtime, target_at
from torchwise.knowledge import Entry, Shape
from torchwise.lint.engine import get_rule

RULE = get_rule("missing-zero-grad")

FULL = Entry(
    names=("torch.nn.Frobnicate", "torch.nn.modules.Frobnicate"),
    kind="class",
    summary="Frobnicates its input.",
    docs="https://docs.pytorch.org/x.html",
    signature="Frobnicate(dim, eps=1e-5)",
    shapes=(Shape("input", "(N, C)"), Shape("output", "(N, C)", "same as input")),
    pitfalls=("Not idempotent.", "Slow on CPU."),
    example="f = Frobnicate(1)",
    related=("torch.nn.Other", "torch.nn.Third"),
    rules=("missing-zero-grad", "no-such-rule"),
)


def test_render_entry_whole() -> None:
    assert render_entry(FULL, "torch.nn.Frobnicate") == (
        "```python\nclass torch.nn.Frobnicate(dim, eps=1e-5)\n```\n\n"
        "Frobnicates its input.\n\n"
        "**Shapes**\n- `input`: `(N, C)`\n- `output`: `(N, C)` — same as input\n\n"
        "**Pitfalls**\n- Not idempotent.\n- Slow on CPU.\n\n"
        "**Example**\n```python\nf = Frobnicate(1)\n```\n\n"
        f"**Lint rules:** [`{RULE.code}` missing-zero-grad]({RULE.url}), `no-such-rule`\n\n"
        "**See also:** `torch.nn.Other`, `torch.nn.Third`\n\n"
        "[PyTorch docs](https://docs.pytorch.org/x.html)"
    )  # fmt: skip


def test_render_entry_for_a_variable_and_through_another_name() -> None:
    # a variable: its type's signature and summary, shapes; no pitfalls, example, rules or related
    assert render_entry(FULL, "torch.nn.Frobnicate", "f") == (
        "```python\n(variable) f: torch.nn.Frobnicate\n```\n\n"
        "```python\nclass torch.nn.Frobnicate(dim, eps=1e-5)\n```\n\n"
        "Frobnicates its input.\n\n"
        "**Shapes**\n- `input`: `(N, C)`\n- `output`: `(N, C)` — same as input\n\n"
        "[PyTorch docs](https://docs.pytorch.org/x.html)"
    )
    bare = Entry(names=("torch.nn.Module.eval",), kind="method", summary="Eval mode.", docs="u",
                 signature="Module.eval() -> Self")  # fmt: skip
    assert render_entry(bare, "torch.nn.Sequential.eval") == (
        "```python\n(method) torch.nn.Sequential.eval() -> Self\n```\n\n"
        "*Defined on* `torch.nn.Module.eval`\n\nEval mode.\n\n[PyTorch docs](u)"
    )


@pytest.mark.parametrize(
    ("kind", "signature", "shown", "line"),
    [
        ("function", "sum(input, dim) -> Tensor", "torch.sum", "torch.sum(input, dim) -> Tensor"),
        ("function", "", "torch.sum", "torch.sum"),
        ("class", "", "torch.nn.X", "class torch.nn.X"),
        ("module", "", "torch.nn", "module torch.nn"),
        ("method", "Optimizer.zero_grad(set_to_none=True)", "torch.optim.SGD.zero_grad",
         "(method) torch.optim.SGD.zero_grad(set_to_none=True)"),
        ("method", "zero_grad(set_to_none=True)", "torch.optim.Optimizer.zero_grad",
         "(method) torch.optim.Optimizer.zero_grad(set_to_none=True)"),
        ("property", "torch.Size", "torch.Tensor.shape", "(property) torch.Tensor.shape: torch.Size"),
        ("attribute", "bool", "torch.nn.Module.training", "(attribute) torch.nn.Module.training: bool"),
        ("constant", "float", "torch.pi", "(constant) torch.pi: float"),
        ("function", "other_name(x)", "torch.f", "other_name(x)"),  # a signature of another name stays whole
        ("function", "f", "torch.f", "torch.f"),  # the bare name, no parentheses
        ("function", "f -> int", "torch.f", "torch.f"),
    ],
)
def test_signature_line(kind, signature, shown, line) -> None:
    name = "torch.optim.Optimizer.zero_grad" if signature.startswith("Optimizer.") else shown
    entry = Entry(names=(name,), kind=kind, summary="", docs="", signature=signature)
    assert _signature_line(entry, shown) == line


def test_render_runtime() -> None:
    doc = {"signature": "", "kind": "function", "doc": "sum(input) -> Tensor\n\nAdds up.", "torch": "2.5.0"}
    assert render_runtime("torch.sum", doc) == (
        "```python\ntorch.sum(input) -> Tensor\n```\n\nAdds up.\n\n*Runtime docstring from the installed torch 2.5.0.*"
    )
    doc = {"signature": "(x)", "kind": "class", "doc": "A thing.", "torch": ""}
    assert render_runtime("torch.Thing", doc, "t") == (
        "```python\nclass (variable) t: torch.Thing\n```\n\nA thing.\n\n*Runtime docstring from the installed torch.*"
    )
    # a docstring opening with another function's signature keeps it in the body
    doc = {"kind": "function", "doc": "other(x) -> Tensor\n\nText."}
    assert render_runtime("torch.f", doc).startswith("```python\ntorch.f\n```\n\n```python\nother(x) -> Tensor\n```")
    long = {"kind": "function", "doc": "\n".join(f"line {i} " + "x" * 50 for i in range(200))}
    body = render_runtime("torch.g", long)
    assert "*…docstring truncated*" in body and len(body) < 6200
    assert render_runtime("torch.h", {}) == "```python\ntorch.h\n```\n\n*Runtime docstring from the installed torch.*"


def test_render_loading() -> None:
    assert render_loading("torch.sum") == "```python\ntorch.sum\n```\n\n*Loading the docstring from the workspace's torch…*"


SOURCE = (
    "import torch\n"
    "import torch.nn as nn\n"
    "from torch import optim as O\n"
    "model = nn.Linear(2, 2)\n"
    "opt = O.SGD(model.parameters(), lr=0.1)\n"
    "opt.zero_grad()\n"
    "y = torch.nn.functional.relu(\n"
    "z = torch.nn.functional.sof\n"
)


@pytest.mark.parametrize(
    ("line", "col", "expected"),
    [
        (2, 8, ("torch.nn", (2, 7, 2, 21), "")),  # the module of an `import a.b as c` line
        (2, 20, ("torch.nn", (2, 7, 2, 21), "")),  # on the alias: the module, not the alias
        (3, 27, ("torch.optim", (3, 18, 3, 28), "")),
        (4, 0, ("torch.nn.Linear", (4, 0, 4, 5), "model")),  # a variable: its type, named
        (4, 11, ("torch.nn.Linear", (4, 11, 4, 17), "")),  # the attribute only
        (5, 8, ("torch.optim.SGD", (5, 8, 5, 11), "")),
        (6, 5, ("torch.optim.Optimizer.zero_grad", (6, 4, 6, 13), "")),  # where it is defined
    ],
)
def test_target_at(line, col, expected) -> None:
    analysis = build_analysis(SOURCE, "t.py")
    value, span, variable = target_at(analysis, line, col)
    assert (value.qualname, span, variable) == expected


def test_target_at_on_a_line_that_does_not_parse() -> None:
    analysis = build_analysis(SOURCE, "t.py")
    value, span, variable = target_at(analysis, 7, 26)  # `relu` on the half-typed call
    assert (value.qualname, span, variable) == ("torch.nn.functional.relu", (7, 24, 7, 28), "")
    value, span, variable = target_at(analysis, 7, 12)  # `nn` inside the dotted name
    assert (value.qualname, span, variable) == ("torch.nn", (7, 10, 7, 12), "")
    assert target_at(analysis, 7, 1) is None  # `y`: not resolvable on the broken line
    assert target_at(analysis, 99, 0) is None
    assert target_at(analysis, 1, 0) is None  # `import` keyword
