"""Helpers the lint rules share: one walk of the tree indexing the nodes by type,
parents, enclosing loops/functions/with-blocks, and the small vocabulary of
"what is this receiver" (optimizer, scheduler, scaler, model) used by several rules.

Everything is computed once per :class:`~torchwise.analysis.Analysis` and cached
on it, so the rules of one file share a single ``ast`` walk.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import operator
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

from torchwise.analysis import _CHILD_FIELDS, dotted, LR_SCHEDULER, MODULE, OPTIMIZER, TENSOR, Analysis, _child_fields, _knowledge
from torchwise.lazy_pattern import lazy
from torchwise.project.effects import hand_written_backward

LOOPS = (ast.For, ast.AsyncFor, ast.While)
BY_POSITION = operator.attrgetter("lineno", "col_offset")  # a node's sort key: where it starts


FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

GRAD_MODE_OFF = {
    "torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
    "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode",
    "torch.autograd.inference_mode",
}
# ``torch.set_grad_enabled(flag)``, by the names torch exports it under
SET_GRAD_ENABLED = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled",
                              "torch.autograd.grad_mode.set_grad_enabled"})
AUTOCAST = {
    "torch.autocast", "torch.amp.autocast", "torch.cuda.amp.autocast", "torch.cpu.amp.autocast",
    "torch.amp.autocast_mode.autocast",
}
# the wrappers whose ``.module`` is the module they wrap
PARALLEL_WRAPPERS = frozenset({"torch.nn.DataParallel", "torch.nn.parallel.DataParallel",
                               "torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.data_parallel.DataParallel",
                               "torch.nn.parallel.distributed.DistributedDataParallel"})
GRAD_SCALER = {"torch.GradScaler", "torch.amp.GradScaler", "torch.cuda.amp.GradScaler", "torch.amp.grad_scaler.GradScaler",
               "torch.cpu.amp.GradScaler"}


_SCOPE_SET = frozenset(SCOPES)
# Node kinds ``Index`` files by type only (no list or fact of their own; never Name or
# Constant, which it files as leaves before they would be pushed).
_PLAIN = frozenset(k for k in vars(ast).values() if isinstance(k, type) and issubclass(k, ast.AST)) - {
    ast.Attribute, ast.Call, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.BinOp, ast.Import, ast.ImportFrom,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.For, ast.AsyncFor, ast.comprehension, ast.If, ast.Name,
    ast.Constant}


# Look-ups a rule derives from the lint index that must cover the whole module (the
# names of the file's functions that clear gradients): query key -> its computation. The
# editor's focused re-lint, whose index lists only the edited statements, computes them
# on the whole module first (``incremental_statement._focus_queries``).
WHOLE_MODULE_QUERIES: dict[str, Callable[[Analysis], object]] = {}


_MISSING = object()


def per_revision(a: Analysis, name: str, compute: Callable[[object], object]):
    """``compute(project)`` (None without a project), kept on the file's analysis until the
    project's next revision: for answers that read other modules of the project."""
    project = getattr(getattr(a, "env", None), "project", None)
    key = (name, project.revision if project is not None else -1)
    found = a.queries.get(key, _MISSING)
    if found is _MISSING:
        found = a.queries[key] = compute(project)
    return found


def whole_module_query(key: str):
    """Declares ``fn(analysis)``, memoized as ``analysis.queries[key]``, a whole-module look-up."""
    def register(fn):
        WHOLE_MODULE_QUERIES[key] = fn
        return fn
    return register


def _names_tested(stmt: ast.If) -> list[object]:
    """The literals ``stmt`` compares ``__name__`` with by ``==`` (either operand order);
    [] when its test is no such comparison."""
    test = stmt.test
    if test.__class__ is not ast.Compare or len(test.ops) != 1 or test.ops[0].__class__ is not ast.Eq:  # type: ignore[attr-defined]
        return []
    sides = [test.left, test.comparators[0]]  # type: ignore[attr-defined]
    if not any(s.__class__ is ast.Name and s.id == "__name__" for s in sides):  # type: ignore[attr-defined]
        return []
    return [s.value for s in sides if s.__class__ is ast.Constant]  # type: ignore[attr-defined]


def is_main_guard(stmt: ast.If) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    return "__main__" in _names_tested(stmt)


def _never_imported_body(stmt: ast.If) -> bool:
    """``if __name__ == "__main__":`` or a test of ``__name__`` against another literal
    (jnhwkim/ban-vqa's ``if __name__=='__main2__':``, a block switched off): the body does
    not run when the module is imported, by a worker process (``__mp_main__``) or anyone."""
    return any(isinstance(v, str) and v != "__mp_main__" for v in _names_tested(stmt))


class Index:
    """Nodes of one tree by type, with parents, built in one walk, plus the call and
    name facts the rule modules look up (see ``rules/_calls.py``), from the same walk."""

    def __init__(self, tree: ast.AST, focus: list[ast.stmt] | None = None, lookups: bool = True):
        """``focus``: some of the module's top-level statements; then only their nodes are
        indexed (the editor re-lints one edited statement: ``torchwise.incremental_statement``).
        ``lookups=False``: a focus index without the whole module's first functions (a
        piece the editor splices into the whole module's index)."""
        self.tree = tree
        self.whole = focus is None  # every node of the tree indexed
        self.by_type: dict[type, list[ast.AST]] = {}
        self.parents: dict[ast.AST, ast.AST] = {}  # keyed by the node itself: no id() int made per node
        # for rules/_calls.py: calls in walk order, by last name of the callee; loads of
        # names/attributes by id/attr; assignments, imports, binops, loops, first function
        # of each name; every .attr; every stored Name; names bound by ``from x import y as z``;
        # calls and loops that run at import time (outside functions, classes, lambdas and
        # the body of ``if __name__ == "__main__":``)
        self.calls: list[ast.Call] = []
        self.calls_by_name: dict[str, list[ast.Call]] = {}
        self.other_calls: list[ast.Call] = []  # calls of neither a name nor an attribute (``f()()``)
        other_calls = self.other_calls
        self.refs_by_name: dict[str, list[ast.Name | ast.Attribute]] = {}
        self.assigns: list[ast.Assign | ast.AnnAssign | ast.AugAssign] = []
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.binops: list[ast.BinOp] = []
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.loops: list[ast.For | ast.AsyncFor | ast.comprehension] = []
        self.attribute_names: set[str] = set()
        self.stored_names: set[str] = set()
        self.from_aliases: set[str] = set()
        self.import_time_calls: list[ast.Call] = []
        self.import_time_loops: list[ast.For | ast.AsyncFor | ast.comprehension] = []
        # id(a scope's walk_local list) -> its Name/Attribute nodes with a Store context
        self.stores_by_local: dict[int, list[ast.Name | ast.Attribute]] = {}
        # id(node) -> walk_local(node) less the node: every scope's, filled by this walk,
        # others on demand (keyed by identity: the tree keeps its nodes, and their ids, alive)
        self.local: dict[int, list[ast.AST]] = {}
        local_lists = self.local
        self._all: list[ast.AST] | None = None
        stores_by_local = self.stores_by_local
        Store = ast.Store
        by_type = self.by_type
        parents = self.parents
        calls, calls_by_name, refs_by_name = self.calls, self.calls_by_name, self.refs_by_name
        attribute_names, stored_names = self.attribute_names, self.stored_names
        it_calls, it_loops = self.import_time_calls, self.import_time_loops
        Call, Attribute, Name, Load, Constant = ast.Call, ast.Attribute, ast.Name, ast.Load, ast.Constant
        Assign, AnnAssign, AugAssign, BinOp = ast.Assign, ast.AnnAssign, ast.AugAssign, ast.BinOp
        Import, ImportFrom, If = ast.Import, ast.ImportFrom, ast.If
        FunctionDef, AsyncFunctionDef = ast.FunctionDef, ast.AsyncFunctionDef
        For, AsyncFor, comprehension = ast.For, ast.AsyncFor, ast.comprehension
        plain = _PLAIN  # kinds with nothing to record but their place in by_type
        names: list[ast.AST] = []
        constants: list[ast.AST] = []
        by_type[Name], by_type[Constant] = names, constants
        name_append, constant_append = names.append, constants.append
        node_type = ast.AST
        scope_set = _SCOPE_SET
        child_fields = _CHILD_FIELDS  # per class: the fields that can hold nodes (no ctx/op)
        # walk_local() of every function/class/module, filled on the way (each node lands in
        # the list of its nearest enclosing scope; a nested scope starts its own list). The
        # lists leave out their own node (``walk_local`` adds it).
        # Names and constants (leaves: half of all nodes) are filed when met as a child,
        # never pushed: every list that keeps them in walk order does not care (see _PLAIN).
        root_local: list[ast.AST] = []
        local_lists[id(tree)] = root_local
        # The stack holds nodes, and, where the walk leaves a scope's nodes (or the body of a
        # main guard), the context to go back to: (walk_local list, runs at import time). A
        # node's subtree is walked right after it is popped, so the context when a node is
        # popped is its parent's (no tuple pushed and unpacked for every node).
        stack: list = [tree]
        if focus is not None:
            stack = []
            for stmt in focus:
                parents[stmt] = tree
                if stmt.__class__ in scope_set:
                    local_lists[id(stmt)] = []
                else:
                    root_local.append(stmt)
                stack.append(stmt)
        local, top = root_local, True
        context = tuple
        pop, push = stack.pop, stack.append
        while stack:  # ast.iter_child_nodes, inlined (this walk is on every lint's hot path)
            node = pop()
            kind = node.__class__
            if kind is context:
                local, top = node
                continue
            nodes = by_type.get(kind)
            if nodes is None:
                nodes = by_type[kind] = []
            nodes.append(node)
            guard = False
            if kind in plain:
                pass
            elif kind is Attribute:
                attribute_names.add(node.attr)
                if node.ctx.__class__ is Load:
                    refs = refs_by_name.get(node.attr)
                    if refs is None:
                        refs_by_name[node.attr] = [node]
                    else:
                        refs.append(node)
                elif node.ctx.__class__ is Store:
                    stores_by_local.setdefault(id(local), []).append(node)
            elif kind is Call:
                calls.append(node)
                func = node.func
                ft = func.__class__
                if ft is Attribute:
                    calls_by_name.setdefault(func.attr, []).append(node)
                elif ft is Name:
                    calls_by_name.setdefault(func.id, []).append(node)
                else:
                    other_calls.append(node)
                if top:
                    it_calls.append(node)
            elif kind is Assign or kind is AnnAssign or kind is AugAssign:
                self.assigns.append(node)
            elif kind is BinOp:
                self.binops.append(node)
            elif kind is Import:
                self.imports.append(node)
            elif kind is ImportFrom:
                self.imports.append(node)
                self.from_aliases.update(a.asname for a in node.names if a.asname)
            elif kind is FunctionDef or kind is AsyncFunctionDef:
                self.functions.setdefault(node.name, node)
            elif kind is For or kind is AsyncFor or kind is comprehension:
                self.loops.append(node)
                if top:
                    it_loops.append(node)
            elif kind is If and top and _never_imported_body(node):
                guard = True
            if kind in scope_set:  # its own nodes: its own list, never at import time
                push((local, top))
                local, top = local_lists[id(node)], False
            fields = child_fields.get(kind)
            if fields is None:
                fields = _child_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    children = value
                elif isinstance(value, node_type):
                    children = (value,)
                else:
                    continue
                if guard and name == "body":  # a main guard's body: not at import time
                    push((local, top))
                    for item in children:  # (statements: never a Name or Constant)
                        parents[item] = node
                        if item.__class__ in scope_set:
                            local_lists[id(item)] = []
                        else:
                            local.append(item)
                        push(item)
                    push((local, False))
                    continue
                for item in children:
                    item_kind = item.__class__
                    if item_kind is Name:
                        parents[item] = node
                        local.append(item)
                        name_append(item)
                        ctx = item.ctx.__class__
                        if ctx is Load:
                            refs = refs_by_name.get(item.id)
                            if refs is None:
                                refs_by_name[item.id] = [item]
                            else:
                                refs.append(item)
                        else:
                            stored_names.add(item.id)
                            if ctx is Store:
                                stores = stores_by_local.get(id(local))
                                if stores is None:
                                    stores_by_local[id(local)] = [item]
                                else:
                                    stores.append(item)
                    elif item_kind is Constant:
                        parents[item] = node
                        local.append(item)
                        constant_append(item)
                    elif isinstance(item, node_type):
                        parents[item] = node
                        if item_kind in scope_set:
                            local_lists[id(item)] = []
                        else:
                            local.append(item)
                        push(item)
        if focus is not None and lookups:  # a look-up table, not a list to visit: the whole module's
            self.functions = _first_functions(tree)
        if not names:
            del by_type[Name]
        if not constants:
            del by_type[Constant]
        for nodes in by_type.values():
            nodes.reverse()  # roughly source order (pre-order walk)
        self._sorted: dict[type, list[ast.AST]] = {}
        # kept by the editor's update of this index for an edit (``incremental_statement._spliced_index``):
        # how many nodes spell each name of the name sets; each top-level statement's first functions
        self.name_counts: tuple[dict, dict, dict] | None = None
        self.function_pieces: dict[int, tuple[ast.stmt, dict]] | None = None
        # (the module-level statements, their focus index): the editor's module-code re-lint's
        self.code_index: tuple[list[ast.stmt], Index] | None = None
        self.enclosing: dict[ast.AST, ast.AST] = {}  # node -> enclosing_function(node), filled on demand

    @property
    def all(self) -> list[ast.AST]:
        """Every node of the tree in walk order (``subtree(tree)``: built on first use)."""
        if self._all is None:
            self._all = subtree(self.tree)
        return self._all

    def of(self, *types: type) -> list[ast.AST]:
        """All nodes of these types, in source order."""
        key = types[0] if len(types) == 1 else types
        cached = self._sorted.get(key)  # type: ignore[arg-type]
        if cached is None and key in _FLAT_STATEMENTS:  # in source order already: no sort
            cached = self._sorted[key] = list(self.by_type.get(key, ()))  # type: ignore[index, call-overload]
        if cached is None:
            out: list[ast.AST] = []
            for t in types:
                out.extend(self.by_type.get(t, ()))
            try:
                out.sort(key=BY_POSITION)
            except AttributeError:  # types without positions (ast.arguments, ast.Load...)
                out.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
            self._sorted[key] = out  # type: ignore[index]
            cached = out
        return cached


_BLOCK_KINDS = (ast.stmt, ast.excepthandler, ast.match_case)
# Statements that hold no statement: the index lists each kind in the tree's left-to-right
# order (its walk reversed), which is source order for statements (only block fields hold
# them, in source order, and two never start together), so ``Index.of`` skips their sort
# (an already sorted 9,000 assignments still cost 10 ms of key look-ups).
_FLAT_STATEMENTS = frozenset((
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Return, ast.Delete, ast.Pass, ast.Break,
    ast.Continue, ast.Raise, ast.Assert, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal))


def module_statements(analysis: Analysis, kind: type) -> list[ast.AST]:
    """Every ``kind`` statement of the module, in source order: a look-up of the whole
    module (``ctx.nodes`` lists what a rule visits, only the edited statement's when the
    editor re-lints one), from a walk of the statements alone."""
    table = analysis.queries.setdefault("module_statements", {})
    found = table.get(kind)
    if found is None:
        idx = analysis.queries.get("lint_index")
        if idx is None or not idx.whole:  # a focus's (the editor's): the whole module's, if it has one
            idx = analysis.queries.get("whole_lint_index")
        if idx is not None and idx.whole:  # the index of the whole tree has them (two statements never start together)
            found = table[kind] = idx.of(kind)
            return found
        found = []
        stack = [analysis.tree]
        while stack:
            node = stack.pop()
            if node.__class__ is kind:
                found.append(node)
            for name in _CHILD_FIELDS.get(node.__class__) or _child_fields(node.__class__):
                value = getattr(node, name, None)
                if value.__class__ is list:
                    stack.extend(item for item in value if isinstance(item, _BLOCK_KINDS))
        found.sort(key=BY_POSITION)
        table[kind] = found
    return found


# deep-learning frameworks whose training code reads like PyTorch's (``loss.backward()``,
# ``optimizer.step()``) with other rules (PaddlePaddle clears with ``optimizer.clear_grad()``)
OTHER_FRAMEWORKS = frozenset({"paddle", "tensorflow", "jax", "flax", "mindspore", "mxnet", "oneflow", "megengine",
                              "jittor", "warp_nn", "warp"})  # (NVIDIA Warp: Toni-SM/skrl's Warp agents)


def other_framework(analysis: Analysis) -> bool:
    """The file imports another deep-learning framework and not torch: its training code
    is that framework's (thunlp/OpenPrompt's PaddlePaddle tutorial; batch 21's review)."""
    found = analysis.queries.get("other_framework")
    if found is None:
        tops = imported_packages(analysis)
        others = set(tops & OTHER_FRAMEWORKS)
        if "warp" in others and _project_owns(analysis, "warp"):
            others.discard("warp")  # (a project's own ``warp.py``: an optical-flow repository's image warping)
        found = analysis.queries["other_framework"] = "torch" not in tops and bool(others)
    return found


def _project_owns(analysis: Analysis, module: str) -> bool:
    """A module of the file's project (or a file beside it) has that name."""
    env = getattr(analysis, "env", None)
    try:
        return env is not None and bool(env.owns(env.imported(module)))
    except Exception:  # the project model must never break a rule
        return False


def imported_packages(analysis: Analysis) -> frozenset[str]:
    """The top-level packages the file imports, absolutely (``dgl`` for ``import dgl.nn``
    and ``from dgl import batch``), from the rules' index (no walk of its own)."""
    found = analysis.queries.get("imported_packages")
    if found is None:
        imports = index(analysis).imports
        tops = {alias.name.split(".")[0] for node in imports if node.__class__ is ast.Import for alias in node.names}
        tops |= {node.module.split(".")[0] for node in imports
                 if node.__class__ is ast.ImportFrom and node.module and not node.level}
        found = analysis.queries["imported_packages"] = frozenset(tops)
    return found


def _first_functions(tree: ast.AST) -> dict[str, ast.AST]:
    """``Index(tree).functions`` from a walk of the statements alone (only they hold
    functions), in the same order as the index's walk."""
    out: dict[str, ast.AST] = {}
    stack = [tree]
    pop, push = stack.pop, stack.append
    funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
    blocks = _BLOCK_KINDS
    for_fields = _CHILD_FIELDS
    while stack:
        node = pop()
        kind = node.__class__
        if kind in funcs:
            out.setdefault(node.name, node)
        fields = for_fields.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, blocks):
                        push(item)
    return out


def index(analysis: Analysis) -> Index:
    idx = analysis.queries.get("lint_index")
    if idx is None:
        idx = Index(analysis.tree)
        analysis.queries["lint_index"] = idx
        if analysis._parents is None:  # share the parent map with Analysis.parent
            analysis._parents = idx.parents
    return idx


def parent(analysis: Analysis, node: ast.AST) -> ast.AST | None:
    return index(analysis).parents.get(node)


def ancestors(analysis: Analysis, node: ast.AST) -> Iterator[ast.AST]:
    parents = index(analysis).parents
    current = parents.get(node)
    while current is not None:
        yield current
        current = parents.get(current)


_FUNC_SET = frozenset(FUNCS)


def owner_init(analysis: Analysis, method: ast.AST) -> ast.FunctionDef | None:
    """The ``__init__`` of the class whose method ``method`` is, if it has one."""
    owner = parent(analysis, method)
    if owner.__class__ is not ast.ClassDef:
        return None
    return next((m for m in owner.body if m.__class__ is ast.FunctionDef and m.name == "__init__"), None)  # type: ignore[attr-defined]


def enclosing_function(analysis: Analysis, node: ast.AST) -> ast.AST:
    """The innermost function (or lambda) around ``node``, else the module. Memoized
    for every ancestor passed on the way up: rules ask it of thousands of calls, and
    siblings share all but their last steps."""
    idx = index(analysis)
    known = idx.enclosing
    found = known.get(node)
    if found is not None:
        return found
    parents, funcs = idx.parents, _FUNC_SET
    chain = [node]
    current = parents.get(node)
    while current is not None:
        if current.__class__ in funcs:
            found = current
            break
        found = known.get(current)
        if found is not None:
            break
        chain.append(current)
        current = parents.get(current)
    else:
        found = analysis.tree
    for passed in chain:
        known[passed] = found
    return found


def enclosing_loops(analysis: Analysis, node: ast.AST) -> list[ast.AST]:
    """Loops around ``node`` inside its function, innermost first (loop bodies only,
    not the iterable/test expression)."""
    out = []
    child = node
    for anc in ancestors(analysis, node):
        if isinstance(anc, SCOPES):
            break
        if isinstance(anc, LOOPS) and _in_body(anc, child):
            out.append(anc)
        child = anc
    return out


def _in_body(loop: ast.AST, child: ast.AST) -> bool:
    """Whether ``child``, a direct child of ``loop`` (a For, AsyncFor or While), is a
    statement of its body: any child but the target, iterable or test, and the else-block,
    which runs once, after the loop (rohan-paul's segmentation script validates there:
    identity checks, not a scan of the body)."""
    orelse = loop.orelse  # type: ignore[attr-defined]
    if orelse and any(child is s for s in orelse):
        return False
    if loop.__class__ is ast.While:
        return child is not loop.test  # type: ignore[attr-defined]
    return child is not loop.iter and child is not loop.target  # type: ignore[attr-defined]


_SCOPE_LIKE = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _walk_local(node: ast.AST) -> list[ast.AST]:
    """The nodes of ``node``'s own scope: ``subtree`` without nested functions, lambdas
    and classes (nor what is under them)."""
    return _nodes_under(node, _SCOPE_SET)


def subtree(node: ast.AST) -> list[ast.AST]:
    """The nodes under ``node`` (itself first): those of ``ast.walk(node)`` less the
    context and operator singletons (``Load``, ``Add``), in depth-first order, without
    ``ast.walk``'s generators (several rules walk every module-level statement)."""
    return _nodes_under(node, frozenset())


def _nodes_under(node: ast.AST, skip: frozenset) -> list[ast.AST]:
    """Depth-first, ``node`` first, leaving out nodes whose class is in ``skip`` (and
    their subtrees)."""
    out = []
    append = out.append
    stack = [node]
    pop, extend = stack.pop, stack.extend
    node_type = ast.AST
    child_fields = _CHILD_FIELDS  # per class: the fields that can hold nodes (no ctx/op)
    while stack:
        current = pop()
        append(current)
        kind = current.__class__
        fields = child_fields.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            value = getattr(current, name, None)
            if value.__class__ is list:
                extend([item for item in value if isinstance(item, node_type) and item.__class__ not in skip])
            elif isinstance(value, node_type) and value.__class__ not in skip:
                stack.append(value)
    return out


def walk_local(analysis: Analysis, node: ast.AST) -> list[ast.AST]:
    """The nodes of ``node`` (itself first) without entering nested functions, lambdas
    or classes. Memoized in the file's index (a query of the analysis, not on the node)."""
    local = index(analysis).local
    cached = local.get(id(node))
    if cached is None:
        cached = _walk_local(node)
        del cached[0]  # the node itself
        _keep(analysis, node)
        local[id(node)] = cached
    return [node] + cached


def _position(n: ast.AST) -> tuple[int, int]:
    return (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))


def _keep(analysis: Analysis, node: ast.AST) -> None:
    """Keeps a node a table is keyed on alive as long as the analysis (a node of another
    file's tree could be freed, and its id reused, while this file's tables live)."""
    kept = analysis.queries.get("kept_nodes")
    if kept is None:
        kept = analysis.queries["kept_nodes"] = {}
    kept[id(node)] = node


def calls_in(analysis: Analysis, node: ast.AST) -> list[ast.Call]:
    """Calls inside ``node`` (same function), in source order."""
    table = analysis.queries.get("calls_in")
    if table is None:
        table = analysis.queries["calls_in"] = {}
    cached = table.get(node)
    if cached is None:
        idx = index(analysis)
        parents = idx.parents
        # a statement of the file inside a scope: its calls are the scope's within its span
        # (not any expression: in an f-string, a part's span is the whole string's)
        owner = parents.get(node) if isinstance(node, ast.stmt) and id(node) not in idx.local else None
        if owner is not None:
            while owner.__class__ not in _SCOPE_SET and (up := parents.get(owner)) is not None:
                owner = up  # (the root, the module, has no parent)
            cached = _calls_within(calls_in(analysis, owner), node)
        else:  # filter, then sort: a stable sort keeps the same order as sorting every node first
            Call = ast.Call
            # walk_local less the node (not a call: nothing left out), known already: no copy
            own = idx.local.get(id(node)) if node.__class__ is not Call else None
            cached = [n for n in (walk_local(analysis, node) if own is None else own) if n.__class__ is Call]
            cached.sort(key=BY_POSITION)
        table[node] = cached  # (keyed by the node, which the table keeps alive)
    return cached


def _calls_within(calls: list[ast.Call], node: ast.AST) -> list[ast.Call]:
    """The calls of a scope's own code (in source order) inside ``node``'s span: those of
    ``node``'s own code, in the same order (calls starting at one position are nested, an
    outer one first, in either walk)."""
    start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    out = []
    for i in range(bisect.bisect_left(calls, start, key=BY_POSITION), len(calls)):
        call = calls[i]
        if (call.lineno, call.col_offset) > end:
            break
        if (call.end_lineno, call.end_col_offset) <= end:
            out.append(call)
    return out


def local_holders(analysis: Analysis, nodes: Iterable[ast.AST]) -> set[int]:
    """The ids of every node whose ``walk_local()`` contains one of ``nodes``: each of
    them and its ancestors up to, and including, the nearest function, lambda or class
    (or the module). Answers "does this loop/function's own code hold one?" for every
    loop and function at once, from a few candidates, instead of walking each one."""
    parents = index(analysis).parents
    out: set[int] = set()
    for node in nodes:
        current = node
        while current is not None:
            key = id(current)
            if key in out:
                break  # the rest of this chain is already in
            out.add(key)
            if current.__class__ in _SCOPE_SET:
                break
            current = parents.get(current)
    return out


def statement_of(analysis: Analysis, node: ast.AST) -> ast.stmt | None:
    """The statement holding ``node`` (``node`` itself, if one); None outside any."""
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parent(analysis, current)
    return current  # type: ignore[return-value]


def assigned_value(analysis: Analysis, expr: ast.AST) -> ast.expr | None:
    """The one value ``expr`` was given: a name's binding (``binding_value``), or what the
    single assignment a class of the file makes to ``self.<attr>`` holds; else None."""
    if expr.__class__ is ast.Name:
        return binding_value(analysis, expr)  # type: ignore[arg-type]
    assigned = attribute_assignments(analysis, expr)
    return assigned[0][1] if len(assigned) == 1 else None


def attribute_assignments(analysis: Analysis, expr: ast.AST) -> list:
    """(scope, value) of each assignment a class of the file makes to ``self.<attr>``, for
    ``<obj>.<attr>`` where ``<obj>`` is a name of that class's type (``self`` inside it);
    [] when it is no class of the file's."""
    if expr.__class__ is not ast.Attribute or expr.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return []
    if expr.value.id == "self":  # type: ignore[attr-defined]
        # the class whose method this is (of several of one name, as a notebook defines a model
        # again in a later cell, this one's attributes)
        owner = parent(analysis, enclosing_function(analysis, expr))
        info = analysis.classes.get(owner) if owner.__class__ is ast.ClassDef else None  # type: ignore[call-overload]
        if info is not None:
            return info.attributes.get(expr.attr, [])  # type: ignore[attr-defined]
    cls_type = safe_type(analysis, expr.value)  # type: ignore[attr-defined]
    info = analysis.local_class(cls_type) if cls_type else None
    return info.attributes.get(expr.attr, []) if info is not None else []  # type: ignore[attr-defined]


def local_bindings(analysis: Analysis, func: ast.AST) -> dict[str, list[ast.expr] | None]:
    """Each name a function binds: the values of the single-target assignments that bind it,
    in walk order (not source order), or None when something else binds it too (a loop, a
    ``with``, a tuple, an augmented assignment). Memoized per function."""
    def compute() -> dict[str, list[ast.expr] | None]:
        values: dict[str, list[ast.expr] | None] = {}
        for n in walk_local(analysis, func):
            if n.__class__ is ast.Name and n.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined]
                stmt = parent(analysis, n)
                if stmt.__class__ is ast.Assign and len(stmt.targets) == 1 and stmt.targets[0] is n:  # type: ignore[attr-defined]
                    found = values.setdefault(n.id, [])  # type: ignore[attr-defined]
                    if found is not None:
                        found.append(stmt.value)  # type: ignore[attr-defined]
                else:
                    values[n.id] = None  # type: ignore[attr-defined]
        return values

    return memo(analysis, func, "local_bindings", compute)


def aliases(analysis: Analysis, func: ast.AST) -> dict[str, str]:
    """The function's local names that stand for an attribute of ``self``: bound first to
    it (``model = self.model``) and after only to wrappers or moves of themselves
    (``model = torch.nn.DataParallel(model)``, ``model = model.to(device)``), and bound in
    no other way (simpletransformers' ``train``/``evaluate``: a mode set on ``model`` is set
    on ``self.model``). Memoized per function."""
    def compute() -> dict[str, str]:
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            return {}
        args = func.args  # type: ignore[attr-defined]
        params = {p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        out = {}
        for name, found in local_bindings(analysis, func).items():
            if not found or name in params:
                continue  # (bound by a loop, a with, a tuple as well: not an alias)
            bound = sorted(found, key=_position)  # (the walk is not in source order)
            first = dotted(bound[0])
            if not first or not first.startswith("self.") or bound[0].__class__ is not ast.Attribute:
                continue
            if all(_wraps_name(v, name) for v in bound[1:]):
                out[name] = first
        return out

    return memo(analysis, func, "aliases", compute)


def _wraps_name(value: ast.expr, name: str) -> bool:
    """``name.to(device)``, ``Wrapper(name, ...)``: the same object, moved or wrapped."""
    from torchwise.project.effects import unmoved

    if dotted(unmoved(value)) == name:
        return True
    return value.__class__ is ast.Call and any(
        a.__class__ is ast.Name and a.id == name for a in value.args)  # type: ignore[attr-defined]


def memo(analysis: Analysis, node: ast.AST, key: str, compute):
    """A per-node cache for facts about functions/loops that several candidates ask
    about: a query table of the analysis (``key`` -> node -> fact)."""
    table = analysis.queries.get(("memo", key))
    if table is None:
        table = analysis.queries[("memo", key)] = {}
    value = table.get(node, _MISSING)
    if value is _MISSING:
        value = table[node] = compute()
    return value


_MISSING = object()


def accelerate(analysis: Analysis) -> None:
    """Kept for callers: ``Analysis`` memoizes ``resolve()``/``mro()`` itself now (keyed
    safely by node identity), so there is nothing left to speed up here."""


def method_name(call: ast.AST) -> str | None:
    """``x.y.step(...)`` -> ``"step"``; ``step(...)`` -> ``"step"``."""
    if call.__class__ is not ast.Call:
        return None
    func = call.func  # type: ignore[attr-defined]
    kind = func.__class__
    if kind is ast.Attribute:
        return func.attr
    if kind is ast.Name:
        return func.id
    return None


def receiver(call: ast.Call) -> ast.expr | None:
    return call.func.value if isinstance(call.func, ast.Attribute) else None


def last_name(expr: ast.AST | None) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Subscript):
        return last_name(expr.value)
    return ""


def root_name(expr: ast.AST) -> ast.Name | None:
    """The name a dotted expression starts with (``torch`` of ``torch.cuda.amp.autocast``);
    None when it starts with anything else (a call, a subscript)."""
    while expr.__class__ is ast.Attribute:
        expr = expr.value  # type: ignore[attr-defined]
    return expr if expr.__class__ is ast.Name else None  # type: ignore[return-value]


def scope_for(analysis: Analysis, expr: ast.AST):
    """The scope of an expression: that of its first indexed Name/Attribute (calls,
    subscripts and operators are not indexed by the analysis themselves)."""
    Name, Attribute, node_type = ast.Name, ast.Attribute, ast.AST
    kind = expr.__class__  # the common cases first: a name, an attribute, a call of one
    if kind is Name or kind is Attribute:
        return analysis.scope_of(expr)
    if kind is ast.Call and (expr.func.__class__ is Name or expr.func.__class__ is Attribute):
        return analysis.scope_of(expr.func)
    stack = [expr]
    pop, push = stack.pop, stack.append
    child_fields = _CHILD_FIELDS  # ast.iter_child_nodes less the ctx/operator leaves
    while stack:
        node = pop()
        kind = node.__class__
        if kind is Name or kind is Attribute:
            return analysis.scope_of(node)
        fields = child_fields.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in reversed(fields):  # pushed last to first: the first child is looked at first
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in reversed(value):
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    return None


def safe_type(analysis: Analysis, expr: ast.AST) -> str | None:
    """``analysis.type_of(expr, scope_for(analysis, expr))`` (asked of most calls' parts by
    several rules: a name's or an attribute's scope looked up here, one call less)."""
    try:
        kind = expr.__class__
        if kind is ast.Name or kind is ast.Attribute:
            value = analysis.resolve(expr)  # its own scope, as scope_for gives it
        else:
            value = analysis.resolve(expr, scope_for(analysis, expr))
        return value.qualname if value is not None and value.kind == "instance" else None
    except Exception:  # inference must never break a rule
        return None


def safe_qualname(analysis: Analysis, expr: ast.AST) -> str | None:
    """``analysis.qualname_of(expr, scope_for(analysis, expr))`` (see ``safe_type``)."""
    try:
        kind = expr.__class__
        if kind is ast.Name or kind is ast.Attribute:
            value = analysis.resolve(expr)
        else:
            value = analysis.resolve(expr, scope_for(analysis, expr))
        return value.qualname if value is not None and value.kind == "symbol" else None
    except Exception:
        return None


def public_name(qualname: str) -> str:
    """The name torch documents for ``qualname`` (``torch.nn.modules.module.Module`` ->
    ``torch.nn.Module``, by the knowledge base's aliases); others as they are."""
    entry = _knowledge().get(qualname)
    return entry.name if entry is not None else qualname


def is_subclass(analysis: Analysis, qualname: str | None, base: str) -> bool:
    if not qualname:
        return False
    try:
        return analysis.is_subclass(qualname, base)
    except Exception:
        return False


_OPT_NAME = lazy(r"optim|(^|_)opt($|_|\d)", re.I)
_SCHED_NAME = lazy(r"sched", re.I)
# schedules of something else than the learning rate (jepa's ``wd_scheduler``, DINO's
# ``momentum_schedule``): named so, they are not LR schedulers, whatever their type
_OTHER_SCHED_NAME = lazy(r"(^|_)(wd|weight_?decay|momentum|mom|ema|temp|temperature|beta|dropout|teacher)(_|$)", re.I)
_SCALER_NAME = lazy(r"scaler", re.I)


def _kind_by_type(analysis: Analysis, expr: ast.AST, base: str) -> bool | None:
    """True/False when the type is known, None when it is not."""
    qualname = safe_type(analysis, expr)
    if qualname is None:
        return None
    return is_subclass(analysis, qualname, base)


_BUILTIN_NAMES = frozenset(dir(builtins))


def is_optimizer(analysis: Analysis, expr: ast.AST | None) -> bool:
    """Known to be an optimizer by its type, else named like one. Named like a scheduler,
    it is not one whatever its type says: types may come from a wrong annotation
    (pytorch/torchtune's ``_setup_lr_scheduler(...) -> Optimizer``)."""
    if expr is None:
        return False
    name = last_name(expr)
    if _SCHED_NAME.search(name):
        return False
    qualname = safe_type(analysis, expr)
    if qualname is not None:
        return is_subclass(analysis, qualname, OPTIMIZER)
    if not _OPT_NAME.search(name) or _SCALER_NAME.search(name):
        return False
    if expr.__class__ is ast.Name:
        func = enclosing_function(analysis, expr)
        known = memo(analysis, func, "assigned_types", lambda: _assigned_types(analysis, func)).get(expr.id)  # type: ignore[attr-defined]
        if known:  # bound on each arm of an ``if`` (``= EMAWeightOptimizer(...)``, ``= None``): what its calls build
            return any(is_subclass(analysis, q, OPTIMIZER) for q in known)
        if misspelt(analysis, expr):  # type: ignore[arg-type]
            return False  # a misspelt name (``scaler.step(optimier)``: dvlab-research's GPaCo): a NameError
    return True


def misspelt(analysis: Analysis, name: ast.Name) -> bool:
    """``name`` is bound nowhere (``unbound``) and close to a name the file binds (``optimier``
    beside ``optimizer``, ``mode`` beside ``model``): a typo, which raises ``NameError``, not a
    name a snippet leaves to its reader."""
    if len(name.id) < 4 or not unbound(analysis, name):
        return False
    import difflib  # (here: most files never get this far, and its import costs ~2 ms of a check's start-up)

    return bool(difflib.get_close_matches(name.id, _bound_names(analysis), n=1, cutoff=0.85))  # type: ignore[arg-type]


@whole_module_query("bound_names")  # every function's parameters, not only an edited statement's
def _bound_names(analysis: Analysis) -> set[str]:
    """The names the file's code stores, and its functions' parameters (once per file)."""
    bound = analysis.queries.get("bound_names")
    if bound is None:
        idx = index(analysis)
        bound = analysis.queries["bound_names"] = idx.stored_names | {
            p.arg for f in idx.of(ast.FunctionDef, ast.AsyncFunctionDef)
            for p in (*f.args.posonlyargs, *f.args.args, *f.args.kwonlyargs)}  # type: ignore[attr-defined]
    return bound


def unbound(analysis: Analysis, name: ast.Name) -> bool:
    """No scope of the file binds ``name`` (nor a star import, nor a builtin): using it
    raises ``NameError``."""
    if name.id in _BUILTIN_NAMES or name.id in index(analysis).stored_names:
        return False
    try:
        binding = analysis.lookup(name.id, analysis.scope_of(name), name.lineno)
    except Exception:
        return False
    return binding is None and not any(s.star_imports for s in analysis.scopes.values())


def _assigned_types(analysis: Analysis, func: ast.AST) -> dict[str, frozenset[str]]:
    """Name -> the classes the function's own plain assignments of it build, for names that
    every assignment binds to a call of a known class or to None (Britefury/cutmix-semisup-
    seg's ``teacher_optim = optim_weight_ema.EMAWeightOptimizer(...)`` on one arm, ``= None``
    on the other: an EMA of the weights that reads no gradient, not an optimizer)."""
    found: dict[str, set[str]] = {}
    unknown: set[str] = set()
    for node in walk_local(analysis, func):
        if node.__class__ is ast.Name and node.ctx.__class__ is ast.Store:  # type: ignore[attr-defined]
            name = node.id  # type: ignore[attr-defined]
            assign = parent(analysis, node)
            value = assign.value if assign.__class__ is ast.Assign and len(assign.targets) == 1 else None  # type: ignore[attr-defined]
            if value is None:
                unknown.add(name)
            elif value.__class__ is ast.Constant and value.value is None:  # type: ignore[attr-defined]
                continue
            else:
                built = safe_type(analysis, value) if value.__class__ is ast.Call else None
                if built is None:
                    unknown.add(name)
                else:
                    found.setdefault(name, set()).add(built)
    return {name: frozenset(kinds) for name, kinds in found.items() if name not in unknown}


def is_scheduler(analysis: Analysis, expr: ast.AST | None) -> bool | None:
    """True when known to be an LR scheduler; None when only the name suggests it."""
    if expr is None:
        return False
    known = _kind_by_type(analysis, expr, LR_SCHEDULER)
    if known is not None:
        return known
    name = last_name(expr)
    if not _SCHED_NAME.search(name) or _OTHER_SCHED_NAME.search(name) or _calls_other_methods(analysis, expr):
        return False
    return None


# the methods torch's LR schedulers define, ReduceLROnPlateau's included
_SCHEDULER_METHODS = frozenset({"step", "get_last_lr", "get_lr", "state_dict", "load_state_dict", "print_lr",
                                "is_better", "in_cooldown"})


def _calls_other_methods(analysis: Analysis, expr: ast.AST) -> bool:
    """``expr``'s function calls a method on it that no torch LR scheduler has: a scheduler of
    the project's own making (ltron-torch's ``scheduler.get_learning_rate()``, whose
    ``step()`` sets the rate for the coming step), not one of torch's."""
    held = dotted(expr)
    if held is None:
        return False
    return any(c.func.__class__ is ast.Attribute and c.func.attr not in _SCHEDULER_METHODS  # type: ignore[attr-defined]
               and not c.func.attr.startswith("_") and dotted(c.func.value) == held  # type: ignore[attr-defined]
               for c in calls_in(analysis, enclosing_function(analysis, expr)))


def is_scaler(analysis: Analysis, expr: ast.AST | None) -> bool:
    if expr is None:
        return False
    qualname = safe_type(analysis, expr)
    if qualname is not None:
        return qualname in GRAD_SCALER or any(q in GRAD_SCALER for q in analysis.mro(qualname))
    return bool(_SCALER_NAME.search(last_name(expr)))


def is_module_instance(analysis: Analysis, expr: ast.AST | None) -> bool:
    return expr is not None and is_subclass(analysis, safe_type(analysis, expr), MODULE)


def passed_values(analysis: Analysis, name: ast.expr, annotated: bool = False) -> frozenset | None:
    """For an un-annotated parameter read by ``name``: each value the project's callers
    hand it (None where ``name`` is not such a parameter, or one value is not known).
    ``annotated``: an annotated one too (``decoder: nn.Module``, handed a subclass)."""
    env = getattr(analysis, "env", None)
    if env is None or name.__class__ is not ast.Name:
        return None
    scope = analysis.scope_of(name)
    binding = analysis.lookup(name.id, scope, name.lineno)  # type: ignore[attr-defined]
    if binding is None or binding.kind != "param" or binding.index is None \
            or (binding.node is not None or binding.qualname) and not annotated:
        return None
    try:
        return env.param_values(analysis, scope, binding)
    except Exception:  # the project model must never break a rule
        return None


def each_passed_module(analysis: Analysis, name: ast.expr) -> bool:
    """A parameter whose callers hand it modules of several classes, each an
    ``nn.Module`` (gwinndr/MusicTransformer-Pytorch's ``eval_model(model, loader, loss)``,
    called with a ``CrossEntropyLoss`` and with its own smoothed loss); or ``self.x`` that its
    class sets once from such a parameter (``self.module = module``, the constructions, or a
    subclass's, handing an ``nn.Linear`` and an ``nn.Conv2d``)."""
    if name.__class__ is ast.Attribute:
        held = assigned_value(analysis, name)
        if held is None or held.__class__ is not ast.Name:
            return False
        name = held
    values = passed_values(analysis, name)
    return bool(values) and len(values) > 1 and all(
        v.kind == "instance" and is_subclass(analysis, v.qualname, MODULE) for v in values)


def plain_object(analysis: Analysis, expr: ast.AST) -> bool:
    """``expr`` is an instance of a class whose ancestry is known to its end and never reaches
    torch: the file's or the project's own classes, ``object`` aside (a course's NumPy
    "mytorch", whose ``Sequential`` has its own ``eval()``: CMU 11-785's homework). Each base
    is looked up as the module that names it imports it (``from mytorch.nn.module import
    Module`` in a package the project knows as ``part1.handout.mytorch``)."""
    qualname = safe_type(analysis, expr)
    if qualname is None and expr.__class__ is ast.Name:  # built from a class of a module the
        value = binding_value(analysis, expr)  # project does not resolve (``from sgd import SGD``, on a
        if value.__class__ is ast.Call:  # folder the script adds to ``sys.path``): that class
            qualname = safe_qualname(analysis, value.func)  # type: ignore[attr-defined]
    if not qualname or qualname.startswith("torch."):
        return False
    todo, seen = [(analysis, qualname)], set()
    while todo:
        unit, cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if len(seen) > 12:
            return False
        found = _own_class(unit, cls)
        if found is None:
            return False  # (a class the project does not define: a library's, perhaps a module)
        owner, info, name = found
        bases = owner.bases(name)
        written = [b for b in info.node.bases if not (b.__class__ is ast.Name and b.id == "object")]
        if len(bases) != len(written):
            return False  # a base it cannot name
        todo += [(owner, base) for base in bases]
    return True


def _own_class(unit: Analysis, cls: str):
    """(the analysis that defines it, its ClassInfo, its name there) for a class of the file
    or the project, as ``unit`` names it; None for any other. A module the project does
    not resolve is looked for as a script of ``unit``'s folder would import it (the nearest
    folder above it that holds the module, or one the script adds to ``sys.path``): a guess
    about how the code runs, fit only for a question that silences a rule."""
    info = unit.local_class(cls)
    if info is not None:
        return unit, info, cls
    env = getattr(unit, "env", None)
    if env is None:
        return None
    try:
        names = [cls, env.imported(cls)]
        module, _, short = cls.rpartition(".")
        project, path = getattr(env, "project", None), getattr(unit, "path", None)
        if module and project is not None and path and not path.startswith("<"):
            resolver = project.resolver
            found_file = resolver.above(path, module)
            found_name = resolver.module_of(found_file) if found_file is not None else \
                resolver.on_added_path(Path(path), module, project.source)
            if found_name:
                names.append(f"{found_name}.{short}")
        for name in dict.fromkeys(names):
            found = env.class_unit(name) if env.owns(name) else None
            if found is not None:
                return found[0], found[1], name
    except Exception:  # the project model must never stop a rule
        return None
    return None


def is_tensor(analysis: Analysis, expr: ast.AST | None) -> bool:
    return expr is not None and is_subclass(analysis, safe_type(analysis, expr), TENSOR)


def displayed(analysis: Analysis, stmt: ast.stmt) -> bool:
    """A notebook cell's last statement, an expression at the top level, with no ``;``
    after it: IPython shows its value (``t.cuda()`` there is a look, not a lost move). The
    same for a ``# %%`` cell of a file (run in a kernel: bat67's jupytext exports)."""
    starts = analysis.cell_starts or percent_cell_starts(analysis)
    if not starts or stmt.__class__ is not ast.Expr or parent(analysis, stmt) is not analysis.tree:
        return False
    cell = bisect.bisect_right(starts, stmt.lineno - 1) - 1
    end = starts[cell + 1] if cell + 1 < len(starts) else len(analysis.lines)  # the next cell's first line
    body = analysis.tree.body
    at = bisect.bisect_right(body, stmt.lineno, key=_LINENO) - 1  # stmt's place in the module body
    following = body[at + 1] if 0 <= at < len(body) - 1 and body[at] is stmt else None
    if following is not None and following.lineno - 1 < end:
        return False  # another statement of the same cell follows
    end_line = stmt.end_lineno or stmt.lineno
    rest = analysis.lines[end_line - 1].encode()[stmt.end_col_offset or 0:].decode(errors="replace") \
        if end_line <= len(analysis.lines) else ""
    return not rest.lstrip().startswith(";")


def never_called(analysis: Analysis) -> list[tuple[int, int]]:
    """In a notebook (joined cells), the line spans of its plain functions that nothing run
    reaches: no name of them is read by the cells' own code, by a class or a method, or by
    a function that is reached (mrblasco/Kaggle-MoA's inference notebook keeps the training
    notebook's ``valid_fn``, called only from a ``train_model`` nothing calls). Decorated
    functions count as reached. [] in a file, which another module may import."""
    if not analysis.cell_starts:
        return []
    found = analysis.queries.get("never_called")
    if found is not None:
        return found
    idx = index(analysis)
    parents = idx.parents
    funcs = (ast.FunctionDef, ast.AsyncFunctionDef)

    def scope_of(node: ast.AST) -> ast.AST | None:
        up = parents.get(node)
        while up is not None and up.__class__ not in _SCOPE_LIKE:
            up = parents.get(up)
        return up

    plain = [f for kind in funcs for f in idx.by_type.get(kind, ())  # (not a method: a class's scope)
             if scope_of(f).__class__ in (ast.Module, *funcs) and not f.decorator_list]  # type: ignore[attr-defined]
    candidates = {id(f): f for f in plain}
    reads: dict[int | None, set[str]] = {}  # owner (a candidate's id, or None: always run) -> names read
    scopes = [analysis.tree, *(n for kind in (*funcs, ast.Lambda, ast.ClassDef) for n in idx.by_type.get(kind, ()))]
    for scope in scopes:
        owner = scope
        while owner is not None and id(owner) not in candidates and owner.__class__ is not ast.Module:
            if owner.__class__ is ast.ClassDef or owner.__class__ in funcs:
                break  # (a class, or a method: run whenever their class is used)
            owner = scope_of(owner)  # (a lambda: its function's)
        key = id(owner) if owner is not None and id(owner) in candidates else None
        bucket = reads.setdefault(key, set())
        bucket.update(n.id for n in walk_local(analysis, scope)  # type: ignore[attr-defined]
                      if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load)  # type: ignore[attr-defined]
    reached_names = set(reads.get(None, ()))
    reached: set[int] = set()
    changed = True
    while changed:
        changed = False
        for key, f in candidates.items():
            if key not in reached and f.name in reached_names:  # type: ignore[attr-defined]
                reached.add(key)
                reached_names |= reads.get(key, set())
                changed = True
    found = sorted((f.lineno, f.end_lineno or f.lineno) for key, f in candidates.items() if key not in reached)
    analysis.queries["never_called"] = found
    return found


def percent_cell_starts(analysis: Analysis) -> tuple[int, ...]:
    """The lines (0-based) where the ``# %%`` cells of a file start (the text above the first
    marker is a cell too); () for a file without markers. Once per file version."""
    found = analysis.queries.get("percent_cells")
    if found is None:
        found = ()
        if "%%" in analysis.source:
            from torchwise.text import CELL_MARKER

            markers = [i for i, text in enumerate(analysis.lines) if CELL_MARKER.match(text)]
            if markers:
                found = tuple(markers) if markers[0] == 0 else (0, *markers)
        analysis.queries["percent_cells"] = found
    return found


def cell_of(analysis: Analysis, line: int) -> int:
    """The index of the notebook cell that holds ``line`` (1-based) in joined cells; 0 in a file."""
    starts = analysis.cell_starts
    return max(0, bisect.bisect_right(starts, line - 1) - 1) if starts else 0


def line_ref(analysis: Analysis, line: int) -> str:
    """How a message names another line of the file: ``line N``, or in a notebook's joined
    cells ``cell K, line M``, as its findings are shown (``path:cell K:M:col``)."""
    starts = analysis.cell_starts
    if not starts:
        return f"line {line}"
    cell = cell_of(analysis, line)
    labels = analysis.cell_labels
    return f"cell {labels[cell] if cell < len(labels) else cell + 1}, line {line - starts[cell]}"


_LINENO = operator.attrgetter("lineno")


def is_backward_call(node: ast.AST) -> bool:
    """``x.backward()``, ``scaler.scale(l).backward()``, ``accelerator.backward(l)``,
    ``torch.autograd.backward(...)``."""
    return isinstance(node, ast.Call) and method_name(node) == "backward" and isinstance(node.func, ast.Attribute) \
        and not hand_written_backward(node)


def backward_target(call: ast.Call) -> ast.expr | None:
    """The loss a backward call differentiates: ``loss`` in ``loss.backward()``,
    ``scaler.scale(loss).backward()`` and ``accelerator.backward(loss)``."""
    recv = receiver(call)
    if isinstance(recv, ast.Call) and method_name(recv) == "scale" and recv.args:
        return recv.args[0]
    if call.args and re.search(r"accelerator|fabric|autograd|engine|trainer", last_name(recv), re.I):
        return call.args[0]
    return recv


def clears_by_name(name: str | None) -> bool:
    """A call named like one that clears gradients: ``zero_grad``, ``zero_grad_all``,
    normflows' ``clear_grad(model)`` (``p.grad = None`` for each parameter: fab-torch)."""
    return name is not None and ("zero_grad" in name or "clear_grad" in name)


def is_zero_grad_call(node: ast.AST) -> bool:
    return clears_by_name(method_name(node))


def clears_gradients(node: ast.AST) -> bool:
    """A statement-level node that clears gradients: ``*.zero_grad*()``,
    ``p.grad = None``, ``p.grad.zero_()``, ``p.grad.detach_()``."""
    if is_zero_grad_call(node):
        return True
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Attribute) and t.attr == "grad" for t in node.targets)
    return edits_grad_in_place(node)


# in-place edits of a gradient that ``clears_gradients`` counts (``p.grad.zero_()``)
GRAD_EDITS = frozenset({"zero_", "detach_", "fill_", "mul_", "requires_grad_"})


def edits_grad_in_place(node: ast.AST) -> bool:
    """``p.grad.zero_()``, ``p.grad.data.zero_()``, ``p.grad.detach_()`` (``GRAD_EDITS``)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GRAD_EDITS:
        inner = node.func.value
        if isinstance(inner, ast.Attribute) and inner.attr == "data":  # p.grad.data.zero_()
            inner = inner.value
        return isinstance(inner, ast.Attribute) and inner.attr == "grad"
    return False


def is_grad_off_context(analysis: Analysis, expr: ast.AST) -> bool:
    """``torch.no_grad()``, ``torch.inference_mode()``, ``torch.set_grad_enabled(False)``."""
    call = expr
    if isinstance(call, ast.Call):
        qualname = safe_qualname(analysis, call.func)
        if qualname in GRAD_MODE_OFF:
            return not (call.args and isinstance(call.args[0], ast.Constant) and call.args[0].value is False)
        if qualname in SET_GRAD_ENABLED:
            return bool(call.args) and isinstance(call.args[0], ast.Constant) and call.args[0].value is False
        name = method_name(call)
        from torchwise.project.regions import named_grad_off

        return name in ("no_grad", "inference_mode") or (name is not None and named_grad_off(name))
    qualname = safe_qualname(analysis, expr)
    return qualname in GRAD_MODE_OFF or last_name(expr) in ("no_grad", "inference_mode")


def under_grad_off(analysis: Analysis, node: ast.AST) -> bool:
    """Lexically inside ``with torch.no_grad()`` (or inference mode), or in a function
    decorated with it."""
    known = analysis.queries.get("under_grad_off")  # node -> answer, for every node asked or passed
    if known is None:
        known = analysis.queries["under_grad_off"] = {}
    parents = index(analysis).parents
    chain = [node]
    found = known.get(node)
    anc = parents.get(node)
    while found is None:
        if anc is None:
            found = False
            break
        kind = anc.__class__
        if kind is ast.With or kind is ast.AsyncWith:
            if memo(analysis, anc, "grad_off", lambda: any(is_grad_off_context(analysis, item.context_expr)
                                                           for item in anc.items)):
                found = True
                break
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            if memo(analysis, anc, "grad_off",
                    lambda: any(is_grad_off_context(analysis, d) for d in anc.decorator_list)):
                found = True
                break
        found = known.get(anc)
        chain.append(anc)
        anc = parents.get(anc)
    for passed in chain:
        known[passed] = found
    return found


def other_arms(analysis: Analysis, first: ast.AST, second: ast.AST) -> bool:
    """``first`` and ``second`` sit in the two arms of one ``if`` (or ``x if c else y``):
    one pass never runs both (Dive-into-DL-PyTorch's evaluate_accuracy: ``net.eval()`` ...
    ``net.train()`` for modules, ``net(X, is_training=False)`` for plain functions)."""
    pa, pb = branch_path(analysis, first), branch_path(analysis, second)
    return any({arm, pb[k]} == {"body", "else"} for k, arm in pa.items() if k in pb)


def branch_path(analysis: Analysis, node: ast.AST, stop: ast.AST | None = None) -> dict[int, str]:
    """For each ``if``/``x if c else y``/``try`` around ``node``: which branch holds it."""
    path: dict[int, str] = {}
    child = node
    for anc in ancestors(analysis, node):
        if anc is stop or isinstance(anc, SCOPES):
            break
        if isinstance(anc, ast.If):
            if any(child is s for s in anc.body):
                path[id(anc)] = "body"
            elif any(child is s for s in anc.orelse):
                path[id(anc)] = "else"
        elif isinstance(anc, ast.IfExp):
            if child is anc.body:
                path[id(anc)] = "body"
            elif child is anc.orelse:
                path[id(anc)] = "else"
        elif isinstance(anc, ast.Try):
            if any(child is s for s in anc.body) or any(child is s for s in anc.orelse):
                path[id(anc)] = "body"
            elif any(child is h for h in anc.handlers):
                path[id(anc)] = f"handler{[id(h) for h in anc.handlers].index(id(child))}"
        child = anc
    return path


def same_branch(analysis: Analysis, a: ast.AST, b: ast.AST) -> bool:
    """False when ``a`` and ``b`` sit in different branches of the same ``if``."""
    pa = branch_path(analysis, a)
    pb = branch_path(analysis, b)
    return all(pb[k] == v for k, v in pa.items() if k in pb)


def is_conditional_within(analysis: Analysis, node: ast.AST, outer: ast.AST) -> bool:
    """Whether an ``if`` (or try handler) sits between ``node`` and ``outer``."""
    for anc in ancestors(analysis, node):
        if anc is outer:
            return False
        if isinstance(anc, (ast.If, ast.IfExp, ast.ExceptHandler)):
            return True
    return False


def block_place(analysis: Analysis, stmt: ast.AST) -> tuple[list[ast.stmt], int] | None:
    """The statement list that holds ``stmt`` (its parent's body, else, or finally) and its
    place there; None for a statement in no such list (a handler's, a case's)."""
    owner = parent(analysis, stmt)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(owner, field, None)
        if block.__class__ is list:
            if len(block) > 64:  # a script's module body: its places looked up, not searched
                places = memo(analysis, owner, "block_places:" + field,
                              lambda block=block: {id(s): i for i, s in enumerate(block)})
                i = places.get(id(stmt))
                if i is not None and i < len(block) and block[i] is stmt:
                    return block, i
                continue  # (the map holds every statement of the block: not in this one)
            for i, s in enumerate(block):
                if s is stmt:
                    return block, i
    return None


def contains(outer: ast.AST, node: ast.AST) -> bool:
    """Position-based containment (cheap; both nodes from the same tree)."""
    try:
        start = (outer.lineno, outer.col_offset)  # type: ignore[attr-defined]
    except AttributeError:
        return outer.__class__ is ast.Module  # (a module holds all its tree: a script's top-level code)
    end = (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
    here = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    return start <= here and (node.end_lineno, node.end_col_offset) <= end  # type: ignore[attr-defined]


def before(a: ast.AST, b: ast.AST) -> bool:
    return (a.lineno, a.col_offset) < (b.lineno, b.col_offset)  # type: ignore[attr-defined]


def last_assignment(analysis: Analysis, name: str, node: ast.AST) -> ast.Assign | None:
    """The last ``name = ...`` (``name`` dotted: ``cfg.loader.num_workers``) before ``node``
    in its function, on any path."""
    last = None
    for n in walk_local(analysis, enclosing_function(analysis, node)):
        if n.__class__ is ast.Assign and before(n, node) and any(dotted(t) == name for t in n.targets):  # type: ignore[attr-defined]
            if last is None or before(last, n):
                last = n
    return last  # type: ignore[return-value]


def static_false(analysis: Analysis, expr: ast.AST | None) -> bool:
    """``expr`` is False as the file sets it: the literal; a name of the module bound once,
    to False (``USE_AMP = False``); or ``C.x`` where ``C`` is a class of the module whose body
    sets ``x = False`` and no line of the file assigns an attribute ``x`` (a Kaggle
    notebook's ``class CFG: apex = False``, then ``GradScaler(enabled=CFG.apex)``)."""
    if expr is None:
        return False
    kind = expr.__class__
    if kind is ast.Constant:
        return expr.value is False  # type: ignore[attr-defined]
    if kind is ast.Name:
        names = false_flags(analysis)[0]
        if expr.id not in names:  # type: ignore[attr-defined]
            return False
        binding = analysis.lookup(expr.id, analysis.scope_of(expr), expr.lineno)  # type: ignore[attr-defined]
        return binding is not None and binding is names[expr.id]  # type: ignore[attr-defined]
    return kind is ast.Attribute and expr.value.__class__ is ast.Name \
        and (expr.value.id, expr.attr) in false_flags(analysis)[1]  # type: ignore[attr-defined]


def false_flags(analysis: Analysis) -> tuple[dict[str, object], frozenset[tuple[str, str]]]:
    """The module's names bound once, to False (name -> its binding), and the ``(class,
    attribute)`` pairs a class of the module sets to False in its body and no line of the
    file assigns again; once per file."""
    found = analysis.queries.get("false_flags")
    if found is None:
        names: dict[str, object] = {}
        declared = {n for g in index(analysis).by_type.get(ast.Global, ()) for n in g.names}  # type: ignore[attr-defined]
        for name, bindings in analysis.module_scope.bindings.items():  # type: ignore[attr-defined]
            if name in declared:
                continue  # (a function may set it: ``global USE_AMP; USE_AMP = True``)
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].index is None \
                    and bindings[0].node.__class__ is ast.Constant and bindings[0].node.value is False:
                names[name] = bindings[0]
        pairs = set()
        for klass in analysis.tree.body:
            if klass.__class__ is not ast.ClassDef:
                continue
            seen: dict[str, int] = {}
            for stmt in klass.body:  # type: ignore[attr-defined]
                target = stmt.targets[0] if stmt.__class__ is ast.Assign and len(stmt.targets) == 1 else (
                    stmt.target if stmt.__class__ is ast.AnnAssign else None)  # type: ignore[attr-defined]
                if target.__class__ is ast.Name:
                    seen[target.id] = seen.get(target.id, 0) + 1  # type: ignore[union-attr]
                    if stmt.value.__class__ is ast.Constant and stmt.value.value is False:  # type: ignore[attr-defined]
                        pairs.add((klass.name, target.id))  # type: ignore[attr-defined,union-attr]
            pairs = {(c, x) for c, x in pairs if c != klass.name or seen.get(x) == 1}  # type: ignore[attr-defined]
        if pairs:
            stored = {n.attr for n in index(analysis).by_type.get(ast.Attribute, ()) if n.ctx.__class__ is not ast.Load}  # type: ignore[attr-defined]
            pairs = {(c, x) for c, x in pairs if x not in stored}
        found = analysis.queries["false_flags"] = (names, frozenset(pairs))
    return found  # type: ignore[return-value]


def binding_value(analysis: Analysis, name: ast.Name, element: bool = False) -> ast.expr | None:
    """The expression last assigned to ``name`` before its use, if it is a plain assignment;
    ``element``: also its element of a tuple assigned element by element (``x, y = t["x"], t["y"]``)."""
    try:
        scope = analysis.scope_of(name)
        binding = analysis.lookup(name.id, scope, name.lineno)
    except Exception:
        return None
    if binding is None or binding.kind != "assign":
        return None
    node = binding.node
    if binding.index is not None:
        if not element or node.__class__ is not ast.Tuple or binding.index >= len(node.elts) \
                or any(e.__class__ is ast.Starred for e in node.elts):  # type: ignore[attr-defined]
            return None
        node = node.elts[binding.index]  # type: ignore[attr-defined]
    if not isinstance(node, ast.expr) or other_arms(analysis, node, name):
        return None  # (bound in the other arm of an ``if`` the use sits in: not what it holds there)
    return node


def unweighted_loss(analysis: Analysis, call: ast.AST) -> bool:
    """``call`` builds a torch.nn loss without a tensor (no positional argument, no
    ``weight``/``pos_weight``): a module with no parameter and no buffer.
    ``AdaptiveLogSoftmaxWithLoss`` holds layers: not one."""
    if call.__class__ is not ast.Call or call.args or any(  # type: ignore[attr-defined]
            k.arg in (None, "weight", "pos_weight") for k in call.keywords):  # type: ignore[attr-defined]
        return False
    qualname = safe_qualname(analysis, call.func) or ""  # type: ignore[attr-defined]
    return (qualname.startswith("torch.nn.") and qualname.endswith("Loss")
            and qualname != "torch.nn.AdaptiveLogSoftmaxWithLoss")


def names_of_nn(analysis: Analysis) -> str | None:
    """How ``torch.nn`` can be spelled at module level: ``"nn"`` or ``"torch.nn"``."""
    scope = analysis.module_scope
    for name, bindings in scope.bindings.items():
        if any(b.kind == "import" and b.qualname == "torch.nn" for b in bindings):
            return name
    for name, bindings in scope.bindings.items():
        if any(b.kind == "import" and b.qualname == "torch" for b in bindings):
            return f"{name}.nn"
    return None


def _calls_by_name(analysis: Analysis) -> dict[str | None, list[ast.Call]]:
    """The index's calls by last name (None: of other expressions), each list in the walk's
    order reversed, unsorted: a merge of names sorts what it takes, and a name asked alone
    is sorted on first use (``_calls_of``): most of a file's names are never asked alone."""
    by_name = analysis.queries.get("calls_by_name")
    if by_name is None:
        idx = index(analysis)
        by_name = {name: calls[::-1] for name, calls in idx.calls_by_name.items()}
        if idx.other_calls:
            by_name[None] = idx.other_calls[::-1]
        analysis.queries["calls_by_name"] = by_name
    return by_name


def _calls_of(analysis: Analysis, name: str | None) -> list[ast.Call]:
    """The calls of one name in source order (each list sorted on its own: the same order
    as filtering the sorted list of all calls, a stable sort)."""
    table = analysis.queries.get("calls_of_name")
    if table is None:
        table = analysis.queries["calls_of_name"] = {}
    found = table.get(name)
    if found is None:
        found = table[name] = sorted(_calls_by_name(analysis).get(name, ()), key=BY_POSITION)
    return found


def calls_named(analysis: Analysis, *names: str | None) -> list[ast.Call]:
    """Calls whose function's last name is one of ``names`` (``x.step()``/``step()`` for
    "step"; None for calls of other expressions, like ``Loss()(x, y)``), in source order."""
    if len(names) == 1:
        return _calls_of(analysis, names[0])
    by_name = _calls_by_name(analysis)
    key = frozenset(names)  # rules ask for the same helper sets once per candidate: keep the merge
    merged = analysis.queries.setdefault("calls_named", {})
    out = merged.get(key)
    if out is None:
        # in any order: the sort below orders calls totally (two calls never span the same text)
        out = [c for n in key for c in by_name.get(n, ())]
        sort_outer_first(out)  # not the set's order: ``f(x)(y)`` and ``f(x)`` start together
        merged[key] = out
    return out


def calls_named_unordered(analysis: Analysis, names: Iterable[str | None]) -> list[ast.Call]:
    """``calls_named(analysis, *names)`` in no particular order, not kept: for a caller that
    keeps a few of many calls and sorts those (``sort_outer_first``)."""
    by_name = _calls_by_name(analysis)
    return [c for n in names for c in by_name.get(n, ())]


def sort_outer_first(nodes: list[ast.AST]) -> None:
    """Source order, of nodes starting together the outer one (which ends last) first, as
    two stable sorts with C keys: by end, last first, then by start. A Python key on every
    node, or a Python scan for the nodes starting together, was most of the cost of
    merging the calls of many names."""
    nodes.sort(key=_BY_END, reverse=True)  # (reverse keeps equal ends in their order: stable)
    nodes.sort(key=BY_POSITION)


_BY_END = operator.attrgetter("end_lineno", "end_col_offset")


def any_within(outer: ast.AST, nodes: list[ast.AST]) -> bool:
    """``any(contains(outer, n) for n in nodes)`` for ``nodes`` in source order (as
    ``calls_named`` gives them): only the nodes starting inside ``outer`` are looked at."""
    start = (outer.lineno, outer.col_offset)  # type: ignore[attr-defined]
    end = (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
    for i in range(bisect.bisect_left(nodes, start, key=BY_POSITION), len(nodes)):
        node = nodes[i]
        if (node.lineno, node.col_offset) > end:  # type: ignore[attr-defined]
            break
        if (node.end_lineno, node.end_col_offset) <= end:  # type: ignore[attr-defined]
            return True
    return False


def stores_between(analysis: Analysis, scope: ast.AST, first: int, last: int) -> list[str]:
    """The dotted names (``x``, ``self.fc``) stored to in ``scope``'s own code (not nested
    functions) on lines ``first``..``last``. The scope's stores are listed once, by line."""
    table = analysis.queries.get("stores")
    if table is None:
        table = analysis.queries["stores"] = {}
    rows = table.get(id(scope))
    if rows is None:
        idx = index(analysis)
        local = idx.local.get(id(scope)) if scope.__class__ in _SCOPE_LIKE else None
        if local is not None:  # the index filed the scope's stores on the way
            stores = idx.stores_by_local.get(id(local), ())
            rows = sorted((n.lineno, name) for n in stores if (name := dotted(n)))
        else:
            Name, Attribute, Store = ast.Name, ast.Attribute, ast.Store
            rows = sorted((n.lineno, name) for n in walk_local(analysis, scope)  # type: ignore[attr-defined]
                          if (n.__class__ is Name or n.__class__ is Attribute) and n.ctx.__class__ is Store
                          and (name := dotted(n)))
        _keep(analysis, scope)
        table[id(scope)] = rows
    line = operator.itemgetter(0)
    lo = bisect.bisect_left(rows, first, key=line)
    return [name for _, name in rows[lo:bisect.bisect_right(rows, last, lo, key=line)]]


def calls_where(analysis: Analysis, predicate) -> list[ast.Call]:
    """Calls whose function's last name satisfies ``predicate(name)``, in source order."""
    by_name = _calls_by_name(analysis)
    return calls_named(analysis, *[n for n in by_name if n is not None and predicate(n)]) if by_name else []


def iter_nodes(analysis: Analysis, *types: type) -> Iterable[ast.AST]:
    return index(analysis).of(*types)
