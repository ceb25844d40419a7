"""textDocument/hover: knowledge for the PyTorch name under the cursor.

The name is resolved statically by the shared analysis (imports, aliases,
inferred instances, ``self.`` attributes). Knowledge-base entries are rendered
as Markdown; torch names the knowledge base lacks get their runtime docstring
from the workspace interpreter (never waited on for long); everything else
answers ``null`` fast.
"""

from __future__ import annotations

import ast
import asyncio
import re
from functools import lru_cache

from lsprotocol import types

from torchwise.analysis import LOCAL, Analysis, Value, dotted_name_at
from torchwise.jedi_fallback import JediFallback, uri_to_path, workspace_root
from torchwise.knowledge import Entry, KnowledgeBase
from torchwise.project.layers import describe_module
from torchwise.rst import rst_to_markdown, split_signature
from torchwise.runtime_docs import MISSING, RuntimeDocs
from torchwise.server import TorchwiseServer

TORCH_ROOTS = ("torch", "torchvision", "torchaudio")
PREFETCH_LIMIT = 5000  # distinct names per document resolved for runtime-docs prefetch
RUNTIME_WAIT_S = 0.25  # the longest a hover waits for a runtime docstring
_NOQA = re.compile(r"#\s*noqa\s*:\s*(.*)$", re.IGNORECASE)


def _is_torch(qualname: str) -> bool:
    return qualname.split(".", 1)[0] in TORCH_ROOTS


# ------------------------------------------------------------------ rendering
def _signature_line(entry: Entry, shown: str) -> str:
    signature = entry.signature
    prefix = {"class": "class ", "module": "module ", "method": "(method) ", "property": "(property) ",
              "attribute": "(attribute) ", "constant": "(constant) "}.get(entry.kind, "")
    if not signature:
        return f"{prefix}{shown}"
    short = shown.rsplit(".", 1)[-1]
    own = entry.name.rsplit(".", 1)[-1]
    owner_short = ".".join(entry.name.rsplit(".", 2)[-2:])  # "Optimizer.zero_grad"
    if signature.startswith(owner_short + "("):  # drop the owner, keep the entry's own name
        signature = signature[len(owner_short) - len(own):]
    if signature.startswith(short) or signature.startswith(own):
        signature = signature[signature.index("(") :] if "(" in signature.split("->")[0] else ""
        return f"{prefix}{shown}{signature}"
    return f"{prefix}{shown}: {signature}" if entry.kind in ("property", "attribute", "constant") else f"{prefix}{signature}"


def _rule_labels(rules: tuple[str, ...]) -> list[str]:
    from torchwise.lint.engine import get_rule

    labels = []
    for name in rules:
        rule = get_rule(name)
        labels.append(f"[`{rule.code}` {name}]({rule.url})" if rule else f"`{name}`")
    return labels


@lru_cache(maxsize=2048)
def render_entry(entry: Entry, shown: str, variable: str = "") -> str:
    parts: list[str] = []
    if variable:
        parts.append(f"```python\n(variable) {variable}: {shown}\n```")
    parts.append(f"```python\n{_signature_line(entry, entry.name if variable else shown)}\n```")
    if shown != entry.name and not variable:
        parts.append(f"*Defined on* `{entry.name}`")
    parts.append(entry.summary)
    if entry.shapes:
        rows = [f"- `{s.name}`: `{s.shape}`" + (f" — {s.note}" if s.note else "") for s in entry.shapes]
        parts.append("**Shapes**\n" + "\n".join(rows))
    if entry.pitfalls and not variable:
        parts.append("**Pitfalls**\n" + "\n".join(f"- {p}" for p in entry.pitfalls))
    if entry.example and not variable:
        parts.append(f"**Example**\n```python\n{entry.example}\n```")
    if entry.rules and not variable:
        parts.append("**Lint rules:** " + ", ".join(_rule_labels(entry.rules)))
    if entry.related and not variable:
        parts.append("**See also:** " + ", ".join(f"`{r}`" for r in entry.related))
    parts.append(f"[PyTorch docs]({entry.docs})")
    return "\n\n".join(parts)


def render_runtime(qualname: str, doc: dict, variable: str = "") -> str:
    head = f"(variable) {variable}: {qualname}" if variable else qualname
    signature = doc.get("signature") or ""
    kind = doc.get("kind")
    prefix = "class " if kind == "class" else ""
    text = doc.get("doc") or ""
    opening, rest = split_signature(text)
    name = opening.split("(", 1)[0].rsplit(".", 1)[-1]
    if opening and not signature and name in (qualname.rsplit(".", 1)[-1], "__init__"):
        # C functions carry their signature as the docstring's first line: show it in the header
        signature, text = opening[len(opening.split("(", 1)[0]):], rest
    body = rst_to_markdown(text)
    if len(body) > 6000:
        body = body[:6000].rsplit("\n", 1)[0] + "\n\n*…docstring truncated*"
    first = f"```python\n{prefix}{head}{signature if not variable else ''}\n```"
    note = f"*Runtime docstring from the installed torch{(' ' + doc['torch']) if doc.get('torch') else ''}.*"
    return "\n\n".join(p for p in (first, body, note) if p)


def render_loading(qualname: str) -> str:
    return f"```python\n{qualname}\n```\n\n*Loading the docstring from the workspace's torch…*"


# ------------------------------------------------------------------ resolution
def target_at(analysis: Analysis, line: int, col: int) -> tuple[Value, tuple[int, int, int, int], str] | None:
    """What the cursor (1-based line, 0-based str column) is on: its Value, the
    range (line, col, end_line, end_col) it covers, and a variable name if it is one."""
    node = analysis.node_at(line, col)
    if node is not None and line not in analysis.repaired_lines:
        if isinstance(node, ast.alias):
            qualname = analysis.alias_qualname(node)
            if not qualname:
                return None
            start = analysis.char_col(line, node.col_offset)
            end = analysis.char_col(line, node.end_col_offset or node.col_offset)
            return Value("symbol", qualname), (line, start, line, end), ""
        value = analysis.resolve(node)
        if value is None:
            return None
        if isinstance(node, ast.Attribute):
            end = analysis.char_col(line, node.end_col_offset or 0)
            span = (line, end - len(node.attr), line, end)
        else:
            span = (line, analysis.char_col(line, node.col_offset), line,
                    analysis.char_col(line, node.end_col_offset or 0))
        variable = node.id if isinstance(node, ast.Name) and value.kind == "instance" else ""
        return value, span, variable
    # The line did not parse (half-typed code): resolve the dotted name textually.
    if line not in analysis.repaired_lines or not 1 <= line <= len(analysis.lines):
        return None
    found = dotted_name_at(analysis.lines[line - 1], col)
    if found is None:
        return None
    text, start, end = found
    head, *rest = text.split(".")
    value = analysis.resolve_name(head, analysis.function_scope_at(line), line)
    for attr in rest:
        if value is None:
            return None
        value = analysis.member(value, attr)
    if value is None:
        return None
    word_start = start + text.rfind(".") + 1 if rest else start
    return value, (line, word_start, line, end), ""


def _entry_for(server: TorchwiseServer, value: Value, analysis: Analysis) -> tuple[Entry | None, str]:
    kb = server.knowledge
    qualname = value.qualname
    entry = kb.get(qualname)
    if entry is None and value.kind == "symbol" and "." in qualname:
        # a method reached through a subclass: Sequential.eval -> Module.eval
        owner, _, attr = qualname.rpartition(".")
        if owner.rsplit(".", 1)[-1][:1].isupper():
            for klass in analysis.mro(owner)[1:]:
                entry = kb.get(f"{klass}.{attr}")
                if entry is not None:
                    break
    return entry, qualname


# ------------------------------------------------------------------ handler
def register(server: TorchwiseServer) -> None:
    docs: dict[str, RuntimeDocs] = {}

    def runtime_docs(ls: TorchwiseServer) -> RuntimeDocs | None:
        if not ls.options.runtime_docs:
            return None
        interpreter = ls.options.interpreter
        if interpreter not in docs:
            for old in docs.values():
                asyncio.ensure_future(old.close())
            docs.clear()
            docs[interpreter] = RuntimeDocs(interpreter, lambda msg: ls.log(msg, types.MessageType.Warning))
        return docs[interpreter]

    async def close_docs() -> None:
        for worker in docs.values():
            await worker.close()

    server.shutdown_listeners.append(close_docs)
    jedi = JediFallback()

    def _prefetch(analysis: Analysis) -> None:
        worker = runtime_docs(server)
        if worker is None:
            return
        names: set[str] = set()
        seen: set[tuple[int, str]] = set()
        for node, scope in analysis.indexed_nodes():
            if isinstance(node, ast.alias) or len(seen) > PREFETCH_LIMIT:
                continue
            key = (id(scope), analysis.lines[node.lineno - 1][node.col_offset:node.end_col_offset]
                   if isinstance(node, ast.Attribute) and node.end_lineno == node.lineno
                   else getattr(node, "id", "") or str(id(node)))
            if key in seen:
                continue
            seen.add(key)
            value = analysis.resolve(node, scope)
            if value is not None and value.kind == "symbol" and _is_torch(value.qualname):
                if _entry_for(server, value, analysis)[0] is None:
                    names.add(value.qualname)
        if names:
            worker.prefetch(sorted(names))

    def schedule_prefetch(event: str, uri: str) -> None:
        if event in ("open", "save"):
            asyncio.get_running_loop().call_later(0.3, prefetch, event, uri)

    def prefetch(event: str, uri: str) -> None:
        if not server.is_open(uri):  # closed in the meantime: never read it from disk
            return
        # never parse a large file here, on the event loop
        analysis = server.cached_analysis(uri) or server.analysis(uri, small_only=True)
        if analysis is not None:
            _prefetch(analysis)

    server.document_listeners.append(schedule_prefetch)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: TorchwiseServer, params: types.HoverParams) -> types.Hover | None:
        try:
            return await _hover(ls, params)
        except RecursionError:  # pathological nesting the analysis did not catch
            ls.log(f"hover: code too deeply nested at {params.text_document.uri}:"
                   f"{params.position.line + 1}", types.MessageType.Warning)
            return None

    async def _hover(ls: TorchwiseServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        notebooks = getattr(ls, "notebooks", None)
        document = ls.workspace.get_text_document(uri)
        position = document.position_from_client_units(params.position)
        view = notebooks.cell_view(uri, position.line) if notebooks is not None else None
        dedent = 0  # a notebook cell whose indentation IPython takes off: columns less that
        if view is not None:
            analysis, offset, dedent = view  # a notebook cell: the notebook's analysis, offset to the cell's first line
        else:
            if not ls.is_open(uri):
                return None
            analysis, offset = await ls.analysis_async(uri, position.line + 1), 0
        if analysis is None:
            return None
        line, col = position.line + 1 + offset, max(0, position.character - dedent)

        rule_hover = _rule_code_hover(analysis, line, col)
        if rule_hover is not None:
            return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=rule_hover))

        live = await live_hover(ls, analysis, line, col)
        knowledge = await _knowledge_hover(ls, jedi, analysis, uri, line, col, offset, dedent)
        if live is None:
            return knowledge
        from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

        text, (l0, c0, l1, c1) = live
        if knowledge is not None:
            text += "\n\n---\n\n" + knowledge.contents.value
        rng = document.range_to_client_units(
            ServerTextRange(ServerTextPosition(l0 - 1 - offset, c0 + dedent), ServerTextPosition(l1 - 1 - offset, c1 + dedent))
        )
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=rng)

    async def _knowledge_hover(ls: TorchwiseServer, jedi: JediFallback, analysis: Analysis, uri: str,
                               line: int, col: int, offset: int = 0, dedent: int = 0) -> types.Hover | None:
        """The knowledge hover; ``offset`` and ``dedent`` map a notebook's module lines and
        columns back to the cell's."""
        document = ls.workspace.get_text_document(uri)
        target = target_at(analysis, line, col)
        if target is None:
            target = await _jedi_target(ls, jedi, analysis, uri, line, col)
        if target is None:
            return None
        value, (l0, c0, l1, c1), variable = target
        if value.qualname.startswith(LOCAL) or not _is_torch(value.qualname):
            # the user's own nn.Module subclasses get their layers; other user names nothing
            text = describe_module(analysis, value, variable)
        else:
            text = await _torch_text(ls, runtime_docs(ls), value, analysis, variable)
        if text is None:
            return None
        from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

        rng = document.range_to_client_units(
            ServerTextRange(ServerTextPosition(l0 - 1 - offset, c0 + dedent), ServerTextPosition(l1 - 1 - offset, c1 + dedent))
        )
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=rng)


async def _torch_text(ls: TorchwiseServer, worker: RuntimeDocs | None, value: Value, analysis: Analysis,
                      variable: str) -> str | None:
    """The knowledge-base entry, else the runtime docstring (briefly waited on), of a torch name."""
    entry, qualname = _entry_for(ls, value, analysis)
    if entry is not None:
        return render_entry(entry, qualname, variable)
    doc = await worker.lookup(qualname, RUNTIME_WAIT_S) if worker is not None else None
    if isinstance(doc, dict):
        doc = {**doc, "torch": worker.torch_version if worker else None}
        return render_runtime(qualname, doc, variable)
    if doc is MISSING or worker is None or worker.state == "failed":
        return None
    return render_loading(qualname)


async def live_hover(ls: TorchwiseServer, analysis: Analysis, line: int, col: int):
    """The kernel's live summary of the module-level name under the cursor, with its range
    (1-based lines, str columns), or None. Asks the kernel only when one is running."""
    session = getattr(ls, "kernel_session", None)
    if session is None or session.proc is None or not ls.options.trusted:
        return None
    node = analysis.node_at(line, col)
    if not isinstance(node, ast.Name):
        return None
    scope = analysis.scope_of(node)
    if scope is not analysis.module_scope and node.id in scope.bindings:
        return None  # a function's local: not what the kernel holds under that name
    from torchwise.kernel.live import render

    entry = await session.live.summary(node.id, lambda names: session.query("describe", names=names))
    if not entry:
        return None
    record = session.live.producer(node.id)
    stale = session.live.stale(record, lambda path: _open_text(ls, path))
    c0 = analysis.char_col(node.lineno, node.col_offset)
    c1 = analysis.char_col(node.end_lineno or node.lineno, node.end_col_offset or node.col_offset)
    return render(node.id, entry, record, stale), (node.lineno, c0, node.end_lineno or node.lineno, c1)


def _open_text(ls: TorchwiseServer, path: str) -> str | None:
    """The current text of the open document at file ``path`` (None when it is not open)."""
    import os
    from urllib.parse import unquote

    from pygls.uris import to_fs_path

    document = ls.workspace.text_documents.get(unquote(path))  # runs name cells by uri (pygls unquotes it)
    if document is not None:
        return document.source
    for uri, document in list(ls.workspace.text_documents.items()):
        candidate = to_fs_path(uri) if uri.startswith("file:") else uri
        if candidate == path or (candidate and os.path.normcase(candidate) == os.path.normcase(path)):
            return document.source
    return None


@lru_cache(maxsize=4)
def _member_names(kb: KnowledgeBase) -> frozenset[str]:
    """Attribute names that torch classes have, per the knowledge base."""
    return frozenset(e.name.rsplit(".", 1)[-1] for e in kb.entries if e.kind in ("method", "property", "attribute"))


def canonical_name(kb: KnowledgeBase, full_name: str) -> str:
    """``torch.nn.modules.module.Module.train`` -> ``torch.nn.Module.train`` (via entry aliases)."""
    entry = kb.get(full_name)
    if entry is not None:
        return entry.name
    owner, _, attr = full_name.rpartition(".")
    owner_entry = kb.get(owner)
    return f"{owner_entry.name}.{attr}" if owner_entry is not None and attr else full_name


async def _jedi_target(ls: TorchwiseServer, jedi: JediFallback, analysis: Analysis, uri: str,
                       line: int, col: int) -> tuple[Value, tuple[int, int, int, int], str] | None:
    """Ask jedi about an attribute the static analysis could not place (other files, returns)."""
    node = analysis.node_at(line, col)
    if not isinstance(node, ast.Attribute) or node.attr not in _member_names(ls.knowledge):
        return None
    base = analysis.resolve(node.value)
    if base is not None:
        return None  # known, and not a torch object: jedi would not say more
    root = node.value
    while isinstance(root, (ast.Attribute, ast.Call, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(root, ast.Name) and analysis.env is not None:
        binding = analysis.lookup(root.id, analysis.scope_of(root), line)
        if binding is not None and binding.kind == "import" \
                and analysis.env.owns(analysis.env.imported(binding.qualname)):
            return None  # the project's own code: the project model has answered
    end = analysis.char_col(line, node.end_col_offset or 0)
    path = uri_to_path(uri)
    folders = [uri_to_path(f.uri) for f in (ls.workspace.folders or {}).values()]
    key = (uri, analysis.source.__hash__(), line, end)
    # never waited on: the first hover answers from the project model; a late jedi
    # answer (third-party names) serves the next hover
    full_name = await jedi.infer(key, analysis.source, path, line, end - 1, ls.options.interpreter,
                                 workspace_root(path, folders), budget=0)
    if not full_name or not _is_torch(full_name):
        return None
    return Value("symbol", canonical_name(ls.knowledge, full_name)), (line, end - len(node.attr), line, end), ""


def _rule_code_hover(analysis: Analysis, line: int, col: int) -> str | None:
    """Hovering a rule code or name inside a ``# noqa:`` comment shows its docs."""
    if not 1 <= line <= len(analysis.lines):
        return None
    text = analysis.lines[line - 1]
    match = _NOQA.search(text)
    if match is None or col < match.start(1):
        return None
    for token in re.finditer(r"[A-Za-z0-9_-]+", match.group(1)):
        start = match.start(1) + token.start()
        if start <= col <= start + len(token.group(0)):
            from torchwise.diagnostics import rule_docs_markdown

            return rule_docs_markdown(token.group(0))
    return None
