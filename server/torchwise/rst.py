"""A small reST-to-Markdown renderer for torch docstrings shown in hovers.

It handles what torch's docstrings use: roles (``:attr:`x```), literal blocks
after ``::``, doctest blocks (``>>>``), directives (``.. note::``,
``.. warning::``, ``.. math::``, ``.. code-block::``), Google-style section
headings (``Args:``) and inline ``\\``-escapes. Unknown constructs pass through
as text, which is still readable.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?([^`<]*?)(?:\s*<([^>]*)>)?`")
_SECTION = re.compile(
    r"^(Args|Arguments|Keyword args|Keyword arguments|Parameters|Returns?|Yields|Raises|"
    r"Example|Examples|Note|Notes|Warning|Shape|Attributes|See also|Reference|References)(\s*::?)\s*$",
    re.IGNORECASE,
)
_DIRECTIVE = re.compile(r"^\.\.\s+([\w-]+)::\s*(.*)$")
_PARAM = re.compile(r"^([\w*][\w*]*(?:\s*\([^)]*\))?)\s*:\s+(.*)$")
_ADMONITIONS = {"note", "warning", "seealso", "deprecated", "versionadded", "versionchanged", "tip", "important"}


def _inline(text: str) -> str:
    text = _ROLE.sub(lambda m: f"`{(m.group(1) or m.group(2) or '').strip()}`", text)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    text = text.replace("\\*", "*").replace("\\_", "_")
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


def rst_to_markdown(doc: str) -> str:
    lines = doc.expandtabs(4).splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        base = _indent(line)
        directive = _DIRECTIVE.match(stripped)
        if directive:
            name, arg = directive.group(1).lower(), directive.group(2)
            block, i = _take_block(lines, i + 1, base)
            # drop directive options (":options:" lines at the top of the block)
            while block and re.match(r"^:[\w-]+:", block[0].strip()):
                block.pop(0)
            if name == "math":
                out.extend(_fence([arg] if arg else block or [""]))
            elif name in ("code-block", "code", "testcode", "doctest"):
                out.extend(_fence(block, "python"))
            elif name in _ADMONITIONS:
                title = {"seealso": "See also", "versionadded": "Added in", "versionchanged": "Changed in"}.get(
                    name, name.capitalize())
                body = " ".join(_inline(b.strip()) for b in block if b.strip())
                out.append(f"> **{title}:** {_inline(arg)} {body}".rstrip())
            else:
                out.extend(_inline(b) for b in block)
            out.append("")
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
                out.extend(_fence([b for b in block], "python"))
            continue
        if stripped.endswith("::") and not stripped.startswith(".."):
            text = stripped[:-1] if not stripped.endswith(" ::") else stripped[:-3]
            if text.strip():
                out.append(_inline(text.rstrip()))
            block, i = _take_block(lines, i + 1, base)
            out.extend(_fence(block, "python" if any(">>>" in b or "torch" in b for b in block) else ""))
            continue
        param = _PARAM.match(_inline(stripped)) if base > 0 else None
        if param:
            out.append(f"- `{param.group(1).replace('`', '').strip()}`: {param.group(2).strip()}")
        elif stripped and base > 0 and out and out[-1].startswith(("- ", "  ")):
            out.append("  " + _inline(stripped))
        else:
            out.append(_inline(stripped) if stripped else "")
        i += 1
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
