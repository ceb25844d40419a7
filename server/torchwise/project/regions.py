"""Where a function's own code runs with gradients off or under autocast (the regions
function summaries and the lint rules ask about), by its ``with`` blocks and decorators.
Memoized per node in the analysis's query table (nothing hangs on the syntax nodes).
"""

from __future__ import annotations

import ast

from torchwise.analysis import _CHILD_FIELDS, _child_fields, dotted
from torchwise.records import record, setfield

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED_SET = frozenset((ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))

NO_GRAD, AUTOCAST = "no_grad", "autocast"


@record(frozen=True)
class Regions:
    """Where a function's own code (not its nested functions) runs with gradients off
    (``no_grad``/``inference_mode``/``set_grad_enabled(False)``) or under ``autocast``:
    the kinds its decorators put the whole body under, and each call made inside a
    region, as (callee as written, line, column, end line, end column, kinds). A nested
    ``enable_grad()``/``autocast(enabled=False)`` ends the outer region for its body."""

    body: frozenset[str]
    calls: tuple[tuple[str, int, int, int, int, frozenset[str]], ...]

    def __init__(self, body: frozenset[str], calls: tuple[tuple[str, int, int, int, int, frozenset[str]], ...]) -> None:
        setfield(self, "body", body)
        setfield(self, "calls", calls)

    def at(self, call: ast.AST) -> frozenset[str]:
        """The region kinds a call of this function's own code runs under."""
        index = self.__dict__.get("_index")
        if index is None:
            index = {c[1:5]: c[5] for c in self.calls}
            object.__setattr__(self, "_index", index)
        return index.get(_span(call), frozenset())


NO_REGIONS = Regions(frozenset(), ())
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0),
            getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


def _constant(expr: ast.expr | None):
    return expr.value if isinstance(expr, ast.Constant) else None


def region_change(expr: ast.expr) -> tuple[str, bool] | None:
    """What entering ``expr`` (a ``with`` item or a decorator) does: (kind, on) or None.
    By name, as written (a project's ``smart_inference_mode()`` wrapper counts): a
    switch whose argument is not a constant changes nothing known."""
    call = expr if isinstance(expr, ast.Call) else None
    func = call.func if call is not None else expr
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    args = call.args if call is not None else []
    keywords = {k.arg: k.value for k in call.keywords} if call is not None else {}
    if name == "inference_mode":
        mode = keywords.get("mode", args[0] if args else None)
        return None if mode is not None and _constant(mode) is not True else (NO_GRAD, True)
    if name.endswith(("no_grad", "inference_mode")) or named_grad_off(name):
        return NO_GRAD, True
    if name == "enable_grad":
        return NO_GRAD, False
    if name == "set_grad_enabled":
        mode = _constant(keywords.get("mode", args[0] if args else None))
        return (NO_GRAD, not mode) if isinstance(mode, bool) else None
    if name == "autocast":
        enabled = keywords.get("enabled")
        if enabled is None and args and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) \
                and func.value.attr == "amp" and isinstance(_constant(args[0]), bool):
            enabled = args[0]  # torch.cuda.amp.autocast(False): enabled is the first argument
        return AUTOCAST, _constant(enabled) is not False
    return None


def named_grad_off(name: str) -> bool:
    """A project's own context manager named for ``no_grad`` as one of its words
    (carpedm20/ENAS-pytorch's ``_get_no_grad_ctx_mgr()``, which returns ``torch.no_grad()``
    on torch >= 0.4): as for ``smart_inference_mode()``, the name is taken at its word."""
    return "_no_grad_" in f"_{name}"


def _enter(kinds: frozenset[str], items) -> frozenset[str]:
    for expr in items:
        change = region_change(expr)
        if change is not None:
            kind, on = change
            kinds = kinds | {kind} if on else kinds - {kind}
    return kinds


def regions_of(analysis, node: ast.AST) -> Regions:
    """The regions of a function's (or a module's) own code; computed once per node and
    analysis (a query of its table: a new version of the file is a new analysis)."""
    table = analysis.queries.get("regions") if analysis is not None else None
    if table is None:
        if analysis is None:
            return _regions(node)
        table = analysis.queries["regions"] = {}
    cached = table.get(id(node))
    if cached is None or cached[0] is not node:  # the node is kept: its id stays its own
        cached = table[id(node)] = (node, _regions(node, _with_owners(analysis)))
    return cached[1]


def _with_owners(analysis) -> tuple[dict[int, ast.AST], dict[int, list[ast.AST]], ast.AST]:
    """The file's parent map; by id of a function (class, lambda, the module), the
    outermost ``with`` statements of its own code (only they, or a decorator, can open a
    region); the tree."""
    known = analysis.queries.get("with_owners")
    if known is None:
        from torchwise.lint import flow

        idx = flow.index(analysis)
        parents, owners = idx.parents, {}
        With, AsyncWith = ast.With, ast.AsyncWith
        for kind in (With, AsyncWith):
            for node in idx.by_type.get(kind, ()):
                owner, inner = parents.get(node), False
                while owner is not None and owner.__class__ not in _NESTED_SET:
                    inner = inner or owner.__class__ is With or owner.__class__ is AsyncWith
                    owner = parents.get(owner)
                starts = owners.setdefault(id(owner) if owner is not None else id(analysis.tree), [])
                if not inner:
                    starts.append(node)
        known = analysis.queries["with_owners"] = (parents, owners, analysis.tree)
    return known


def _regions(node: ast.AST, with_owners: tuple | None = None) -> Regions:
    """``with_owners``: the file's (``_with_owners``), to walk only the ``with``
    statements of a function without decorators that opens no region otherwise."""
    body = _enter(frozenset(), getattr(node, "decorator_list", ()))
    if not isinstance(node, (*_FUNCS, ast.Module)):
        stack = []
    elif not body and with_owners is not None and (node in with_owners[0] or node is with_owners[2]):
        stack = [(w, body) for w in with_owners[1].get(id(node), ())]  # outside them nothing is recorded
        if not stack:
            return NO_REGIONS
    else:
        stack = [(stmt, body) for stmt in node.body]
    calls: list[tuple[str, int, int, int, int, frozenset[str]]] = []
    pop, push = stack.pop, stack.append
    nested, blocks, node_type = _NESTED_SET, _BLOCKS, ast.AST
    With, AsyncWith, Call = ast.With, ast.AsyncWith, ast.Call
    child_fields = _CHILD_FIELDS  # ast.iter_child_nodes, inlined, less the ctx/op leaves
    while stack:  # not recursive: a deeply nested expression must not exhaust the stack
        child, kinds = pop()
        kind = child.__class__
        if kind in nested:
            continue
        if kinds and kind is Call:
            calls.append((dotted(child.func) or getattr(child.func, "attr", "") or "", *_span(child), kinds))
        if kind is With or kind is AsyncWith:
            stack.extend((item, kinds) for item in child.items)
            inner = _enter(kinds, [item.context_expr for item in child.items])
            stack.extend((stmt, inner) for stmt in child.body)
            continue
        fields = child_fields.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            value = getattr(child, name, None)
            for grand in value if value.__class__ is list else (value,):
                # outside any region only a statement can open one: expressions are skipped
                if isinstance(grand, node_type) and (kinds or isinstance(grand, blocks)):
                    push((grand, kinds))
    calls.sort(key=lambda c: c[1:5])
    return Regions(body, tuple(calls)) if body or calls else NO_REGIONS
