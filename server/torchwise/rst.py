"""A small reST-to-Markdown renderer for torch docstrings shown in hovers.

It handles what torch's docstrings use: a leading signature line and
``.. function::`` overloads (each put in its own code block), roles
(``:attr:`x```), ``:math:`` and ``.. math::`` (turned into Unicode text by
``torchwise.latex``, since hovers have no math engine), links
(```text <url>`__``), literal blocks after ``::``, doctest blocks (``>>>``),
admonitions (``.. note::``), Google-style sections (``Args:``) and ``\\``-escapes.
Other directives and comments are dropped; unknown text passes through.
"""

from __future__ import annotations

import re

from torchwise.latex import latex_to_text

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MATH_ROLE = re.compile(r":math:`([^`]*)`")
_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?([^`<]*?)(?:\s*<([^>]*)>)?`")
_LINK = re.compile(r"`([^`<]+?)\s*<(https?://[^>]+)>`__?")
_SECTION = re.compile(
    r"^(Args|Arguments|Keyword args|Keyword arguments|Parameters|Returns?|Yields|Raises|"
    r"Example|Examples|Note|Notes|Warning|Shape|Attributes|See also|Reference|References)(\s*::?)\s*$",
    re.IGNORECASE,
)
_DIRECTIVE = re.compile(r"^\.\.\s+([\w-]+(?::[\w-]+)?)::\s*(.*)$")  # a domain too: py:function
_COMMENT = re.compile(r"^\.\.(\s|$)")
_SIGNATURE = re.compile(r"^[A-Za-z_][\w.]*\(.*\)(\s*->\s*.+)?$")
_PARAM = re.compile(r"^([\w*][\w*]*(?:\s*\([^)]*\))?)\s*:\s+(.*)$")
_ADMONITIONS = {"note", "warning", "seealso", "deprecated", "versionadded", "versionchanged", "tip",
                "important", "caution", "attention", "danger", "hint", "admonition"}
_SIGNATURE_DIRECTIVES = {"function", "method", "class", "staticmethod", "classmethod", "attribute", "data",
                         "py:function", "py:method", "py:class"}
_CODE_DIRECTIVES = {"code-block", "code", "testcode", "doctest", "sourcecode", "literalinclude"}
_TITLES = {"seealso": "See also", "versionadded": "Added in", "versionchanged": "Changed in"}


def _inline(text: str) -> str:
    text = _MATH_ROLE.sub(lambda m: f"`{latex_to_text(m.group(1))}`", text)
    text = _LINK.sub(lambda m: f"[{m.group(1).strip()}]({m.group(2)})", text)
    text = re.sub(r"(?<![`:\w])`([^`<>]+)`__?(?!\w)", r"\1", text)  # `named reference`_
    # LaTeX written in plain `interpreted text` (a missing :math: role): `n \times n`
    text = re.sub(r"(?<![`:\w])`([^`]*\\[A-Za-z][^`]*)`(?!`)", lambda m: f"`{latex_to_text(m.group(1))}`", text)
    text = _ROLE.sub(lambda m: f"`{(m.group(1) or m.group(2) or '').strip().lstrip(chr(92))}`", text)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    text = text.replace("\\*", "*").replace("\\_", "_")
    text = re.sub(r"(?<=`)\\ ?(?=\w)", "", text)  # reST escape after a literal: ``NaN``\s, ``NaN``\ s
    return text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _take_block(lines: list[str], start: int, base: int) -> tuple[list[str], int]:
    """Collect the lines indented deeper than ``base`` from ``start`` (blank lines included)."""
    block: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if line.strip() and _indent(line) <= base:
            break
        block.append(line)
        i += 1
    while block and not block[-1].strip():
        block.pop()
    while block and not block[0].strip():
        block.pop(0)
    if block:
        cut = min(_indent(b) for b in block if b.strip())
        block = [b[cut:] for b in block]
    return block, i


def _fence(block: list[str], lang: str = "") -> list[str]:
    return [f"```{lang}", *block, "```"]


def _math_block(lines: list[str]) -> list[str]:
    text = latex_to_text(" ".join(line.strip() for line in lines), inline=False)
    return _fence(text.split("\n"), "text") if text else []


def split_signature(doc: str) -> tuple[str, str]:
    """``("sum(input, *, dtype=None) -> Tensor", rest)`` when the docstring opens with a
    signature line (as torch's C functions do), else ``("", doc)``."""
    lines = _LINE_BREAK.split(doc.expandtabs(4).strip("\r\n"))
    first = lines[0].strip() if lines else ""
    if _SIGNATURE.match(first) and not first.endswith(("::", ":")):
        return first, "\n".join(lines[1:])
    return "", doc


def _join_wrapped(doc: str) -> str:
    """Put roles and links that wrap across lines back on one line."""
    for pattern in (_MATH_ROLE, _LINK, _ROLE):
        doc = pattern.sub(lambda m: re.sub(r"\s*(?:\r\n|\r|\n)\s*", " ", m.group(0)), doc)
    return doc


def rst_to_markdown(doc: str, *, signature: bool = True) -> str:
    """Markdown for a docstring; ``signature`` puts an opening signature line in a code block."""
    signature, doc = split_signature(_join_wrapped(doc)) if signature else ("", _join_wrapped(doc))
    lines = _LINE_BREAK.split(doc.expandtabs(4))
    out: list[str] = _fence([signature], "python") + [""] if signature else []
    i = 0
    param_indent = -1  # indent of the last "name (type): text" line, for its continuation lines
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        base = _indent(line)
        if not stripped or base <= param_indent:
            param_indent = -1 if stripped else param_indent
        directive = _DIRECTIVE.match(stripped)
        if directive:
            name, arg = directive.group(1).lower(), directive.group(2)
            block, i = _take_block(lines, i + 1, base)
            # drop directive options (":options:" lines at the top of the block)
            while block and re.match(r"^:[\w-]+:", block[0].strip()):
                block.pop(0)
            while block and not block[0].strip():  # the blank line after the options
                block.pop(0)
            if name == "math":
                out.extend(_math_block([arg] if arg else block))
            elif name in _SIGNATURE_DIRECTIVES:
                out.extend(_fence([arg.strip()], "python") if arg.strip() else [])
                out.extend(_inline(b) for b in block)
            elif name in _CODE_DIRECTIVES:
                out.extend(_fence(block, "python"))
            elif name in _ADMONITIONS:
                title = _TITLES.get(name, name.capitalize())
                body = rst_to_markdown("\n".join(block), signature=False).split("\n") if block else []
                if body and not body[0].startswith("```"):
                    arg, body = f"{arg} {body[0]}".strip(), body[1:]
                out.append(f"> **{title}:** {_inline(arg)}".rstrip())
                out.extend(f"> {b}".rstrip() for b in body)
            elif name in ("testsetup", "testcleanup", "image", "figure", "raw", "include", "toctree",
                          "autosummary", "currentmodule", "automodule", "autofunction", "autoclass", "only"):
                pass
            else:
                out.extend(_inline(b) for b in block)
            out.append("")
            continue
        if _COMMENT.match(stripped):  # ".. _label:" targets and ".. comments"
            _, i = _take_block(lines, i + 1, base)
            continue
        if stripped.startswith(">>>"):
            block, i = _take_block(lines, i, base - 1)
            out.extend(_fence(block, "python"))
            continue
        section = _SECTION.match(stripped)
        if section:
            out.append(f"**{section.group(1)}**")
            i += 1
            if section.group(2).strip() == "::":
                block, i = _take_block(lines, i, base)
                out.extend(_fence(block, "python"))
            continue
        if stripped.endswith("::") and not stripped.startswith(".."):
            text = "" if stripped == "::" else stripped[:-1] if not stripped.endswith(" ::") else stripped[:-3]
            if text.strip():
                out.append(_inline(text.rstrip()))
            block, i = _take_block(lines, i + 1, base)
            out.extend(_fence(block, "python" if any(">>>" in b or "torch" in b for b in block) else ""))
            continue
        continuation = 0 <= param_indent < base
        param = _PARAM.match(_inline(stripped)) if base > 0 and not continuation else None
        if param:
            out.append(f"- `{param.group(1).replace('`', '').strip()}`: {param.group(2).strip()}")
            param_indent = base
        elif stripped and base > 0 and out and out[-1].startswith(("- ", "  ")):
            out.append("  " + _inline(stripped))
        else:
            out.append(_inline(stripped) if stripped else "")
        i += 1
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
