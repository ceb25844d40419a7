"""One module's summary: what it defines, as plain data (no AST, no scopes).

Built from the module's syntax tree once per content hash (no scopes, no inference:
indexing a workspace costs little more than parsing it); kept by the project index
without the tree (a few hundred bytes per module). Types are not in here: they are cross-module queries
(:mod:`.inference`), answered on demand.
"""

from __future__ import annotations

import ast
import re

from torchwise.lazy_pattern import lazy
from torchwise.records import record, setfield
from torchwise.text import parse_python

MAX_TEXT = 80


class _Header:
    """Where a ``def`` header stands in its module's text; its signature is rendered on
    first use (indexing a workspace unparses no annotations nobody asks for)."""

    __slots__ = ("text", "start", "end", "rendered")

    def __init__(self, text: str, start: tuple[int, int], end: tuple[int, int]) -> None:
        self.text, self.start, self.end, self.rendered = text, start, end, None

    def signature(self) -> str:
        if self.rendered is None:
            from torchwise.text import UTF8, LineIndex

            index = LineIndex(self.text)  # the tree's columns count UTF-8 bytes
            header = self.text[index.offset(self.start[0] - 1, self.start[1], UTF8):
                               index.offset(self.end[0] - 1, self.end[1], UTF8)]
            try:  # the header alone, with a body ("\n pass": after a comment too)
                func = parse_python(header.rstrip() + "\n pass").body[0]  # type: ignore[attr-defined]
                self.rendered = signature(func) if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) else "(...)"
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.rendered = "(...)"
        return self.rendered


@record(frozen=True, unshown=("header",), uncompared=("header",))
class FunctionSummary:
    name: str
    line: int
    header: _Header | str

    def __init__(self, name: str, line: int, header: _Header | str) -> None:
        setfield(self, "name", name)
        setfield(self, "line", line)
        setfield(self, "header", header)

    @property
    def signature(self) -> str:
        """``(self, x: Tensor) -> Tensor``"""
        return self.header if isinstance(self.header, str) else self.header.signature()


@record(frozen=True)
class ClassSummary:
    name: str
    line: int
    bases: tuple[str, ...]  # source text: ("nn.Module",)
    methods: tuple[FunctionSummary, ...]
    # attributes ``__init__`` assigns, with the source text of the value: ("fc", "Linear(20, 64)")
    init_attributes: tuple[tuple[str, str], ...]

    def __init__(self, name: str, line: int, bases: tuple[str, ...], methods: tuple[FunctionSummary, ...],
                 init_attributes: tuple[tuple[str, str], ...]) -> None:
        setfield(self, "name", name)
        setfield(self, "line", line)
        setfield(self, "bases", bases)
        setfield(self, "methods", methods)
        setfield(self, "init_attributes", init_attributes)


@record(frozen=True, unshown=("text", "_memo"), uncompared=("text", "_memo"))
class ModuleSummary:
    module: str | None
    path: str
    digest: int
    names: tuple[str, ...]  # module-level bindings
    classes: tuple[ClassSummary, ...]
    functions: tuple[FunctionSummary, ...]
    text: str  # the module's text (shared with the project's)
    syntax_error: str | None = None
    _memo: dict

    def __init__(self, module: str | None, path: str, digest: int, names: tuple[str, ...],
                 classes: tuple[ClassSummary, ...], functions: tuple[FunctionSummary, ...], text: str,
                 syntax_error: str | None = None, _memo: dict | None = None) -> None:
        setfield(self, "module", module)
        setfield(self, "path", path)
        setfield(self, "digest", digest)
        setfield(self, "names", names)
        setfield(self, "classes", classes)
        setfield(self, "functions", functions)
        setfield(self, "text", text)
        setfield(self, "syntax_error", syntax_error)
        setfield(self, "_memo", {} if _memo is None else _memo)

    @property
    def called(self) -> frozenset[str]:
        """The last component of every called name (``f``, ``obj.f``): a superset from the
        text (``name(``), found on first use (most modules are never asked)."""
        found = self._memo.get("called")
        if found is None:
            found = self._memo["called"] = called_names(self.text)
        return found

    def cls(self, name: str) -> ClassSummary | None:
        return next((c for c in self.classes if c.name == name), None)


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def value_text(expr: ast.expr) -> str:
    """``nn.Linear(20, 64)`` -> ``Linear(20, 64)``: the class's own name and the arguments."""
    if isinstance(expr, ast.Call):
        func = expr.func.attr if isinstance(expr.func, ast.Attribute) else ast.unparse(expr.func)
        args = [ast.unparse(a) for a in expr.args]
        args += [f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}" for k in expr.keywords]
        return _short(f"{func}({', '.join(args)})")
    return _short(ast.unparse(expr))


def _param(arg: ast.arg, default: ast.expr | None = None, prefix: str = "") -> str:
    text = prefix + arg.arg
    if arg.annotation is not None:
        text += f": {ast.unparse(arg.annotation)}"
    if default is not None:
        shown = repr(default.value) if isinstance(default, ast.Constant) else ast.unparse(default)
        text += f" = {shown}" if arg.annotation is not None else f"={shown}"
    return text


def signature(func: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """``(self, x: Tensor, p=0.1) -> Tensor`` (unparsing only annotations and defaults:
    a whole workspace's functions are summarised)."""
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    parts = [_param(a, d) for a, d in zip(positional, defaults)]
    if args.posonlyargs:
        parts.insert(len(args.posonlyargs), "/")
    if args.vararg is not None:
        parts.append(_param(args.vararg, prefix="*"))
    elif args.kwonlyargs:
        parts.append("*")
    parts += [_param(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg is not None:
        parts.append(_param(args.kwarg, prefix="**"))
    returns = f" -> {ast.unparse(func.returns)}" if func.returns is not None else ""
    return f"({', '.join(parts)}){returns}"


def _function(func: ast.FunctionDef | ast.AsyncFunctionDef, text: str | None = None) -> FunctionSummary:
    if text is None or not func.body:
        return FunctionSummary(func.name, func.lineno, signature(func))
    body = func.body[0]
    return FunctionSummary(func.name, func.lineno,
                           _Header(text, (func.lineno, func.col_offset), (body.lineno, body.col_offset)))


def _init_attributes(init: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[tuple[str, str], ...]:
    """``self.x = value`` in ``__init__`` (nested functions and classes left out), first value each."""
    args = init.args.posonlyargs + init.args.args
    if not args:
        return ()
    me = args[0].arg
    found: dict[str, str] = {}
    stack = list(reversed(init.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == me and target.attr not in found):
                    found[target.attr] = value_text(node.value)
            continue
        if isinstance(node, ast.stmt):
            stack.extend(reversed([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]))
    return tuple(found.items())


def class_summary(node: ast.ClassDef, text: str | None = None) -> ClassSummary:
    methods = tuple(_function(m, text) for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)))
    init = next((m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and m.name == "__init__"), None)
    return ClassSummary(node.name, node.lineno, tuple(ast.unparse(b) for b in node.bases), methods,
                        _init_attributes(init) if init is not None else ())


# a name followed by ``(``: any identifier, non-ASCII ones included (``[A-Za-z_]`` cut ``ñame(``
# down to ``ame``, and a text search for the name then missed its calls)
# (each from a word's start only: a search from every letter of a long word costs its square)
_CALLED = lazy(r"(?<!\w)([^\W\d]\w*)\s*\(")


# a whole comment line, whichever of ``\n``, ``\r\n`` or ``\r`` ends the lines (``.`` would run
# across a lone ``\r``, and ``^`` alone starts lines only after ``\n``)
_COMMENT_LINE = lazy(r"(?:^|(?<=\r))[ \t\f]*#[^\r\n]*", re.MULTILINE)


def called_names(text: str) -> frozenset[str]:
    """The last component of every name the text calls (``f(``, ``obj.f(``): a superset, from
    the text alone (strings and end-of-line comments included). Whole comment lines are left
    out: a ``# fix: call model.eval()`` note, or a call commented out, calls nothing (a line
    inside a string that starts with ``#`` calls nothing either)."""
    return frozenset(_CALLED.findall(_COMMENT_LINE.sub("", text) if "#" in text else text))


def _bound_names(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"]
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def summarize(tree: ast.Module, text: str, module: str | None, path: str, digest: int,
              syntax_error: str | None = None) -> ModuleSummary:
    """A module's summary from its tree (no scopes, no inference: cheap enough to index a
    whole workspace); ``called`` is a superset from the text (``name(``), for look-ups."""
    source = text if syntax_error is None else None  # a repaired tree's positions are not the text's
    classes = tuple(class_summary(n, source) for n in tree.body if isinstance(n, ast.ClassDef))
    functions = tuple(_function(n, source) for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return ModuleSummary(module, path, digest, tuple(_bound_names(tree)), classes, functions, text, syntax_error)


def parse_for_summary(text: str, path: str) -> tuple[ast.Module, str | None]:
    """The tree of a module for summarising; a module that does not parse is summarised
    from the analysis's repaired tree instead (the caller's job), here an empty one."""
    try:
        return parse_python(text, path), None  # type: ignore[return-value]
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return ast.Module(body=[], type_ignores=[]), str(exc)


def _strings(expr: ast.expr) -> list[str] | None:
    """``["a", "b"]``, ``("a",)``, ``[...] + [...]``: the strings; None for anything else."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = _strings(expr.left), _strings(expr.right)
        return None if left is None or right is None else left + right
    if isinstance(expr, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in expr.elts):
        return [e.value for e in expr.elts]  # type: ignore[attr-defined]
    return None


def dunder_all(tree: ast.Module) -> tuple[str, ...] | None:
    """The module's ``__all__`` (``=``, ``+=``, ``.append``, ``.extend`` of string literals at
    module level); None when it has none, or builds it in a way we cannot read (then a star
    import binds the public names, as if it had none: the wider guess)."""
    names: list[str] | None = None
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            found = _strings(stmt.value) if stmt.value is not None else None
            if found is None:
                return None
            if isinstance(stmt, ast.AugAssign):
                if names is None or not isinstance(stmt.op, ast.Add):
                    return None
                names += found
            else:
                names = found
        elif (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
              and isinstance(stmt.value.func, ast.Attribute) and isinstance(stmt.value.func.value, ast.Name)
              and stmt.value.func.value.id == "__all__"):
            call = stmt.value
            method = call.func.attr  # type: ignore[attr-defined]
            if names is None or len(call.args) != 1 or call.keywords:
                return None
            arg = call.args[0]
            if method == "append" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.append(arg.value)
            elif method == "extend" and _strings(arg) is not None:
                names += _strings(arg)  # type: ignore[operator]
            elif method == "remove" and isinstance(arg, ast.Constant) and arg.value in names:
                names.remove(arg.value)
            else:
                return None
    return tuple(dict.fromkeys(names)) if names is not None else None
