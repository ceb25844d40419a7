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


# ---- survivors of scripts/mutation.sh hover.py --lines 33-168 (stop 19)
def test_is_torch_reads_the_top_level_package_only() -> None:
    from torchwise.hover import _is_torch

    assert _is_torch("torch") and _is_torch("torch.nn.Linear") and _is_torch("torchvision.models.resnet18")
    assert not _is_torch("torchx.nn") and not _is_torch("mylib.torch") and not _is_torch("numpy.torch.x")


@pytest.mark.parametrize(
    ("names", "signature", "shown", "line"),
    [
        # an alias whose short name differs from the entry's: the entry's name is stripped
        (("torch.cat", "torch.concat"), "cat(tensors, dim=0) -> Tensor", "torch.concat",
         "torch.concat(tensors, dim=0) -> Tensor"),
        # a signature spelled with the alias's name: the shown name's last part is matched
        (("torch.cat", "torch.concat"), "concat(tensors) -> Tensor", "torch.concat", "torch.concat(tensors) -> Tensor"),
        (("frob",), "frob(x)", "torch.other", "torch.other(x)"),  # a name without a dot (was ")")
        # an alias of a method whose signature names its owner: "lamp(...)" before the fix
        (("torch.Tensor.clamp", "torch.Tensor.clip"), "Tensor.clamp(min=None) -> Tensor", "torch.Tensor.clip",
         "torch.Tensor.clip(min=None) -> Tensor"),
        (("torch.f",), "f -> Tuple(int)", "torch.f", "torch.f"),  # parentheses only after `->`
        (("torch.f",), "f(x)", "f", "f(x)"),  # a shown name without a dot
    ],
)
def test_signature_line_through_an_alias(names, signature, shown, line) -> None:
    entry = Entry(names=names, kind="function", summary="", docs="", signature=signature)
    assert _signature_line(entry, shown) == line


def test_render_runtime_signature_sources() -> None:
    note = "*Runtime docstring from the installed torch.*"
    # the worker's signature, in the header of a non-variable hover
    assert render_runtime("torch.add", {"signature": "(x, y)", "kind": "function", "doc": "Adds."}) == (
        f"```python\ntorch.add(x, y)\n```\n\nAdds.\n\n{note}"
    )
    # a docstring opening with the dotted name's own signature
    assert render_runtime("torch.sum", {"kind": "function", "doc": "torch.sum(input) -> Tensor\n\nAdds up."}) == (
        f"```python\ntorch.sum(input) -> Tensor\n```\n\nAdds up.\n\n{note}"
    )
    # a class whose docstring opens with __init__'s signature
    assert render_runtime("torch.nn.Thing", {"kind": "class", "doc": "__init__(self, x)\n\nMakes a thing."}) == (
        f"```python\nclass torch.nn.Thing(self, x)\n```\n\nMakes a thing.\n\n{note}"
    )
    # a name without a dot
    assert render_runtime("torch", {"kind": "module", "doc": "torch(x)\n\nThe package."}) == (
        f"```python\ntorch(x)\n```\n\nThe package.\n\n{note}"
    )


def test_render_runtime_truncates_after_6000_characters_at_a_line_end() -> None:
    from torchwise.rst import rst_to_markdown

    note = "\n\n*Runtime docstring from the installed torch.*"
    line = "y" * 99
    exact = "\n".join([line] * 60) + "z"  # 6,000 characters: shown whole
    assert len(exact) == 6000 and rst_to_markdown(exact) == exact
    assert render_runtime("torch.g", {"kind": "function", "doc": exact}) == f"```python\ntorch.g\n```\n\n{exact}{note}"
    # 6,001: cut back to the end of the last whole line within the first 6,000
    kept = "\n".join([line] * 59)
    assert render_runtime("torch.g", {"kind": "function", "doc": exact + "w"}) == (
        f"```python\ntorch.g\n```\n\n{kept}\n\n*…docstring truncated*{note}"
    )
    # a newline right after the first 6,000 characters is not within them
    at_cut = "a\n" + "x" * 5998 + "\n" + "tail"
    assert render_runtime("torch.g", {"kind": "function", "doc": at_cut}) == (
        f"```python\ntorch.g\n```\n\na\n\n*…docstring truncated*{note}"
    )


def test_every_knowledge_signature_renders_under_each_of_its_names() -> None:
    """A signature spelled with the entry's own (or its owner's) name shows each alias with
    the signature's parameters; none repeats its kind ("class class Module()")."""
    from torchwise.knowledge import KnowledgeBase

    prefixes = {"class": "class ", "module": "module ", "method": "(method) "}
    wrong = []
    for entry in KnowledgeBase.load().entries:
        own = entry.name.rsplit(".", 1)[-1]
        owner = ".".join(entry.name.rsplit(".", 2)[-2:])
        sig = entry.signature
        if entry.kind in prefixes and sig.startswith(prefixes[entry.kind].strip() + " "):
            wrong.append(f"{entry.name}: signature repeats its kind: {sig}")
        if not (sig.startswith(own + "(") or sig.startswith(owner + "(")):
            continue
        params = sig[sig.index("("):]
        for name in entry.names:
            line = _signature_line(entry, name)
            if line != prefixes.get(entry.kind, "") + name + params:
                wrong.append(f"{name}: {line}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("source", "line", "col", "expected"),
    [
        # a half-typed first line, its name imported below it
        ("y = nn.functional.relu(\nimport torch.nn as nn\n", 1, 14, ("torch.nn.functional", (1, 7, 1, 17))),
        # a half-typed last line without a newline
        ("import torch\ny = torch.nn.functional.relu(", 2, 26, ("torch.nn.functional.relu", (2, 24, 2, 28))),
    ],
)
def test_target_at_on_the_first_and_last_lines_that_do_not_parse(source, line, col, expected) -> None:
    analysis = build_analysis(source, "t.py")
    assert analysis.repaired_lines == {line}
    value, span, variable = target_at(analysis, line, col)
    assert (value.kind, value.qualname, span, variable) == ("symbol", *expected, "")


def test_target_at_names_kinds_and_variables_exactly() -> None:
    analysis = build_analysis(SOURCE + "w = 1  # torch.nn.Linear\n", "t.py")
    value, span, variable = target_at(analysis, 2, 20)  # an alias: the module it binds
    assert (value.kind, value.qualname, span, variable) == ("symbol", "torch.nn", (2, 7, 2, 21), "")
    value, span, variable = target_at(analysis, 4, 8)  # `nn`: a module name is no variable
    assert (value.kind, value.qualname, span, variable) == ("symbol", "torch.nn", (4, 8, 4, 10), "")
    value, span, variable = target_at(analysis, 4, 5)  # just after `model`: still the variable
    assert (value.kind, value.qualname, span, variable) == ("instance", "torch.nn.Linear", (4, 0, 4, 5), "model")
    assert target_at(analysis, 9, 15) is None  # a dotted name in a comment of a line that parses
    assert target_at(analysis, 5, 4) is None  # the `=`


@pytest.mark.parametrize(
    ("kind", "qualname", "entry_name"),
    [
        ("symbol", "torch.nn.Linear", "torch.nn.Linear"),
        ("symbol", "torch.nn.Sequential.eval", "torch.nn.Module.eval"),  # through the base class
        ("symbol", "torch.optim.SGD.zero_grad", "torch.optim.Optimizer.zero_grad"),
        # the nearest base that has it (MNIST), not a farther one that lacks it
        ("symbol", "torchvision.datasets.FashionMNIST.train_labels", "torchvision.datasets.MNIST.train_labels"),
        ("instance", "torch.nn.Sequential.eval", None),  # only names are looked up through bases
        ("symbol", "torch.nn.Sequential.nothing", None),
        ("symbol", "torch", None),
        ("symbol", "torch.nothing", None),  # an owner without a dot
    ],
)
def test_entry_for_walks_the_bases_of_a_class(kind, qualname, entry_name) -> None:
    from types import SimpleNamespace

    from torchwise.analysis import Value
    from torchwise.hover import _entry_for
    from torchwise.knowledge import default_knowledge

    server = SimpleNamespace(knowledge=default_knowledge())  # _entry_for reads only .knowledge
    entry, shown = _entry_for(server, Value(kind, qualname), build_analysis("import torch\n", "t.py"))
    assert (entry.name if entry else None, shown) == (entry_name, qualname)
