"""Small helpers about calls and names shared by the serialization, tensors, data,
amp and deprecated rule modules (not a rule module itself: it declares no rule)."""

from __future__ import annotations

import ast
import bisect
import re
from typing import Iterator

from torchwise.lazy_pattern import lazy
from torchwise.lint import flow
from torchwise.lint.base import Context, Edit

MODULE = "torch.nn.Module"
TENSOR = "torch.Tensor"


def api_page(api: str) -> str:
    """The documentation page of a finding about ``api`` (``rule_docs.API_DOCS``), for rules
    that cover many APIs; imported only when there is a finding (a check with none loads
    no page addresses)."""
    from torchwise.lint.rule_docs import API_DOCS

    return API_DOCS[api]


class Index:
    """The nodes the rules of these modules look at, grouped so that each rule visits
    only candidates. Collected by the lint's one shared walk (``flow.Index``)."""

    def __init__(self, walk: "flow.Index"):
        self.calls: list[ast.Call] = walk.calls
        self.calls_by_name: dict[str, list[ast.Call]] = walk.calls_by_name  # last name of the callee
        self.refs_by_name: dict[str, list[ast.Name | ast.Attribute]] = walk.refs_by_name  # loads, by id/attr
        self.assigns: list[ast.Assign | ast.AnnAssign | ast.AugAssign] = walk.assigns
        self.imports: list[ast.Import | ast.ImportFrom] = walk.imports
        self.binops: list[ast.BinOp] = walk.binops
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = walk.functions
        self.loops: list[ast.For | ast.AsyncFor | ast.comprehension] = walk.loops
        self.attribute_names: set[str] = walk.attribute_names  # every .attr in the file (any context)
        self.stored_names: set[str] = walk.stored_names  # every Name bound by assignment
        self.parents: dict[ast.AST, ast.AST] = walk.parents
        # Code that runs when the module is imported (outside functions, classes,
        # lambdas and the body of ``if __name__ == "__main__":``).
        self.import_time_calls: list[ast.Call] = walk.import_time_calls
        self.import_time_loops: list[ast.For | ast.AsyncFor | ast.comprehension] = walk.import_time_loops
        self.from_aliases = frozenset(walk.from_aliases)
        self.cache: dict[str, object] = {}
        self._calls_named: dict[frozenset[str], list[ast.Call]] = {}

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(node)

    def calls_named(self, wanted) -> list[ast.Call]:
        """Calls whose callee's last name is in ``wanted`` or is an alias from
        ``from x import y as z`` (which may hide any of them), in source order."""
        key = frozenset(wanted)
        cached = self._calls_named.get(key)
        if cached is None:
            cached = []
            for name in key | self.from_aliases:
                cached.extend(self.calls_by_name.get(name, ()))
            cached.sort(key=flow.BY_POSITION)
            self._calls_named[key] = cached
        return list(cached)

    def refs_named(self, wanted) -> list[ast.Name | ast.Attribute]:
        out: list[ast.Name | ast.Attribute] = []
        for name in set(wanted):
            out.extend(self.refs_by_name.get(name, ()))
        for name in self.from_aliases - set(wanted):
            out.extend(n for n in self.refs_by_name.get(name, ()) if isinstance(n, ast.Name))
        out.sort(key=flow.BY_POSITION)
        return out


def index(ctx: Context) -> Index:
    """The index of this file version (built once, kept on its analysis)."""
    analysis = ctx.analysis
    built = analysis.queries.get("calls_index")
    if built is None:
        built = analysis.queries["calls_index"] = Index(flow.index(analysis))
    return built


def calls(ctx: Context, wanted=None) -> Iterator[ast.Call]:
    """The file's calls (only those whose callee may be named one of ``wanted``)."""
    idx = index(ctx)
    if wanted is None:
        return iter(idx.calls)
    return iter(idx.calls_named(wanted))


def last_name(expr: ast.AST) -> str | None:
    """The last component of a dotted name: ``c`` for ``a.b.c`` and ``c``."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return None


def aliases(ctx: Context) -> frozenset[str]:
    """Names bound by ``from x import y as name`` (a call through one may hide any function)."""
    return index(ctx).from_aliases


def call_name(ctx: Context, call: ast.Call, wanted: frozenset[str] | set[str] | None = None) -> str | None:
    """The qualified name of the called function, if static analysis knows it.
    ``wanted`` (a set of last components) skips resolving calls that cannot match."""
    if wanted is not None and last_name(call.func) not in wanted and last_name(call.func) not in index(ctx).from_aliases:
        return None
    if not isinstance(call.func, (ast.Name, ast.Attribute)):
        return None
    try:
        return ctx.analysis.qualname_of(call.func)
    except Exception:  # never let a resolution problem crash a rule
        return None


def type_of(ctx: Context, expr: ast.AST) -> str | None:
    try:
        return ctx.analysis.type_of(expr)
    except Exception:
        return None


def is_module_instance(ctx: Context, expr: ast.AST) -> bool:
    cls = type_of(ctx, expr)
    if cls is None:
        return False
    try:
        return ctx.analysis.is_subclass(cls, MODULE)
    except Exception:
        return False


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def argument(call: ast.Call, name: str, position: int | None = None) -> ast.expr | None:
    """The expression passed for parameter ``name`` (by keyword, or at ``position``)."""
    kw = keyword(call, name)
    if kw is not None:
        return kw.value
    if position is not None and not has_star_args(call, before=position):
        if position < len(call.args) and not isinstance(call.args[position], ast.Starred):
            return call.args[position]
    return None


def arguments(call: ast.Call) -> list[ast.expr]:
    """Every expression a call passes, positional and keyword (``add_module(name=..., module=m)``)."""
    return [*call.args, *(k.value for k in call.keywords)]


def has_star_args(call: ast.Call, before: int | None = None) -> bool:
    args = call.args if before is None else call.args[: before + 1]
    return any(isinstance(a, ast.Starred) for a in args)


def has_star_kwargs(call: ast.Call) -> bool:
    return any(kw.arg is None for kw in call.keywords)


def may_pass(call: ast.Call, name: str, position: int | None = None) -> bool:
    """Whether the call passes (or may pass, through ``*args``/``**kwargs``) ``name``."""
    if keyword(call, name) is not None or has_star_kwargs(call):
        return True
    if position is not None:
        if has_star_args(call):
            return True
        return position < len(call.args)
    return False


def is_true(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def is_false(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


def int_value(expr: ast.AST | None) -> int | None:
    """The value of an integer literal (``3``, ``-3``), else None (bools excluded)."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, (ast.USub, ast.UAdd)):
        inner = int_value(expr.operand)
        if inner is None:
            return None
        return -inner if isinstance(expr.op, ast.USub) else inner
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    return None


def insert_at(ctx: Context, line: int, byte_col: int, text: str) -> Edit:
    col = ctx.analysis.char_col(line, byte_col)
    return Edit(line=line, col=col, end_line=line, end_col=col, content=text)


def add_keyword(ctx: Context, call: ast.Call, text: str) -> Edit | None:
    """An edit adding the argument ``text`` (e.g. ``"weights_only=True"``) at the end
    of the call's arguments, or None when the call's shape makes that unclear."""
    arguments: list[ast.AST] = [*call.args, *call.keywords]
    if any(isinstance(a, ast.GeneratorExp) for a in call.args):
        return None
    if not arguments:
        end_line = call.end_lineno or call.lineno
        end_col = (call.end_col_offset or 1) - 1  # just before ")"
        line_text = ctx.analysis.lines[end_line - 1] if end_line <= len(ctx.analysis.lines) else ""
        if line_text.encode("utf-8")[end_col:end_col + 1] != b")":
            return None
        return insert_at(ctx, end_line, end_col, text)
    last = max(arguments, key=lambda a: (a.end_lineno or 0, a.end_col_offset or 0))
    if last.end_lineno is None or last.end_col_offset is None:
        return None
    lines = ctx.analysis.lines
    if last.end_lineno <= len(lines):
        after = lines[last.end_lineno - 1].encode("utf-8")[last.end_col_offset:]
        stripped = after.lstrip()
        if stripped.startswith(b","):  # a trailing comma: f(\n    a,\n    b,\n)
            comma = last.end_col_offset + len(after) - len(stripped) + 1
            first = lines[last.lineno - 1]
            before = first.encode("utf-8")[: last.col_offset]
            if (call.end_lineno or 0) > last.end_lineno and not before.strip():
                # one argument per line: add ours on a line of its own
                indent = before.decode("utf-8", errors="ignore")
                return insert_at(ctx, last.end_lineno, comma, f"\n{indent}{text},")
            return insert_at(ctx, last.end_lineno, comma, f" {text},")
    return insert_at(ctx, last.end_lineno, last.end_col_offset, ", " + text)


def remove_keyword(ctx: Context, call: ast.Call, kw: ast.keyword) -> Edit | None:
    """An edit removing keyword argument ``kw`` together with the comma before it
    (or after it, when it comes first)."""
    arguments: list[ast.AST] = sorted(
        [*call.args, *call.keywords], key=lambda a: (a.lineno, a.col_offset))
    index = next((i for i, a in enumerate(arguments) if a is kw), None)
    if index is None or kw.end_lineno is None or kw.end_col_offset is None:
        return None
    if index > 0:
        prev = arguments[index - 1]
        start = (prev.end_lineno, prev.end_col_offset)
        end = (kw.end_lineno, kw.end_col_offset)
    elif len(arguments) > 1:
        nxt = arguments[1]
        start = (kw.lineno, kw.col_offset)
        end = (nxt.lineno, nxt.col_offset)
    else:
        start = (kw.lineno, kw.col_offset)
        end = (kw.end_lineno, kw.end_col_offset)
        # also drop a trailing comma: f(x=1,) -> f()
        line_text = ctx.analysis.lines[end[0] - 1].encode("utf-8")
        rest = line_text[end[1]:]
        stripped = rest.lstrip()
        if stripped.startswith(b","):
            end = (end[0], end[1] + (len(rest) - len(stripped)) + 1)
    a = ctx.analysis
    return Edit(line=start[0], col=a.char_col(start[0], start[1]),
                end_line=end[0], end_col=a.char_col(end[0], end[1]), content="")


ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant, ast.List, ast.Tuple,
         ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)


def as_receiver(ctx: Context, expr: ast.AST) -> str:
    """Source text of ``expr`` usable before ``.method()`` (parenthesized if needed)."""
    text = ctx.text(expr)
    if isinstance(expr, ATOMS) and not (isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float))):
        return text
    return f"({text})"


def module_reference(ctx: Context, near: ast.AST, target: str) -> str | None:
    """Source text naming the module/object ``target`` (e.g. ``torch.linalg``) from the
    scope of ``near``: through a name bound to ``target`` or to one of its parents
    (``import torch as t`` -> ``t.linalg``). None when nothing in scope reaches it."""
    analysis = ctx.analysis
    scope = analysis.scope_of(near)
    line = getattr(near, "lineno", None)
    parts = target.split(".")
    # Prefer the conventional names first.
    candidates = [parts[0], *("nn", "F")]
    seen = set()
    for name in candidates:
        if name in seen:
            continue
        seen.add(name)
        try:
            binding = analysis.lookup(name, scope, line)
        except Exception:
            binding = None
        if binding is None or binding.kind not in ("import", "star"):
            continue
        bound = binding.qualname
        if target == bound:
            return name
        if target.startswith(bound + "."):
            return name + target[len(bound):]
    return None


_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
_ATTRIBUTE_ERRORS = frozenset({"AttributeError"})


_BROAD_ERRORS = frozenset({"Exception", "BaseException"})


def _catches_import_error(handler: ast.ExceptHandler, errors=frozenset(_IMPORT_ERRORS)) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in errors for k in kinds)


def _touches_torch(ctx: Context, body: list[ast.stmt]) -> bool:
    """The statements read an attribute of torch (``torch.autocast``): under ``except
    AttributeError`` the handler runs where that attribute is missing, an older torch."""
    a = ctx.analysis
    for stmt in body:
        for n in ast.walk(stmt):
            if n.__class__ is ast.Attribute and n.value.__class__ is ast.Name:  # type: ignore[attr-defined]
                q = flow.safe_qualname(a, n.value)  # type: ignore[attr-defined]
                if q is not None and (q == "torch" or q.startswith("torch.")):
                    return True
    return False


def import_fallbacks(ctx: Context) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], frozenset[str]]:
    """Compatibility fallbacks: ``try: <modern import> except ImportError: <old import>``,
    and ``try: <torch's modern attribute> except AttributeError: <the old one>`` (timm's
    ``partial(torch.autocast, ...)``, then ``torch.cuda.amp.autocast`` "for PyTorch < 1.10").

    Returns the source spans of those ``except`` handlers and the names their imports
    bind that the ``try`` body binds too. Code there runs only on old versions, where
    the old API is the right one: deprecation rules leave it (and the names) alone."""
    idx = index(ctx)
    cached = idx.cache.get("import_fallbacks")
    if cached is None:
        spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        names: set[str] = set()
        for node in flow.module_statements(ctx.analysis, ast.Try):  # a look-up: all of them
            modern = {a.asname or a.name.split(".")[0] for stmt in node.body for n in ast.walk(stmt)
                      if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
            detects = None  # (asked only of a try with an ``except AttributeError``)
            # (a broad handler after an import from torch: ``try: from torch.amp import GradScaler ...
            # except Exception: from torch.cuda.amp import GradScaler``, ML4SCI/DeepLense's notebook)
            from_torch = any(n.__class__ is ast.ImportFrom and not n.level and (n.module or "").split(".")[0] == "torch"
                             for stmt in node.body for n in ast.walk(stmt))  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                broad = handler.type is None or _catches_import_error(handler, _BROAD_ERRORS)
                if not (from_torch and broad):
                    if handler.type is None:
                        continue
                    if not (modern and _catches_import_error(handler)):
                        if not _catches_import_error(handler, _ATTRIBUTE_ERRORS):
                            continue
                        if detects is None:
                            detects = _touches_torch(ctx, node.body)
                        if not detects:
                            continue
                spans.append(((handler.lineno, handler.col_offset),
                              (handler.end_lineno or handler.lineno, handler.end_col_offset or 0)))
                for stmt in handler.body:
                    for n in ast.walk(stmt):
                        if isinstance(n, (ast.Import, ast.ImportFrom)):
                            names.update(a.asname or a.name.split(".")[0] for a in n.names
                                         if (a.asname or a.name.split(".")[0]) in modern)
        cached = (spans, frozenset(names))
        idx.cache["import_fallbacks"] = cached
    return cached  # type: ignore[return-value]


# a flag of a version test: ``TORCH_2_4`` (ultralytics), ``TORCH_GE_1_12``, ``_TORCH_GREATER_EQUAL_2_0``,
# ``pytorch_1_1_0_or_later`` (FCOS, from maskrcnn-benchmark), transformers' ``is_torch_greater_or_equal_than_1_10``
_VERSION_FLAG = lazy(r"torch_?(?:(?:ge|gt|le|lt|geq|leq|greater|less|equal|equals|or|than|to|at|least|most"
                     r"|newer|older|above|below|v|ver)_?)*\d+(?:_\d+)*"
                     r"(?:_(?:or|and)_(?:later|newer|above|higher|greater|up|earlier|older|below|lower))?$",
                     re.IGNORECASE)


def _names_torch_version(name: str) -> bool:
    lowered = name.lower()
    return "torch" in lowered and ("version" in lowered or _VERSION_FLAG.search(name) is not None)


_VERSION_TEXT = lazy(r"^\d+\.\d+(?:\.\d+)?$")


def _asks_a_version(call: ast.Call) -> bool:
    """``requires("2.3.0")`` or ``requires("2.3", "torch")``: a version first, and no other
    package named than torch."""
    if not call.args or call.args[0].__class__ is not ast.Constant \
            or not _VERSION_TEXT.match(str(call.args[0].value)):  # type: ignore[attr-defined]
        return False
    package = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "package"), None)
    return package is None or (package.__class__ is ast.Constant and package.value == "torch")  # type: ignore[attr-defined]


def _statement_and_field(parents: dict[ast.AST, ast.AST], node: ast.AST,
                         tests: list[ast.AST]) -> tuple[ast.AST | None, ast.AST]:
    """The statement holding expression ``node`` and its child on the way there; the
    conditional expressions on the way whose test holds ``node`` are added to ``tests``."""
    child, up = node, parents.get(node)
    while up is not None and not isinstance(up, ast.stmt):
        if up.__class__ is ast.IfExp and child is up.test:  # type: ignore[attr-defined]
            tests.append(up)
        child, up = up, parents.get(up)
    return up, child


@flow.whole_module_query("version_gates")
def _version_gates(a) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """See ``version_gates``. Found from the loads that read the version, looked up in the
    index (``torch.__version__`` or torchvision's, a name or attribute that says it holds torch's version or
    is a flag of a version test, a name assigned from one of them), each followed up to its
    statement: an ``if`` (or ``x if c else y``) whose test holds one is a gate, an
    assignment whose value holds one binds another name."""
    cached = a.queries.get("version_gates")
    if cached is not None:
        return cached
    cached = a.queries["version_gates"] = []
    if "torch" not in a.source.lower():  # (``torch.__version__`` and every flag spell it)
        return cached
    idx = flow.index(a)
    refs_by_name, parents = idx.refs_by_name, idx.parents
    reads: list[ast.AST] = [n for n in refs_by_name.get("__version__", ()) if n.__class__ is ast.Attribute
                            and flow.safe_qualname(a, n.value) in ("torch", "torchvision")]
    for key, refs in refs_by_name.items():
        if _names_torch_version(key):
            reads += refs
    # a project's own check of the installed torch, called with a version: pytorch-pfn-extras'
    # ``ppe.requires("2.3.0")`` (``Version(metadata.version("torch")) >= Version(v)``)
    reads += [c for c in idx.calls_by_name.get("requires", ()) if _asks_a_version(c)]
    gates: dict[int, ast.AST] = {}
    names: set[str] = set()
    for _ in range(4):  # a name bound to the version, one bound to a test of that name, ...
        bound: set[str] = set()
        for node in reads:
            tests: list[ast.AST] = []  # ``new() if TORCH_2_4 else old()``: both arms, as an if's
            stmt, field = _statement_and_field(parents, node, tests)
            for test in tests:
                gates[id(test)] = test
            if stmt.__class__ is ast.If and field is stmt.test:  # type: ignore[union-attr]
                gates[id(stmt)] = stmt  # type: ignore[assignment]
                # a flag set in an arm (``else: _use_native_amp = True``: the old Hugging Face trainer)
                bound.update(t.id for arm in (stmt.body, stmt.orelse) for s in arm  # type: ignore[union-attr]
                             if s.__class__ is ast.Assign and s.value.__class__ is ast.Constant
                             for t in s.targets if t.__class__ is ast.Name)
            elif stmt.__class__ is ast.Assign and field is stmt.value:  # type: ignore[union-attr]
                bound.update(t.id for t in stmt.targets if t.__class__ is ast.Name)  # type: ignore[union-attr]
        bound -= names
        if not bound:
            break
        names |= bound
        reads = [n for name in bound for n in refs_by_name.get(name, ()) if n.__class__ is ast.Name]
    for node in sorted(gates.values(), key=flow.BY_POSITION):
        cached.append(((node.lineno, node.col_offset),  # type: ignore[attr-defined]
                       (node.end_lineno or node.lineno, node.end_col_offset or 0)))  # type: ignore[attr-defined]
    return cached


def version_gates(ctx: Context) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Spans of the ``if`` statements and ``x if c else y`` expressions whose test reads
    torch's (or torchvision's) version, directly or through a name bound to it (``TORCH_GE_1_3 =
    LooseVersion(torch.__version__) >= ...``): each arm is written for some versions on
    purpose (pytorch-fcn calls ``log_softmax(x)`` under ``< 0.3``, before ``dim`` existed),
    so rules about an API's shape or age leave both arms alone. Names that say they hold
    torch's version count too (``torch_version()`` in TransformerEngine, mmengine's
    ``TORCH_VERSION``), and so do flags named for a version (``TORCH_2_4``, imported
    from ultralytics' utilities in yolov3)."""
    return _version_gates(ctx.analysis)


def in_compat_code(ctx: Context, node: ast.AST) -> bool:
    """``node`` is code kept for other versions of torch on purpose: an ``except
    ImportError`` fallback (or a use of a name one binds) or an arm of a version test (or
    a use of a name only its imports bind)."""
    if in_import_fallback(ctx, node) or _torch_0_only(ctx.analysis) or _where_torch_lacks(ctx.analysis, node) \
            or _never_taken(ctx.analysis, node):
        return True
    gates = version_gates(ctx)
    if not gates:
        return False
    return _within(gates, node) or (node.__class__ is ast.Name and node.id in _gated_imports(ctx.analysis))


def _never_taken(a, node: ast.AST) -> bool:
    """``node`` sits in the arm of an ``if`` (or a conditional expression) that a flag its
    function binds once, to a constant, rules out (HazyResearch/zoology's Nystromformer:
    ``autocast_disabled = False``, then ``torch.cuda.amp.autocast(enabled=False) if
    autocast_disabled else nullcontext()``): that code never runs."""
    child = node
    for anc in flow.ancestors(a, node):
        if anc.__class__ in (ast.If, ast.IfExp) and child is not anc.test:  # type: ignore[attr-defined]
            test = anc.test  # type: ignore[attr-defined]
            if test.__class__ is ast.Name:
                try:
                    scope = a.scope_of(test)
                    bindings = a.binding_scope(test.id, scope)
                    binds = bindings.bindings.get(test.id, []) if bindings is not None else []
                    if bindings is not None and bindings.node.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
                        binds = []  # (a script's setting at its top, ``fp16 = False``: its user flips it)
                except Exception:
                    binds = []
                value = binds[0].node if len(binds) == 1 and binds[0].kind == "assign" and binds[0].index is None else None
                if value.__class__ is ast.Constant and isinstance(value.value, bool):  # type: ignore[union-attr]
                    body = anc.body if isinstance(anc.body, list) else [anc.body]  # type: ignore[attr-defined]
                    in_body = any(child is s for s in body)
                    if in_body != value.value:  # type: ignore[union-attr]
                        return True
        if anc.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef):
            return False
        child = anc
    return False


def _where_torch_lacks(a, node: ast.AST) -> bool:
    """``node`` runs only on a torch without something: in the ``else`` of ``if hasattr(torch.amp,
    "autocast"):`` (or the body of ``if not hasattr(...)``), a fallback (bowang-lab/scGPT's
    ``torch.cuda.amp.autocast`` for torch 2.0). The arm where torch has it runs on every newer
    torch too (coqui-ai/TTS tests that ``torch.cuda.amp.autocast`` exists, then uses it)."""
    spans = _lacking_spans(a)
    return bool(spans) and _within(spans, node)


def _lacking_spans(a) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The spans of ``_where_torch_lacks``, from the index's ``hasattr`` calls. Once per file."""
    found = a.queries.get("lacking_spans")
    if found is None:
        found = a.queries["lacking_spans"] = []
        parents = flow.index(a).parents
        for call in flow.index(a).calls_by_name.get("hasattr", ()):
            if not _asks_torch_for(a, call):
                continue
            up = parents.get(call)
            negated = up.__class__ is ast.UnaryOp and up.op.__class__ is ast.Not  # type: ignore[union-attr]
            test = up if negated else call
            if not negated and up.__class__ is ast.BoolOp and up.op.__class__ is ast.And \
                    and all(_asks_torch_for(a, v) for v in up.values):  # type: ignore[union-attr]
                test = up  # (``hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler")``; not ``use_amp and ...``)
            branch = parents.get(test)
            if branch.__class__ not in (ast.If, ast.IfExp) or branch.test is not test:  # type: ignore[union-attr]
                continue
            arm = branch.body if negated else branch.orelse  # type: ignore[union-attr]
            nodes = arm if isinstance(arm, list) else [arm]
            if not nodes and branch.__class__ is ast.If and not negated and _returns(branch.body):  # type: ignore[union-attr]
                nodes = _rest_of_block(parents, branch)  # (the arm that has it returns: what follows is the fallback)
            if nodes:
                found.append(((nodes[0].lineno, nodes[0].col_offset), (nodes[-1].end_lineno, nodes[-1].end_col_offset)))
    return found


def _returns(body: list[ast.stmt]) -> bool:
    """The block ends by returning: its last statement is a ``return``, or a ``try`` whose
    body does (pablo-reyes8/multiscale-vision-transformers: ``try: return torch.amp.GradScaler(...)
    except Exception: pass``, the fallback after it run only where torch lacks the new class)."""
    last = body[-1] if body else None
    if last.__class__ is ast.Return:
        return True
    if last.__class__ is ast.Try:
        return _returns(last.body)  # type: ignore[attr-defined]
    if last.__class__ is ast.If:
        return _returns(last.body) and _returns(last.orelse)  # type: ignore[attr-defined]
    return False


def _rest_of_block(parents: dict, stmt: ast.stmt) -> list[ast.stmt]:
    """The statements after ``stmt`` in the block that holds it."""
    holder = parents.get(stmt)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(holder, field, None)
        if block.__class__ is list and any(s is stmt for s in block):
            return block[[i for i, s in enumerate(block) if s is stmt][0] + 1:]
    return []


def _asks_torch_for(a, test: ast.AST) -> bool:
    """``hasattr(torch.<module>, "name")``."""
    return (test.__class__ is ast.Call and test.func.__class__ is ast.Name and test.func.id == "hasattr"  # type: ignore[attr-defined]
            and len(test.args) == 2 and (flow.safe_qualname(a, test.args[0]) or "").partition(".")[0] == "torch")  # type: ignore[attr-defined]


@flow.whole_module_query("torch_0_only")
def _torch_0_only(a) -> bool:
    """The module asserts, at its top, that torch is a 0.x release (naoto0804/pytorch-AdaIN's
    Lua converter: ``assert torch.__version__.split('.')[0] == '0'``): all of it is code for
    that torch, older than every deprecation and removal the rules know."""
    found = a.queries.get("torch_0_only")
    if found is None:
        found = a.queries["torch_0_only"] = any(
            stmt.__class__ is ast.Assert and _asserts_torch_0(stmt.test) for stmt in a.tree.body)  # type: ignore[attr-defined]
    return found


def _asserts_torch_0(test: ast.expr) -> bool:
    """``torch.__version__.split('.')[0] == '0'``, ``torch.__version__.startswith('0.')``,
    ``torch.__version__ < '1'``/``'1.0'``."""
    def about_version(e: ast.expr) -> bool:
        return any(n.__class__ is ast.Attribute and n.attr == "__version__" for n in ast.walk(e))  # type: ignore[attr-defined]

    if test.__class__ is ast.Call and flow.method_name(test) == "startswith" and test.args \
            and about_version(test.func) and test.args[0].__class__ is ast.Constant:  # type: ignore[attr-defined]
        return str(test.args[0].value).startswith("0.")  # type: ignore[attr-defined]
    if test.__class__ is not ast.Compare or len(test.ops) != 1 or not about_version(test.left):  # type: ignore[attr-defined]
        return False
    right, op = test.comparators[0], test.ops[0]  # type: ignore[attr-defined]
    if right.__class__ is not ast.Constant:
        return False
    value = str(right.value)  # type: ignore[attr-defined]
    return (op.__class__ is ast.Eq and (value == "0" or value.startswith("0."))) \
        or (op.__class__ is ast.Lt and value in ("1", "1.0", "1.0.0"))


@flow.whole_module_query("gated_imports")
def _gated_imports(a) -> frozenset[str]:
    """Names bound only by imports (or module-level assignments) inside arms of a version
    test: the old Hugging Face
    trainer's ``if version.parse(torch.__version__) < version.parse("1.6"): ... else:
    _use_native_amp = True; from torch.cuda.amp import autocast`` (PrefixTuning), whose
    ``autocast()`` runs only where that torch was chosen. Once per file (the whole
    module's, also when the editor re-lints one statement)."""
    found = a.queries.get("gated_imports")
    if found is None:
        gates = _version_gates(a)
        inside: set[str] = set()
        outside: set[str] = set()
        if gates:
            index = flow.index(a)
            for stmt in index.imports:
                names = {alias.asname or alias.name.split(".")[0] for alias in stmt.names}
                (inside if _within(gates, stmt) else outside).update(names)
            # and names assigned there (princeton-vl/DROID-SLAM: ``if torch.__version__.startswith("2"):
            # autocast = partial(torch.autocast, device_type="cuda") else: autocast = torch.cuda.amp.autocast``)
            for stmt in index.assigns:
                if stmt.__class__ is ast.Assign and flow.parent(a, stmt).__class__ in (ast.If, ast.Module):
                    names = {t.id for t in stmt.targets if t.__class__ is ast.Name}  # type: ignore[attr-defined]
                    (inside if _within(gates, stmt) else outside).update(names)
        found = a.queries["gated_imports"] = frozenset(inside - outside)
    return found


def fallback_of(a, node: ast.AST, modern) -> bool:
    """``node`` sits in an ``except`` handler (of its own function) whose ``try`` body makes a
    call ``modern(call)`` accepts: the old form kept for a library that lacks the new one, which
    runs only where the new call failed (``try: torch.load(p, weights_only=False)`` / ``except
    TypeError: torch.load(p)``: hathanhv/xray_pneumonia; ``try: F.softmax(s, dim=1)`` / ``except:
    F.softmax(s)``: howardyclo/pytorch-seq2seq-example)."""
    for anc in flow.ancestors(a, node):
        if isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.ExceptHandler:
            owner = flow.parent(a, anc)
            return any(n.__class__ is ast.Call and modern(n) for stmt in getattr(owner, "body", ())
                       for n in ast.walk(stmt))
    return False


def _within(spans: list[tuple[tuple[int, int], tuple[int, int]]], node: ast.AST) -> bool:
    here = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    if len(spans) <= 8:
        return any(start <= here <= end for start, end in spans)
    starts, ends = _merged(spans)  # (a script with a version gate in every part: no scan of them all per node)
    i = bisect.bisect_right(starts, here) - 1
    return i >= 0 and here <= ends[i]


# id(spans) -> (spans, the starts and ends of their union, in order): the span lists are the
# memoized answers of a file's queries, asked of many nodes
_MERGED: dict[int, tuple[list, list, list, int]] = {}


def _merged(spans: list[tuple[tuple[int, int], tuple[int, int]]]) -> tuple[list, list]:
    entry = _MERGED.get(id(spans))
    if entry is None or entry[0] is not spans or entry[3] != len(spans):  # (a list still being filled: again)
        starts: list = []
        ends: list = []
        for start, end in sorted(spans):
            if starts and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        if len(_MERGED) > 32:
            _MERGED.clear()
        entry = _MERGED[id(spans)] = (spans, starts, ends, len(spans))  # (keeps the list, and its id, alive)
    return entry[1], entry[2]


def in_import_fallback(ctx: Context, node: ast.AST) -> bool:
    """``node`` is inside an ``except ImportError`` fallback, or is a use of a name one
    binds (see ``import_fallbacks``)."""
    spans, names = import_fallbacks(ctx)
    if not spans:
        return False
    if isinstance(node, ast.Name) and node.id in names:
        return True
    return _within(spans, node)
