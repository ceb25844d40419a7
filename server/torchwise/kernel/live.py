"""Live values: what the kernel holds for a name, shown first in its hover.

The summary comes from the kernel process (``describe`` query, each value under a time
limit); this module never imports torch. A name's value was produced by the latest run
whose code assigns it (found with ``ast``); once that code no longer stands in its
document as it ran, the value is marked stale.
"""

from __future__ import annotations

import ast
import asyncio
import re
from dataclasses import dataclass, field

from torchwise.text import parse_python

HOVER_WAIT_S = 0.4  # a hover waits this long for the kernel (a busy kernel answers later)
_LINES = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    return _LINES.split(text)


def assigned_names(code: str) -> set[str]:
    """Module-level names a piece of code binds (assignments, imports, defs, loops, with)."""
    try:
        tree = parse_python(code)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()

    def targets(node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    targets(target)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                targets(stmt.target)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(stmt.name)
                continue
            for sub in ast.walk(stmt):  # walrus anywhere at module level
                if isinstance(sub, ast.NamedExpr):
                    names.add(sub.target.id)
            for attr in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(stmt, attr, None)
                if isinstance(inner, list):
                    visit([s for s in inner if isinstance(s, ast.stmt)] +
                          [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body])

    visit(tree.body)
    return names


@dataclass
class RunRecord:
    run_id: str
    path: str | None
    first_line: int
    code: str
    names: set[str] = field(default_factory=set)
    count: int | None = None  # the kernel's execution count, once finished


class LiveValues:
    """Per-kernel bookkeeping: runs (newest last), and summaries cached per finished-run generation."""

    def __init__(self) -> None:
        self.runs: list[RunRecord] = []
        self.generation = 0  # finished runs so far
        self.cache: dict[str, tuple[int, dict | None]] = {}
        self.pending: dict[str, asyncio.Task] = {}

    def reset(self) -> None:
        """A new kernel: nothing it held before is live any more."""
        self.runs.clear()
        self.cache.clear()
        self.generation += 1

    def started(self, run_id: str, code: str, path: str | None, first_line: int) -> None:
        self.runs.append(RunRecord(run_id, path, first_line, code, assigned_names(code)))
        del self.runs[:-200]

    def finished(self, run_id: str, count: int | None) -> None:
        self.generation += 1
        for record in reversed(self.runs):
            if record.run_id == run_id:
                record.count = count
                break

    def producer(self, name: str) -> RunRecord | None:
        for record in reversed(self.runs):
            if name in record.names and record.count is not None:
                return record
        return None

    def stale(self, record: RunRecord | None, text_of) -> bool:
        """True when the code of ``record`` no longer stands at its lines of its document
        (``text_of(path)`` gives the document's current text, or None when unknown)."""
        if record is None or not record.path:
            return False
        text = text_of(record.path)
        if text is None:
            return False
        lines = split_lines(text)
        code = split_lines(record.code.rstrip("\r\n"))
        return lines[record.first_line: record.first_line + len(code)] != code

    async def summary(self, name: str, fetch) -> dict | None:
        """The kernel's summary of ``name`` for the current generation; ``fetch(names)`` asks the
        kernel. Waits at most HOVER_WAIT_S; a late answer is cached for the next hover."""
        cached = self.cache.get(name)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        generation = self.generation
        task = self.pending.get(name)
        if task is None or task.done():

            async def load() -> None:
                try:
                    result = await fetch([name])
                except Exception:
                    return
                if isinstance(result, dict):
                    self.cache[name] = (generation, result.get(name))

            task = self.pending[name] = asyncio.ensure_future(load())
        try:
            await asyncio.wait_for(asyncio.shield(task), HOVER_WAIT_S)
        except asyncio.TimeoutError:
            pass
        cached = self.cache.get(name)
        if cached is None:
            return None
        if cached[0] != self.generation:
            return {**cached[1], "_older": True} if cached[1] else None
        return cached[1]


def _shape(value) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(str(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def render(name: str, entry: dict, record: RunRecord | None, stale: bool) -> str:
    """Markdown: the live summary of ``name`` (a tensor's shape, dtype, device; a module's parameters)."""
    kind = entry.get("type") or "?"
    dtype = (entry.get("dtype") or "").replace("torch.", "")
    bits: list[str] = []
    if entry.get("kind") == "tensor":
        head = f"{kind} {_shape(entry.get('shape'))} {dtype} {entry.get('device') or ''}".strip()
        if entry.get("requiresGrad"):
            bits.append("requires_grad")
        if entry.get("gradFn"):
            bits.append(f"grad_fn={entry['gradFn']}")
    elif entry.get("kind") == "module":
        head = f"{kind}: {entry['parameters']:,} parameters ({entry.get('trainable', 0):,} trainable)"
        if entry.get("device"):
            bits.append(str(entry["device"]))
        bits.append("train mode" if entry.get("training") else "eval mode")
    else:
        head = f"{kind}: {entry.get('summary') or ''}".strip()
    when = f"after run [{record.count}]" if record is not None and record.count is not None else "in the kernel"
    if stale:
        label = (f"**stale** — the code that produced `{name}` changed since it ran "
                 f"(kernel value {when})")
    elif entry.get("_older"):
        label = "**live** (the kernel is busy: value from an earlier run)"
    else:
        label = f"**live** — kernel value {when}"
    text = f"```text\n{name}: {head}\n```"
    if bits:
        text += "\n" + " · ".join(f"`{b}`" for b in bits)
    return f"{label}\n\n{text}"


__all__ = ["LiveValues", "RunRecord", "assigned_names", "render", "split_lines"]
