"""Runtime docstrings as hover Markdown: exact conversions, then real torch docstrings."""

from __future__ import annotations

import inspect
import re

import pytest

from torchwise.latex import latex_to_text
from torchwise.rst import rst_to_markdown, split_signature

# --- LaTeX -> Unicode text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "latex, text",
    [
        (r"\frac{\exp(x_i)}{\sum_j \exp(x_j)}", "exp(xᵢ)/(Σⱼ exp(xⱼ))"),
        (r"\frac{a + b}{2}", "(a + b)/2"),
        (r"\frac{1}{\sqrt{t}}", "1/√t"),
        (r"\sqrt{\mathrm{Var}[x] + \epsilon}", "√(Var[x] + ε)"),
        (r"\sqrt[3]{x}", "³√x"),
        (r"\alpha \leq \beta \times \gamma", "α ≤ β × γ"),
        (r"x^2 + y^{10} - z^{n+1}", "x² + y¹⁰ - zⁿ⁺¹"),
        (r"W_{ih} x_t", "Wᵢₕ xₜ"),
        (r"W_{iz}", "W_(iz)"),
        (r"h^{(l)}_t", "h^(l)ₜ"),
        (r"A^\top", "Aᵀ"),
        (r"\text{normalized\_shape}", "normalized_shape"),
        (r"\mathbb{R}^{n \times m}", "ℝ^(n × m)"),
        (r"\mathbb{E}[x]", "𝔼[x]"),
        (r"\hat{y}", "ŷ"),
        (r"\left( \frac{x}{y} \right)", "( x/y )"),
        (r"\lVert x \rVert_2", "‖ x ‖₂"),
        (r"\operatorname{softmax}(z)", "softmax(z)"),
        (r"\binom{n}{k}", "C(n, k)"),
        (r"\mathcal{N}(\mu, \sigma^2)", "N(μ, σ²)"),
        (r"\lfloor \frac{L + 2p - k}{s} \rfloor + 1", "⌊ (L + 2p - k)/s ⌋ + 1"),
        (r"\mathrm{erfcx}(x) = e^{x^2} \mathrm{erfc}(x)", "erfcx(x) = e^(x²) erfc(x)"),
        (r"\unknownmacro{x}", "unknownmacrox"),
    ],
)
def test_latex_inline(latex, text):
    assert latex_to_text(latex) == text


def test_latex_multiline_environments():
    source = r"\begin{cases} 0 & \text{if } x < 0 \\ x & \text{otherwise} \end{cases}"
    assert latex_to_text(source, inline=False) == "0 if x < 0\nx otherwise"
    assert latex_to_text(source) == "0 if x < 0; x otherwise"
    aligned = r"\begin{array}{ll} a \leftarrow 1 \\[-1.ex] \rule{110mm}{0.4pt} \\ {\bf return} \: a \end{array}"
    assert latex_to_text(aligned, inline=False) == "a ← 1\nreturn a"


# --- reST -> Markdown: each construct --------------------------------------------------------


def test_leading_signature_gets_its_own_code_block():
    doc = "sum(input, *, dtype=None) -> Tensor\n\nReturns the sum."
    assert split_signature(doc) == ("sum(input, *, dtype=None) -> Tensor", "\nReturns the sum.")
    assert rst_to_markdown(doc) == "```python\nsum(input, *, dtype=None) -> Tensor\n```\n\nReturns the sum."
    assert split_signature("Returns the sum (of all).") == ("", "Returns the sum (of all).")


def test_function_directive_overload_is_a_code_block():
    doc = "First form.\n\n.. function:: sum(input, dim) -> Tensor\n   :noindex:\n\nSecond form."
    assert rst_to_markdown(doc) == "First form.\n\n```python\nsum(input, dim) -> Tensor\n```\n\nSecond form."


def test_inline_math_role():
    assert rst_to_markdown(r"Softmax is :math:`\frac{1}{Z}`.") == "Softmax is `1/Z`."
    wrapped = "where :math:`\\alpha\n    + \\beta` is fixed"
    assert rst_to_markdown(wrapped) == "where `α + β` is fixed"


def test_math_directive_is_a_text_block():
    doc = "Defined as:\n\n.. math::\n    y = \\frac{x - \\mathrm{E}[x]}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}}\n\nDone."
    assert rst_to_markdown(doc) == "Defined as:\n\n```text\ny = (x - E[x])/√(Var[x] + ε)\n```\n\nDone."
    assert rst_to_markdown(".. math:: a^2") == "```text\na²\n```"


def test_roles_links_and_references():
    assert rst_to_markdown("See :class:`~torch.nn.Softmax` and :attr:`dim`.") == "See `torch.nn.Softmax` and `dim`."
    assert rst_to_markdown(":ref:`the guide <amp-examples>`") == "`the guide`"
    assert rst_to_markdown("the paper `Layer Norm <https://arxiv.org/abs/1607.06450>`__") == (
        "the paper [Layer Norm](https://arxiv.org/abs/1607.06450)"
    )
    assert rst_to_markdown("we refer to `Adam: A Method`_.") == "we refer to Adam: A Method."
    assert rst_to_markdown("use ``torch.float32`` here") == "use `torch.float32` here"
    assert rst_to_markdown(r"replace ``NaN``\s with zero") == "replace `NaN`s with zero"
    assert rst_to_markdown(r"an `n \times n` matrix") == "an `n × n` matrix"


def test_admonition_is_a_quote_and_keeps_nested_math():
    doc = ".. note::\n    Stable for large x:\n\n    .. math::\n        \\log(1 + e^x)\n"
    assert rst_to_markdown(doc) == "> **Note:** Stable for large x:\n>\n> ```text\n> log(1 + e^x)\n> ```"
    assert rst_to_markdown(".. warning:: Do not call twice.") == "> **Warning:** Do not call twice."


def test_sections_parameters_and_continuations():
    doc = (
        "Args:\n"
        "    input (Tensor): the input.\n"
        "    bias: If ``False``, no bias.\n"
        "        Default: ``True``\n"
        "\n"
        "Returns:\n"
        "    A tensor.\n"
    )
    assert rst_to_markdown(doc) == (
        "**Args**\n- `input (Tensor)`: the input.\n- `bias`: If `False`, no bias.\n  Default: `True`\n\n"
        "**Returns**\nA tensor."
    )


def test_examples_doctests_and_literal_blocks():
    doc = "Example::\n\n    >>> torch.ones(2)\n    tensor([1., 1.])\n"
    assert rst_to_markdown(doc) == "**Example**\n```python\n>>> torch.ones(2)\ntensor([1., 1.])\n```"
    assert rst_to_markdown("Shape is::\n\n    (N, C)\n") == "Shape is:\n```\n(N, C)\n```"
    assert rst_to_markdown(">>> x = 1\n>>> x\n1") == "```python\n>>> x = 1\n>>> x\n1\n```"


def test_comments_targets_and_setup_directives_are_dropped():
    doc = ".. _amp-examples:\n\nText.\n\n.. testsetup::\n\n    import torch\n\n.. image:: a.png\n\nEnd."
    assert rst_to_markdown(doc) == "Text.\n\nEnd."


def test_every_line_ending():
    assert rst_to_markdown("A :attr:`x`.\r\n\r\nB.\rC.") == "A `x`.\n\nB.\nC."


# --- a sample of real torch docstrings ---------------------------------------------------------

_LEFTOVERS = {
    "a :math: role": re.compile(r":math:"),
    "a \\frac": re.compile(r"\\frac"),
    "a LaTeX command": re.compile(r"\\[A-Za-z]{2,}"),
    "a reST directive or comment": re.compile(r"^\s*(?:>\s*)?\.\.(?:\s|$)", re.M),
    "a reST role": re.compile(r":[a-z]+:`"),
}


def _torch_docstrings() -> dict[str, str]:
    torch = pytest.importorskip("torch")
    import torch.distributions
    import torch.nn.functional
    import torch.optim

    docs: dict[str, str] = {}
    modules = (torch, torch.nn, torch.nn.functional, torch.nn.init, torch.linalg, torch.fft, torch.special,
               torch.optim, torch.distributions)
    for module in modules:
        for name in dir(module):
            obj = getattr(module, name, None)
            if not name.startswith("_") and callable(obj):
                docs[f"{module.__name__}.{name}"] = inspect.getdoc(obj) or ""
    for name in dir(torch.Tensor):
        if not name.startswith("_"):
            docs[f"torch.Tensor.{name}"] = inspect.getdoc(getattr(torch.Tensor, name)) or ""
    return {k: v for k, v in docs.items() if v}


def test_real_torch_docstrings_render_without_raw_rest_or_latex():
    docs = _torch_docstrings()
    with_math = [name for name, doc in docs.items() if ":math:" in doc or ".. math::" in doc]
    assert len(docs) > 1000 and len(with_math) > 200, (len(docs), len(with_math))  # the sample is meaningful
    problems = []
    for name, doc in docs.items():
        prose = re.sub(r"```python\n.*?```", "", rst_to_markdown(doc), flags=re.S)  # code keeps its text
        problems += [f"{name}: {what}" for what, pattern in _LEFTOVERS.items() if pattern.search(prose)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def test_real_docstring_sample_reads_well():
    torch = pytest.importorskip("torch")
    softmax = rst_to_markdown(inspect.getdoc(torch.nn.functional.softmax))
    assert "`Softmax(xᵢ) = exp(xᵢ)/(Σⱼ exp(xⱼ))`" in softmax
    assert "- `dim (int)`: A dimension along which softmax will be computed." in softmax
    total = rst_to_markdown(inspect.getdoc(torch.sum))
    assert total.startswith("```python\nsum(input, *, dtype=None) -> Tensor\n```")
    assert "```python\nsum(input, dim, keepdim=False, *, dtype=None) -> Tensor\n```" in total
