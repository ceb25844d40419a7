"""Inlay hints of tensor shapes (textDocument/inlayHint): after a cell runs, each name its
module-level assignments bind shows the kernel's tensor shape after it (``x: (8, 4)``).

Only the last run, only in its own document and only while its code stands there unchanged;
the values come from the kernel (``describe``, bounded wait), never from torch in the server.
Off by default: option ``kernel.shapeHints`` (setting ``torchwise.kernel.shapeHints``).
"""

from __future__ import annotations

import ast
import asyncio
import os
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition

from torchwise.kernel.live import _shape, split_lines
from torchwise.text import parse_python

HINT_WAIT_S = 1.0  # a busy kernel answers later; the refresh after its run asks again
MAX_NAMES = 100


def assignment_targets(code: str) -> list[tuple[str, int, int]]:
    """(name, 0-based line, end column in characters) of every name the module-level
    assignments of ``code`` bind (``x = ...``, ``a, b = ...``, ``x: T = ...``, ``x += ...``)."""
    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        return []
    lines = split_lines(code)
    found = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            targets = [stmt.target]
        else:
            continue
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.end_lineno is not None:
                    line = node.end_lineno - 1
                    if line < len(lines):  # ast columns are UTF-8 bytes
                        col = len(lines[line].encode("utf-8")[: node.end_col_offset].decode("utf-8", "replace"))
                        found.append((node.id, line, col))
    return found


def _same_document(path: str, uri: str) -> bool:
    from torchwise.kernel import _document_path

    mine = _document_path(uri)
    return mine == path or unquote(mine or "") == unquote(path) or (
        mine is not None and os.path.normcase(mine) == os.path.normcase(path))


def register(server, session) -> None:
    described: dict = {"generation": None, "names": (), "values": {}}

    async def values(names: list[str]) -> dict:
        generation = session.live.generation
        if described["generation"] == generation and set(names) <= set(described["names"]):
            return described["values"]
        result = await asyncio.wait_for(session.query("describe", names=names), HINT_WAIT_S)
        if isinstance(result, dict):
            described.update(generation=generation, names=tuple(names), values=result)
            return result
        return {}

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hints(ls, params: types.InlayHintParams) -> list[types.InlayHint]:
        if not ls.options.kernel.shape_hints or not ls.options.trusted or session.proc is None:
            return []
        record = next((r for r in reversed(session.live.runs) if r.count is not None), None)
        uri = params.text_document.uri
        if record is None or not record.path or not _same_document(record.path, uri):
            return []
        document = ls.workspace.get_text_document(uri)
        if session.live.stale(record, lambda _path: document.source):
            return []
        targets = assignment_targets(record.code)
        names = sorted({name for name, _, _ in targets})[:MAX_NAMES]
        if not names:
            return []
        try:
            known = await values(names)
        except Exception:  # timed out (busy kernel) or no kernel: no hints this time
            return []
        first, last = params.range.start.line, params.range.end.line
        hints = []
        for name, line, col in targets:
            entry = known.get(name)
            if not isinstance(entry, dict) or entry.get("kind") != "tensor":
                continue
            position = document.position_to_client_units(ServerTextPosition(record.first_line + line, col))
            if not first <= position.line <= last:
                continue
            dtype = str(entry.get("dtype") or "").replace("torch.", "")
            hints.append(types.InlayHint(
                position=position, label=f": {_shape(entry.get('shape'))}", kind=types.InlayHintKind.Type,
                padding_left=False,
                tooltip=f"{name}: Tensor {_shape(entry.get('shape'))} {dtype} {entry.get('device') or ''}"
                        f" — kernel value after run [{record.count}]"))
        return hints

    shown = {"on": server.options.kernel.shape_hints}

    def refresh(_event: dict | None = None) -> None:
        """A run finished, or the setting changed: ask the client for fresh hints (when it can be asked)."""
        if not server.options.kernel.shape_hints and not shown["on"]:
            return
        shown["on"] = server.options.kernel.shape_hints
        try:
            capabilities = server.client_capabilities.workspace
            if capabilities is None or capabilities.inlay_hint is None or not capabilities.inlay_hint.refresh_support:
                return
            server.workspace_inlay_hint_refresh(None)
        except Exception:  # no client attached
            pass

    session.finished_listeners.append(refresh)
    server.document_listeners.append(lambda event, _uri: refresh() if event == "configuration" else None)


__all__ = ["assignment_targets", "register"]
