"""textDocument/completion: the snippet library as LSP snippet completion items.

VS Code shows ``snippets/*.code-snippets`` natively, so its client turns this off
(``snippets: false``); every other editor gets the same snippets here. Items are
offered only where a statement can start: the text before the word being typed is
indentation, and the line is not inside a string, brackets or a backslash
continuation (``text.python_state``, a small regex scanner over the text above, answers
that, whatever the Python version). They are filtered by the typed prefix (``pt-tr`` keeps
``pt-train-loop``...), and documented with a preview of the code they insert.

When the file already has, say, a model called ``net`` or one DataLoader called
``loader``, a snippet that *uses* ``model``/``train_loader`` gets those names as its
defaults (never one that assigns them). Nothing here imports torch.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Callable

from lsprotocol import types

from torchwise import snippets as snip
from torchwise.analysis import LR_SCHEDULER, MODULE, OPTIMIZER, Analysis, Scope
from torchwise.server import TorchwiseServer
from torchwise.text import UTF16, from_units, python_state, split_lines_full, strip_eol, to_units

# A snippet prefix being typed: identifier characters plus '-' (pt-train-loop).
_WORD = re.compile(r"[A-Za-z_][\w-]*\Z")


def line_start_state(text: str) -> str:
    """Where a line starting right after ``text`` (whole lines) stands: ``"code"`` (a
    statement may start), ``"string"`` (inside a triple-quoted string), ``"bracket"``
    (inside (), [] or {}) or ``"continuation"`` (after a backslash)."""
    depth, quote, continued = python_state(text)
    if quote is not None:
        return "string"
    if depth:
        return "bracket"
    if continued:
        return "continuation"
    return "code"


def statement_word(lines: list[str], line: int, character: int,
                   state: Callable[[str], str] = line_start_state) -> tuple[int, str] | None:
    """If a statement can start at the word before ``(line, character)``, return the
    word's start column and the word (possibly empty); else None. ``state`` is
    :func:`line_start_state` or a cached version of it."""
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    before = text[: max(0, min(character, len(text)))]
    m = _WORD.search(before)
    start = m.start() if m else len(before)
    word = m.group() if m else ""
    if before[:start].strip():
        return None  # after code, a dot, an operator, inside a comment or string on this line
    after = text[len(before):].strip()
    if after and not after.startswith("#"):
        return None  # code follows on this line: a statement inserted here would break it
    if state("\n".join(lines[:line]) + "\n" if line else "") != "code":
        return None
    return start, word


# While typing on one line, the text above it does not change: remember its state
# per document (one entry each, dropped on close).
_STATE_CACHE: dict[str, tuple[str, str]] = {}


def _cached_state(uri: str) -> Callable[[str], str]:
    def state(above: str) -> str:
        cached = _STATE_CACHE.get(uri)
        if cached is not None and cached[0] == above:
            return cached[1]
        result = line_start_state(above)
        _STATE_CACHE[uri] = (above, result)
        return result

    return state


# ---------------------------------------------------------------- default names
_ROLES = ("model", "optimizer", "loss_fn", "scheduler", "scaler", "device", "train_loader", "val_loader")
_VAL_NAME = re.compile(r"val|valid|eval|test|dev", re.I)


def _role(analysis: Analysis, qualname: str, name: str) -> str | None:
    short = qualname.rsplit(".", 1)[-1]
    if qualname == "torch.device":
        return "device"
    if short == "GradScaler":
        return "scaler"
    if analysis.is_subclass(qualname, "torch.utils.data.DataLoader") or qualname == "torch.utils.data.DataLoader":
        return "val_loader" if _VAL_NAME.search(name) else "train_loader"
    if analysis.is_subclass(qualname, LR_SCHEDULER) or short == "ReduceLROnPlateau":
        return "scheduler"
    if analysis.is_subclass(qualname, OPTIMIZER):
        return "optimizer"
    if analysis.is_subclass(qualname, MODULE):
        return "loss_fn" if short.endswith("Loss") else "model"
    return None


def existing_names(analysis: Analysis, line: int) -> dict[str, str]:
    """Role -> the one variable that plays it, visible at ``line`` (1-based); roles
    with no or several candidates are left out."""
    found: dict[str, set[str]] = {}
    scope: Scope | None = analysis.function_scope_at(line)
    seen: set[str] = set()
    while scope is not None:
        if not isinstance(scope.node, ast.ClassDef):
            for name, bindings in scope.bindings.items():
                if name in seen or not any(b.line < line for b in bindings):
                    continue
                seen.add(name)
                if any(b.kind in ("import", "def", "class", "star") for b in bindings):
                    continue
                probe = ast.Name(id=name, ctx=ast.Load(), lineno=line - 1, col_offset=0)
                value = analysis.resolve(probe, scope)
                if value is None or value.kind != "instance":
                    continue
                role = _role(analysis, value.qualname, name)
                if role:
                    found.setdefault(role, set()).add(name)
        scope = scope.parent
    return {role: names.pop() for role, names in found.items() if len(names) == 1}


@lru_cache(maxsize=None)
def _assigned_names(snippet: snip.Snippet) -> frozenset[str]:
    """Names a snippet binds itself (their defaults are never renamed)."""
    try:
        tree = ast.parse(snippet.expand())
    except SyntaxError:
        return frozenset()
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    stored |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    stored |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    return frozenset(stored)


# ---------------------------------------------------------------- items


def _client_support(ls: TorchwiseServer) -> tuple[bool, bool]:
    """(snippet syntax supported, adjustIndentation supported) per the client's capabilities."""
    snippet_ok, adjust_ok = True, False
    try:
        caps = ls.client_capabilities.text_document.completion.completion_item  # type: ignore[union-attr]
        if caps is not None:
            snippet_ok = bool(caps.snippet_support)
            modes = caps.insert_text_mode_support
            adjust_ok = bool(modes and types.InsertTextMode.AdjustIndentation in modes.value_set)
        else:
            snippet_ok = False
    except AttributeError:
        snippet_ok = False
    return snippet_ok, adjust_ok


def _indent(text: str, indentation: str) -> str:
    if not indentation:
        return text
    return "\n".join((indentation + line) if i and line else line for i, line in enumerate(text.split("\n")))


def snippet_items(ls: TorchwiseServer, uri: str, position: types.Position) -> list[types.CompletionItem]:
    if not ls.options.snippets:
        return []
    try:
        document = ls.workspace.get_text_document(uri)
        source = document.source
    except Exception as exc:
        ls.log(f"completion: cannot read {uri}: {exc}", types.MessageType.Warning)
        return []
    language = getattr(document, "language_id", None) or "python"
    lines = [strip_eol(line) for line in split_lines_full(source)]
    encoding = getattr(document, "encoding", UTF16)
    current = lines[position.line] if 0 <= position.line < len(lines) else ""
    col = from_units(current, position.character, encoding)
    found = statement_word(lines, position.line, col, state=_cached_state(uri))
    if found is None:
        return []
    start, word = found
    start_units = to_units(current, start, encoding)
    typed = word.lower()
    # (snippet, its prefixes that the typed word starts): the one prefix filter
    library = [(s, matching) for s in snip.default_snippets() if s.applies_to(language)
               for matching in [[p for p in s.prefixes if p.lower().startswith(typed)]] if matching]
    if not library:
        return []

    renames: dict[str, str] = {}
    try:
        notebooks = getattr(ls, "notebooks", None)
        view = notebooks.cell_view(uri) if notebooks is not None else None  # a cell sees the cells above
        # (a large file is not parsed on the event loop)
        analysis, offset, _ = view if view is not None else (ls.analysis(uri, small_only=True), 0, 0)
        if analysis is not None:
            renames = {role: name for role, name in existing_names(analysis, position.line + 1 + offset).items()
                       if role != name}
    except Exception as exc:  # a guess that fails must not cost the completion
        ls.log(f"completion: name look-up failed for {uri}: {exc!r}", types.MessageType.Warning)

    snippet_ok, adjust_ok = _client_support(ls)
    line_text = lines[position.line] if position.line < len(lines) else ""
    indentation = line_text[: len(line_text) - len(line_text.lstrip())][:start]
    variables = snip.variables_for(document.path if hasattr(document, "path") else None)
    edit_range = types.Range(start=types.Position(line=position.line, character=start_units), end=position)
    items: list[types.CompletionItem] = []
    for s, matching in library:
        own = _assigned_names(s)
        mapping = {role: name for role, name in renames.items() if role not in own and name not in own}
        nodes = snip.resolve_variables(s.nodes, variables)
        if mapping:
            nodes = snip.rename_defaults(nodes, mapping)
        preview = snip.expand(nodes)
        text = snip.to_source(nodes) if snippet_ok else preview
        if not adjust_ok:
            text = _indent(text, indentation)
        for prefix in matching:
            items.append(types.CompletionItem(
                label=prefix,
                label_details=types.CompletionItemLabelDetails(description=s.name),
                kind=types.CompletionItemKind.Snippet,
                detail=s.description,
                documentation=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                  value=f"{s.name}\n\n```python\n{preview}\n```"),
                filter_text=prefix,
                sort_text=prefix,
                insert_text_format=types.InsertTextFormat.Snippet if snippet_ok else types.InsertTextFormat.PlainText,
                insert_text_mode=types.InsertTextMode.AdjustIndentation if adjust_ok else None,
                text_edit=types.TextEdit(range=edit_range, new_text=text),
            ))
    return items


def register(server: TorchwiseServer) -> None:
    def forget(event: str, uri: str) -> None:
        if event == "close":
            _STATE_CACHE.pop(uri, None)

    server.document_listeners.append(forget)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(resolve_provider=False))
    def completion(ls: TorchwiseServer, params: types.CompletionParams) -> types.CompletionList:
        try:
            items = snippet_items(ls, params.text_document.uri, params.position)
        except Exception as exc:  # one clear line; the server keeps serving
            ls.log(f"completion failed for {params.text_document.uri}: {exc!r}", types.MessageType.Error)
            items = []
        return types.CompletionList(is_incomplete=False, items=items)
