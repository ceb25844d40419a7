"""The snippet library: loading ``snippets/*.code-snippets``, checking their format,
and working with VS Code's snippet syntax.

The JSON files are the single source: VS Code reads them natively (``package.json``
contributes them) and the language server turns them into completion items for
every other editor. The syntax handled here is VS Code's (a superset of the LSP
snippet grammar):

* tab stops ``$1`` / ``${1}``, placeholders ``${1:default}`` (nestable), choices
  ``${1|one,two|}``, the final cursor ``$0``; a repeated index mirrors the first;
* variables ``$TM_FILENAME`` / ``${TM_FILENAME:default}``;
* transforms ``${1/regex/format/flags}`` (parsed; expanded with group references);
* escapes ``\\$``, ``\\}`` and ``\\\\`` in text, plus ``\\,`` and ``\\|`` in choices.

Pure stdlib; nothing here imports torch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Union

from torchwise.resources import data_dir

# ----------------------------------------------------------------------------- syntax tree


@dataclass
class Text:
    value: str


@dataclass
class TabStop:
    """``$n``, ``${n}``, ``${n:children}``, ``${n|choices|}`` or ``${n/re/fmt/flags}``."""

    index: int
    children: list["Node"] | None = None  # a placeholder's default (None: bare tab stop)
    choices: list[str] | None = None
    transform: tuple[str, str, str] | None = None


@dataclass
class Variable:
    """``$NAME``, ``${NAME}``, ``${NAME:children}`` or ``${NAME/re/fmt/flags}``."""

    name: str
    children: list["Node"] | None = None
    transform: tuple[str, str, str] | None = None


Node = Union[Text, TabStop, Variable]

_INT = re.compile(r"\d+")
_VAR = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


class SnippetSyntaxError(ValueError):
    pass


class _Parser:
    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    def parse(self) -> list[Node]:
        nodes = self._any(stop_at_brace=False)
        if self.i != len(self.s):  # pragma: no cover - _any consumes everything at top level
            raise SnippetSyntaxError(f"unexpected {self.s[self.i]!r} at {self.i}")
        return nodes

    # Text runs until '$' starts a construct, or '}' closes the enclosing placeholder.
    def _any(self, stop_at_brace: bool) -> list[Node]:
        nodes: list[Node] = []
        text: list[str] = []

        def flush() -> None:
            if text:
                nodes.append(Text("".join(text)))
                text.clear()

        s = self.s
        while self.i < len(s):
            ch = s[self.i]
            if ch == "\\" and self.i + 1 < len(s) and s[self.i + 1] in "$}\\":
                text.append(s[self.i + 1])
                self.i += 2
            elif ch == "}" and stop_at_brace:
                break
            elif ch == "$":
                node = self._dollar()
                if node is None:  # not a construct: a literal '$'
                    text.append("$")
                    self.i += 1
                else:
                    flush()
                    nodes.append(node)
            else:
                text.append(ch)
                self.i += 1
        flush()
        return nodes

    def _dollar(self) -> Node | None:
        s, start = self.s, self.i
        j = start + 1
        m = _INT.match(s, j)
        if m:
            self.i = m.end()
            return TabStop(int(m.group()))
        m = _VAR.match(s, j)
        if m:
            self.i = m.end()
            return Variable(m.group())
        if j < len(s) and s[j] == "{":
            j += 1
            m = _INT.match(s, j) or _VAR.match(s, j)
            if not m:
                return None
            is_index = m.group()[0].isdigit()
            name = m.group()
            j = m.end()
            if j >= len(s):
                raise SnippetSyntaxError(f"unclosed '${{' at {start}")
            ch = s[j]
            if ch == "}":
                self.i = j + 1
                return TabStop(int(name)) if is_index else Variable(name)
            if ch == ":":
                self.i = j + 1
                children = self._any(stop_at_brace=True)
                if self.i >= len(s) or s[self.i] != "}":
                    raise SnippetSyntaxError(f"unclosed placeholder at {start}")
                self.i += 1
                return TabStop(int(name), children=children) if is_index else Variable(name, children=children)
            if ch == "|" and is_index:
                choices, j = self._choices(j + 1, start)
                self.i = j
                return TabStop(int(name), choices=choices)
            if ch == "/":
                transform, j = self._transform(j + 1, start)
                self.i = j
                return TabStop(int(name), transform=transform) if is_index else Variable(name, transform=transform)
            raise SnippetSyntaxError(f"unexpected {ch!r} after '${{{name}' at {start}")
        return None

    def _choices(self, j: int, start: int) -> tuple[list[str], int]:
        s = self.s
        choices: list[str] = []
        current: list[str] = []
        while j < len(s):
            ch = s[j]
            if ch == "\\" and j + 1 < len(s) and s[j + 1] in ",|\\$}":
                current.append(s[j + 1])
                j += 2
            elif ch == ",":
                choices.append("".join(current))
                current = []
                j += 1
            elif ch == "|":
                if j + 1 < len(s) and s[j + 1] == "}":
                    choices.append("".join(current))
                    return choices, j + 2
                raise SnippetSyntaxError(f"choice at {start}: '|' must be followed by '}}'")
            else:
                current.append(ch)
                j += 1
        raise SnippetSyntaxError(f"unclosed choice at {start}")

    def _transform(self, j: int, start: int) -> tuple[tuple[str, str, str], int]:
        s = self.s
        parts: list[str] = []
        current: list[str] = []
        while j < len(s):
            ch = s[j]
            if ch == "\\" and j + 1 < len(s):
                current.append(s[j : j + 2] if s[j + 1] != "/" else "/")
                j += 2
            elif ch == "/" and len(parts) < 2:
                parts.append("".join(current))
                current = []
                j += 1
            elif ch == "}" and len(parts) == 2:
                return (parts[0], parts[1], "".join(current)), j + 1
            else:
                current.append(ch)
                j += 1
        raise SnippetSyntaxError(f"unclosed transform at {start}")


def parse(body: str) -> list[Node]:
    """Parse a snippet body; raises SnippetSyntaxError on malformed constructs."""
    return _Parser(body).parse()


# ----------------------------------------------------------------------------- serializing


def escape_text(value: str, in_placeholder: bool = True) -> str:
    """Escape literal text so a snippet parser reads it back unchanged (``}`` needs it
    only inside a placeholder)."""
    value = value.replace("\\", "\\\\").replace("$", "\\$")
    return value.replace("}", "\\}") if in_placeholder else value


def _escape_choice(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|").replace("$", "\\$").replace("}", "\\}")


def to_source(nodes: Iterable[Node], _nested: bool = False) -> str:
    """Serialize a syntax tree back to snippet text (LSP-compatible when free of variables)."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(escape_text(node.value, in_placeholder=_nested))
            continue
        head = str(node.index) if isinstance(node, TabStop) else node.name
        if isinstance(node, TabStop) and node.choices is not None:
            out.append("${%s|%s|}" % (head, ",".join(_escape_choice(c) for c in node.choices)))
        elif node.transform is not None:
            out.append("${%s/%s/%s/%s}" % ((head,) + node.transform))
        elif node.children is not None:
            out.append("${%s:%s}" % (head, to_source(node.children, _nested=True)))
        else:
            out.append("${%s}" % head)
    return "".join(out)


# ----------------------------------------------------------------------------- expanding


def _apply_transform(value: str, transform: tuple[str, str, str]) -> str:
    pattern, fmt, flags = transform
    re_flags = (re.IGNORECASE if "i" in flags else 0) | (re.MULTILINE if "m" in flags else 0)
    # format: $n / ${n} group references (case modifiers and conditionals reduced to the group)
    replacement = re.sub(r"\$(\d+)|\$\{(\d+)(?::[^}]*)?\}", lambda m: "\\g<%s>" % (m.group(1) or m.group(2)), fmt)
    try:
        return re.sub(pattern, replacement, value, count=0 if "g" in flags else 1, flags=re_flags)
    except (re.error, IndexError):
        return value


def default_values(nodes: list[Node], variables: dict[str, str] | None = None) -> dict[int, str]:
    """The text each tab stop gets when accepted with defaults: the first placeholder or
    choice that defines it wins; mirrors copy it."""
    values: dict[int, str] = {}

    def visit(seq: list[Node]) -> None:
        for node in seq:
            if isinstance(node, TabStop) and node.index not in values:
                if node.choices is not None:
                    values[node.index] = node.choices[0] if node.choices else ""
                elif node.children is not None:
                    values[node.index] = _expand(node.children, values, variables or {}, defer=True)
            if getattr(node, "children", None):
                visit(node.children)  # type: ignore[arg-type]

    visit(nodes)
    return values


def _expand(nodes: list[Node], values: dict[int, str], variables: dict[str, str], defer: bool = False) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, TabStop):
            if node.children is not None and node.index not in values:
                text = _expand(node.children, values, variables, defer)
            else:
                text = values.get(node.index, "")
            if node.transform is not None:
                text = _apply_transform(text, node.transform)
            out.append(text)
        else:  # Variable
            known = variables.get(node.name)
            if known:
                text = known
            elif node.children is not None:
                text = _expand(node.children, values, variables, defer)
            else:
                text = "" if node.name in variables else node.name  # VS Code inserts an unknown name
            if node.transform is not None:
                text = _apply_transform(text, node.transform)
            out.append(text)
    return "".join(out)


def expand(body: str | list[Node], variables: dict[str, str] | None = None,
           values: dict[int, str] | None = None) -> str:
    """The text a snippet inserts when every tab stop keeps its default (or takes the
    text given in ``values``, by tab-stop index)."""
    nodes = parse(body) if isinstance(body, str) else body
    variables = variables or {}
    return _expand(nodes, {**default_values(nodes, variables), **(values or {})}, variables)


def choices(nodes: list[Node]) -> dict[int, list[str]]:
    """Tab-stop index -> the options of its choice, for every choice in the snippet."""
    found: dict[int, list[str]] = {}
    for node in nodes:
        if isinstance(node, TabStop) and node.choices is not None:
            found.setdefault(node.index, node.choices)
        if getattr(node, "children", None):
            for index, options in choices(node.children).items():  # type: ignore[arg-type]
                found.setdefault(index, options)
    return found


def resolve_variables(nodes: list[Node], variables: dict[str, str]) -> list[Node]:
    """Replace every variable by its value (or default) so that clients which do not
    know VS Code's variables get plain LSP snippet syntax."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Variable):
            value = variables.get(node.name)
            if value:
                if node.transform is not None:
                    value = _apply_transform(value, node.transform)
                out.append(Text(value))
            elif node.children is not None:
                out.extend(resolve_variables(node.children, variables))
            elif node.name not in variables:
                out.append(Text(node.name))
        elif isinstance(node, TabStop) and node.children is not None:
            out.append(TabStop(node.index, children=resolve_variables(node.children, variables),
                               transform=node.transform))
        else:
            out.append(node)
    return _merge_text(out)


def rename_defaults(nodes: list[Node], renames: dict[str, str]) -> list[Node]:
    """Replace placeholder defaults that are exactly a key of ``renames`` (``${2:model}``
    with ``{"model": "net"}`` becomes ``${2:net}``)."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, TabStop) and node.children is not None:
            children = node.children
            if len(children) == 1 and isinstance(children[0], Text) and children[0].value in renames:
                children = [Text(renames[children[0].value])]
            else:
                children = rename_defaults(children, renames)
            out.append(TabStop(node.index, children=children, transform=node.transform))
        else:
            out.append(node)
    return out


def _merge_text(nodes: list[Node]) -> list[Node]:
    merged: list[Node] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].value + node.value)
        else:
            merged.append(node)
    return merged


def variables_for(path: str | None) -> dict[str, str]:
    """Values of the file-related VS Code variables for a document path (others are empty)."""
    import datetime
    import os

    now = datetime.datetime.now()
    values = {
        "TM_SELECTED_TEXT": "", "TM_CURRENT_LINE": "", "TM_CURRENT_WORD": "", "TM_LINE_INDEX": "0",
        "TM_LINE_NUMBER": "1", "CLIPBOARD": "", "WORKSPACE_NAME": "", "WORKSPACE_FOLDER": "",
        "CURRENT_YEAR": f"{now.year}", "CURRENT_YEAR_SHORT": f"{now.year % 100:02d}",
        "CURRENT_MONTH": f"{now.month:02d}", "CURRENT_DATE": f"{now.day:02d}",
        "CURRENT_HOUR": f"{now.hour:02d}", "CURRENT_MINUTE": f"{now.minute:02d}",
        "CURRENT_SECOND": f"{now.second:02d}", "LINE_COMMENT": "#", "BLOCK_COMMENT_START": '"""',
        "BLOCK_COMMENT_END": '"""',
        "TM_FILENAME": "", "TM_FILENAME_BASE": "", "TM_DIRECTORY": "", "TM_FILEPATH": "", "RELATIVE_FILEPATH": "",
    }
    if path:
        name = os.path.basename(path)
        values.update(
            TM_FILENAME=name, TM_FILENAME_BASE=name.rsplit(".", 1)[0] if "." in name else name,
            TM_DIRECTORY=os.path.dirname(path), TM_FILEPATH=path, RELATIVE_FILEPATH=name,
        )
    return values


# ----------------------------------------------------------------------------- the library


@dataclass(frozen=True)
class Snippet:
    name: str  # the key in the JSON file
    prefixes: tuple[str, ...]
    body: str  # lines joined with "\n"
    description: str
    scope: str | None = None
    source: str = ""  # file name
    nodes: list[Node] = field(default_factory=list, compare=False, repr=False, hash=False)

    @property
    def prefix(self) -> str:
        return self.prefixes[0]

    def expand(self, variables: dict[str, str] | None = None) -> str:
        return expand(self.nodes, variables)

    def applies_to(self, language_id: str) -> bool:
        if not self.scope:
            return True
        return language_id in {s.strip() for s in self.scope.split(",")}


_ALLOWED_KEYS = {"prefix", "body", "description", "scope", "isFileTemplate", "include", "exclude"}


def validate(data: object, source: str = "<snippets>") -> list[str]:
    """Check a parsed ``.code-snippets`` document against VS Code's snippet format;
    returns one problem per line (empty when valid)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return [f"{source}: the top level must be an object of named snippets"]
    for name, entry in data.items():
        where = f"{source}: snippet {name!r}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be an object")
            continue
        for key in entry:
            if key not in _ALLOWED_KEYS:
                problems.append(f"{where} has an unknown key {key!r}")
        prefix = entry.get("prefix")
        if isinstance(prefix, str):
            prefixes = [prefix]
        elif isinstance(prefix, list) and prefix and all(isinstance(p, str) for p in prefix):
            prefixes = prefix
        else:
            problems.append(f"{where}: 'prefix' must be a string or a non-empty list of strings")
            prefixes = []
        if any(not p.strip() or any(c.isspace() for c in p) for p in prefixes):
            problems.append(f"{where}: prefixes must be non-empty and without spaces")
        body = entry.get("body")
        if isinstance(body, str):
            text = body
        elif isinstance(body, list) and body and all(isinstance(line, str) for line in body):
            text = "\n".join(body)
        else:
            problems.append(f"{where}: 'body' must be a string or a non-empty list of strings")
            text = None
        if text is not None:
            try:
                parse(text)
            except SnippetSyntaxError as exc:
                problems.append(f"{where}: body: {exc}")
        if not isinstance(entry.get("description"), str) or not entry["description"].strip():
            problems.append(f"{where}: 'description' must be a non-empty string")
        if "scope" in entry and not isinstance(entry["scope"], str):
            problems.append(f"{where}: 'scope' must be a string of comma-separated language ids")
    return problems


def load_file(path: Path) -> list[Snippet]:
    """Load one ``.code-snippets`` file; raises ValueError listing the problems found."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read snippets: {exc}") from exc
    problems = validate(data, path.name)
    if problems:
        raise ValueError("; ".join(problems))
    snippets = []
    for name, entry in data.items():
        body = entry["body"] if isinstance(entry["body"], str) else "\n".join(entry["body"])
        prefixes = (entry["prefix"],) if isinstance(entry["prefix"], str) else tuple(entry["prefix"])
        snippets.append(Snippet(name=name, prefixes=prefixes, body=body, description=entry["description"],
                                scope=entry.get("scope"), source=path.name, nodes=parse(body)))
    return snippets


def load_snippets(directory: Path | None = None) -> list[Snippet]:
    """All snippets of ``directory`` (default: the shipped ``snippets/``), sorted by prefix."""
    directory = directory or data_dir("snippets")
    snippets: list[Snippet] = []
    for path in sorted(directory.glob("*.code-snippets")):
        snippets.extend(load_file(path))
    return sorted(snippets, key=lambda s: s.prefix)


@lru_cache(maxsize=1)
def default_snippets() -> tuple[Snippet, ...]:
    return tuple(load_snippets())
