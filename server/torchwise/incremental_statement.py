"""Editor lint of one edited top-level function or class: an edit whose lines lie inside
one ``def``/``class`` statement (decorators included) re-parses that statement alone,
splices it into the previous syntax tree (the statements after it moved by the line
delta), and lints only it, against an analysis of the whole spliced module; the other
statements' findings are the previous ones, moved.

That is sound only while nothing the other statements see of the edited one changed:
``interface`` lists it (signature, decorators, effects summaries, return values, call
sites of the file's and the project's functions with their arguments' values and
context, ``global`` names, class attributes), compared before and after. Rules whose
verdict on a node depends on other code in ways that list misses are declared
``module_wide`` at their ``@rule`` and run over the whole module here, unless the
edit only typed, deleted or changed such inert calls with constant arguments on lines
of their own (``inert_side``): then every other node is as it was and their findings
stay, moved.

An edit of module-level code (in or between statements that are not defs or classes:
main guards, loops, plain statements) re-lints all module-level code, one flow (the
"module function"), and keeps the defs' and classes' findings while what they can see
of the edited statements is unchanged (``module_code_interface``: their dump, less
calls of a few inert builtins such as ``print("...")`` and torch functions no rule names,
such as ``torch.manual_seed(0)``). Anything else odd (a syntax
error, an edit across a def, the first statement or a ``__future__`` import moved, a
text probe, unused-noqa selected) is linted in full.
``tests/test_incremental_lint.py`` compares every result with a full lint.

What the edit cannot change is carried over from the previous version rather than
computed again: the whole module's lint index is updated for the edited statements
(``_spliced_index``), as the tree is, and so is the index of all module-level code
that a module-code re-lint visits (``_code_index``).
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left, bisect_right
from contextlib import nullcontext
from typing import Callable, ContextManager

from torchwise.incremental import (_HEADER, _TEXT_PROBES, Snapshot, _common_prefix, _common_suffix, _eol, _moved)
from torchwise.analysis import dotted, first_line
from torchwise.lint import flow
from torchwise.lint.base import Finding, Rule
from torchwise.records import replace
from torchwise.text import parse_python, split_lines

_NOQA = re.compile("noqa", re.IGNORECASE)
_UNITS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_UNIT_SET = frozenset(_UNITS)
_CONTEXTS = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.If, ast.Try, ast.IfExp,
             ast.ExceptHandler, ast.comprehension, ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# dumped whole: names bound module-wide, what a function returns; imports (an ``except
# ImportError`` fallback's names are exempt from deprecation rules all over the module)
_VISIBLE = (ast.Global, ast.Nonlocal, ast.Return, ast.Yield, ast.YieldFrom, ast.With, ast.AsyncWith, ast.Import,
            ast.ImportFrom, ast.ExceptHandler)


def relint(old: Snapshot, source: str, key: tuple[str, ...], stamp: object, rules: list[Rule], path: str,
           analyse: Callable[[str, ast.Module, tuple], object],
           seeing_before: Callable[[], ContextManager] = nullcontext) -> tuple[list[Finding], Snapshot] | None:
    """The findings of ``source`` (``old``'s text with one top-level def/class, or
    module-level code, edited) and the next snapshot; None: lint in full. ``analyse(source, tree, splice)``: the
    analysis the editor lints with, built on the given tree (``splice``: ``build_analysis``'s);
    ``seeing_before()``: the context in which the previous version's analysis is asked what
    it showed (``Project.seeing``). Mutates ``old``'s tree (moves lines)."""
    before = old.analysis
    if before is None or key != old.key or stamp != old.stamp or before.source is not old.source:
        return None
    if "\x00" in source or (any(r.code == "TW002" for r in rules) and _NOQA.search(source)):
        return None  # unused-noqa needs every finding of the file, suppressed ones too
    a, b = old.lines, split_lines(source, keepends=True)
    p = _common_prefix(a, b)
    s = _common_suffix(a, b, min(len(a), len(b)) - p)
    k, delta = len(a) - s - p, len(b) - len(a)
    if p < 2 and (_HEADER.match("".join(a[:2])) or _HEADER.match("".join(b[:2]))):
        return None
    eol = _eol(a[p - 1] if p else "")
    if not eol or any(_eol(line) != eol or _TEXT_PROBES.search(line) for line in a[p:p + k] + b[p:p + k + delta]):
        return None
    i = bisect_right(old.starts, max(p, 1)) - 1  # the statement holding old line p + 1 (or p, for an insertion)
    tree = before.tree
    first, last = old.spans[i] if i >= 0 else (0, 0)
    if i < 0 or not (first <= p + 1 and p + k <= last and (k or p < last)) or not isinstance(tree.body[i], _UNITS):
        # module-level code, or not inside one statement
        return _relint_module_code(old, source, b, key, stamp, rules, path, analyse, p, k, seeing_before)
    stmt = tree.body[i]
    end = old.starts[i + 1] - 1 if i + 1 < len(old.starts) else len(a)
    new = _parse(b[first - 1:end + delta], first)
    if new is None or new.__class__ is not stmt.__class__ or first_line(new) != first:
        return None
    mine = [f for f in old.found if first <= f.line <= last or first <= f.end_line <= last]
    kept = []
    for f in old.found:
        if f in mine or f.rule.module_wide:
            continue
        moved = _moved(f, first - 1, last - first + 1, delta)
        if moved is None:
            return None
        kept.append(moved)
    known = (old.interfaces or {}).get(id(stmt))
    with seeing_before():
        seen = known[1] if known is not None and known[0] is stmt else interface(before, stmt)
        inert_before = inert_side(before, [stmt], a, p + 1, p + k)
    tree.body[i] = new
    positioned = _positioned(old, [stmt])
    if delta:
        _shift(tree.body[i + 1:], delta, positioned)
    analysis = analyse(source, tree, (before, i, [stmt], [new], delta))
    if getattr(analysis, "syntax_error", None) is not None:
        return None
    piece = _seed_index(before, analysis, i, [stmt], [new])
    now = interface(analysis, new)
    if now != seen:
        return None
    inert = inert_before is not None and inert_side(analysis, [new], b, p + 1, p + k + delta) == inert_before
    wide = _kept_wide(old, p, k, delta) if inert else None
    focus = _lint_focus(analysis, path, rules, new, [(first, new.end_lineno)], piece, wide is not None)
    if focus is None:
        return None
    found = kept + (wide or []) + focus
    from torchwise.lint.engine import _finish

    found = _finish(analysis, rules, found)
    spans = old.spans[:i] + [(first, new.end_lineno)] + [(x + delta, y + delta) for x, y in old.spans[i + 1:]]
    return found, Snapshot(source, b, key, found, spans, [x for x, _ in spans], stamp, analysis, positioned,
                           {id(new): (new, now)})


def _relint_module_code(old: Snapshot, source: str, b: list[str], key, stamp, rules: list[Rule], path: str,
                        analyse, p: int, k: int, seeing_before=nullcontext) -> tuple[list[Finding], Snapshot] | None:
    """Old lines ``p+1``..``p+k`` replaced, in or between top-level statements that are
    module-level code (not defs or classes), all of them, old and new. Module-level code
    is one flow (the "module function"): every module-level statement is re-linted; the
    defs' and classes' findings stay, moved, while what they can see of the edited code
    is unchanged (``module_code_interface``)."""
    before = old.analysis
    tree = before.tree
    a = old.lines
    delta = len(b) - len(a)
    if k:  # the statements the replaced lines overlap
        touched = [j for j, (x, y) in enumerate(old.spans) if x <= p + k and p + 1 <= y]
    else:  # the one an insertion falls inside
        touched = [j for j, (x, y) in enumerate(old.spans) if x <= p < y]
    if touched:
        i0, i1 = touched[0], touched[-1]
        lo = min(old.spans[i0][0], p + 1)
        hi = max(old.starts[i1 + 1] - 1 if i1 + 1 < len(old.starts) else len(a), p + k)
    else:  # between statements (their blank and comment lines)
        i0 = i1 = bisect_right(old.starts, p)
        i1 -= 1
        lo, hi = p + 1, p + k
    if i0 == 0 or any(isinstance(s, ast.ImportFrom) and s.module == "__future__" for s in tree.body[i0:]):
        return None  # a docstring or ``__future__`` import would no longer come first
    region = tree.body[i0:i1 + 1]
    new = _parse_many(b[lo - 1:hi + delta], lo)
    if new is None or any(isinstance(s, _UNITS) for s in region + new):
        return None
    with seeing_before():
        seen = module_code_interface(before, region)
        if seen is None or module_code_interface(before, new) != seen:
            return None  # told before the splice and the analysis: most module-level edits are a full lint
        inert_before = inert_side(before, region, a, p + 1, p + k)
    code = [s for s in tree.body[:i0] + new + tree.body[i1 + 1:] if not isinstance(s, _UNITS)]
    kept = []
    for f in old.found:
        if f.rule.module_wide:
            continue
        j = bisect_right(old.starts, f.line) - 1
        if j < 0 or not (old.spans[j][0] <= f.line and f.end_line <= old.spans[j][1]):
            return None  # between or across statements
        if not isinstance(tree.body[j], _UNITS):
            continue  # re-linted
        moved = _moved(f, lo - 1, hi - lo + 1, delta)
        if moved is None:
            return None
        kept.append(moved)
    tree.body[i0:i1 + 1] = new
    positioned = _positioned(old, region)
    if delta:
        _shift(tree.body[i0 + len(new):], delta, positioned)
    analysis = analyse(source, tree, (before, i0, region, new, delta))
    if getattr(analysis, "syntax_error", None) is not None:
        return None
    _seed_index(before, analysis, i0, region, new)
    if module_code_interface(analysis, new) != seen:
        return None
    spans = old.spans[:i0] + [(s.lineno, s.end_lineno) for s in new] + [(x + delta, y + delta) for x, y in old.spans[i1 + 1:]]
    # module-level code is one flow (a rule pairs a step in one statement with a scaled
    # backward in another): all of it is linted again, even after an inert edit
    inert = inert_before is not None and inert_side(analysis, new, b, p + 1, p + k + delta) == inert_before
    wide = _kept_wide(old, p, k, delta) if inert else None
    focus = _lint_focus(analysis, path, rules, code, [(s.lineno, s.end_lineno) for s in code], None, wide is not None)
    if focus is None:
        return None
    from torchwise.lint.engine import _finish

    found = _finish(analysis, rules, kept + (wide or []) + focus)
    return found, Snapshot(source, b, key, found, spans, [x for x, _ in spans], stamp, analysis, positioned)


def _parse_many(lines: list[str], first: int) -> list[ast.stmt] | None:
    """The statements ``lines`` (from line ``first`` of the file) hold, numbered as in
    the file; None when they do not parse alone, end inside a continued line or hold a
    ``__future__`` import."""
    text = "".join(lines)
    if text.rstrip().endswith("\\"):
        return None
    try:
        module = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if any(isinstance(s, ast.ImportFrom) and s.module == "__future__" for s in module.body):
        return None
    return [ast.increment_lineno(s, first - 1) for s in module.body]


# builtins whose call, with arguments that call, bind or define nothing, changes nothing
# the module's defs and classes see (``print("here")`` typed in module-level code)
_INERT_BUILTINS = frozenset(f"builtins.{name}" for name in (
    "print", "len", "repr", "str", "isinstance", "abs", "round", "min", "max", "sum", "sorted", "format",
    "hash", "id", "type", "int", "float", "bool", "list", "tuple", "dict", "set"))
_ACTIVE = (ast.Call, ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)
_SCOPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Global, ast.Nonlocal, ast.Match)


def module_code_interface(analysis, stmts: list[ast.stmt]) -> list[str] | None:
    """What the module's defs and classes can see of module-level statements ``stmts``:
    their dumps less expression statements that call an inert builtin with plain
    arguments (those alone may differ before and after an edit). None: they hold a
    function, class, lambda, ``global`` or ``match`` (own scopes, summaries): lint in full."""
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, _SCOPED):
                return None
    return [ast.dump(_without_inert(analysis, s)) for s in stmts if not _inert_expr(analysis, s)]


def _without_inert(analysis, node: ast.AST, inert=None) -> ast.AST:
    """A shallow rebuild of ``node`` without inert expression statements in its blocks
    (``inert(analysis, stmt)``: ``_inert_expr`` unless given)."""
    inert = _inert_expr if inert is None else inert
    changed = {}
    for name in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(node, name, None)
        if block.__class__ is not list:
            continue
        kept = [_without_inert(analysis, s, inert) for s in block if not inert(analysis, s)]
        changed[name] = kept
    if not changed:
        return node
    copy = node.__class__(**{f: getattr(node, f, None) for f in node._fields})
    for name, value in changed.items():
        setattr(copy, name, value)
    return copy


# torch functions whose call, with plain arguments, changes nothing a rule sees outside
# the module-level code re-linted with it (seeding, printing, threads): no rule, nor the
# analysis's effects and regions, names one (a test greps the rule modules)
_INERT_TORCH = frozenset((
    "torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all",
    "torch.set_printoptions", "torch.set_num_threads", "torch.set_num_interop_threads"))


def _inert_expr(analysis, stmt: ast.AST) -> bool:
    if stmt.__class__ is not ast.Expr or stmt.value.__class__ is not ast.Call:
        return False
    call = stmt.value
    if any(isinstance(n, _ACTIVE) for arg in call.args + [k.value for k in call.keywords] for n in ast.walk(arg)):
        return False
    name = call.func
    if name.__class__ is ast.Attribute:
        return _torch_function(analysis, name) in _INERT_TORCH
    if name.__class__ is not ast.Name or "builtins." + name.id not in _INERT_BUILTINS:
        return False
    scope = analysis.module_scope  # the builtin itself: not bound in the module, no star import may bind it
    return name.id not in scope.bindings and not scope.star_imports and \
        flow.safe_qualname(analysis, name) in (None, "builtins." + name.id)


def _constant_inert(analysis, stmt: ast.AST) -> bool:
    """An inert call (``_inert_expr``) whose arguments are constants (``print("here")``,
    ``torch.manual_seed(0)``): it passes, reads and binds nothing any rule follows."""
    if stmt.__class__ is not ast.Expr or stmt.value.__class__ is not ast.Call:
        return False
    call = stmt.value
    if any(arg.__class__ is not ast.Constant for arg in call.args) or \
            any(kw.arg is None or kw.value.__class__ is not ast.Constant for kw in call.keywords):
        return False
    return _inert_expr(analysis, stmt)


def inert_side(analysis, stmts: list[ast.stmt], lines: list[str], lo: int, hi: int) -> list[str] | None:
    """One side of an inert edit: lines ``lo``..``hi`` (of top-level statements ``stmts``)
    hold only whole constant-argument inert calls (``_constant_inert``), blank and comment
    lines, each on lines no other statement shares; then the statements' dumps less those
    calls, else None. Old lines ``p+1``..``p+k`` that became new lines ``p+1``..``p+k+delta``
    with equal sides changed nothing but such calls: every other node is what it was (moved
    by the line delta), and what no rule sees was typed, so the module-wide rules' findings
    elsewhere stay too (``relint``). The old side is taken before the analysis is spliced
    (``Analysis.spliced`` uses the old analysis up)."""
    if not _only_inert(analysis, stmts, lines, lo, hi):
        return None
    return [ast.dump(_without_inert(analysis, s, _constant_inert)) for s in stmts if not _constant_inert(analysis, s)]


def _only_inert(analysis, stmts: list[ast.stmt], lines: list[str], lo: int, hi: int) -> bool:
    """Lines ``lo``..``hi`` of ``stmts`` hold only blank lines, comments and whole
    constant-argument inert calls, each on lines of its own."""
    if lo > hi:
        return True
    from torchwise.incremental import _BLANK_OR_COMMENT

    covered: set[int] = set()
    stack = list(stmts)
    while stack:
        stmt = stack.pop()
        start = first_line(stmt)
        if stmt.end_lineno < lo or start > hi:
            continue  # not on the edited lines
        if _constant_inert(analysis, stmt):
            if not (lo <= stmt.lineno and stmt.end_lineno <= hi):
                return False
            covered.update(range(stmt.lineno, stmt.end_lineno + 1))
            continue
        blocks = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody", "handlers", "cases")]
        blocks = [x for x in blocks if x.__class__ is list and x]
        if not blocks or lo <= start <= hi:
            return False  # a simple statement, or a compound one's first line, on an edited line
        for block in blocks:
            for child in block:
                if isinstance(child, ast.stmt):
                    stack.append(child)
                else:  # an ``except`` clause or a ``case``: its statements
                    if lo <= getattr(child, "lineno", lo) <= hi:
                        return False
                    stack.extend(child.body)
    return all(n in covered or _BLANK_OR_COMMENT.match(lines[n - 1]) is not None for n in range(lo, hi + 1))


def _kept_wide(old: Snapshot, p: int, k: int, delta: int) -> list[Finding] | None:
    """The module-wide rules' previous findings, moved, after an inert edit of old lines
    ``p+1``..``p+k`` (``inert_side``); None when one is on those lines or its fix is placed
    near them (relative to the statements around: ``incremental._fix_near``)."""
    from torchwise.incremental import _BLANK_OR_COMMENT, _fix_near

    lines = old.lines
    r = next((i for i in range(p, 0, -1) if _BLANK_OR_COMMENT.match(lines[i - 1]) is None), 1)
    q = next((i for i in range(p + k + 1, len(lines) + 1) if _BLANK_OR_COMMENT.match(lines[i - 1]) is None),
             len(lines))
    out = []
    for f in old.found:
        if not f.rule.module_wide:
            continue
        if f.fix is not None and _fix_near(f.fix, p, r, q, lines):
            return None
        moved = _moved(f, p, k, delta)
        if moved is None:
            return None
        out.append(moved)
    return out


def _torch_function(analysis, func: ast.Attribute) -> str | None:
    """The torch function ``func`` (``torch.cuda.manual_seed``) names in module-level
    code, from the module's bindings of its root name alone (every one ``import torch``,
    no star import): the same answer for the new statements before they are analysed."""
    path = dotted(func)
    if not path:
        return None
    root, _, rest = path.partition(".")
    scope = analysis.module_scope
    bindings = scope.bindings.get(root)
    if not bindings or scope.star_imports or \
            any(b.kind != "import" or b.qualname != "torch" for b in bindings):
        return None
    return "torch." + rest


def _positioned(old: Snapshot, replaced: list[ast.stmt]) -> dict:
    """``old``'s table of statements' positioned nodes (``Snapshot.positioned``), less
    the statements an edit replaced; passed on to the next snapshot."""
    table = old.positioned
    if table is None:
        table = {}
    for stmt in replaced:
        table.pop(id(stmt), None)
    old.positioned = None  # the next snapshot's now
    return table


def _shift(stmts: list[ast.stmt], delta: int, positioned: dict | None = None) -> None:
    """``ast.increment_lineno`` of each of ``stmts``: their nodes with line numbers
    listed once per statement (in ``positioned``, reused by later edits), then moved in
    a flat loop without the walk's per-node child probes."""
    table = {} if positioned is None else positioned
    for stmt in stmts:
        entry = table.get(id(stmt))
        if entry is None or entry[0] is not stmt:
            entry = table[id(stmt)] = (stmt, _with_lines(stmt))
        for node in entry[1]:
            node.lineno += delta
            end = node.end_lineno
            if end is not None:
                node.end_lineno = end + delta


def _with_lines(stmt: ast.stmt) -> list[ast.AST]:
    """The nodes of ``stmt`` (itself included) that have line numbers, in one walk."""
    from torchwise.analysis import _CHILD_FIELDS, _child_fields

    out: list[ast.AST] = []
    stack: list[ast.AST] = [stmt]
    pop, push, extend, keep = stack.pop, stack.append, stack.extend, out.append
    node_type = ast.AST
    while stack:
        node = pop()
        kind = node.__class__
        if "lineno" in kind._attributes:
            keep(node)
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                push(value)
    return out


def _parse(lines: list[str], first: int) -> ast.stmt | None:
    """The one statement ``lines`` (from line ``first`` of the file) hold, numbered as
    in the file; None when they do not parse alone into one statement (see ``_parse_many``)."""
    stmts = _parse_many(lines, first)
    return stmts[0] if stmts is not None and len(stmts) == 1 else None


def _seed_index(before, analysis, i0: int, old: list[ast.stmt], new: list[ast.stmt]) -> "flow.Index":
    """``new``'s own lint index, and the new ``analysis``'s whole-module one: the previous
    version's, updated for the edit (``_spliced_index``) where it can be, else built on
    first use as for any analysis."""
    piece = flow.Index(analysis.tree, focus=new, lookups=False)
    whole = _spliced_index(before, analysis.tree, i0, old, new, piece)
    if whole is not None:
        analysis.queries["lint_index"] = whole
        if analysis._parents is None:  # as ``flow.index`` shares it
            analysis._parents = whole.parents
    return piece


def _lint_focus(analysis, path: str, rules: list[Rule], stmt: ast.stmt | list[ast.stmt],
                lines: list[tuple[int, int]], piece: "flow.Index | None" = None,
                wide_kept: bool = False) -> list[Finding] | None:
    """The rules' findings on ``stmt`` (top-level statements, on lines ``lines``): each
    rule visits only their nodes (a lint index of them alone: ``piece``, if given, is
    it, without look-up tables), but module-wide rules see the whole module (none run
    when ``wide_kept``: their previous findings stand)."""
    from torchwise.lint.engine import run_rules

    local = [r for r in rules if not r.module_wide and r.code != "TW002"]
    wide = [r for r in rules if r.module_wide and not wide_kept]
    stmts = stmt if isinstance(stmt, list) else [stmt]
    found = run_rules(analysis, wide, path, on_error=lambda m: None) if wide else []
    whole = analysis.queries  # what ``interface`` and the module-wide rules derived from the whole module
    # the first functions, a look-up table: the whole module's index has them (spliced, or
    # built for ``_focus_queries`` below anyway), not a second walk of the module
    focus = _code_index(analysis, stmts) if piece is None else piece
    focus.functions = flow.index(analysis).functions
    analysis.queries = _focus_queries(analysis, whole, focus)
    starts = [x for x, _ in lines]
    try:
        # a rule that visits the analysis's own tables (its classes, its calls) rather than
        # the index meets other statements' nodes too: their findings are the moved ones
        for f in run_rules(analysis, local, path, on_error=lambda m: None):
            j = bisect_right(starts, f.line) - 1
            if j >= 0 and f.end_line <= lines[j][1]:
                found.append(f)
    finally:
        analysis.queries = whole
    return found


def _code_index(analysis, stmts: list[ast.stmt]) -> "flow.Index":
    """The lint index (``lookups=False``) of ``stmts``, all the module-level code: kept
    on the whole module's index (``code_index``) and updated with it by the next edit
    (``_spliced_index``), rather than a walk of all module-level code per edit."""
    whole = flow.index(analysis)
    kept = whole.code_index
    if kept is not None and len(kept[0]) == len(stmts) and all(a is b for a, b in zip(kept[0], stmts)):
        focus = kept[1]
        focus._sorted, focus._all, focus.enclosing = {}, None, {}  # memos of the version it last served
        return focus
    focus = flow.Index(analysis.tree, focus=stmts, lookups=False)
    whole.code_index = (list(stmts), focus)
    return focus


def _focus_queries(analysis, whole: dict, focus: "flow.Index") -> dict:
    """The query table the rules run with on a focus: its index lists the focused
    statements' nodes to visit, but its look-up tables (parents, each scope's nodes and
    stores, names and attributes seen, ``from x import y as z`` aliases) are the whole
    module's, and so are the function summaries (a helper outside the focus is
    summarised as a full lint does: its locals, its conditional calls) and the rules'
    look-ups declared ``flow.whole_module_query`` (the functions that clear gradients), and
    ``flow.module_statements`` (from the whole index, not a walk of the module per edit)."""
    from torchwise.project.effects import _stored_by_scope

    index = flow.index(analysis)  # the whole module's (``whole`` is the analysis's table)
    stored = _stored_by_scope(analysis)
    focus.parents, focus.local, focus.stores_by_local = index.parents, index.local, index.stores_by_local
    focus.attribute_names, focus.stored_names = index.attribute_names, index.stored_names
    focus.from_aliases = set(index.from_aliases)
    table = {"lint_index": focus, "stored_by_scope": stored, "kept_nodes": whole.setdefault("kept_nodes", {}),
             "whole_lint_index": index, "module_statements": whole.setdefault("module_statements", {})}
    for key, query in flow.WHOLE_MODULE_QUERIES.items():  # while ``analysis.queries`` is ``whole``
        table[key] = query(analysis)
    if "effects" in whole:
        table["effects"] = whole["effects"]
    return table


def interface(analysis, stmt: ast.stmt) -> list:
    """What the module's other statements can see of top-level ``stmt`` (a def or a
    class), in plain values: equal before and after an edit, their findings stay."""
    from torchwise.project.effects import summaries

    out: list = []
    effects = summaries(analysis.tree, analysis)
    units = [stmt] + ([s for s in stmt.body if isinstance(s, _FUNCS)] if isinstance(stmt, ast.ClassDef) else [])
    # the targets of the file's ``.train()``/``.eval()`` calls: the only names besides a
    # parameter or ``self.x`` a caller compares a helper's ``called`` with (``_mode_targets``)
    modes = _mode_call_targets(analysis)
    tails = {m.partition(".")[2] for m in modes if m}
    names = set(effects.functions) | {m for methods in effects.methods.values() for m in methods}
    for unit in units:
        summary = effects.of(unit)
        # a region's calls: by name, of the file's functions (``rules/_reach.py``)
        called = sorted(t for t in summary.called if _may_be_mode_target(t, modes, tails))
        regions = summary.regions
        if regions is not None:
            regions = (sorted(regions.body), sorted({(c[0].rpartition(".")[2], tuple(sorted(c[5])))
                                                     for c in regions.calls if c[0].rpartition(".")[2] in names}))
        out.append(("effects", _plain(replace(summary, called=frozenset(), regions=None)),
                    called, regions))
    info = analysis.classes.get(stmt) if isinstance(stmt, ast.ClassDef) else None
    if info is not None:
        for attr, assigned in sorted(info.attributes.items()):
            out.append(("attribute", attr, [(ast.dump(e), _value(analysis, e, scope)) for scope, e in assigned]))
    _facts(analysis, stmt, (), out, names)
    return out


def _mode_call_targets(analysis) -> set:
    """What the file's ``x.train()``/``x.eval()`` calls are called on (dotted), once per
    version: from the whole module's lint index where it has one (the previous lint's,
    spliced), not a scan of every call of the file for each interface asked."""
    found = analysis.queries.get("interface_modes")
    if found is None:
        idx = analysis.queries.get("lint_index")
        calls = [c for name in ("train", "eval") for c in idx.calls_by_name.get(name, ())] \
            if idx is not None and idx.whole and idx.tree is analysis.tree else analysis.calls
        found = analysis.queries["interface_modes"] = {
            dotted(c.func.value) for c in calls if c.func.__class__ is ast.Attribute and c.func.attr in ("train", "eval")}
    return found


def _may_be_mode_target(target: str, modes: set, tails: set) -> bool:
    """Whether a helper's ``called`` entry may name, as its caller maps it (``#1.fc``:
    the second argument's ``fc``), a target of the file's mode calls."""
    if target in modes:
        return True
    if not target.startswith("#"):
        return False
    rest = target.partition(".")[2]
    return not rest or any(t == rest or t.endswith("." + rest) for t in tails)


def _facts(analysis, node: ast.AST, context: tuple, out: list, names: set[str]) -> None:
    """Signatures, decorators, class bases and class-level code; ``global``, ``return``,
    ``yield`` and ``with`` statements; calls of the file's or the project's functions and
    of effect methods, with their arguments' values and where they run."""
    kind = node.__class__
    if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
        out.append(("def", ast.dump(node.args), getattr(node, "name", None),
                    [ast.dump(d) for d in getattr(node, "decorator_list", ())],
                    ast.dump(node.returns) if getattr(node, "returns", None) else None, context))
    elif kind is ast.ClassDef:
        out.append(("class", node.name, [ast.dump(x) for x in node.bases + node.keywords + node.decorator_list],
                    [ast.dump(s) for s in node.body if not isinstance(s, (*_FUNCS, ast.Expr))], context))
    elif kind in _VISIBLE:
        value = getattr(node, "value", None)
        out.append((kind.__name__, [ast.dump(item) for item in node.items] if kind in (ast.With, ast.AsyncWith) else
                    ast.dump(node.type) if kind is ast.ExceptHandler and node.type else
                    None if kind is ast.ExceptHandler else ast.dump(node),
                    _value(analysis, value) if isinstance(value, ast.expr) else None, context))
    elif kind is ast.Call:
        qualname = flow.safe_qualname(analysis, node.func)
        last = flow.last_name(node.func)
        if (not qualname.startswith(("torch.", "builtins.")) if qualname is not None else
                last in names or (node.func.__class__ is ast.Name and last in analysis.module_scope.bindings)) \
                or last in _EFFECT_NAMES:
            out.append(("call", ast.dump(node), qualname,
                        [_value(analysis, x) for x in node.args + [kw.value for kw in node.keywords]], context))
    inner = context + ((kind.__name__,) if kind in _CONTEXTS else ())
    for child in ast.iter_child_nodes(node):
        _facts(analysis, child, inner, out, names)


_EFFECT_NAMES = {"train", "eval", "backward", "step", "zero_grad", "no_grad", "enable_grad", "inference_mode",
                 "autocast", "set_grad_enabled", "requires_grad_", "scale", "unscale_", "update"}


def _value(analysis, expr: ast.expr, scope=None):
    try:
        value = analysis.resolve(expr, scope)
    except Exception:
        return "?"
    return None if value is None else (value.kind, value.qualname)


def _plain(value):
    """``value`` with syntax nodes as their dumps and records as tuples: comparable."""
    if isinstance(value, ast.AST):
        return ast.dump(value)
    names = getattr(value.__class__, "__match_args__", None)  # a record (or dataclass): its fields
    if names is not None and not isinstance(value, tuple):
        return (type(value).__name__,) + tuple(_plain(getattr(value, name)) for name in names)
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_plain(v)) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((repr(k), repr(_plain(v))) for k, v in value.items()))
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    return repr(value)


# the whole-module lint index's lists in walk order (the last statement's nodes first),
# and its dicts of such lists; ``by_type``'s lists are in statement order
_WALK_LISTS = ("calls", "other_calls", "assigns", "imports", "binops", "loops", "import_time_calls",
               "import_time_loops")
_WALK_DICTS = ("calls_by_name", "refs_by_name")


def _spliced_index(before, tree: ast.Module, i0: int, old: list[ast.stmt], new: list[ast.stmt],
                   piece: "flow.Index") -> "flow.Index | None":
    """The previous version's whole-module lint index (``flow.Index``), updated in place
    for the top-level statements ``old`` replaced by ``new`` (now ``tree.body[i0:...]``,
    the tree spliced and shifted; ``piece``: ``new``'s own index, ``lookups=False``), so
    the edit costs what its statements hold, not a walk of the module. Every table
    equals a fresh ``Index(tree)``'s, order included: the whole walk's lists are the
    statements' own walks one after another (by_type in statement order, the others
    the last statement first), so the old statements' run is cut out and the new one's
    put in its place, found by bisecting on line numbers (earlier statements lie above
    the edit, later ones below). None (a fresh index is built on demand) when that
    cannot be told; the old index is then spoilt, as is the old analysis already."""
    idx = before.queries.get("lint_index")
    body = tree.body
    if idx is None or not idx.whole or idx.tree is not tree or tree.type_ignores:
        return None
    lo = first_line(old[0]) if old else first_line(new[0]) if new else None
    after = i0 + len(new)
    if lo is None:  # statements deleted, none typed: the line after the previous statement
        lo = body[i0 - 1].end_lineno + 1 if i0 else 1
    if (i0 and body[i0 - 1].end_lineno >= lo) or (after < len(body) and first_line(body[after]) < lo) or \
            any(first_line(s) < lo for s in new):
        return None  # a line shared with the statement before or after
    gone = flow.Index(tree, focus=old, lookups=False)
    parents = idx.parents

    def line(node) -> int:
        while getattr(node, "lineno", None) is None:  # ``arguments``, ``comprehension``, ``withitem``: their parent's
            node = parents[node]
        return node.lineno

    def at_or_below(node) -> bool:
        return line(node) >= lo

    def above(node) -> bool:
        return line(node) < lo

    def splice(whole: list, cut: list, put: list, forward: bool, start: int = 0) -> bool:
        if forward:
            at = bisect_left(whole, True, start, key=at_or_below)
        else:
            at = bisect_left(whole, True, start, key=above) - len(cut)
        if at < start or whole[at:at + len(cut)] != cut:
            return False
        whole[at:at + len(cut)] = put
        return True

    def walk_tables(target: "flow.Index") -> bool:  # its node lists, ``gone``'s run replaced by ``piece``'s
        for table, cut_table, put_table, forward in (
                [(target.by_type, gone.by_type, piece.by_type, True)] +
                [(getattr(target, name), getattr(gone, name), getattr(piece, name), False) for name in _WALK_DICTS]):
            for key in set(cut_table) | set(put_table):
                whole = table.get(key)
                if whole is None:
                    if key in cut_table:
                        return False
                    table[key] = list(put_table[key])
                    continue
                if not splice(whole, cut_table.get(key, []), put_table.get(key, []), forward):
                    return False
                if not whole:
                    del table[key]
        for name in _WALK_LISTS:
            if not splice(getattr(target, name), getattr(gone, name), getattr(piece, name), False):
                return False
        return True

    counts = idx.name_counts
    if counts is None:
        counts = idx.name_counts = _name_counts(idx)
    code, idx.code_index = idx.code_index, None
    try:
        if not walk_tables(idx):
            return None
        # the module's own nodes: its non-scope statements first (in order), then the walk's
        scopes = flow._SCOPE_SET
        root, cut_root, put_root = idx.local[id(tree)], gone.local[id(tree)], piece.local[id(tree)]
        h = sum(1 for s in body[:i0] if s.__class__ not in scopes)
        c_old = sum(1 for s in old if s.__class__ not in scopes)
        c_new = sum(1 for s in new if s.__class__ not in scopes)
        heads = sum(1 for s in body if s.__class__ not in scopes)
        if root[h:h + c_old] != cut_root[:c_old]:
            return None
        root[h:h + c_old] = put_root[:c_new]
        if not splice(root, cut_root[c_old:], put_root[c_new:], False, heads):
            return None
        stores = idx.stores_by_local.get(id(root))
        if stores is None:
            stores = idx.stores_by_local[id(root)] = []
        if not splice(stores, gone.stores_by_local.get(id(cut_root), []),
                      piece.stores_by_local.get(id(put_root), []), False):
            return None
        if not stores:
            del idx.stores_by_local[id(root)]
        # the module-level code's own index (``code_index``): the same edit, where it is one of
        # module-level code; a def or class edit leaves it as it was (its nodes moved in place)
        if code is not None:
            units = [s.__class__ in _UNIT_SET for s in old + new]
            if all(units):
                idx.code_index = code
            elif not any(units) and walk_tables(code[1]):
                idx.code_index = ([s for s in body if s.__class__ not in _UNIT_SET], code[1])
    except (KeyError, AttributeError, TypeError):
        return None
    # keyed by the old statements' nodes: dropped (their ids may be reused once they are freed)
    local, stores_by_local, enclosing = idx.local, idx.stores_by_local, idx.enclosing
    for dropped in gone.parents:
        del parents[dropped]
        enclosing.pop(dropped, None)
        key = id(dropped)
        mine = local.pop(key, None)
        if mine is not None:
            stores_by_local.pop(id(mine), None)
    parents.update(piece.parents)
    for key, mine in piece.local.items():
        if key != id(tree):
            local[key] = mine
            own = piece.stores_by_local.get(id(mine))
            if own is not None:
                stores_by_local[id(mine)] = own
    cuts, puts = _name_counts(gone), _name_counts(piece)
    for name, table in (("attribute_names", 0), ("stored_names", 1), ("from_aliases", 2)):
        names, count = getattr(idx, name), counts[table]
        cut, put = cuts[table], puts[table]
        for n, c in cut.items():
            count[n] -= c
            if not count[n]:
                del count[n]
                names.discard(n)
        for n, c in put.items():
            count[n] = count.get(n, 0) + c
            names.add(n)
    # the first def of each name in the whole walk's order (the last statement's first):
    # each statement's own, kept from one edit to the next, merged
    pieces = idx.function_pieces
    if pieces is None:
        pieces = idx.function_pieces = {}
    for stmt in old:
        pieces.pop(id(stmt), None)
    functions: dict = {}
    for stmt in reversed(body):
        entry = pieces.get(id(stmt))
        if entry is None or entry[0] is not stmt:
            entry = pieces[id(stmt)] = (stmt, flow._first_functions(stmt))
        for name, node in entry[1].items():
            functions.setdefault(name, node)
    idx.functions = functions
    idx._sorted = {}
    idx._all = None
    return idx


def _name_counts(idx: "flow.Index") -> tuple[dict, dict, dict]:
    """How many of an index's nodes spell each of its ``attribute_names``,
    ``stored_names`` and ``from_aliases`` (sets of the whole module's: a statement's
    names are dropped with it only when no other statement spells them)."""
    attrs: dict[str, int] = {}
    for n in idx.by_type.get(ast.Attribute, ()):
        attrs[n.attr] = attrs.get(n.attr, 0) + 1
    stored: dict[str, int] = {}
    Load = ast.Load
    for n in idx.by_type.get(ast.Name, ()):
        if n.ctx.__class__ is not Load:
            stored[n.id] = stored.get(n.id, 0) + 1
    aliases: dict[str, int] = {}
    for imp in idx.imports:
        if imp.__class__ is ast.ImportFrom:
            for a in imp.names:
                if a.asname:
                    aliases[a.asname] = aliases.get(a.asname, 0) + 1
    return attrs, stored, aliases
