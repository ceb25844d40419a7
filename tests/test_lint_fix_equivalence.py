"""The fixes that LINT-B rules mark ``safe`` really keep behaviour: each snippet is
linted, fixed with the real fixer, and both versions are run with the installed
PyTorch; their results must match. (Tests may import torch; the server never does.)"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from torchwise.lint.engine import get_rule, lint_source  # noqa: E402
from torchwise.lint.fix import fix_source  # noqa: E402

PRELUDE = """\
import torch
import torch.nn as nn
torch.manual_seed(0)
A = torch.randn(4, 4, dtype=torch.float64)
SPD = A @ A.mT + 4 * torch.eye(4, dtype=torch.float64)
B = torch.randn(4, 2, dtype=torch.float64)
u, v = torch.randn(3), torch.randn(5)
x = torch.rand(3, 5) * 1e-3
xd = x.double()
img = torch.randn(1, 2, 4, 4)
"""

# (rule, snippet assigning ``result``)
CASES = [
    ("deprecated-function", "result = torch.qr(A)"),
    ("deprecated-function", "result = torch.qr(A, some=False)"),
    ("deprecated-function", "result = torch.chain_matmul(A, A, SPD)"),
    ("deprecated-function", "result = torch.cholesky(SPD)"),
    ("deprecated-function", "result = torch.cholesky(SPD, upper=True)"),
    ("deprecated-function", "result = torch.ger(u, v)"),
    ("deprecated-function", "result = torch.lu(A)"),
    ("deprecated-function", "LU, piv = torch.linalg.lu_factor(A)\nresult = torch.lu_solve(B, LU, piv)"),
    ("deprecated-function", "result = nn.UpsamplingNearest2d(scale_factor=2)(img)"),
    ("deprecated-function", "result = nn.UpsamplingBilinear2d(size=(7, 9))(img)"),
    ("deprecated-function", "import functorch\nresult = functorch.vmap(torch.sin)(x)"),
    ("deprecated-function",
     "class Sq(torch.autograd.Function):\n"
     "    @staticmethod\n"
     "    @torch.cuda.amp.custom_fwd\n"
     "    def forward(ctx, t):\n"
     "        ctx.save_for_backward(t)\n"
     "        return t * t\n"
     "    @staticmethod\n"
     "    @torch.cuda.amp.custom_bwd\n"
     "    def backward(ctx, g):\n"
     "        (t,) = ctx.saved_tensors\n"
     "        return 2 * t * g\n"
     "w = x.clone().requires_grad_()\n"
     "Sq.apply(w).sum().backward()\n"
     "result = w.grad"),
    ("use-log1p", "result = torch.log(1 + xd)"),
    ("use-expm1", "result = torch.exp(xd) - 1"),
    ("use-logsumexp", "result = torch.log(torch.sum(torch.exp(x), dim=1))"),
    ("use-logsumexp", "result = torch.log(torch.exp(x).sum(-1, keepdim=True))"),
    ("autograd-variable-deprecated",
     "from torch.autograd import Variable\nw = x.clone().requires_grad_()\ny = Variable(w * 2)\n"
     "result = (y.requires_grad, y.is_leaf, y)"),
    ("autograd-variable-deprecated",
     "from torch.autograd import Variable\ny = Variable(x, requires_grad=True)\n"
     "result = (y.requires_grad, y.is_leaf, x.requires_grad, y)"),
    ("non-public-default-collate",
     "from torch.utils.data._utils.collate import default_collate\n"
     "result = default_collate([torch.ones(2), torch.zeros(2)])"),
    ("torch-load-without-weights-only",
     "import io\nbuf = io.BytesIO()\ntorch.save({'w': A}, buf)\nbuf.seek(0)\nresult = torch.load(buf)['w']"),
    ("checkpoint-without-use-reentrant",
     "from torch.utils.checkpoint import checkpoint\nlayer = nn.Linear(5, 5)\nw = x.clone().requires_grad_()\n"
     "checkpoint(layer, w).sum().backward()\nresult = w.grad"),
]


def _run(source: str):
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(PRELUDE + source, "<snippet>", "exec"), namespace)
    return namespace["result"]


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        if not (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list))) or len(a) != len(b):
            return False
        return all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape
                and a.dtype == b.dtype and a.requires_grad == b.requires_grad
                and torch.allclose(a.detach(), b.detach()))
    return a == b


@pytest.mark.parametrize("name,snippet", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_fix_keeps_behaviour(name: str, snippet: str) -> None:
    rule = get_rule(name)
    assert rule is not None
    source = PRELUDE + snippet
    findings = lint_source(source, "snippet.py", rules=[rule])
    fixable = [f for f in findings if f.fix is not None]
    assert fixable, f"{name} offers no fix for:\n{snippet}"
    fixed, applied, _ = fix_source(source, "snippet.py", [rule], unsafe=True)
    assert applied >= 1 and fixed != source
    fixed_snippet = fixed[len(PRELUDE):]
    before, after = _run(snippet), _run(fixed_snippet)
    assert _same(before, after), (snippet, fixed_snippet)


def test_unsafe_fixes_are_marked_unsafe() -> None:
    # torch.range -> torch.arange keeps the values but not the dtype: the fix must say so
    source = "import torch\nr = torch.range(0, 4)\n"
    findings = lint_source(source, "s.py", rules=[get_rule("deprecated-function")])
    assert [f.fix.applicability for f in findings if f.fix] == ["unsafe"]
    fixed, _, _ = fix_source(source, "s.py", [get_rule("deprecated-function")], unsafe=True)
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = torch.range(0, 4)
    exec(fixed, namespace)
    assert torch.equal(before, namespace["r"].to(before.dtype)) and namespace["r"].dtype != before.dtype


@pytest.mark.parametrize("name,before", [("use-log1p", "torch.log(1 + x)"), ("use-expm1", "torch.exp(x) - 1"),
                                         ("use-logsumexp", "torch.log(torch.sum(torch.exp(x), dim=0))")])
def test_precision_fixes_are_more_accurate_in_float32(name: str, before: str) -> None:
    source = f"import torch\nresult = {before}\n"
    fixed, applied, _ = fix_source(source, "s.py", [get_rule(name)], unsafe=False)
    assert applied == 1
    x32 = torch.tensor([1e-7, 3e-6, 2e-5, 95.0 if name == "use-logsumexp" else 1e-3])
    exact = {"use-log1p": torch.log1p, "use-expm1": torch.expm1,
             "use-logsumexp": lambda t: torch.logsumexp(t, dim=0)}[name](x32.double())
    results = []
    for code in (source, fixed):
        namespace = {"x": x32}
        exec(code, namespace)
        results.append(namespace["result"].double())
    error_before = ((results[0] - exact).abs() / exact.abs()).max()
    error_after = ((results[1] - exact).abs() / exact.abs()).max()
    assert error_after < error_before
