"""Every directive, section and inline form rst.py knows, one by one (a name dropped from one of
its tables must show); written to kill the mutants tests/test_rst.py left alive
(scripts/mutation.sh rst.py)."""

from __future__ import annotations

import pytest

from torchwise.rst import rst_to_markdown, split_signature

ADMONITIONS = {
    "note": "Note", "warning": "Warning", "seealso": "See also", "deprecated": "Deprecated",
    "versionadded": "Added in", "versionchanged": "Changed in", "tip": "Tip", "important": "Important",
    "caution": "Caution", "attention": "Attention", "danger": "Danger", "hint": "Hint", "admonition": "Admonition",
}  # fmt: skip


@pytest.mark.parametrize(("name", "title"), list(ADMONITIONS.items()))
def test_each_admonition_is_a_titled_quote(name, title) -> None:
    assert rst_to_markdown(f".. {name}:: 2.0\n    Use :func:`other`.\n\nAfter.") == (
        f"> **{title}:** 2.0 Use `other`.\n\nAfter."
    )


@pytest.mark.parametrize("name", ["function", "method", "class", "staticmethod", "classmethod", "attribute", "data",
                                  "py:function", "py:method", "py:class"])
def test_each_signature_directive_is_a_code_block(name) -> None:
    assert rst_to_markdown(f"Intro.\n\n.. {name}:: f(x) -> int\n    :noindex:\n\n    Body ``x``.\n") == (
        "Intro.\n\n```python\nf(x) -> int\n```\nBody `x`."
    )


@pytest.mark.parametrize("name", ["code-block", "code", "testcode", "doctest", "sourcecode", "literalinclude"])
def test_each_code_directive_is_a_python_block(name) -> None:
    assert rst_to_markdown(f".. {name}:: python\n    :linenos:\n\n    x = 1\n      y\n\nEnd.") == (
        "```python\nx = 1\n  y\n```\n\nEnd."
    )


@pytest.mark.parametrize("name", ["testsetup", "testcleanup", "image", "figure", "raw", "include", "toctree",
                                  "autosummary", "currentmodule", "automodule", "autofunction", "autoclass", "only"])
def test_each_dropped_directive_is_dropped(name) -> None:
    assert rst_to_markdown(f"Before.\n\n.. {name}:: arg\n\n    hidden text\n\nAfter.") == "Before.\n\nAfter."


def test_an_unknown_directive_keeps_its_text() -> None:
    assert rst_to_markdown(".. frobnicate:: arg\n\n    kept :attr:`x`\n\nAfter.") == "kept `x`\n\nAfter."
    assert rst_to_markdown(".. math::\n\n    a^2\n") == "```text\na²\n```"


@pytest.mark.parametrize("name", ["Args", "Arguments", "Keyword args", "Keyword arguments", "Parameters", "Return",
                                  "Returns", "Yields", "Raises", "Example", "Examples", "Note", "Notes", "Warning",
                                  "Shape", "Attributes", "See also", "Reference", "References", "ARGS", "returns"])
def test_each_section_title_is_bold(name) -> None:
    assert rst_to_markdown(f"{name}:\n    x (int): a value.\n") == f"**{name}**\n- `x (int)`: a value."
    assert rst_to_markdown(f"{name} :\n    text\n") == f"**{name}**\ntext"


def test_a_section_with_a_literal_block() -> None:
    assert rst_to_markdown("Example::\n\n    a = 1\n\n    b = 2\nAfter.") == "**Example**\n```python\na = 1\n\nb = 2\n```\nAfter."
    assert rst_to_markdown("Examples:: \n    a\n") == "**Examples**\n```python\na\n```"
    assert rst_to_markdown("Argsy:\n    x\n") == "Argsy:\nx"  # not a section name


def test_literal_blocks() -> None:
    assert rst_to_markdown("Run this ::\n\n    a = torch.ones(1)\n") == "Run this\n```python\na = torch.ones(1)\n```"
    assert rst_to_markdown("::\n\n    plain\n") == "```\nplain\n```"  # a bare "::" paragraph disappears
    assert rst_to_markdown("Shape::\n    >>> x\n") == "**Shape**\n```python\n>>> x\n```"


def test_parameters_and_their_continuations() -> None:
    doc = "Args:\n    a (int): first\n        more about a\n    b: second\n\n  indented prose\nplain"
    assert rst_to_markdown(doc) == "**Args**\n- `a (int)`: first\n  more about a\n- `b`: second\n\nindented prose\nplain"
    assert rst_to_markdown("x: not a parameter at column 0") == "x: not a parameter at column 0"
    assert rst_to_markdown("    *args: extra\n    **kwargs: more") == "- `*args`: extra\n- `**kwargs`: more"
    assert rst_to_markdown("    - item\n      continued") == "- item\n  continued"


def test_inline_forms() -> None:
    assert rst_to_markdown(r"a \* b \_c") == "a * b _c"
    assert rst_to_markdown(":meth:`~torch.Tensor.add`") == "`torch.Tensor.add`"
    assert rst_to_markdown(":py:func:`torch.sum`") == "`torch.sum`"
    assert rst_to_markdown(r":attr:`\_private`") == "`_private`"
    assert rst_to_markdown(":class:`<torch.nn.Module>`") == "`torch.nn.Module`"
    assert rst_to_markdown("see `docs <https://a.b/c>`_ now") == "see [docs](https://a.b/c) now"
    assert rst_to_markdown("a `link\n    over lines <https://a.b>`__ ok") == "a [link over lines](https://a.b) ok"
    assert rst_to_markdown("``a``\\ s and ``b`` c") == "`a`s and `b` c"


def test_signature_line_forms() -> None:
    assert split_signature("f(x)") == ("f(x)", "")
    assert split_signature("\r\nmod.f(x) -> Tensor\r\nText") == ("mod.f(x) -> Tensor", "Text")
    assert split_signature("f(x) ::\n    code") == ("", "f(x) ::\n    code")
    assert split_signature("f(x):") == ("", "f(x):")
    assert split_signature("") == ("", "")
    assert rst_to_markdown("f(x)\n\nText.", signature=False) == "f(x)\n\nText."
    assert rst_to_markdown("\tf(x)\n\nText.") == "```python\nf(x)\n```\n\nText."
