"""The shared static analysis: imports, aliases, inference, scopes, repair of broken code."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchwise.analysis import Analysis, Value, build_analysis, dotted_name_at


def resolve_at(source: str, needle: str, offset: int = 0, occurrence: int = 1) -> Value | None:
    source = textwrap.dedent(source)
    analysis = Analysis(source)
    index = -1
    for _ in range(occurrence):
        index = source.index(needle, index + 1)
    index += offset
    line = source.count("\n", 0, index) + 1
    col = index - (source.rfind("\n", 0, index) + 1)
    node = analysis.node_at(line, col)
    assert node is not None, f"no node at {needle!r}"
    if isinstance(node, ast.alias):
        return Value("symbol", analysis.alias_qualname(node) or "")
    return analysis.resolve(node)


@pytest.mark.parametrize(
    "source, needle, offset, expected",
    [
        ("import torch\ntorch.nn.Linear\n", "Linear", 0, Value("symbol", "torch.nn.Linear")),
        ("import torch.nn as nn\nnn.Conv2d\n", "Conv2d", 0, Value("symbol", "torch.nn.Conv2d")),
        ("import torch.nn\ntorch.nn.ReLU\n", "ReLU", 0, Value("symbol", "torch.nn.ReLU")),
        ("from torch import optim as O\nO.SGD\n", "SGD", 0, Value("symbol", "torch.optim.SGD")),
        ("from torch.nn import CrossEntropyLoss as CE\nCE\n", "CE\n", 0,
         Value("symbol", "torch.nn.CrossEntropyLoss")),
        ("from torch.nn.functional import *\nrelu\n", "relu\n", 0,
         Value("symbol", "torch.nn.functional.relu")),
        ("from torch import nn\nnn.GRU\n", "GRU", 0, Value("symbol", "torch.nn.GRU")),
        ("import torch as t\nt.zeros\n", "zeros", 0, Value("symbol", "torch.zeros")),
        # inference
        ("import torch\nopt = torch.optim.AdamW([])\nopt.zero_grad\n", "zero_grad", 0,
         Value("symbol", "torch.optim.Optimizer.zero_grad")),
        ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(1, 1)).to('cpu')\nm.train\n", "m.train", 2,
         Value("symbol", "torch.nn.Module.train")),
        ("import torch\nx = torch.randn(3)\ny = x.view(3, 1).t()\ny.sum\n", "y.sum", 2,
         Value("symbol", "torch.Tensor.sum")),
        ("import torch\nx = torch.randn(3)\nx\n", "x\n", 0, Value("instance", "torch.Tensor")),
        ("from torch.optim.lr_scheduler import StepLR\ns = StepLR(o, 1)\ns.step\n", "s.step", 2,
         Value("symbol", "torch.optim.lr_scheduler.LRScheduler.step")),
        # a copy is of its original's class (federated learning's clients train ``copy.deepcopy(net_glob)``)
        ("import copy\nimport torch.nn as nn\nnet = nn.Linear(1, 1)\nc = copy.deepcopy(net).to('cpu')\nc\n", "c\n", 0,
         Value("instance", "torch.nn.Linear")),
        ("from copy import copy\nimport torch\nx = torch.randn(3)\nz = copy(x)\nz\n", "z\n", 0,
         Value("instance", "torch.Tensor")),
        ("import copy\nimport torch.nn as nn\nc = copy.deepcopy(nn.Linear)\nc\n", "c\n", 0, None),  # (a class copied: no instance)
        # a TensorDataset, indexed or iterated, gives its tensors' rows
        ("from torch.utils.data import TensorDataset\nds = TensorDataset(a, b)\nxs, ys = ds[:]\nys\n", "ys\n", 0,
         Value("instance", "torch.Tensor")),
        ("from torch.utils.data import TensorDataset\nfor xr, yr in TensorDataset(a, b):\n    yr\n", "yr\n", 0,
         Value("instance", "torch.Tensor")),
        # annotations
        ("import torch\ndef f(opt: torch.optim.Optimizer):\n    opt.step\n", "opt.step", 4,
         Value("symbol", "torch.optim.Optimizer.step")),
        ("import torch\ndef f(x: 'torch.Tensor'):\n    x.relu\n", "x.relu", 2,
         Value("symbol", "torch.Tensor.relu")),
        # documented constants hold values: their members are those of the value's class
        ("from torchvision.models import ResNet18_Weights\nResNet18_Weights.DEFAULT.transforms\n",
         "transforms", 0, Value("symbol", "torchvision.models.WeightsEnum.transforms")),
    ],
)
def test_resolution(source, needle, offset, expected):
    assert resolve_at(source, needle, offset) == expected


CLASS_SOURCE = """\
import torch
import torch.nn as nn

class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.layers = nn.ModuleList([nn.Linear(2, 2)])

class Child(Base):
    def forward(self, x):
        h = self.fc(x)
        self.layers
        return h.relu()

    @staticmethod
    def helper(self):
        return self

model = Child()
model.eval
model.fc.weight
"""


def test_classes_self_attributes_and_inheritance():
    assert resolve_at(CLASS_SOURCE, "self.fc(x)", 5) == Value("instance", "torch.nn.Linear")
    assert resolve_at(CLASS_SOURCE, "self.layers\n", 5) == Value("instance", "torch.nn.ModuleList")
    assert resolve_at(CLASS_SOURCE, "h.relu", 2) == Value("symbol", "torch.Tensor.relu")
    assert resolve_at(CLASS_SOURCE, "model.eval", 6) == Value("symbol", "torch.nn.Module.eval")
    assert resolve_at(CLASS_SOURCE, "model.fc.weight", 6) == Value("instance", "torch.nn.Linear")
    # a staticmethod's first parameter is not the instance
    assert resolve_at(CLASS_SOURCE, "return self", 7) is None
    analysis = Analysis(CLASS_SOURCE)
    assert analysis.is_subclass("<local>.Child", "torch.nn.Module")
    assert analysis.mro("<local>.Child")[:3] == ["<local>.Child", "<local>.Base", "torch.nn.Module"]


def test_family_bases_do_not_cross_families():
    analysis = Analysis("")
    assert not analysis.is_subclass("torch.optim.lr_scheduler.LRScheduler", "torch.optim.Optimizer")
    assert not analysis.is_subclass("torch.optim.lr_scheduler.NoSuchScheduler", "torch.optim.Optimizer")
    assert analysis.is_subclass("torch.optim.lr_scheduler.NoSuchScheduler", "torch.optim.lr_scheduler.LRScheduler")
    assert analysis.is_subclass("torch.optim.NoSuchOptimizer", "torch.optim.Optimizer")


def test_flow_uses_the_nearest_binding_above():
    source = """\
    import torch
    x = torch.nn.Linear(1, 1)
    x.weight
    x = torch.zeros(3)
    x.sum
    x = x.to("cpu")
    """
    assert resolve_at(source, "x.weight", 0) == Value("instance", "torch.nn.Linear")
    assert resolve_at(source, "x.sum", 0) == Value("instance", "torch.Tensor")
    assert resolve_at(source, "x.to", 0) == Value("instance", "torch.Tensor")


def test_functions_do_not_see_class_scope_and_shadowing_wins():
    source = """\
    import torch
    def torch_free(torch):
        torch.zeros
    class A:
        nn = 1
        def f(self):
            return nn
    """
    assert resolve_at(source, "torch.zeros", 6) is None  # the parameter shadows the module
    analysis = Analysis(textwrap.dedent(source))
    ret = [n for n in ast.walk(analysis.tree) if isinstance(n, ast.Return)][0]
    assert analysis.resolve(ret.value) is None


def test_non_torch_names_resolve_to_their_own_modules():
    assert resolve_at("import numpy as np\nnp.zeros\n", "zeros") == Value("symbol", "numpy.zeros")
    assert resolve_at("import os\nos.path\n", "path") == Value("symbol", "os.path")
    assert resolve_at("x = 1\nx\n", "x\n") is None


@pytest.mark.parametrize(
    "source",
    [
        "import torch\nmodel = torch.nn.Linear(2,\nopt = torch.optim.SGD(model.parameters())\n",
        "import torch\ndef f(:\n    pass\ny = torch.zeros(1)\n",
        "import torch\nclass A(\n",
        "import torch\nx = torch.zeros(3).\n",
        "import torch\n    indented = 1\ny = torch.ones(1)\n",
        "\x00\x01 binary",
        "",
        "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" * 50,
    ],
)
def test_broken_code_is_repaired_not_fatal(source):
    analysis = Analysis(source)
    assert analysis.syntax_error is not None or source == ""
    assert isinstance(analysis.tree, ast.Module)


def test_repair_keeps_the_rest_resolvable():
    source = "import torch\nmodel = torch.nn.Linear(2,\nopt = torch.optim.SGD(model.parameters())\nopt.step\n"
    analysis = Analysis(source)
    assert analysis.syntax_error is not None
    node = analysis.node_at(4, 5)
    assert analysis.resolve(node) == Value("symbol", "torch.optim.Optimizer.step")


def test_dotted_name_at():
    assert dotted_name_at("    optimizer.zero_grad(", 15) == ("optimizer.zero_grad", 4, 23)
    assert dotted_name_at("x = nn . Linear", 5) == ("nn", 4, 6)
    assert dotted_name_at("   ", 1) is None


def test_non_ascii_columns():
    source = "import torch\ncafé = 'é'; x = torch.zeros(1)\n"
    analysis = Analysis(source)
    col = source.splitlines()[1].index("zeros")
    assert analysis.resolve(analysis.node_at(2, col)) == Value("symbol", "torch.zeros")


def test_analysis_never_imports_torch():
    code = (
        "import sys\n"
        "from torchwise.analysis import Analysis\n"
        "from torchwise.knowledge import default_knowledge\n"
        "from torchwise.server import create_server\n"
        "create_server(); default_knowledge()\n"
        "a = Analysis('import torch\\nx = torch.zeros(1)\\nx.sum\\n'); a.resolve(a.node_at(3, 2))\n"
        "assert not [m for m in sys.modules if m == 'torch' or m.startswith('torch.')], 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_parsing_prints_no_warning_about_the_users_code():
    """Half-typed code often holds an invalid escape ("\\s" in a regex being typed): the
    compiler's SyntaxWarning (a DeprecationWarning before 3.12) is not ours to print."""
    import warnings

    from torchwise.project.summaries import parse_for_summary

    from torchwise.kernel.hints import assignment_targets
    from torchwise.kernel.live import assigned_names
    from torchwise.project.summaries import summarize

    source = ('import re\npattern = re.compile("\\s+\\d")\npath = "C:\\ data"\n'
              'def f(x: "Tensor\\d" = "\\w"):\n    return x\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis = build_analysis(source, "t.py")
        returned = analysis.tree.body[3].body[0].value
        analysis.resolve(returned, analysis.scopes[analysis.tree.body[3]])  # its string annotation, parsed
        tree, _ = parse_for_summary(source, "t.py")
        summary = summarize(tree, source, "t", "t.py", 0)
        assert [f.signature for f in summary.functions] == ["(x: 'Tensor\\\\d' = '\\\\w')"]  # the header, parsed again
        assigned_names(source), assignment_targets(source)  # a run cell's code (hover, shape hints)
    assert [str(w.message) for w in caught] == []


def test_the_users_code_is_parsed_in_one_place():
    """``text.parse_python`` keeps Python's warnings about the user's code unprinted; every
    other ``ast.parse`` of the server reads text of our own (the snippets)."""
    server = Path(__file__).resolve().parent.parent / "server" / "torchwise"
    parsing = sorted(str(p.relative_to(server)) for p in server.rglob("*.py")
                     if "ast.parse(" in "\n".join(line for line in p.read_text(encoding="utf-8").splitlines()
                                                  if not line.lstrip().startswith("#") and "``ast.parse" not in line))
    assert parsing == ["completion.py", "text.py"]


def test_syntax_nodes_hash_by_identity():
    """The analysis and the lint index key their tables by the nodes themselves (no id()
    int per node): two nodes that look alike must stay two keys, and a node one key."""
    import ast as _ast

    a, b = _ast.Name("x", _ast.Load()), _ast.Name("x", _ast.Load())
    assert len({a, b}) == 2 and {a: 1}.get(a) == 1 and {a: 1}.get(b) is None
