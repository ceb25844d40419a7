"""Static analysis of one Python file, shared by hover and the linter.

One pass over the stdlib ``ast`` records, per scope, what each name is bound to
(imports and aliases, assignments, parameters with annotations, loop targets,
classes and functions), indexes the name/attribute nodes by line for fast
position look-ups, and remembers, per class, what ``self.x = ...`` assigns.

Inference is lazy and deliberately simple: :meth:`Analysis.resolve` turns an
expression into a :class:`Value`, either a *symbol* (the expression *is*
``torch.nn.Linear``) or an *instance* (it *holds* a ``torch.nn.Linear``).
Attribute access on an instance walks the class hierarchy, taken from the
knowledge base for torch classes and from the source for the file's own classes.

Half-typed or broken code still gets analysed: lines that do not parse are
replaced by ``pass`` (keeping every other position valid) until the file parses.
Nothing here imports torch.
"""

from __future__ import annotations

import ast
import math
import re
import weakref
from bisect import bisect_left, bisect_right
from operator import attrgetter
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator, Literal, Union

if TYPE_CHECKING:
    from torchwise.project.inference import ProjectEnv

from torchwise.lazy_pattern import lazy
from torchwise.records import record, setfield
from torchwise.text import byte_to_char, char_to_byte, parse_python, split_lines

ScopeNode = Union[ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef]

# copies of an object: of its class (federated learning's ``local.train(net=copy.deepcopy(net_glob))``)
_COPIES = frozenset(("copy.deepcopy", "copy.copy"))

LOCAL = "<local>."  # prefix of the qualified names of classes/functions defined in the file
MAX_REPAIRS = 50
MAX_DEPTH = 40

TENSOR = "torch.Tensor"
MODULE = "torch.nn.Module"
OPTIMIZER = "torch.optim.Optimizer"
LR_SCHEDULER = "torch.optim.lr_scheduler.LRScheduler"
PARAMETER = "torch.nn.Parameter"
_PARAMETER_ATTRS = frozenset({"weight", "bias"})


@record(frozen=True)
class Value:
    """What an expression denotes: ``kind="symbol"`` is the named thing itself,
    ``kind="instance"`` is an object whose class is ``qualname``."""

    kind: Literal["symbol", "instance"]
    qualname: str

    def __init__(self, kind: Literal["symbol", "instance"], qualname: str) -> None:
        setfield(self, "kind", kind)
        setfield(self, "qualname", qualname)

    @property
    def is_local(self) -> bool:
        return self.qualname.startswith(LOCAL)


@record()
class Binding:
    line: int
    kind: Literal["import", "assign", "param", "for", "with", "def", "class", "star"]
    # For imports: the qualified name; for assignments: the value expression (and,
    # for tuple targets, the element index); for params: the annotation.
    qualname: str
    node: ast.AST | None
    index: int | None

    def __init__(self, line: int, kind: str, qualname: str = "", node: ast.AST | None = None,
                 index: int | None = None) -> None:
        self.line, self.kind, self.qualname, self.node, self.index = line, kind, qualname, node, index


_line_of = attrgetter("line")
_DICT_CHANGES = frozenset({"update", "pop", "popitem", "setdefault", "clear", "__setitem__", "__delitem__"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def first_line(stmt: ast.stmt) -> int:
    """A statement's first line: its first decorator's, if any."""
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])


_SPECIAL_EXPRS = frozenset((ast.Lambda, ast.NamedExpr, *_COMPREHENSIONS))
_LEAF_FIELDS = {"ctx", "op", "ops", "kind", "type_comment", "id", "attr", "arg", "name", "asname",
                "module", "level", "conversion", "is_async"}
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST class that can hold child nodes (no ctx/op singletons, no strings);
    none for anything else (``None``, an absent optional child, is pushed and popped as is)."""
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(f for f in getattr(cls, "_fields", ()) if f not in _LEAF_FIELDS)
    return fields


@record()
class Scope:
    node: ScopeNode
    parent: "Scope | None"
    bindings: dict[str, list[Binding]]
    star_imports: list[str]
    cls: "ClassInfo | None"  # for method scopes: the class they belong to (a weakref.proxy)

    def __init__(self, node: ScopeNode, parent: "Scope | None", bindings: dict[str, list[Binding]] | None = None,
                 star_imports: list[str] | None = None, cls: "ClassInfo | None" = None) -> None:
        self.node, self.parent, self.cls = node, parent, cls
        self.bindings = {} if bindings is None else bindings
        self.star_imports = [] if star_imports is None else star_imports

    def bind(self, name: str, binding: Binding) -> None:
        bindings = self.bindings.setdefault(name, [])
        if bindings and bindings[-1].line > binding.line:  # keep source order for bisect
            bindings.insert(bisect_right(bindings, binding.line, key=_line_of), binding)
        else:
            bindings.append(binding)


@record()
class ClassInfo:
    name: str
    qualname: str
    node: ast.ClassDef
    scope: Scope  # the scope enclosing the class statement
    methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    # self.<attr> = <expr> assignments inside the methods: attr -> [(method scope, expr)]
    attributes: dict[str, list[tuple[Scope, ast.expr]]]

    def __init__(self, name: str, qualname: str, node: ast.ClassDef, scope: Scope,
                 methods: dict | None = None, attributes: dict | None = None) -> None:
        self.name, self.qualname, self.node, self.scope = name, qualname, node, scope
        self.methods = {} if methods is None else methods
        self.attributes = {} if attributes is None else attributes


@lru_cache(maxsize=1)
def _knowledge():
    from torchwise.knowledge import default_knowledge

    return default_knowledge()


# Classes whose base we can tell from their module when the knowledge base has no entry.
_FAMILY_BASES = (
    ("torch.optim.lr_scheduler.", LR_SCHEDULER),
    ("torch.optim.", OPTIMIZER),
    ("torch.nn.modules.", MODULE),
    ("torch.nn.parallel.", MODULE),
    ("torch.nn.", MODULE),
)

# Classes imported from the private module that defines them, by the public name they are
# documented under (``from torch.utils.data.dataloader import DataLoader``).
_DEFINED_IN = {
    "torch.utils.data.dataloader.DataLoader": "torch.utils.data.DataLoader",
    "torch.utils.data.dataset.Dataset": "torch.utils.data.Dataset",
    "torch.utils.data.dataset.IterableDataset": "torch.utils.data.IterableDataset",
    "torch.utils.data.dataset.TensorDataset": "torch.utils.data.TensorDataset",
    "torch.utils.data.dataset.Subset": "torch.utils.data.Subset",
    "torch.utils.data.dataset.ConcatDataset": "torch.utils.data.ConcatDataset",
    "torch.utils.data.sampler.Sampler": "torch.utils.data.Sampler",
    "torch.cuda.amp.grad_scaler.GradScaler": "torch.cuda.amp.GradScaler",
    "torch.amp.grad_scaler.GradScaler": "torch.amp.GradScaler",
}

# Classes of other libraries that are torch modules (Lightning's ``LightningModule`` subclasses
# ``torch.nn.Module``), under the names they are imported by.
_MODULE_CLASSES_ELSEWHERE = frozenset({
    "pytorch_lightning.LightningModule", "pytorch_lightning.core.LightningModule",
    "pytorch_lightning.core.module.LightningModule", "pytorch_lightning.core.lightning.LightningModule",
    "lightning.LightningModule", "lightning.pytorch.LightningModule", "lightning.pytorch.core.LightningModule",
    "lightning.pytorch.core.module.LightningModule", "lightning.pytorch.core.lightning.LightningModule",
})

# Methods returning their receiver, when the knowledge base says nothing.
_SELF_RETURNING = {
    MODULE: {"to", "cuda", "cpu", "train", "eval", "half", "float", "double", "bfloat16",
             "requires_grad_", "apply", "to_empty", "share_memory", "type", "xpu", "mps"},
}
_NON_TENSOR_TENSOR_METHODS = {
    "item", "tolist", "numpy", "size", "dim", "ndimension", "numel", "nelement", "element_size",
    "is_contiguous", "data_ptr", "get_device", "stride", "storage", "untyped_storage",
    "backward", "register_hook", "is_floating_point", "is_complex", "equal", "__len__",
    "dtype", "device", "shape", "requires_grad", "is_cuda", "ndim", "grad_fn", "is_leaf",
}
# Functions in the torch namespace that do not return a tensor.
_TORCH_NON_TENSOR = {
    "torch.save", "torch.load", "torch.manual_seed", "torch.seed", "torch.set_grad_enabled",
    "torch.is_tensor", "torch.is_grad_enabled", "torch.compile", "torch.device", "torch.dtype",
    "torch.get_default_dtype", "torch.set_default_dtype", "torch.set_num_threads",
    "torch.get_num_threads", "torch.use_deterministic_algorithms", "torch.no_grad",
    "torch.enable_grad", "torch.inference_mode", "torch.autocast", "torch.Generator",
    "torch.is_floating_point", "torch.numel", "torch.set_printoptions", "torch.set_float32_matmul_precision",
    "torch.is_inference_mode_enabled", "torch.typename", "torch.get_rng_state", "torch.set_rng_state",
}


# Every Analysis alive (weakly): tests and the server's stats check that old versions
# are freed, not kept by a cache or a stored traceback.
LIVE_ANALYSES: "weakref.WeakSet[Analysis]" = weakref.WeakSet()


def build_analysis(source: str, path: str = "<unknown>", env: "ProjectEnv | None" = None,
                   tree: ast.Module | None = None, splice: tuple | None = None) -> "Analysis":
    """``Analysis(source, path, env)``, or, for code nested too deeply for the analysis
    (thousands of nested lambdas or brackets), an empty one whose ``syntax_error``
    says so: callers always get an analysis, never a RecursionError. ``tree``: the
    source's syntax tree, already parsed (``torchwise.incremental_statement``);
    ``splice``: ``(before, i0, old, new, delta)``, how ``tree`` was made from the previous
    version's (``Analysis.spliced``)."""
    try:
        if splice is not None and tree is not None:
            spliced = Analysis.spliced(splice[0], source, tree, *splice[1:], env)
            if spliced is not None:
                return spliced
        return Analysis(source, path, env=env, tree=tree)
    except (RecursionError, MemoryError) as exc:
        return Analysis.unanalysable(source, path, "the code is nested too deeply to analyse"
                                     if isinstance(exc, RecursionError) else "out of memory analysing the file")


class Analysis:
    """Everything the features need to know about one version of one file."""

    def __init__(self, source: str, path: str = "<unknown>", env: "ProjectEnv | None" = None,
                 tree: ast.Module | None = None):
        self._begin(source, path, env)
        # a given tree is ``ast.parse(source)``'s (the editor splices an edited statement)
        self.tree = self._parse(source) if tree is None else tree
        self.module_scope = Scope(self.tree, None)
        self.scopes: dict[ast.AST, Scope] = {self.tree: self.module_scope}
        self.classes: dict[ast.ClassDef, ClassInfo] = {}
        # Name/Attribute/alias nodes with their scope, in visit order; grouped by line
        # (``_by_line``) only when hover first asks: lint never does
        self._indexed: list[ast.AST] = []  # (their scopes: ``_scope_of_node``)
        self._scope_of_node: dict[ast.AST, Scope] = {}  # keyed by the node: no id() int per node
        self.calls: list[ast.Call] = []  # every call the visitor met (call-site typing: no second walk)
        # where each top-level statement's share starts in the tables that grow in visit
        # order (``_indexed``, ``calls``, ``scopes``, ``classes``, the module's names): the
        # editor replaces one share (``spliced``), each table in a fresh visit's order
        self._marks: list[tuple[int, int, int, int, int]] = []
        self._visit_top(self.tree.body)

    def _begin(self, source: str, path: str, env: "ProjectEnv | None") -> None:
        """What every analysis of a version starts with, built or spliced: the text, and
        empty memo tables."""
        self.path = path
        # The project model's view from this module (``torchwise.project``): names of the
        # user's other modules are resolved through it; None for a file on its own.
        self.env = env
        self.source = source
        self.lines = split_lines(source)
        # A UTF-8 BOM read as text (U+FEFF first): ast refuses it, the editor counts it
        # as the first character of line 1.
        self.bom = source.startswith("\ufeff")
        self.gave_up = False  # True: no syntax tree at all (see ``unanalysable``)
        # A notebook's module (its code cells joined): the line (0-based) each cell starts
        # on, set by whoever joined them; empty for a file. A cell's last expression is
        # displayed, not thrown away (``flow.displayed``).
        self.cell_starts: tuple[int, ...] = ()
        # ... and each cell's number as the user sees it (every cell counted, from 1), for
        # messages that point at another line (``flow.line_ref``); empty: its position + 1
        self.cell_labels: tuple[int, ...] = ()
        LIVE_ANALYSES.add(self)
        self.syntax_error: SyntaxError | None = None
        self.repaired_lines: set[int] = set()
        # lines whose tab indentation Python 3 refused (TabError), read with tabs as 8
        # columns as Python 2 did: their nodes' columns are those of the expanded line
        self.retabbed_lines: set[int] = set()
        self._by_line_map: dict[int, list[tuple[ast.AST, Scope]]] | None = None
        self._parents: dict[ast.AST, ast.AST] | None = None
        self._resolving: set[ast.AST] = set()
        self._comprehension_depth = 0
        # resolve() and mro() are pure for a given version of the file: memoized, as
        # hover and many lint rules ask the same questions about the same nodes.
        # (keyed by the nodes themselves, which hash by identity: no id() int made per question)
        self._memo: dict[ast.AST, tuple[Scope, Value | None]] = {}
        self._memo_more: dict[tuple[ast.AST, int], tuple[Scope, Value | None]] = {}
        self._mros: dict[str, list[str]] = {}
        # the classes by qualified name, each name's in definition order (``classes_named``):
        # built on first use, once the constructor (or a splice) has filled ``classes``
        self._classes_by_name: dict[str, list[ClassInfo]] | None = None
        # names whose items the module writes, deletes or changes through a dict method
        # (``_items_changed``): built on first use, from the whole tree
        self._items_changed: frozenset[str] | None = None
        # memo table of the syntax-level queries lint asks of this version (the lint index,
        # calls by name, the split lines): name -> result, declared here rather than
        # attributes hung on the object by whoever computes them
        self.queries: dict[str, object] = {}

    def _visit_top(self, body: list[ast.stmt]) -> None:
        marks, indexed, calls, scopes, classes = self._marks, self._indexed, self.calls, self.scopes, self.classes
        scope = self.module_scope
        names, visit, append = scope.bindings, self._visit_stmt, marks.append
        for stmt in body:
            append((len(indexed), len(calls), len(scopes), len(classes), len(names)))
            visit(stmt, scope)

    @classmethod
    def unanalysable(cls, source: str, path: str, reason: str) -> "Analysis":
        """An analysis with the file's lines but no syntax tree, and ``reason`` as its
        syntax error (reported on line 1 by the syntax-error rule)."""
        empty = cls("", path)
        empty.source = source
        empty.lines = split_lines(source)
        empty.bom = source.startswith("\ufeff")
        empty.syntax_error = SyntaxError(reason, (path, 1, 1, ""))
        empty.gave_up = True
        return empty

    @classmethod
    def spliced(cls, before: "Analysis", source: str, tree: ast.Module, i0: int, old: list[ast.stmt],
                new: list[ast.stmt], delta: int, env: "ProjectEnv | None") -> "Analysis | None":
        """The analysis of ``source`` whose ``tree`` is ``before``'s with the top-level
        statements ``old`` replaced by ``new`` at ``i0`` and the later ones moved ``delta``
        lines (the editor's splice): ``before``'s scopes, bindings and tables, with only the
        new statements visited, the old ones' share cut out and the later bindings moved;
        equal to a fresh analysis of ``tree``, order included. ``before`` is used up (its
        scopes are this one's). None where it cannot be done: build afresh."""
        body = tree.body
        if (before.gave_up or before.syntax_error is not None or before.tree is not tree or before.bom
                or source.startswith("\ufeff") or (before.env.package if before.env is not None else None) != (env.package if env is not None else None)
                or "\x00" in source or not before._marks):
            return None
        for stmt in (*old, *new):
            if stmt.__class__ is ast.ImportFrom and any(alias.name == "*" for alias in stmt.names):
                return None  # a star import: the module scope's list, and every name's guess
        after = i0 + len(new)
        prev_end = body[i0 - 1].end_lineno if i0 else 0  # lines up to here did not move
        next_old = first_line(body[after]) - delta if after < len(body) else None  # the next one, before the move
        for stmts, shift in ((old, 0), (new, delta)):
            if stmts and (first_line(stmts[0]) <= prev_end
                          or next_old is not None and stmts[-1].end_lineno >= next_old + shift):
                return None  # a line shared with a neighbour (``a = 1; b = 2``)
        marks = before._marks + [(len(before._indexed), len(before.calls), len(before.scopes), len(before.classes),
                                  len(before.module_scope.bindings))]  # and where the last share ends
        lo, hi = marks[i0], marks[i0 + len(old)]
        names = list(before.module_scope.bindings)  # in the order of their first binding
        first_in_old, first_later = names[lo[4]:hi[4]], names[hi[4]:]
        self = cls.__new__(cls)
        self._begin(source, before.path, env)
        self.tree = tree
        self.module_scope = scope = before.module_scope
        # the module scope's bindings: the old statements' cut out (they lie between the
        # neighbours' lines), the later ones moved with their statements
        below = next_old if next_old is not None else math.inf
        kept = {name: [b for b in bindings if not prev_end < b.line < below] if bindings[-1].line > prev_end
                else bindings for name, bindings in scope.bindings.items()}
        before._marks = []  # used up from here: its tables become this one's
        scope.bindings = kept
        scopes, classes = list(before.scopes.items()), list(before.classes.items())
        if delta and next_old is not None:
            for _, inner in (scopes[:1] + scopes[hi[2]:]):  # the module's, and the later statements'
                for bindings in inner.bindings.values():
                    if bindings and bindings[-1].line >= next_old:
                        for b in bindings:
                            if b.line >= next_old:
                                b.line += delta
        scope_of = self._scope_of_node = before._scope_of_node
        for node in before._indexed[lo[0]:hi[0]]:
            scope_of.pop(node, None)
        self._indexed, self.calls = before._indexed[:lo[0]], before.calls[:lo[1]]
        self.scopes, self.classes = dict(scopes[:lo[2]]), dict(classes[:lo[3]])
        self._marks = marks[:i0]
        # the names first bound by the old statements or later ones, set apart: the new
        # statements' names come first, in the order they bind them
        orphans = {name: rest for name in first_in_old if (rest := kept.pop(name))}  # bound again later
        bound_later = {name: kept.pop(name) for name in first_later}
        self._visit_top(new)
        if any(name not in kept for name in orphans) or any(name in kept for name in bound_later):
            return None  # a name that moves among the later statements' (or up to the new ones): build afresh
        for name, rest in orphans.items():
            kept[name] = kept[name] + rest
        grown = (len(self._indexed) - hi[0], len(self.calls) - hi[1], len(self.scopes) - hi[2],
                 len(self.classes) - hi[3], len(kept) - hi[4])
        kept.update(bound_later)
        self._marks += [tuple(x + d for x, d in zip(mark, grown)) for mark in marks[i0 + len(old):-1]]
        self._indexed += before._indexed[hi[0]:]
        self.calls += before.calls[hi[1]:]
        self.scopes.update(scopes[hi[2]:])
        self.classes.update(classes[hi[3]:])
        return self

    # ------------------------------------------------------------------ parsing
    def _parse(self, source: str) -> ast.Module:
        if self.bom:
            source = source[1:]
        if "\x00" in source:
            self.syntax_error = SyntaxError("source contains null bytes", (self.path, 1, 1, ""))
            source = source.replace("\x00", " ")
        lines: list[str] | None = None  # split only once a repair is needed
        for _ in range(MAX_REPAIRS):
            try:
                tree = parse_python(source if lines is None else "".join(lines), self.path)
                self.repaired_lines |= self.retabbed_lines  # no node of theirs sits where the text has it
                return tree  # type: ignore[return-value]
            except SyntaxError as exc:
                if lines is None:
                    lines = split_lines(source, keepends=True)
                if self.syntax_error is None:
                    # keep no traceback: its frames would keep this and older analyses alive
                    exc.__traceback__ = exc.__context__ = exc.__cause__ = None
                    self.syntax_error = exc
                lineno = exc.lineno or len(lines)
                if isinstance(exc, TabError) and self._retab(lines, lineno):
                    continue
                if exc.end_lineno and exc.end_lineno > lineno and "never closed" not in str(exc.msg):
                    lineno = exc.lineno or lineno
                if not 1 <= lineno <= len(lines) or lineno in self.repaired_lines:
                    # The error is at EOF or keeps coming back: drop the tail from there.
                    lineno = min(max(1, lineno), len(lines)) if lines else 1
                    if lineno in self.repaired_lines:
                        lines = lines[: lineno - 1]
                        continue
                if not lines:
                    break
                self.repaired_lines.add(lineno)
                self.retabbed_lines.discard(lineno)  # (read as 8 columns, it still did not parse: blanked)
                lines[lineno - 1] = self._blank(lines[lineno - 1], lines, lineno,
                                                dedent=str(exc.msg).startswith("unexpected indent"))
            except (ValueError, RecursionError, MemoryError) as exc:  # pathological input
                self.syntax_error = self.syntax_error or SyntaxError(str(exc))
                break
        return ast.Module(body=[], type_ignores=[])

    def _retab(self, lines: list[str], lineno: int) -> bool:
        """Read line ``lineno``'s leading tabs as 8 columns, as Python 2 did (a file of
        the Python 2 era mixing tabs and spaces, which Python 3 refuses with a TabError):
        its code keeps its place in the blocks, where blanking it would lose the rest of
        the block. False where that line has no leading tab or was read so already."""
        if not 1 <= lineno <= len(lines) or lineno in self.retabbed_lines:
            return False
        line = lines[lineno - 1]
        body = line.lstrip(" \t")
        lead = line[: len(line) - len(body)]
        if "\t" not in lead:
            return False
        self.retabbed_lines.add(lineno)
        lines[lineno - 1] = lead.expandtabs(8) + body
        return True

    @staticmethod
    def _blank(line: str, lines: list[str], lineno: int, dedent: bool = False) -> str:
        """Replace a broken line by ``pass`` at an indentation that keeps the block valid
        (``dedent``: the line is indented deeper than its block, so the previous line's is
        taken: nashory/pggan-pytorch's tab-indented line stays too deep read as 8 columns)."""
        indent = line[: len(line) - len(line.lstrip())]
        if not line.strip() or dedent:
            # an empty line cannot be the problem: use the previous line's indentation
            for prev in reversed(lines[: lineno - 1]):
                if prev.strip():
                    indent = prev[: len(prev) - len(prev.lstrip())]
                    break
        ending = "\n" if line.endswith("\n") else ""
        if line.strip():
            # a broken block header (``def f(:``, ``for x in (:``): keep its indented body
            # parseable by opening a block in its place
            for following in lines[lineno:]:
                if following.strip():
                    deeper = following[: len(following) - len(following.lstrip())]
                    if len(deeper) > len(indent) and deeper.startswith(indent):
                        return f"{indent}if True:{ending}"
                    break
        return f"{indent}pass{ending}"

    def forget_inferences(self) -> None:
        """Drop memoized inferences (other modules of the project changed; this one did not)."""
        self._memo.clear()
        self._memo_more.clear()
        self._mros.clear()

    # ------------------------------------------------------------ positions
    def char_col(self, line: int, byte_col: int) -> int:
        """Convert an ast column (UTF-8 bytes) on ``line`` (1-based) to a str index."""
        if not 1 <= line <= len(self.lines):
            return byte_col
        if line == 1 and self.bom:  # ast did not see the BOM; the editor's text has it
            return 1 + byte_to_char(self.lines[0][1:], byte_col)
        return byte_to_char(self.lines[line - 1], byte_col)

    def byte_col(self, line: int, char_col: int) -> int:
        if not 1 <= line <= len(self.lines):
            return char_col
        if line == 1 and self.bom:
            return char_to_byte(self.lines[0][1:], max(0, char_col - 1))
        return char_to_byte(self.lines[line - 1], char_col)

    # ------------------------------------------------------------ building
    def _visit_body(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self._visit_stmt(stmt, scope)

    def _index(self, node: ast.AST, scope: Scope) -> None:
        self._indexed.append(node)
        self._scope_of_node[node] = scope

    @property
    def _by_line(self) -> dict[int, list[tuple[ast.AST, Scope]]]:
        """The indexed nodes by line, each line's in visit order (built on first use)."""
        by_line = self._by_line_map
        if by_line is None:
            by_line = self._by_line_map = {}
            scope_of, module_scope = self._scope_of_node, self.module_scope
            for node in self._indexed:
                entry = (node, scope_of.get(node, module_scope))
                rows = by_line.get(node.lineno)
                if rows is None:
                    by_line[node.lineno] = [entry]
                else:
                    rows.append(entry)
        return by_line

    def _visit_expr(self, node: ast.AST | None, scope: Scope) -> None:
        if node is None:
            return
        if node.__class__ is ast.Name and not self._comprehension_depth:
            # a lone name (most assignment and loop targets): what the walk below does with it,
            # without setting the walk up (this is called for every statement's expressions)
            self._indexed.append(node)
            self._scope_of_node[node] = scope
            return
        stack = [node]
        pop, push, extend = stack.pop, stack.append, stack.extend
        indexed_append, scope_of = self._indexed.append, self._scope_of_node
        child_fields = _CHILD_FIELDS
        Name, Attribute, Call = ast.Name, ast.Attribute, ast.Call
        special = _SPECIAL_EXPRS
        calls_append = self.calls.append
        # comprehension depth only changes around the recursive calls below: constant in this loop
        in_comprehension, Store = self._comprehension_depth > 0, ast.Store
        while stack:
            current = pop()
            cls = current.__class__
            if cls is Name or cls is Attribute:  # indexed for position look-ups
                indexed_append(current)
                scope_of[current] = scope
                if cls is Name:
                    if in_comprehension and current.ctx.__class__ is Store:
                        # comprehension variables
                        scope.bind(current.id, Binding(current.lineno, "assign", node=None))
                    continue
            elif cls is Call:
                calls_append(current)
            elif cls in special:  # one set look-up for the few kinds handled apart
                if cls is ast.Lambda:
                    inner = Scope(current, scope, cls=None)
                    self.scopes[current] = inner
                    self._bind_args(current.args, inner, None)
                    self._visit_expr(current.body, inner)
                    continue
                if cls is ast.NamedExpr:
                    if current.target.__class__ is ast.Name:
                        scope.bind(current.target.id, Binding(current.lineno, "assign", node=current.value))
                else:  # a comprehension
                    self._comprehension_depth += 1
                    for child in ast.iter_child_nodes(current):
                        self._visit_expr(child, scope)
                    self._comprehension_depth -= 1
                    continue
            fields = child_fields.get(cls)
            if fields is None:
                fields = _child_fields(cls)
            for field_name in fields:  # a None child (``Dict.keys``, ``Slice.lower``) has no fields
                value = getattr(current, field_name)
                if value.__class__ is list:
                    extend(value)
                else:
                    push(value)

    def _bind_target(self, target: ast.expr, value: ast.expr | None, scope: Scope, kind: str,
                     line: int, index: int | None = None) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding(line, kind, node=value, index=index))  # type: ignore[arg-type]
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    element = element.value
                    self._bind_target(element, None, scope, kind, line)
                else:
                    self._bind_target(element, value, scope, kind, line, i)
        elif isinstance(target, ast.Attribute):
            # self.x = ... inside a method: remember it on the class
            if (isinstance(target.value, ast.Name) and scope.cls is not None
                    and target.value.id == self._self_name(scope) and value is not None):
                attrs = scope.cls.attributes.setdefault(target.attr, [])
                attrs.append((scope, value if index is None else ast.Subscript(
                    value=value, slice=ast.Constant(index), ctx=ast.Load())))

    def absolute_module(self, stmt: ast.ImportFrom) -> str | None:
        """``from ..x import y`` in ``pkg.sub.mod`` -> ``pkg.x`` (None when not relative or unknown)."""
        package = self.env.package if self.env is not None else None
        if not stmt.level or package is None:
            return None
        parts = package.split(".") if package else []
        if stmt.level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (stmt.level - 1)]
        if stmt.module:
            parts.append(stmt.module)
        return ".".join(parts) or None

    def _self_name(self, scope: Scope) -> str | None:
        node = scope.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args
            if args:
                return args[0].arg
        return None

    def _bind_args(self, args: ast.arguments, scope: Scope, cls: ClassInfo | None,
                   class_method: bool = False) -> None:
        positional = args.posonlyargs + args.args
        for i, arg in enumerate(positional + args.kwonlyargs):
            if i == 0 and cls is not None:  # self; a class method's cls: the class itself
                scope.bind(arg.arg, Binding(arg.lineno, "class" if class_method else "param", qualname=cls.qualname))
            else:  # the position lets the project type an un-annotated one from its callers
                scope.bind(arg.arg, Binding(arg.lineno, "param", node=arg.annotation, index=i))
        for arg in (args.vararg, args.kwarg):
            if arg is not None:
                scope.bind(arg.arg, Binding(arg.lineno, "param", node=None))

    def _visit_function(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        visit = self._visit_expr
        decorators, args = stmt.decorator_list, stmt.args
        for decorator in decorators:
            visit(decorator, scope)
        for default in args.defaults:
            visit(default, scope)
        for default in args.kw_defaults:
            if default is not None:
                visit(default, scope)
        # the annotations, in order (most parameters have none: no call for those)
        for group in (args.posonlyargs, args.args, args.kwonlyargs):
            for arg in group:
                if arg.annotation is not None:
                    visit(arg.annotation, scope)
        for arg in (args.vararg, args.kwarg):
            if arg is not None and arg.annotation is not None:
                visit(arg.annotation, scope)
        if stmt.returns is not None:
            visit(stmt.returns, scope)
        scope.bind(stmt.name, Binding(stmt.lineno, "def", qualname=LOCAL + stmt.name, node=stmt))
        cls = self.classes.get(scope.node) if scope.node.__class__ is ast.ClassDef else None
        is_static = bool(decorators) and any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in decorators)
        # the method scope refers to its class weakly: the class's ``attributes`` refer to the
        # method scopes, and a reference cycle would keep the whole tree alive until the
        # cyclic garbage collector runs (a full collection over every live object)
        inner = Scope(stmt, scope.parent if cls else scope,
                      cls=None if is_static or cls is None else weakref.proxy(cls))
        self.scopes[stmt] = inner
        is_class_method = bool(decorators) and any(
            isinstance(d, ast.Name) and d.id == "classmethod" for d in decorators)
        self._bind_args(stmt.args, inner, None if is_static else cls, is_class_method)
        if cls is not None:
            cls.methods.setdefault(stmt.name, stmt)
        self._visit_body(stmt.body, inner)

    def _visit_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        line = stmt.lineno
        kind = stmt.__class__
        if kind is ast.Expr or kind is ast.Return:  # the commonest statements with one expression
            self._visit_expr(stmt.value, scope)  # (what the generic branch below does with them)
            return
        if kind is ast.Assign:
            self._visit_expr(stmt.value, scope)
            for target in stmt.targets:
                self._visit_expr(target, scope)
                self._bind_target(target, stmt.value, scope, "assign", line)
            return
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                self._index(alias, scope)
                if alias.asname:
                    scope.bind(alias.asname, Binding(line, "import", qualname=alias.name))
                else:
                    head = alias.name.split(".")[0]
                    scope.bind(head, Binding(line, "import", qualname=head))
        elif isinstance(stmt, ast.ImportFrom):
            absolute = self.absolute_module(stmt)
            if absolute is not None:  # a relative import, resolved against this module's package
                for alias in stmt.names:
                    if alias.name == "*":
                        scope.star_imports.append(absolute)
                    else:
                        scope.bind(alias.asname or alias.name,
                                   Binding(line, "import", qualname=f"{absolute}.{alias.name}"))
                return
            if stmt.level or not stmt.module:
                for alias in stmt.names:
                    scope.bind(alias.asname or alias.name, Binding(line, "assign", node=None))
                return
            for alias in stmt.names:
                self._index(alias, scope)
                if alias.name == "*":
                    scope.star_imports.append(stmt.module)
                else:
                    scope.bind(alias.asname or alias.name,
                               Binding(line, "import", qualname=f"{stmt.module}.{alias.name}"))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._visit_function(stmt, scope)
        elif isinstance(stmt, ast.ClassDef):
            for expr in stmt.bases + [k.value for k in stmt.keywords] + stmt.decorator_list:
                self._visit_expr(expr, scope)
            outer = self.classes.get(scope.node) if isinstance(scope.node, ast.ClassDef) else None
            qualname = f"{outer.qualname}.{stmt.name}" if outer is not None else LOCAL + stmt.name  # Outer.Inner
            info = ClassInfo(stmt.name, qualname, stmt, scope)
            self.classes[stmt] = info
            scope.bind(stmt.name, Binding(line, "class", qualname=qualname, node=stmt))
            class_scope = Scope(stmt, scope)
            self.scopes[stmt] = class_scope
            self._visit_body(stmt.body, class_scope)
        elif isinstance(stmt, ast.AnnAssign):
            self._visit_expr(stmt.value, scope)
            self._visit_expr(stmt.annotation, scope)
            self._visit_expr(stmt.target, scope)
            if stmt.value is not None:
                self._bind_target(stmt.target, stmt.value, scope, "assign", line)
            elif isinstance(stmt.target, ast.Name):
                scope.bind(stmt.target.id, Binding(line, "param", node=stmt.annotation))
        elif isinstance(stmt, ast.AugAssign):
            self._visit_expr(stmt.value, scope)
            self._visit_expr(stmt.target, scope)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._visit_expr(stmt.iter, scope)
            self._visit_expr(stmt.target, scope)
            self._bind_target(stmt.target, stmt.iter, scope, "for", line)
            self._visit_body(stmt.body, scope)
            self._visit_body(stmt.orelse, scope)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._visit_expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self._visit_expr(item.optional_vars, scope)
                    self._bind_target(item.optional_vars, item.context_expr, scope, "with", line)
            self._visit_body(stmt.body, scope)
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    self._visit_stmt(child, scope)
                elif isinstance(child, ast.ExceptHandler):
                    self._visit_expr(child.type, scope)
                    if child.name:
                        scope.bind(child.name, Binding(child.lineno, "assign", node=None))
                    self._visit_body(child.body, scope)
                elif isinstance(child, ast.match_case):
                    self._visit_body(child.body, scope)
                elif isinstance(child, ast.expr):
                    self._visit_expr(child, scope)

    # ------------------------------------------------------------ queries
    def scope_of(self, node: ast.AST) -> Scope:
        """The scope a Name/Attribute/alias node was seen in (module scope if unknown)."""
        return self._scope_of_node.get(node, self.module_scope)

    def node_at(self, line: int, col: int) -> ast.AST | None:
        """The innermost Name, Attribute (cursor on its attribute) or import alias at
        ``line`` (1-based) and ``col`` (0-based str index)."""
        candidates = self._by_line.get(line)
        if not candidates:
            return None
        bcol = self.byte_col(line, col)
        best: ast.AST | None = None
        for node, _scope in candidates:
            if isinstance(node, ast.Attribute):
                # only the ".attr" part belongs to this node; the value is its own node
                end = node.end_col_offset or 0
                start = end - len(node.attr)
                if node.end_lineno == line and start - 1 <= bcol <= end:
                    best = node
            elif node.col_offset <= bcol <= (node.end_col_offset or 0) and node.end_lineno == line:
                if best is None or not isinstance(best, ast.Attribute):
                    best = node
        return best

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The parent of ``node`` in the tree (the map is built on first use)."""
        if self._parents is None:
            parents: dict[ast.AST, ast.AST] = {}
            for p in ast.walk(self.tree):
                for child in ast.iter_child_nodes(p):
                    parents[child] = p
            self._parents = parents
        return self._parents.get(node)

    def lookup(self, name: str, scope: Scope, line: int | None = None) -> Binding | None:
        """The binding of ``name`` visible from ``scope``: the last one at or before
        ``line`` in the nearest scope that binds it (else its first binding)."""
        current: Scope | None = scope
        while current is not None:
            bindings = current.bindings.get(name)
            if bindings:
                if line is not None and (current is scope or current.node is self.tree):
                    # the last binding above the use; a binding on the same line
                    # (``x = x.to(d)``) only when nothing is above it
                    i = bisect_left(bindings, line, key=_line_of)  # bindings are in source order
                    if i > 0:
                        return bindings[i - 1]
                    if bindings[0].line == line:
                        return bindings[bisect_right(bindings, line, key=_line_of) - 1]
                    return bindings[0] if current is scope else bindings[-1]
                return bindings[-1]
            for module in current.star_imports:
                qualname = f"{module}.{name}"
                if qualname in _knowledge():
                    return Binding(0, "star", qualname=qualname)
                if self.env is not None:
                    module = self.env.imported(module)
                    if self.env.exports(module, name):
                        return Binding(0, "star", qualname=f"{module}.{name}")
            current = current.parent
        # Not bound anywhere: with a single star import from torch, it is the best guess
        # (a wrong guess only costs a runtime-docs look-up that finds nothing).
        stars = self._torch_star_imports()
        if len(stars) == 1 and name not in _BUILTINS:
            return Binding(0, "star", qualname=f"{next(iter(stars))}.{name}")
        return None

    def _torch_star_imports(self) -> set[str]:
        """Modules of ``from torch... import *`` anywhere in the file (the scopes are
        complete once the constructor returns: computed once, on first need)."""
        stars = self.__dict__.get("_torch_stars")
        if stars is None:
            stars = {m for s in self.scopes.values() for m in s.star_imports
                     if m.split(".")[0] in ("torch", "torchvision")}
            self._torch_stars = stars
        return stars

    def function_scope_at(self, line: int) -> Scope:
        """The innermost function scope whose body holds ``line`` (1-based), else the module's."""
        best, best_span = self.module_scope, None
        for node, scope in self.scopes.items():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first, last = node.lineno, node.end_lineno or node.lineno
                if first < line <= last and (best_span is None or last - first < best_span):
                    best, best_span = scope, last - first
        return best

    def binding_scope(self, name: str, scope: Scope) -> Scope | None:
        """The nearest scope, from ``scope`` outwards, that binds ``name`` (None: none does)."""
        current: Scope | None = scope
        while current is not None and name not in current.bindings:
            current = current.parent
        return current

    def import_alternatives(self, name: str, scope: Scope, line: int) -> list[Value]:
        """What else a use of ``name`` at ``line`` may denote when it is bound by an import
        right after other imports of the same name (``try: from a import f`` / ``except
        ImportError: from b import f``, or each arm of an ``if`` importing its own ``f``):
        the values of those earlier imports. Which one runs is decided at run time."""
        current = self.binding_scope(name, scope)
        chosen = self.lookup(name, scope, line) if current is not None else None
        if chosen is None or chosen.kind != "import":
            return []
        bindings = current.bindings[name]  # type: ignore[union-attr]
        at = next((i for i, b in enumerate(bindings) if b is chosen), 0)
        out = []
        for binding in reversed(bindings[:at]):
            if binding.kind != "import":
                break
            value = self._from_binding(binding, current)  # type: ignore[arg-type]
            if value is not None:
                out.append(value)
        return out

    def resolve_name(self, name: str, scope: Scope, line: int) -> Value | None:
        """What the bare ``name`` denotes at ``line`` seen from ``scope`` (no AST node needed)."""
        binding = self.lookup(name, scope, line)
        return None if binding is None else self._from_binding(binding, scope)

    def indexed_nodes(self) -> Iterator[tuple[ast.AST, Scope]]:
        """Every indexed Name, Attribute and import alias with its scope, in line order."""
        for line in sorted(self._by_line):
            yield from self._by_line[line]

    def qualname_of(self, expr: ast.AST, scope: Scope | None = None) -> str | None:
        """The qualified name an expression refers to, if it is a symbol (``nn.Linear``
        -> ``torch.nn.Linear``), else None."""
        value = self.resolve(expr, scope)
        return value.qualname if value is not None and value.kind == "symbol" else None

    def type_of(self, expr: ast.AST, scope: Scope | None = None) -> str | None:
        """The qualified class name of the value an expression holds, if known."""
        value = self.resolve(expr, scope)
        return value.qualname if value is not None and value.kind == "instance" else None

    def resolve(self, expr: ast.AST, scope: Scope | None = None) -> Value | None:
        """What ``expr`` denotes, or None when static inference cannot tell."""
        if scope is None:
            scope = self._scope_of_node.get(expr, self.module_scope)
        # keyed by the node alone (rules ask of each node in one scope, its own): one dict
        # look-up, no key tuple; a node asked in a second scope has its answers in ``_memo_more``
        memo = self._memo.get(expr)
        if memo is not None:
            if memo[0] is scope:
                return memo[1]
            more = self._memo_more.get((expr, id(scope)))
            if more is not None and more[0] is scope:
                return more[1]
        resolving = self._resolving
        if expr in resolving or len(resolving) > MAX_DEPTH:
            return None
        top = not resolving
        resolving.add(expr)
        try:
            value = self._resolve(expr, scope)
        except RecursionError:
            value = None
        finally:
            resolving.discard(expr)
        # A None found while a cycle was being broken may be wrong: only cache it at the top.
        if value is not None or top:
            if memo is None:
                self._memo[expr] = (scope, value)
            else:
                self._memo_more[(expr, id(scope))] = (scope, value)
        return value

    def _resolve(self, expr: ast.AST, scope: Scope) -> Value | None:
        kind = expr.__class__  # by class: names and attributes are most of what is asked
        if kind is not ast.Name and kind is not ast.Attribute:
            if isinstance(expr, ast.alias):
                return None  # handled by alias_qualname
            kind = ast.Name if isinstance(expr, ast.Name) else ast.Attribute if isinstance(expr, ast.Attribute) else kind
        if kind is ast.Name:
            binding = self.lookup(expr.id, scope, expr.lineno)  # type: ignore[attr-defined]
            if binding is None:
                return None
            return self._from_binding(binding, scope)
        if kind is ast.Attribute:
            base = self.resolve(expr.value, scope)  # type: ignore[attr-defined]
            if base is None:
                return None
            return self.member(base, expr.attr)  # type: ignore[attr-defined]
        if isinstance(expr, ast.Call):
            func = self.resolve(expr.func, scope)
            if func is None:
                return None
            if func.kind == "symbol" and func.qualname.startswith("torch.nn.init.") and func.qualname.endswith("_") \
                    and expr.args:  # an in-place initializer returns the tensor it fills
                return self.resolve(expr.args[0], scope)  # (``nn.init.xavier_normal_(nn.Parameter(...))``: a Parameter)
            if func.kind == "symbol" and func.qualname in _COPIES and len(expr.args) == 1 and not expr.keywords:
                copied = self.resolve(expr.args[0], scope)  # ``copy.deepcopy(net_glob)``: another of its class
                return copied if copied is not None and copied.kind == "instance" else None
            receiver = self.resolve(expr.func.value, scope) if isinstance(expr.func, ast.Attribute) else None
            return self.call_result(func, receiver)
        if isinstance(expr, ast.Subscript):
            if expr.value.__class__ is ast.Name and expr.slice.__class__ is ast.Constant \
                    and isinstance(expr.slice.value, str):  # type: ignore[attr-defined]
                item = self._dict_item(expr.value, expr.slice.value, scope)  # type: ignore[arg-type,attr-defined]
                if item is not None:
                    return self.resolve(item)
            if (self.env is not None and isinstance(expr.value, ast.Call) and isinstance(expr.slice, ast.Constant)
                    and isinstance(expr.slice.value, int)):
                element = self.env.element(self, expr.value, scope, expr.slice.value)
                if element is not None:
                    return element
            base = self.resolve(expr.value, scope)
            if base is not None and base.kind == "instance" and base.qualname == TENSOR:
                return base
            if base is not None and base.kind == "symbol":
                return None  # a type subscript like list[int]
            return None
        if isinstance(expr, ast.BinOp):
            for side in (expr.left, expr.right):
                value = self.resolve(side, scope)
                if value is not None and value.kind == "instance" and value.qualname == TENSOR:
                    return value
            return None
        if isinstance(expr, ast.UnaryOp):
            value = self.resolve(expr.operand, scope)
            return value if value is not None and value.qualname == TENSOR else None
        if isinstance(expr, ast.IfExp):  # ``X(...) if flag else None``: an X where there is one
            arms = [arm for arm in (expr.body, expr.orelse) if not (isinstance(arm, ast.Constant) and arm.value is None)]
            values = [self.resolve(arm, scope) for arm in arms]
            return values[0] if values and values[0] is not None and all(v == values[0] for v in values) else None
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self._either(expr, scope)
        if isinstance(expr, ast.Await):
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return None
        return None

    def _dict_item(self, name: ast.Name, key: str, scope: Scope) -> ast.expr | None:
        """``model['link_pred']`` where ``model = {..., 'link_pred': link_pred}`` (a dict written
        out, bound once, whose items the module never writes, deletes or changes through a
        dict method: shenyangHuang/TGB's models by role): the value written under the key."""
        binding = self.lookup(name.id, scope, name.lineno)
        node = binding.node if binding is not None and binding.kind == "assign" and binding.index is None else None
        if node.__class__ is not ast.Dict or None in node.keys:  # type: ignore[union-attr]
            return None
        found = [v for k, v in zip(node.keys, node.values)  # type: ignore[union-attr]
                 if k.__class__ is ast.Constant and k.value == key]  # type: ignore[union-attr]
        if len(found) != 1 or name.id in self.items_changed():
            return None
        return found[0]

    def items_changed(self) -> frozenset[str]:
        """The names the module writes an item of (``d[k] = v``, ``d[k] += v``, ``del d[k]``), or
        changes through a dict method (``d.update(...)``, ``d.pop(k)``, ...). One walk, on first use."""
        known = self._items_changed
        if known is None:
            names = set()
            for node in ast.walk(self.tree):
                if node.__class__ is ast.Subscript and node.ctx.__class__ is not ast.Load \
                        and node.value.__class__ is ast.Name:  # type: ignore[attr-defined]
                    names.add(node.value.id)  # type: ignore[attr-defined]
                elif node.__class__ is ast.AugAssign and node.target.__class__ is ast.Subscript \
                        and node.target.value.__class__ is ast.Name:  # type: ignore[attr-defined]
                    names.add(node.target.value.id)  # type: ignore[attr-defined]
                elif node.__class__ is ast.Call and node.func.__class__ is ast.Attribute \
                        and node.func.attr in _DICT_CHANGES and node.func.value.__class__ is ast.Name:  # type: ignore[attr-defined]
                    names.add(node.func.value.id)  # type: ignore[attr-defined]
            known = self._items_changed = frozenset(names)
        return known

    def _either(self, expr: ast.BoolOp, scope: Scope) -> Value | None:
        """``sampler or UniformSampler(diffusion)``: the value every operand holds, where they
        agree; a parameter that defaults to None and that no call of the project hands an
        object adds none (None constants neither)."""
        found = None
        for operand in expr.values:
            if operand.__class__ is ast.Constant and operand.value is None:  # type: ignore[attr-defined]
                continue
            value = self.resolve(operand, scope)
            if value is None:
                if self._never_passed(operand, scope):
                    continue
                return None
            if found is not None and value != found:
                return None
            found = value
        return found

    def _never_passed(self, expr: ast.expr, scope: Scope) -> bool:
        if self.env is None or expr.__class__ is not ast.Name:
            return False
        binding = self.lookup(expr.id, scope, expr.lineno)  # type: ignore[attr-defined]
        if binding is None or binding.kind != "param" or binding.node is not None or binding.qualname \
                or binding.index is None:
            return False
        return self.env.never_passed(self, scope, binding)

    def _from_binding(self, binding: Binding, scope: Scope) -> Value | None:
        if binding.kind in ("import", "star"):
            if self.env is not None:
                qualname = self.env.imported(binding.qualname)
                if self.env.owns(qualname):
                    return self.env.lookup(qualname)  # through re-exports, to what it is
            return Value("symbol", binding.qualname)
        if binding.kind in ("def", "class"):
            return Value("symbol", binding.qualname)
        if binding.kind == "param":
            if binding.qualname:  # self / cls
                return Value("instance", binding.qualname)
            if binding.node is None:
                if self.env is not None and binding.index is not None:
                    return self.env.param_value(self, scope, binding)
                return None
            annotation = self._annotation_class(binding.node, scope)
            return Value("instance", annotation) if annotation else None
        if binding.node is None:
            return None
        value_scope = self.scope_of(binding.node) if binding.node in self._scope_of_node else scope
        if binding.kind == "for":
            iterable = self.resolve(binding.node, value_scope)
            if iterable is None or iterable.kind != "instance":
                return None
            if iterable.qualname == TENSOR:
                return iterable  # iterating a tensor yields tensors
            if self.is_subclass(iterable.qualname, "torch.utils.data.DataLoader") and binding.index is not None:
                return Value("instance", TENSOR)  # for x, y in loader: (best guess)
            if binding.index is not None and self._tensor_dataset(iterable):
                return Value("instance", TENSOR)  # for x, y in TensorDataset(xs, ys): its tensors' rows
            return None
        if binding.kind == "with":
            return None
        if binding.index is not None and self.env is not None and isinstance(binding.node, ast.Call):
            element = self.env.element(self, binding.node, value_scope, binding.index)
            if element is not None:  # one element of a tuple a function returns
                return element
        if binding.index is not None and binding.node.__class__ is ast.Subscript \
                and self._tensor_dataset(self.resolve(binding.node.value, value_scope)):  # type: ignore[attr-defined]
            return Value("instance", TENSOR)  # ``X, Y = dataset[:]``: its tensors, indexed (equine's train_model)
        value = self.resolve(binding.node, value_scope)
        if value is None:
            return None
        if binding.index is not None:
            # unpacking: tensors unpack to tensors; anything else is unknown
            return value if value.kind == "instance" and value.qualname == TENSOR else None
        return value

    def _tensor_dataset(self, value: Value | None) -> bool:
        """``value`` is a ``TensorDataset``: indexed, a tuple of its tensors' rows."""
        return value is not None and value.kind == "instance" and self.is_subclass(
            value.qualname, "torch.utils.data.TensorDataset")

    def _annotation_class(self, annotation: ast.AST, scope: Scope) -> str | None:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = parse_python(annotation.value, mode="eval").body  # type: ignore[attr-defined]
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp):  # X | None
            return self._annotation_class(annotation.left, scope)
        if isinstance(annotation, ast.Subscript):  # Optional[X]
            return None
        value = self.resolve(annotation, scope)
        return value.qualname if value is not None and value.kind == "symbol" else None

    # ------------------------------------------------------------ classes & members
    def local_class(self, qualname: str) -> ClassInfo | None:
        """The class of the file with that name; of several (a notebook's cell that defines
        the model again), the last: what the name holds once the module (every cell) has
        run, as the functions and later cells that build it see it."""
        if not qualname.startswith(LOCAL):
            return None
        found = self.classes_named(qualname)
        return found[-1] if found else None

    def classes_named(self, qualname: str) -> list[ClassInfo]:
        """Every class statement of the file with that qualified name, in definition order
        (a notebook may define ``Net`` in several cells): a table, not a scan per question."""
        table = self._classes_by_name
        if table is None:
            table = {}
            for info in self.classes.values():
                table.setdefault(info.qualname, []).append(info)
            self._classes_by_name = table
        return table.get(qualname, [])

    def bases(self, qualname: str) -> list[str]:
        """Direct base classes of a class, by qualified name."""
        info = self.local_class(qualname)
        if info is not None:
            out = []
            for base in info.node.bases:
                if base.__class__ is ast.Subscript:  # ``Operator[Unpack[Tin], Tout]``: the generic class
                    base = base.value
                value = self.resolve(base, info.scope)
                if value is not None and value.kind == "symbol":
                    out.append(value.qualname)
            return out
        if self.env is not None and self.env.owns(qualname):
            return self.env.bases(qualname)  # a class of another module of the project
        entry = _knowledge().get(qualname)
        if entry is not None and entry.bases:
            return list(entry.bases)
        public = _DEFINED_IN.get(qualname)
        if public is not None:
            return [public]
        if qualname in _MODULE_CLASSES_ELSEWHERE:
            return [MODULE]
        last = qualname.rsplit(".", 1)[-1]
        for prefix, base in _FAMILY_BASES:
            if qualname.startswith(prefix):  # the most specific family decides
                # a class by its name (``_LRScheduler``, ``_Loss``: private bases people derive from)
                return [base] if qualname != base and last.lstrip("_")[:1].isupper() else []
        return []

    def mro(self, qualname: str) -> list[str]:
        """The class and its ancestors, nearest first (depth-first, duplicates removed)."""
        cached = self._mros.get(qualname)
        if cached is None:
            cached = self._mros[qualname] = self._compute_mro(qualname)
        return cached

    def _compute_mro(self, qualname: str) -> list[str]:
        out: list[str] = []
        stack = [qualname]
        while stack and len(out) < 50:
            current = stack.pop(0)
            if current in out:
                continue
            out.append(current)
            stack[0:0] = self.bases(current)
        return out

    def is_subclass(self, qualname: str, base: str) -> bool:
        return base in self.mro(qualname)

    def member(self, base: Value, attr: str) -> Value | None:
        """``base.attr``, for a symbol (module or class) or an instance."""
        if base.kind == "symbol":
            entry = _knowledge().get(base.qualname)
            if entry is not None and entry.kind in ("constant", "attribute", "property") and entry.returns:
                # ``ResNet18_Weights.DEFAULT.transforms``: a documented constant holds a value
                return self._class_member(entry.returns, attr, instance=True)
            info = self.local_class(base.qualname)
            if info is not None:
                return self._class_member(base.qualname, attr, instance=False)
            if base.is_local:
                return None
            if self.env is not None and self.env.owns(base.qualname):
                return self.env.member(base, attr)
            qualname = f"{base.qualname}.{attr}"
            entry = _knowledge().get(qualname)
            if entry is None and base.qualname[:1] and base.qualname.rsplit(".", 1)[-1][:1].isupper():
                # a method of a torch class reached through the class: look it up the mro
                return self._class_member(base.qualname, attr, instance=False) or Value("symbol", qualname)
            return Value("symbol", qualname)
        return self._class_member(base.qualname, attr, instance=True)

    def _class_member(self, cls: str, attr: str, *, instance: bool) -> Value | None:
        kb = _knowledge()
        for klass in self.mro(cls):
            if self.env is not None and self.env.owns(klass):
                # a class of another module: its own analysis walks the rest of the mro
                return self.env.member(Value("instance" if instance else "symbol", klass), attr)
            info = self.local_class(klass)
            if info is not None:
                if attr in info.methods:
                    return Value("symbol", f"{klass}.{attr}")
                nested = self.scopes[info.node].bindings.get(attr) if info.node in self.scopes else None
                if nested and nested[-1].kind == "class":  # a class nested in this one
                    return Value("symbol", nested[-1].qualname)
                if instance and attr in info.attributes:
                    for method_scope, expr in reversed(info.attributes[attr]):
                        value = self.resolve(expr, method_scope)
                        if value is not None:
                            return value
                    return None
                continue
            qualname = f"{klass}.{attr}"
            if qualname in kb:
                entry = kb.get(qualname)
                if entry is not None and entry.kind in ("attribute", "property") and entry.returns:
                    return Value("instance", entry.returns) if instance else Value("symbol", qualname)
                return Value("symbol", qualname)
        # Not documented anywhere we know: name it after the nearest torch class, so
        # runtime docs can still be looked up (``MyNet().to`` -> ``torch.nn.Module.to``).
        for klass in self.mro(cls):
            if instance and attr in _PARAMETER_ATTRS and klass.startswith("torch.nn.") and klass != MODULE:
                return Value("instance", PARAMETER)  # a torch layer's weight/bias (``fc.weight.shape``)
            if klass.startswith(("torch.", "torchvision.")):
                return Value("symbol", f"{klass}.{attr}")
        return None

    def call_result(self, func: Value, receiver: Value | None = None) -> Value | None:
        """The value of calling ``func`` (a symbol or an instance)."""
        qualname = func.qualname
        if func.kind == "instance":
            # calling an object: modules return (usually) tensors
            if self.is_subclass(qualname, MODULE):
                if qualname.split(".")[-1] in ("LSTM", "GRU", "RNN", "MultiheadAttention"):
                    return None
                return Value("instance", TENSOR)
            return None
        info = self.local_class(qualname)
        if info is not None:
            return Value("instance", qualname)
        if self.env is not None and (qualname.startswith(LOCAL) or self.env.owns(qualname)):
            return self.env.call_result(self, qualname)  # a function of the project: its returns
        if qualname.startswith(LOCAL):
            return None  # a local function of a file on its own
        entry = _knowledge().get(qualname)
        if entry is not None:
            if entry.kind == "class":
                # a class documented to return something else (``Variable(x)`` -> Tensor)
                return Value("instance", entry.returns if entry.returns and entry.returns != "self" else qualname)
            if entry.returns == "self":
                return receiver if receiver is not None and receiver.kind == "instance" else None
            if entry.returns in ("None", "none"):
                return None
            if entry.returns:
                return Value("instance", entry.returns)
        head, _, last = qualname.rpartition(".")
        if last[:1].isupper() and qualname.startswith(("torch.", "torchvision.")):
            return Value("instance", qualname)  # a class the knowledge base lacks
        if receiver is not None and receiver.kind == "instance":
            for cls, methods in _SELF_RETURNING.items():
                if last in methods and self.is_subclass(receiver.qualname, cls):
                    return receiver
            if receiver.qualname == TENSOR and last not in _NON_TENSOR_TENSOR_METHODS:
                return Value("instance", TENSOR)
        if head == "torch" and qualname not in _TORCH_NON_TENSOR and last[:1].islower():
            return Value("instance", TENSOR)
        if head in ("torch.nn.functional", "torch.linalg", "torch.fft", "torch.special"):
            return Value("instance", TENSOR)
        return None

    # ------------------------------------------------------------ hover support
    def alias_qualname(self, node: ast.alias) -> str | None:
        """The qualified name an import alias introduces (for hovering import lines)."""
        stmt = self.parent(node)
        if isinstance(stmt, ast.ImportFrom):
            if stmt.level or not stmt.module:
                return None
            return stmt.module if node.name == "*" else f"{stmt.module}.{node.name}"
        return node.name



import builtins as _builtins_module

_BUILTINS = frozenset(dir(_builtins_module))

_DOTTED = lazy(r"[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*")


def parameter_defaults(args: ast.arguments) -> dict[str, ast.expr]:
    """A function's parameters that have a default, by name: the trailing positional ones,
    then the keyword-only ones."""
    positional = args.posonlyargs + args.args
    out = {p.arg: d for p, d in zip(positional[len(positional) - len(args.defaults):], args.defaults)}
    out.update({p.arg: d for p, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    return out


def dotted(expr: ast.AST | None) -> str | None:
    """``self.model.encoder`` -> that text, for Name/Attribute chains only (else None)."""
    kind = expr.__class__  # class identity, not isinstance: asked of most calls by many rules
    if kind is ast.Name:
        return expr.id  # type: ignore[union-attr]
    parts = []
    while kind is ast.Attribute:
        parts.append(expr.attr)  # type: ignore[union-attr]
        expr = expr.value  # type: ignore[union-attr]
        kind = expr.__class__
    if kind is ast.Name:
        parts.append(expr.id)  # type: ignore[union-attr]
        return ".".join(reversed(parts))
    return None


def dotted_name_at(line_text: str, col: int) -> tuple[str, int, int] | None:
    """The dotted name under ``col`` in a line of text, up to the cursor's word:
    ``("nn.functional.relu", start, end)``. Used when the line did not parse."""
    for match in _DOTTED.finditer(line_text):
        if match.start() <= col <= match.end():
            text = match.group(0)
            # keep the components up to and including the one under the cursor
            offset = col - match.start()
            next_dot = text.find(".", offset)
            if next_dot != -1:
                text = text[:next_dot].rstrip()
            return re.sub(r"\s+", "", text), match.start(), match.start() + len(text)
    return None
