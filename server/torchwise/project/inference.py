"""Cross-module inference: what the names of the user's own modules denote.

An :class:`~torchwise.analysis.Analysis` built with an ``env`` asks it whenever a
qualified name belongs to the workspace (``pkg.models.net.Net``): through imports and
re-exports (:meth:`ProjectEnv.lookup`), for bases and members of classes defined
elsewhere (answered by *their* module's analysis), for what functions return (one
element of a returned tuple included) and, for an un-annotated parameter, for what
every call site in the project passes. Results are memoized per project revision;
a query that re-enters itself (import cycles) answers None.
"""

from __future__ import annotations

import ast
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from torchwise.analysis import LOCAL, MAX_DEPTH, Analysis, Binding, Scope, Value, parameter_defaults
from torchwise.lazy_pattern import lazy
from torchwise.project.summaries import dunder_all
from torchwise.project.model import digest_of
from torchwise.project.resolver import EXCLUDED_TOPS

if TYPE_CHECKING:
    from torchwise.project.model import Project

_MISSING = object()


def canonical(value: Value | None, module: str | None) -> Value | None:
    """``<local>.Net`` seen from module ``m`` -> ``m.Net`` (names any module can use)."""
    if value is None or module is None or not value.qualname.startswith(LOCAL):
        return value
    return Value(value.kind, module + "." + value.qualname[len(LOCAL):])


def _returns(func: ast.AST, generators: bool = True) -> list[ast.Return]:
    """The return statements of a function's own body (not of nested functions); none
    for a generator when ``generators`` is false (its call returns no such value)."""
    out, stack = [], list(func.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            out.append(node)
        elif not generators and isinstance(node, (ast.Yield, ast.YieldFrom)):
            return []
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def function_node(analysis: Analysis, local_name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """``f`` or ``Cls.method`` of an analysis, by its name after ``<local>.``."""
    owner, _, name = local_name.rpartition(".")
    if owner:
        info = analysis.local_class(LOCAL + owner)
        return info.methods.get(name) if info is not None else None
    for binding in reversed(analysis.module_scope.bindings.get(name, [])):
        if binding.kind == "def":
            return binding.node  # type: ignore[return-value]
    for node in analysis.scopes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    return None


def _own_package_by_path(resolver, outer: str, qualname: str) -> bool:
    """``from model.generate_proposals import X`` in ``lib/model/detector.py``, run with ``lib/``
    on ``sys.path`` (ignacio-rocco/detectorch): the file's own package, named from the folder
    above it, when the import names a module of it that exists (``lib.model.generate_proposals``),
    and no standard module has the top name (``import json`` in ``mylib/json/`` is the
    standard library's)."""
    import sys

    parts = qualname.split(".")
    if len(parts) < 2 or parts[0] in sys.stdlib_module_names:
        return False
    return resolver.is_module(f"{outer}.{parts[0]}.{parts[1]}")


def beside(resolver, folder: str | None, qualname: str) -> str:
    """``qualname`` imported by a file of the module folder ``folder`` (see ``ProjectEnv.imported``)."""
    if not folder:
        return qualname
    top = qualname.partition(".")[0]
    if resolver.is_module(top) and not _own_module_first(resolver, qualname, f"{folder}.{top}"):
        return qualname
    if not resolver.is_module(f"{folder}.{top}"):
        # a module of a package that a script imports: the script's folder, further up, is
        # on sys.path (GuanshuoXu/SIIM-FISABIO-RSNA's ``fold0/effdet/efficientdet.py`` imports
        # ``timm``, bundled beside it in ``fold0/``): the nearest folder above that holds it
        # (a plain folder, not a package: a script's; never torch, nor a package the file is in
        # unless the import names a module of it: ``_own_package_by_path``)
        outer = folder.rpartition(".")[0]
        while outer and top not in EXCLUDED_TOPS:
            candidate = f"{outer}.{top}"
            own = f"{folder}.".startswith(f"{candidate}.")
            if (not own or _own_package_by_path(resolver, outer, qualname)) and resolver.is_module(candidate):
                where = resolver.find(outer)
                if where is not None and (where.is_dir() or own):
                    return f"{outer}.{qualname}"
            outer = outer.rpartition(".")[0]
        return qualname
    inside = f"{folder}.{qualname}"
    found = resolver.find(folder)
    if found is not None and found.name == "__init__.py" and "." in qualname \
            and not resolver.is_module(inside) and not resolver.is_module(inside.rpartition(".")[0]):
        # a package's module (not a script): ``from gpytorch.models.exact_gp import ExactGP`` in
        # botorch/models/, beside botorch/models/gpytorch.py, is the library, as Python reads it
        return qualname
    parent = inside.rpartition(".")[0]
    if qualname.count(".") >= 2 and not resolver.is_module(inside) and not resolver.is_module(parent):
        # ``from metric.inception import InceptionV3`` in yaxingwang/MineGAN's
        # ``styleGAN/metric/fid_score.py``, beside a plain ``metric.py``: no module there
        # holds ``inception``, so the script's folder further up is meant (``styleGAN/``,
        # whose ``metric/inception.py`` it is)
        outer = folder.rpartition(".")[0]
        while outer:
            if resolver.is_module(f"{outer}.{qualname.rpartition('.')[0]}"):
                return f"{outer}.{qualname}"
            outer = outer.rpartition(".")[0]
    return inside


def _own_module_first(resolver, qualname: str, near: str) -> bool:
    """The file's own folder has a module named as the first part of ``qualname`` (``near``),
    which Python takes before what the roots find under that name (a script's folder comes
    first on ``sys.path``):
    - a plain folder (a namespace package) at the roots: threelittlemonkeys/seq2seq-pytorch's
      ``transformer/train.py`` imports its own ``transformer.py``, not the ``transformer/``
      folder it sits in. Not for a name that already goes through the folder to one of its
      modules (``transformer.transformer.transformer``, the class, as a star import's binding
      holds it);
    - a module of another script folder that no import can name (a root of its own, not a
      workspace folder): Yagami360/MachineLearning_Exercises_Python_PyTorch's
      ``GAN_DCGAN_PyTorch/train.py`` imports its own ``networks.py``, not
      ``GAN_WGAN-GP_PyTorch/networks.py``."""
    beside_it = resolver.find(near)
    if beside_it is None or not beside_it.name.endswith(".py"):
        return False
    parts = qualname.split(".")
    found = resolver.find(parts[0])
    if found is None:
        return False
    if not found.name.endswith(".py") and not any(
            (inner := resolver.find(".".join(parts[:i]))) is not None and inner.name.endswith(".py")
            for i in range(2, len(parts) + 1)):
        return True
    holder = found.parent.parent if found.name == "__init__.py" else found.parent
    return not resolver.is_folder_root(holder) and beside_it != found


_STAR_IMPORT = lazy(r"\bimport[\s\\]*\*")  # (a backslash may continue the line)


class ProjectEnv:
    """One module's view of the project (``Analysis.env``)."""

    def __init__(self, project: "Project", module: str | None, path: Path | None) -> None:
        self.project = project
        self.module = module
        self.path = path
        self.revision = project.revision
        if module is None:
            self.package = None
        elif path is not None and path.name == "__init__.py":
            self.package = module
        else:
            self.package = module.rpartition(".")[0]
        # ``imported`` and ``owns``, asked of every import binding a rule resolves: memoized
        # while the project's revision holds (every change of its files or folders bumps it)
        self._names_at = -1
        self._imported: dict[str, str] = {}
        self._owned: dict[str, bool] = {}

    def _names_current(self) -> None:
        if self._names_at != self.project.revision:
            self._imported, self._owned = {}, {}
            self._names_at = self.project.revision

    # -- the questions Analysis asks -------------------------------------------------
    def imported(self, qualname: str) -> str:
        """The project name an import of this module means: as written, or, when its first
        part is no module of the roots but one beside this file, under this file's folder
        (``from eval_utils.fid import Net`` in ``scripts/train.py``: Python puts a script's
        folder first on ``sys.path``), or in a folder the script adds to ``sys.path``."""
        self._names_current()
        name = self._imported.get(qualname)
        if name is None:
            name = self._imported[qualname] = self._find_imported(qualname)
        return name

    def _find_imported(self, qualname: str) -> str:
        resolver = self.project.resolver
        if not self.package and self.path is not None \
                and resolver.shadowed_in_script_root(self.path, qualname.partition(".")[0]):
            return "<shadowed>." + qualname  # (its own module, which the project's name does not reach: unknown)
        name = beside(resolver, self.package, qualname)
        if name == qualname and self.path is not None and not resolver.is_module(qualname.partition(".")[0]):
            # a folder the script puts on ``sys.path`` itself (HRNet's ``import _init_paths``)
            return resolver.on_added_path(self.path, qualname, self.project.source) or name
        return name

    def owns(self, qualname: str) -> bool:
        top = qualname.partition(".")[0]
        self._names_current()
        found = self._owned.get(top)
        if found is None:
            found = self._owned[top] = bool(top) and not top.startswith("<") and self.project.resolver.is_module(top)
        return found

    def defines(self, qualname: str) -> bool:
        return self.owns(qualname) and self.lookup(qualname) is not None

    def lookup(self, qualname: str) -> Value | None:
        return self._query(("lookup", qualname), lambda: self._lookup(qualname))

    def exports(self, module: str, name: str) -> bool:
        """Whether ``from module import *`` binds ``name``: listed in the module's ``__all__``,
        else a public name it binds (through its own star imports too)."""
        return self.owns(module) and bool(self._query(("exports", module, name), lambda: self._exports(module, name)))

    def bases(self, qualname: str) -> list[str]:
        return self._query(("bases", qualname), lambda: self._bases(qualname)) or []

    def member(self, value: Value, attr: str) -> Value | None:
        return self._query(("member", value, attr), lambda: self._attribute(value, attr))

    def call_result(self, analysis: Analysis, qualname: str) -> Value | None:
        found = self._function(analysis, qualname)
        if found is None:
            return self._call_other(qualname)
        unit_analysis, node, module = found
        return self.returns(unit_analysis, node, module, None)

    def element(self, analysis: Analysis, call: ast.Call, scope: Scope, index: int) -> Value | None:
        """Element ``index`` of the tuple ``call`` returns (``a, b = make()``)."""
        func = analysis.resolve(call.func, scope)
        if func is None or func.kind != "symbol":
            return None
        found = self._function(analysis, func.qualname)
        if found is None:
            return None
        unit_analysis, node, module = found
        return self.returns(unit_analysis, node, module, index)

    def param_value(self, analysis: Analysis, scope: Scope, binding: Binding) -> Value | None:
        """An un-annotated parameter: what all the project's call sites pass, if they agree."""
        values = self.param_values(analysis, scope, binding)
        return next(iter(values)) if values is not None and len(values) == 1 else None

    def never_passed(self, analysis: Analysis, scope: Scope, binding: Binding) -> bool:
        """An un-annotated parameter that defaults to None and that no call of the project
        hands an object (each passes None or leaves it out, or none calls the function):
        ``schedule_sampler or UniformSampler(diffusion)`` is then the fallback's."""
        owner = self._param_owner(scope, binding)
        if owner is None:
            return False
        func = owner.node
        params = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
        if binding.index >= len(params):  # type: ignore[operator]
            return False
        default = parameter_defaults(func.args).get(params[binding.index].arg)  # type: ignore[index]
        if not (default.__class__ is ast.Constant and default.value is None):  # type: ignore[union-attr]
            return False
        return self.param_values(analysis, scope, binding) == frozenset()

    @staticmethod
    def _param_owner(scope: Scope, binding: Binding) -> Scope | None:
        """The scope of the function whose parameter ``binding`` is."""
        owner = scope
        while owner is not None and not any(binding in bs for bs in owner.bindings.values()):
            owner = owner.parent
        func = owner.node if owner is not None else None
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or binding.index is None:
            return None
        return owner

    def param_values(self, analysis: Analysis, scope: Scope, binding: Binding) -> frozenset[Value] | None:
        """An un-annotated parameter: each value the project's call sites pass (None when
        one is not known; empty when none passes an object)."""
        owner = self._param_owner(scope, binding)
        if owner is None:
            return None
        func = owner.node
        cls = owner.cls
        if cls is None and decorated(func, "staticmethod"):  # (its scope keeps no class: find it)
            cls = next((c for c in analysis.classes.values() if c.methods.get(func.name) is func), None)
        local = f"{cls.qualname}.{func.name}" if cls is not None else LOCAL + func.name
        target = canonical(Value("symbol", local), self.module)
        key = ("params", target, binding.index, self.path if self.module is None else None)
        from torchwise.project.callers import param_values

        return self._query(key, lambda: param_values(self, analysis, func, target, binding.index,
                                                      method=cls is not None))

    # -- answers ---------------------------------------------------------------------
    def _query(self, key: tuple, compute):
        project = self.project
        project.last_query = time.monotonic()  # the background indexer steps aside
        with project.lock:
            cached = project.memo.get(key, _MISSING)
            if cached is not _MISSING:
                return cached
            if key in project.active or len(project.active) > MAX_DEPTH:
                return None
            project.active.add(key)
            try:
                value = compute()
            except RecursionError:
                value = None
            finally:
                project.active.discard(key)
            project.memo[key] = value
            return value

    def _lookup(self, qualname: str) -> Value | None:
        parts = qualname.split(".")
        if not self.owns(parts[0]):
            return None
        # from the longest module short of the whole name: ``from a.b import X`` reads the
        # module ``a.b`` whatever ``a`` binds as ``b`` (``unet/__init__.py``'s ``from .UNet3Plus
        # import UNet3Plus`` binds the class over its submodule: UNet 3+)
        start = next((i for i in range(len(parts) - 1, 1, -1)
                      if self.project.resolver.is_module(".".join(parts[:i]))), 1)
        value: Value | None = Value("symbol", ".".join(parts[:start]))
        for attr in parts[start:]:
            value = self._attribute(value, attr)  # type: ignore[arg-type]
            if value is None:
                return None
        return value

    def _export(self, module: str, attr: str) -> Value | None:
        """``module.attr``: its binding (through re-exports), a star import, or a submodule."""
        unit = self.project.unit(module)
        if unit is not None:
            analysis = unit.analysis
            if attr in analysis.module_scope.bindings:
                return canonical(analysis.resolve_name(attr, analysis.module_scope, 10**9), module)
            for star in self._stars(unit, module):
                if self.exports(star, attr):
                    value = self.lookup(f"{star}.{attr}")
                    if value is not None:
                        return value
        submodule = f"{module}.{attr}"
        return Value("symbol", submodule) if self.project.resolver.is_module(submodule) else None

    def _exports(self, module: str, name: str) -> bool:
        if not self._may_bind(module, name):
            return False
        table = self._query(("export_table", module), lambda: self._export_table(module))
        if table is not None:
            listed, bound, stars = table
            if listed is not None:
                return name in listed
            if name.startswith("_"):
                return False
            return name in bound or any(self.exports(star, name) for star in stars)
        return self._exports_of_unit(module, name)

    def _may_bind(self, module: str, name: str) -> bool:
        """False when the module's text cannot bind ``name``: the name is nowhere in it (nor
        in ``__all__``, a string of it) and it star-imports nothing. A package that
        star-imports its 200 modules asks this of each, for each name looked up; the text
        answers for all but the one that defines it, with no parse (``bench/project_hover.py
        --star``). Not for text Python would read differently (non-ASCII identifiers are
        normalized)."""
        path = self.project.resolver.find(module)
        text = self.project.source(path) if path is not None and not path.is_dir() else None
        if text is None or name in text or not text.isascii():
            return True
        # once per module and project revision, not once per name asked
        return bool(self._query(("star_imports", module), lambda: _STAR_IMPORT.search(text) is not None))

    def _export_table(self, module: str) -> tuple | None:
        """What ``from module import *`` binds, as a table kept for the run: its ``__all__``,
        the names it binds, its own star imports (an empty ``__all__`` without a unit). A package's
        star imports ask it of every module they name, for each name looked up: with only a
        few analyses kept (a check keeps 4), asking the analyses built each module again and
        again (a check of timm built 9 analyses per file)."""
        project = self.project
        path = project.resolver.find(module)
        text = project.source(path) if path is not None and not path.is_dir() else None
        if text is None:
            return (), frozenset(), ()
        digest = digest_of(text)
        kept = project.export_tables.get(path)
        if kept is not None and kept[0] == digest:
            return kept[1]  # the same text as when it was read: no parse
        unit = project.unit_at(path, module)
        if unit is None:
            return (), frozenset(), ()
        memo = project.memo
        listed = memo.get(("__all__", module), _MISSING)
        if listed is _MISSING:
            listed = memo[("__all__", module)] = dunder_all(unit.analysis.tree)
        scope = unit.analysis.module_scope
        table = (listed, frozenset(scope.bindings), self._stars(unit, module))
        project.export_tables[path] = (digest, table)
        return table

    def _exports_of_unit(self, module: str, name: str) -> bool:
        """``_exports`` from the module's analysis (when its table could not be asked: a deep query)."""
        unit = self.project.unit(module)
        if unit is None:
            return False
        listed = self._query(("__all__", module), lambda: dunder_all(unit.analysis.tree))
        if listed is not None:
            return name in listed
        scope = unit.analysis.module_scope
        if name.startswith("_"):
            return False
        return name in scope.bindings or any(self.exports(star, name) for star in self._stars(unit, module))

    def _stars(self, unit, module: str) -> tuple[str, ...]:
        """The modules ``module``'s star imports name, as the project names them."""
        folder = module if unit.path.name == "__init__.py" else module.rpartition(".")[0]
        return tuple(beside(self.project.resolver, folder, star) for star in unit.analysis.module_scope.star_imports)

    def owner(self, qualname: str) -> tuple[str, list[str]] | None:
        """``pkg.net.Net.forward`` -> (``pkg.net``, [``Net``, ``forward``]): its module and the rest."""
        parts = qualname.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:i])
            path = self.project.resolver.find(module)
            if path is not None and not path.is_dir():
                return module, parts[i:]
        return None

    def _attribute(self, value: Value, attr: str) -> Value | None:
        if value.kind == "symbol" and self.project.resolver.is_module(value.qualname):
            return self._export(value.qualname, attr)
        found = self.owner(value.qualname) if self.owns(value.qualname) else None
        if found is None:
            return _bare().member(value, attr)  # a torch object reached through the project
        module, rest = found
        unit = self.project.unit(module)
        local = _class_name(unit, rest)
        if local is None:
            return None
        return canonical(unit.analysis.member(Value(value.kind, local), attr), module)

    def _bases(self, qualname: str) -> list[str] | None:
        value = self.lookup(qualname)
        if value is None or value.kind != "symbol":
            return None
        found = self.owner(value.qualname)
        if found is None:
            return None
        module, rest = found
        unit = self.project.unit(module)
        local = _class_name(unit, rest)
        if local is None:
            return None
        out = [canonical(Value("symbol", b), module).qualname for b in unit.analysis.bases(local)]
        return out if value.qualname == qualname else [value.qualname]

    def class_unit(self, qualname: str):
        """(analysis, ClassInfo, module) of a class of the project, by any name that reaches it."""
        value = self.lookup(qualname) if self.owns(qualname) else None
        if value is None or value.kind != "symbol":
            return None
        found = self.owner(value.qualname)
        if found is None:
            return None
        unit = self.project.unit(found[0])
        local = _class_name(unit, found[1])
        if local is None:
            return None
        info = unit.analysis.local_class(local)
        return (unit.analysis, info, found[0]) if info is not None else None

    def _function(self, analysis: Analysis, qualname: str):
        """(analysis, function node, module) for a local or project function/method."""
        if qualname.startswith(LOCAL):
            node = function_node(analysis, qualname[len(LOCAL):])
            module = analysis.env.module if analysis.env is not None else None
            return (analysis, node, module) if node is not None else None
        value = self.lookup(qualname) if self.owns(qualname) else None
        if value is None or value.kind != "symbol":
            return None
        found = self.owner(value.qualname)
        if found is None:
            return None
        unit = self.project.unit(found[0])
        if unit is None:
            return None
        node = function_node(unit.analysis, ".".join(found[1]))
        return (unit.analysis, node, found[0]) if node is not None else None

    def _call_other(self, qualname: str) -> Value | None:
        """Calling a project name that is not a function: a class makes an instance."""
        value = self.lookup(qualname) if self.owns(qualname) else None
        if value is None:
            return None
        if value.kind == "instance":
            return _bare().call_result(value) if not self.owns(value.qualname) else None
        found = self.owner(value.qualname)
        if found is None:
            return None
        unit = self.project.unit(found[0])
        local = _class_name(unit, found[1])
        if local is None:
            return None
        return canonical(unit.analysis.call_result(Value("symbol", local)), found[0])

    def returns(self, analysis: Analysis, func: ast.AST, module: str | None, index: int | None) -> Value | None:
        # The project's memo outlives an evicted module's tree, and a freed node's address is
        # soon another function's: an answer counts only while its own node is alive.
        key = ("returns", id(func), index)

        def compute():
            return weakref.ref(func), _infer_returns(analysis, func, module, index)

        entry = self._query(key, compute)
        if entry is not None and entry[0]() is not func:  # a freed node's answer
            with self.project.lock:
                self.project.memo.pop(key, None)
            entry = self._query(key, compute)
        return entry[1] if entry is not None else None


def _infer_returns(analysis: Analysis, func, module: str | None, index: int | None) -> Value | None:
    """What a function returns: its annotation, else what every ``return`` agrees on."""
    scope = analysis.scopes.get(func)
    if scope is None:
        return None
    if func.returns is not None:
        annotation = func.returns
        if index is not None:
            if not (isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple)):
                return None
            elements = annotation.slice.elts
            if index >= len(elements):
                return None
            annotation = elements[index]
        value = analysis.resolve(annotation, scope.parent or scope)
        if value is not None and value.kind == "symbol":
            return canonical(Value("instance", value.qualname), module)
        return None
    found: set[Value] = set()
    for ret in _returns(func):
        expr = ret.value
        if expr is None or (isinstance(expr, ast.Constant) and expr.value is None):
            continue
        if index is not None:
            if isinstance(expr, (ast.Tuple, ast.List)):
                if index >= len(expr.elts) or any(isinstance(e, ast.Starred) for e in expr.elts):
                    return None
                value = analysis.resolve(expr.elts[index], scope)
            elif isinstance(expr, ast.Call) and analysis.env is not None:
                value = analysis.env.element(analysis, expr, scope, index)
            else:
                return None
        elif isinstance(expr, (ast.Tuple, ast.List)):
            return None  # a tuple: only its elements have types
        else:
            value = analysis.resolve(expr, scope)
        if value is None:
            return None  # a return we cannot type: no claim about the function
        found.add(canonical(value, module))  # type: ignore[arg-type]
    return found.pop() if len(found) == 1 else None


def _class_name(unit, rest: list[str]) -> str | None:
    """``<local>.Net`` for ``[Net]``; for a longer path only a nested class (``Outer.Inner``)."""
    if unit is None:
        return None
    local = LOCAL + ".".join(rest)
    return local if len(rest) == 1 or unit.analysis.local_class(local) is not None else None


_BARE: list[Analysis] = []


def _bare() -> Analysis:
    """An empty analysis: members of torch objects come from the knowledge base alone."""
    if not _BARE:
        _BARE.append(Analysis("", "<project>"))
    return _BARE[0]


def decorated(func: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    """``func`` has the decorator ``@name`` (``staticmethod``, ``classmethod``)."""
    return any(d.__class__ is ast.Name and d.id == name for d in func.decorator_list)  # type: ignore[attr-defined]
