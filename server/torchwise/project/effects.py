"""What a function does to the models and optimizers it reaches: the effects lint rules
follow through calls (``validate(model)`` switching ``model`` to eval mode, a
``_step()`` method that steps ``self.optimizer``).

One summary per function node, computed once per file version and project revision
(memoised in the module's ``Summaries``, which its analysis's query table holds: nothing
hangs on the syntax nodes, so a dropped analysis is freed without the cyclic collector). A function's effects include those of the helpers it calls (the
file's module-level functions, ``self.<method>()`` of its own class, ``obj.<method>()`` on
an object of a class of the file or of a project module it imports, and, when the file
sees a project, the module-level functions of other modules it imports), to a bounded
depth; recursion and import cycles end at a function already being summarised.

Targets are named as the function sees them: ``"#0"`` for its first parameter,
``"self.net"`` for an attribute of ``self``, ``"model"`` for a module-level name.
"""

from __future__ import annotations

import ast
import operator
import re
import weakref
from typing import Iterator

from torchwise.analysis import _CHILD_FIELDS, _child_fields, dotted
from torchwise.lazy_pattern import lazy
from torchwise.records import record, setfield
from torchwise.project.regions import AUTOCAST, NO_GRAD, NO_REGIONS, Regions, regions_of  # noqa: F401 (re-exported)

MAX_DEPTH = 3
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_BRANCHES = (ast.If, ast.IfExp, ast.Try, ast.ExceptHandler, ast.For, ast.AsyncFor, ast.While, ast.match_case)
_NESTED_SET, _BRANCH_SET = frozenset(_NESTED), frozenset(_BRANCHES)
_POSITION = operator.attrgetter("lineno", "col_offset")


@record(frozen=True)
class Effects:
    params: tuple[str, ...]
    # target -> the mode the function leaves it in: "train", "eval", or "unknown" (set
    # only on some paths, or to a value not known here)
    modes: tuple[tuple[str, str], ...]
    # targets stepped as optimizers (``opt.step()``, ``scaler.step(opt)``), each with the
    # expression that names it in the function's own code (or its helper's)
    steps: tuple[tuple[str, ast.expr], ...]
    backward: bool  # calls ``backward()`` (itself or through a helper)
    called: frozenset[str]  # targets called (``model(x)``): the models it runs
    clears: bool  # clears gradients (``zero_grad()``), itself or through a helper
    regions: "Regions | None"  # where its own code runs with grad off / under autocast
    # it clears, but steps on a path that clears nothing: the other arm of the ``if`` that
    # clears (EasyNLP's ``optimizer_step``: its AMP arm steps the scaler and never clears)
    uncleared: bool
    # modes set only when a parameter has a value: (target, parameter index, value, mode), for a
    # target whose every mode call is so (``if mode == 'eval': m.eval()``, ``m.train(flag)``):
    # a call that passes constants for them sets those modes (clevr-iep's ``set_mode('eval', models)``)
    conditioned: tuple[tuple[str, int, object, str], ...]

    def __init__(self, params: tuple[str, ...], modes: tuple[tuple[str, str], ...],
                 steps: tuple[tuple[str, ast.expr], ...], backward: bool, called: frozenset[str],
                 clears: bool = False, regions: "Regions | None" = None, uncleared: bool = False,
                 conditioned: tuple[tuple[str, int, object, str], ...] = ()) -> None:
        setfield(self, "params", params)
        setfield(self, "modes", modes)
        setfield(self, "steps", steps)
        setfield(self, "backward", backward)
        setfield(self, "called", called)
        setfield(self, "clears", clears)
        setfield(self, "regions", regions)
        setfield(self, "uncleared", uncleared)
        setfield(self, "conditioned", conditioned)

    def mode_of(self, target: str) -> str | None:
        return dict(self.modes).get(target)


    def step_targets(self) -> set[str]:
        return {t for t, _ in self.steps}


NONE = Effects((), (), (), False, frozenset())


def _steps_uncleared(analysis, stepping: list[ast.Call], clearing: list[ast.Call]) -> bool:
    """A step with no clear on its path: each clear sits in the other arm of an ``if``
    (or of ``x if c else y``) that holds the step. Where every clear is ``X.zero_grad()``,
    only a step of one of those ``X`` counts (``scaler.step(X)`` too): FunAudioLLM/CosyVoice's
    DeepSpeed arm calls ``model.step()``, the engine's own step, which clears its gradients
    itself; its other arm steps and clears ``optimizer``."""
    from torchwise.lint.flow import other_arms  # (lint sits above the project layer)

    cleared = [dotted(c.func.value) if c.func.__class__ is ast.Attribute and c.func.attr == "zero_grad" else None
               for c in clearing]  # (one optimizer may be cleared twice: alibaba-damo-academy/FunASR's update_step)
    if None not in cleared:
        stepping = [s for s in stepping if (stepped := _stepped(s)) is None or stepped in cleared]
    return any(all(c is not s and other_arms(analysis, s, c) for c in clearing) for s in stepping)


def _enters_with_args(parents: dict | None, func: ast.AST, call: ast.Call, contexts: list[set[int]]) -> bool:
    """``call`` is a context manager a ``with`` of ``func``'s own body enters, built from
    what it is handed (``with inference_context(model), torch.no_grad():``); not one of
    torch's grad-mode switches, nor the project's own helper (its summary says). Read
    from the file's index (the call's parent), else from one walk of ``func``."""
    if parents is not None:
        item = parents.get(call)
        if item.__class__ is not ast.withitem or item.context_expr is not call:  # type: ignore[union-attr]
            return False
    else:
        if not contexts:
            contexts.append({id(item.context_expr) for node in ast.walk(func)
                             if node.__class__ in (ast.With, ast.AsyncWith) for item in node.items})  # type: ignore[attr-defined]
        if id(call) not in contexts[0]:
            return False
    name = call.func.attr if call.func.__class__ is ast.Attribute else call.func.id if call.func.__class__ is ast.Name else ""  # type: ignore[attr-defined]
    return name not in _GRAD_SWITCHES


_GRAD_SWITCHES = frozenset({"no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "autocast", "profile",
                            "record_function", "open", "sdpa_kernel", "device", "stream", "nullcontext"})


def _stepped(step: ast.Call) -> str | None:
    """What ``opt.step()`` or ``scaler.step(opt)`` steps, as written (``opt``); None for a
    call of a helper that steps, or a receiver with no dotted name."""
    f = step.func
    if f.__class__ is not ast.Attribute or f.attr != "step":  # type: ignore[attr-defined]
        return None
    return dotted(step.args[0] if step.args else f.value)  # type: ignore[attr-defined]


def _local_calls(func: ast.AST) -> list[tuple[ast.Call, bool]]:
    """The calls of ``func``'s own code (not nested functions), in source order, each
    with whether it runs only on some paths (under an if/loop/try)."""
    out: list[tuple[ast.Call, bool]] = []
    append = out.append
    stack = [(func, False)]
    pop, push = stack.pop, stack.append
    nested, branches, Call, node_type = _NESTED_SET, _BRANCH_SET, ast.Call, ast.AST
    child_fields = _CHILD_FIELDS  # per class: the fields that can hold nodes (no ctx/op)
    while stack:  # ast.iter_child_nodes, inlined: a call is listed when its parent is met
        node, conditional = pop()
        kind = node.__class__
        fields = child_fields.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            for child in value if value.__class__ is list else (value,):
                if not isinstance(child, node_type):
                    continue
                kind = child.__class__
                if kind in nested:
                    continue
                if kind is Call:
                    append((child, conditional))
                push((child, conditional or kind in branches))
    out.sort(key=_call_position)
    return out


def _call_position(pair: tuple[ast.Call, bool]) -> tuple[int, int]:
    return _POSITION(pair[0])


def _stored_names(func: ast.AST) -> set[str]:
    """The names stored to anywhere under ``func`` (nested functions too)."""
    out: set[str] = set()
    stack = [func]
    pop, extend = stack.pop, stack.extend
    Name, Store, node_type = ast.Name, ast.Store, ast.AST
    child_fields = _CHILD_FIELDS
    while stack:  # ast.walk, without its generators (nor the ctx/op leaves)
        node = pop()
        kind = node.__class__
        if kind is Name:
            if node.ctx.__class__ is Store:
                out.add(node.id)
            continue
        fields = child_fields.get(kind)
        if fields is None:
            fields = _child_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                extend([v for v in value if isinstance(v, node_type)])
            elif isinstance(value, node_type):
                stack.append(value)
    return out


def _indexed_local_calls(analysis, func: ast.AST) -> list[tuple[ast.Call, bool]]:
    """``_local_calls(func)`` from the file's index: the calls of the function's own code
    (shared with the rules), each conditional when a branch lies between it and ``func``."""
    from torchwise.lint import flow

    parents, branches = flow.index(analysis).parents, _BRANCH_SET
    out = []
    for call in flow.calls_in(analysis, func):
        conditional = False
        above = parents.get(call)
        while above is not func and above is not None:
            if above.__class__ in branches:
                conditional = True
                break
            above = parents.get(above)
        out.append((call, conditional))
    return out


def _parents_in(func: ast.AST, found: list[dict]) -> dict:
    """Each node of ``func`` -> its parent, made once (for summaries made without an analysis)."""
    if not found:
        found.append({child: node for node in ast.walk(func) for child in ast.iter_child_nodes(node)})
    return found[0]


def _on_parameter_values(parents: dict, func: ast.AST, call: ast.Call, mc: tuple[str, str],
                         index: dict[str, int]) -> tuple[str, list[tuple[int, object, str]]] | None:
    """A mode call whose target or mode hangs on parameters only: ``(target, [(parameter,
    value, mode)])``. The target: a parameter (``#i``), or each element of one (``#i[]``: ``for
    m in models: m.eval()``); the mode: under ``if mode == 'eval':`` (no ``else``) the call's,
    for that value, and ``m.train(flag)`` ``train`` for ``True`` and ``eval`` for ``False``;
    no condition: ``[]``. None when another branch lies between, or anything else."""
    root, _, rest = mc[0].partition(".")
    if rest:
        return None
    target = f"#{index[root]}" if root in index else None
    when: list[tuple[int, object, str]] = []
    if mc[1] == "unknown":
        arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
        if arg.__class__ is not ast.Name or arg.id not in index:  # type: ignore[union-attr]
            return None
        when += [(index[arg.id], True, "train"), (index[arg.id], False, "eval")]  # type: ignore[union-attr]
    child, above = call, parents.get(call)
    while above is not func:
        if above is None:
            return None
        kind = above.__class__
        if kind is ast.For and target is None and above.target.__class__ is ast.Name \
                and above.target.id == root and above.iter.__class__ is ast.Name and above.iter.id in index \
                and any(s is child for s in above.body):  # type: ignore[attr-defined]
            target = f"#{index[above.iter.id]}[]"  # type: ignore[attr-defined]
        elif kind is ast.If and not when and not above.orelse and any(s is child for s in above.body):  # type: ignore[attr-defined]
            test = above.test  # type: ignore[attr-defined]
            if test.__class__ is not ast.Compare or len(test.ops) != 1 or test.ops[0].__class__ is not ast.Eq \
                    or test.left.__class__ is not ast.Name or test.left.id not in index \
                    or test.comparators[0].__class__ is not ast.Constant:
                return None
            when.append((index[test.left.id], test.comparators[0].value, mc[1]))
        elif kind in _BRANCH_SET or kind in _NESTED_SET:
            return None
        child, above = above, parents.get(above)
    return (target, when) if target is not None else None


def _assigns_grad(analysis, func: ast.AST) -> bool:
    """``func``'s own code assigns ``p.grad = ...`` (``p.grad = None`` clears): from the
    file's index (a set of functions per file version), else a walk of ``func``."""
    from torchwise.lint import flow

    if analysis is None:
        return any(isinstance(n, ast.Assign) and flow.clears_gradients(n) for n in ast.walk(func))
    found = analysis.queries.get("grad_assigning_functions")
    if found is None:
        Attribute = ast.Attribute  # (flow.clears_gradients of an assignment, inlined)
        found = analysis.queries["grad_assigning_functions"] = {
            id(flow.enclosing_function(analysis, n)) for n in flow.index(analysis).assigns
            if n.__class__ is ast.Assign and any(t.__class__ is Attribute and t.attr == "grad" for t in n.targets)}
    return id(func) in found


def _stored_by_scope(analysis) -> dict[int, frozenset[str]]:
    """``_stored_names`` of every function, class, lambda and the module of the file, by
    id, from the index's stores (a scope's own, added to it and every scope around it)."""
    known = analysis.queries.get("stored_by_scope")
    if known is not None:
        return known
    from torchwise.lint import flow

    idx = flow.index(analysis)
    parents, Name, tree = idx.parents, ast.Name, analysis.tree
    totals: dict[int, set[str]] = {id(tree): set()}
    scopes = [tree, *(node for kind in _NESTED for node in idx.by_type.get(kind, ()))]
    for scope in scopes[1:]:
        totals[id(scope)] = set()
    for scope in scopes:
        own = {n.id for n in idx.stores_by_local.get(id(idx.local.get(id(scope))), ()) if n.__class__ is Name}
        if not own:
            continue
        current = scope
        while current is not None:
            totals[id(current)] |= own
            current = parents.get(current)
            while current is not None and id(current) not in totals:
                current = parents.get(current)
    known = analysis.queries["stored_by_scope"] = {key: frozenset(names) for key, names in totals.items()}
    return known


_MOVES = ("to", "cuda", "cpu", "float", "half", "double", "bfloat16", "xpu", "mps")


def unmoved(expr: ast.expr, also: tuple[str, ...] = ()) -> ast.expr:
    """``model.to(device)`` -> ``model`` (modules move in place and return themselves);
    ``also``: other methods that return the module (``eval``)."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and (
            expr.func.attr in _MOVES or expr.func.attr in also):
        expr = expr.func.value
    return expr


def mode_call(call: ast.Call) -> tuple[str, str] | None:
    """``m.train()`` -> (m, "train"); ``m.eval()``/``m.train(False)``/``m.train(mode=False)``
    -> (m, "eval"); ``ms[key].eval()``, by a variable (a loop's over a dict or list of
    models: ParallelWaveGAN's trainer), -> (ms, "eval"); a trainer's ``train()`` (Hugging
    Face's ``trainer.train()``) sets no mode.
    The one reading of a mode call, for the summaries and the training rules alike."""
    if call.func.__class__ is not ast.Attribute:
        return None
    mode = mode_set(call)  # (first: most calls are of other methods)
    if mode is None:
        return None
    receiver = unmoved(call.func.value)  # model.to(device).train(): model
    if receiver.__class__ is ast.Subscript and receiver.slice.__class__ is ast.Name:  # type: ignore[attr-defined]
        receiver = receiver.value  # type: ignore[attr-defined]  # ``for key in models: models[key].eval()``: each of them
    target = dotted(receiver)
    if not target or "trainer" in target.lower():
        return None
    return (target, mode)


def mode_set(call: ast.Call) -> str | None:
    """The mode ``x.eval()``/``x.train(...)`` sets ("train", "eval", "unknown"), whatever ``x``."""
    attr = call.func.attr  # type: ignore[attr-defined]
    if attr == "eval" and not call.args and not call.keywords:
        return "eval"
    if attr == "train":
        args = list(call.args) + [k.value for k in call.keywords if k.arg == "mode"]
        if not call.args and call.keywords and not args and all(k.arg for k in call.keywords):
            return "unknown"  # a module's own ``train(mode=True, **options)`` (Dinomaly's ``model.train(encoder_bn_train=False)``)
        if len(call.args) + len(call.keywords) > 1 or (call.keywords and not any(k.arg == "mode" for k in call.keywords)):
            return None
        if not args:
            return "train"
        if isinstance(args[0], ast.Constant) and isinstance(args[0].value, bool):
            return "train" if args[0].value else "eval"
        return "unknown"
    return None


class Summaries:
    """Effects of the functions of one module (its syntax tree), memoised per node."""

    def __init__(self, tree: ast.Module, analysis=None):
        self.tree = tree
        # the analysis holds this object (its query table): a weak reference back, no cycle
        self._analysis = weakref.ref(analysis) if analysis is not None else None
        self._env = getattr(analysis, "env", None) is not None  # set once, by the analysis's constructor
        # its project (whose revision stamps what the effects of imported helpers were computed under)
        self._project = getattr(getattr(analysis, "env", None), "project", None)
        self._foreign: dict[int, tuple[int, ast.Call, ast.AST | None]] = {}
        # id(another module's function) -> (it, its module's Summaries, that module's analysis)
        self._owners: dict[int, tuple[ast.AST, Summaries, object]] = {}
        # id(function) -> (it, {remaining depth: (stamp, effects)})
        self._effects: dict[int, tuple[ast.AST, dict[int, tuple[int, Effects]]]] = {}
        self._names: tuple[int, frozenset[str]] | None = None
        self._method_names_cache: tuple[int, frozenset[str]] | None = None
        # id(call) -> (stamp, call, method): ``obj.method(...)`` calls on an object of a class of
        # the file or of a project module it imports (``model.train_start()``)
        self._bound: dict[int, tuple[int, ast.Call, ast.AST | None]] = {}
        self._owned: tuple[int, frozenset[str] | None] | None = None
        self.functions = {s.name: s for s in tree.body if isinstance(s, _FUNCS)}
        self._nested_cache: frozenset[str] | None = None
        self.methods: dict[int, dict[str, ast.AST]] = {}  # id(method) -> its class's methods
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                methods = {s.name: s for s in stmt.body if isinstance(s, _FUNCS)}
                for m in methods.values():
                    self.methods[id(m)] = methods

    def _own_analysis(self):
        """The analysis whose tree this summarises (its query table memoizes regions)."""
        analysis = self.analysis
        return analysis if analysis is not None and analysis.tree is self.tree else None

    @property
    def analysis(self):
        """The module's analysis (with a project ``env``: calls of other modules' functions are followed)."""
        return self._analysis() if self._analysis is not None else None

    def stamp(self) -> int:
        """The project revision the effects hold for (0 without a project): a change to
        any module may change what an imported helper does."""
        project = self._project
        return project.revision if project is not None else 0

    def callee(self, call: ast.Call, caller: ast.AST | None) -> ast.AST | None:
        """The function a call runs: ``helper(...)`` (module level), ``self.method(...)``
        from a method of the same class, or a module-level function of another module of
        the project (``helper(...)`` imported, ``helpers.helper(...)``)."""
        func = call.func
        if isinstance(func, ast.Name):
            local = self.functions.get(func.id)
            if local is None and caller is not None:
                local = self._nested(caller, func.id)
            return local if local is not None else self._foreign_callee(call)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            if caller is None:
                return None
            return self.methods.get(id(caller), {}).get(func.attr)
        if not isinstance(func, ast.Attribute):
            return None
        found = self._foreign_callee(call) if self._env else None
        if found is None and func.attr in self._method_names():
            found = self._bound_callee(call)
        return found

    def bound_method(self, call: ast.Call) -> ast.AST | None:
        """The method ``obj.name(...)`` runs, by the receiver's class, whatever its name
        (``callee`` leaves out the names of container methods, ``update``, ``add``: the
        helpers it follows for effects)."""
        if not isinstance(call.func, ast.Attribute):
            return None
        return self._bound_callee(call)

    def is_bound(self, call: ast.Call) -> bool:
        """Whether ``call`` runs a method of the object it is called on (``model.train_start()``):
        its ``self`` is the receiver, its first argument the method's second parameter."""
        entry = self._bound.get(id(call))
        return entry is not None and entry[1] is call and entry[2] is not None

    def analysis_of(self, func: ast.AST):
        """The analysis of the module that defines a callee (another module's, or this one's)."""
        owned = self._owners.get(id(func))
        return owned[2] if owned is not None and owned[0] is func else self.analysis

    def _method_names(self) -> frozenset[str]:
        """Names of the methods of the classes of this module and, with a project, of the
        project modules it imports: the only ``obj.method()`` calls ``_bound_callee`` asks
        the type of the receiver for."""
        cached = self._method_names_cache
        if cached is not None and (not self._env or cached[0] == self.stamp()):
            return cached[1]  # (a file on its own: its classes' methods, for good)
        stamp = self.stamp()
        names = {name for methods in self.methods.values() for name in methods}
        names.update(self._from_project(self._imported_method_names))
        names.difference_update(_NOT_HELPERS)
        self._method_names_cache = (stamp, frozenset(names))
        return self._method_names_cache[1]

    def _from_project(self, collect) -> set[str]:
        """``collect(env)`` with the file's project, else nothing (nor on any error: the
        project model must never break a rule)."""
        env = getattr(self.analysis, "env", None)
        if env is None:
            return set()
        try:
            return collect(env)
        except Exception:
            return set()

    def _imports(self, env) -> Iterator[tuple[str, str]]:
        """(name, what it imports, as the project names it) for each import of the module,
        and each function a ``from <project module> import *`` binds."""
        for name, bindings in self.analysis.module_scope.bindings.items():
            for binding in bindings:
                if binding.kind == "import" and binding.qualname:
                    yield name, env.imported(binding.qualname)
        yield from self._star_imported(env)

    def _star_imported(self, env) -> list[tuple[str, str]]:
        """(name, qualified name) of the module-level functions that the module's
        ``from <project module> import *`` lines bind (Lee-Gihun/FedNTD's trainers take
        ``assign_grads`` from their ``utils`` this way)."""
        out = []
        project = env.project
        for module in self.analysis.module_scope.star_imports:
            module = env.imported(module)
            if not env.owns(module):
                continue
            path = project.resolver.find(module)
            summary = project.summary(path) if path is not None and not path.is_dir() else None
            if summary is None:
                continue
            out += [(f.name, f"{module}.{f.name}") for f in summary.functions if env.exports(module, f.name)]
        return out

    def _imported_method_names(self, env) -> set[str]:
        out: set[str] = set()
        project = env.project
        seen: set = set()
        for _name, qualname in self._imports(env):
            path = module_file(project, qualname)  # the module the name comes from (or is)
            if path is not None and path.name == "__init__.py":  # a package's re-export: where it is defined
                found = env.lookup(qualname)
                if found is not None and found.qualname != qualname and env.owns(found.qualname):
                    path, qualname = module_file(project, found.qualname) or path, found.qualname
            if path is None or path in seen:
                continue
            seen.add(path)
            if may_have_effects(project, qualname):
                summary = project.summary(path)
                if summary is not None:
                    out.update(m.name for c in summary.classes for m in c.methods)
        return out

    def _calls_known_methods(self, project, qualname: str) -> bool:
        """Whether the module a project name comes from calls, by its text, a method of a
        class this module sees (``model.val_start()`` in fartashf/vsepp's evaluation module,
        which names no effect itself): its functions may have effects through them."""
        names = self._method_names()
        return bool(names) and module_text_says(project, qualname, ("calls_methods", names),
                                                lambda text: any(f".{name}(" in text for name in names))

    def _bound_callee(self, call: ast.Call) -> ast.AST | None:
        """The method ``obj.name(...)`` runs, by the inferred class of ``obj`` (or a base of
        it): a class of this module or of another module of the project. Memoised per call
        and revision."""
        stamp = self.stamp() if self._env else 0  # (a file on its own: no project revision)
        cached = self._bound.get(id(call))
        if cached is not None and cached[0] == stamp and cached[1] is call:
            return cached[2]
        node = None
        try:
            node = self._resolve_bound(call)
        except Exception:  # inference must never break a rule
            node = None
        self._bound[id(call)] = (stamp, call, node)
        return node

    def _resolve_bound(self, call: ast.Call) -> ast.AST | None:
        from torchwise.lint import flow  # (lint sits above the project layer)

        analysis = self._own_analysis()
        receiver = call.func.value  # type: ignore[attr-defined]
        name = call.func.attr  # type: ignore[attr-defined]
        if analysis is None or receiver.__class__ not in (ast.Name, ast.Attribute) \
                or (name in _TENSOR_METHODS and receiver.__class__ is ast.Name):
            return None  # (``loss.backward()``, ``optimizer.zero_grad()``: a tensor's, an optimizer's)
        qualname = flow.safe_type(analysis, receiver)
        if not qualname or qualname.startswith("torch."):
            return None
        env = analysis.env
        for cls in analysis.mro(qualname)[:6]:
            info = analysis.local_class(cls)
            unit_analysis = analysis
            if info is None:
                found = env.class_unit(cls) if env is not None and env.owns(cls) else None
                if found is None:
                    continue
                unit_analysis, info, _module = found
            method = info.methods.get(name)
            if method is None:
                continue
            owner = self if unit_analysis is analysis else summaries(unit_analysis.tree, unit_analysis)
            if id(method) not in owner.methods:
                return None  # a class nested in a function: not summarised
            if owner is not self:
                self._owners[id(method)] = (method, owner, unit_analysis)
            return method
        return None

    def _nested(self, caller: ast.AST, name: str) -> ast.AST | None:
        """A function defined inside ``caller`` or a function around it, by the name it is
        called with (texar's BERT example: ``main`` defines ``_train_epoch`` and
        ``_eval_epoch``, and the one calls the other; what they switch is ``main``'s model)."""
        analysis = self._own_analysis()
        scope = analysis.scopes.get(caller) if analysis is not None else None
        while scope is not None and scope.node is not self.tree:
            bindings = scope.bindings.get(name)
            if bindings:
                node = bindings[-1].node
                return node if bindings[-1].kind == "def" and isinstance(node, _FUNCS) else None
            scope = scope.parent
        return None

    def _nested_names(self) -> frozenset[str]:
        """The names of the functions defined inside other functions."""
        if self._nested_cache is None:
            analysis = self._own_analysis()
            top = {id(s) for s in self.tree.body}
            self._nested_cache = frozenset(
                n.name for n in (analysis.scopes if analysis is not None else ())
                if isinstance(n, _FUNCS) and id(n) not in top and id(n) not in self.methods)
        return self._nested_cache

    def is_local_call(self, call: ast.Call) -> bool:
        """Whether a call may run a function of this module (no project lookup needed)."""
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in self.functions
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"

    def _foreign_callee(self, call: ast.Call) -> ast.AST | None:
        """Another module's function a call runs (memoised per call and revision)."""
        if not self._env:
            return None  # a file on its own (asked of most calls of the file)
        env = getattr(self.analysis, "env", None)
        if env is None:
            return None
        stamp = self.stamp()
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        owned = self._project_imports(env, stamp)
        if owned is not None and (not isinstance(root, ast.Name) or root.id not in owned):
            return None  # not a name a project module's import binds: _resolve_foreign finds nothing
        cached = self._foreign.get(id(call))
        if cached is not None and cached[0] == stamp and cached[1] is call:
            return cached[2]
        node = None
        try:
            node = self._resolve_foreign(call, root, env)
        except Exception:  # inference must never break a rule
            node = None
        self._foreign[id(call)] = (stamp, call, node)
        return node

    def inert(self, call: ast.Call) -> bool:
        """Whether ``call`` runs a function of another module of the project whose module
        names no effect at all (no mode call, backward, step, ...) nor a method of a class
        this module sees: the function is not summarised (``_resolve_foreign``), and
        what it is handed comes back in the mode it went in (ncsn's
        ``anneal_dsm_score_estimation(score, ...)``, which only runs the model)."""
        env = getattr(self.analysis, "env", None) if self._env else None
        root = call.func
        if env is None or root.__class__ is not ast.Name:
            return False
        owned = self._project_imports(env, self.stamp())
        if not owned or root.id not in owned:
            return False
        analysis = self.analysis
        qualname = self._imported_as(root)
        if qualname is None or not env.owns(qualname):
            return False
        if _from_package(env.project, qualname):  # a re-export: the module that defines it decides
            value = analysis.resolve(root, analysis.scope_of(root))  # (MONAI's ``from monai.networks import eval_mode``)
            if value is None or value.kind != "symbol" or value.qualname == qualname or not env.owns(value.qualname):
                return False
            qualname = value.qualname
        return module_file(env.project, qualname) is not None and not self._names_effects(env.project, qualname)

    def _names_effects(self, project, qualname: str) -> bool:
        """The module a project name comes from names an effect, or calls a method of a
        class this module sees (see ``may_have_effects`` and ``_calls_known_methods``)."""
        return may_have_effects(project, qualname) or self._calls_known_methods(project, qualname)

    def _imported_as(self, name: ast.Name) -> str | None:
        """The qualified name an import binds ``name`` to where it is used; None when
        something else binds it."""
        analysis = self.analysis
        binding = analysis.lookup(name.id, analysis.scope_of(name), name.lineno)
        return binding.qualname if binding is not None and binding.kind in ("import", "star") and binding.qualname \
            else None

    def _project_imports(self, env, stamp: int) -> frozenset[str] | None:
        """Names bound anywhere in the file by an import of one of the project's modules:
        the only call roots ``_resolve_foreign`` follows (a file that imports nothing from
        the project resolves no call). Memoised per revision; None when unknown."""
        if self._owned is not None and self._owned[0] == stamp:
            return self._owned[1]
        try:
            names: frozenset[str] | None = frozenset(
                [name for scope in self.analysis.scopes.values() for name, bindings in scope.bindings.items()
                 if any(b.kind == "import" and b.qualname and env.owns(env.imported(b.qualname)) for b in bindings)]
                + [name for name, _ in self._star_imported(env)])
        except Exception:  # the project model must never break a rule: resolve each call
            names = None
        self._owned = (stamp, names)
        return names

    def _resolve_foreign(self, call: ast.Call, root: ast.expr, env) -> ast.AST | None:
        """``root``: the call's callee without its attributes (``a`` of ``a.b.c()``)."""
        if not isinstance(root, ast.Name) or root.id == "self":
            return None
        analysis = self.analysis
        qualname = self._imported_as(root)
        if qualname is None:
            return None  # only names imported from the project's modules
        attr = call.func
        rest = []
        while isinstance(attr, ast.Attribute):
            rest.append(attr.attr)
            attr = attr.value
        qualname = ".".join([qualname, *reversed(rest)])
        if not env.owns(qualname):
            return None
        reexported = False
        if not self._names_effects(env.project, qualname):
            if not _from_package(env.project, qualname):
                return None
            reexported = True  # a package's ``__init__`` naming a function of one of its modules
        value = analysis.resolve(call.func, analysis.scope_of(root))
        if value is None or value.kind != "symbol" or value.is_local or not env.owns(value.qualname):
            return None
        if reexported and (value.qualname == qualname or not self._names_effects(env.project, value.qualname)):
            return None
        found = env._function(analysis, value.qualname)
        if found is None:
            return None
        unit_analysis, node, _ = found
        if unit_analysis is analysis:
            return None
        owner = summaries(unit_analysis.tree, unit_analysis)
        if owner.functions.get(getattr(node, "name", "")) is not node:
            return None  # a method or a nested function: only module-level functions
        self._owners[id(node)] = (node, owner, unit_analysis)
        return node

    def helper_names(self) -> frozenset[str]:
        """Last names of the calls that may run a summarised helper: the file's functions
        and methods, names imported from the project's modules, and the functions of the
        project's modules it imports (``helpers.fit``)."""
        stamp = self.stamp()
        if self._names is not None and self._names[0] == stamp:
            return self._names[1]
        names = set(self.functions) | self._nested_names()
        for methods in self.methods.values():
            names.update(methods)
        names.update(self._from_project(self._imported_names))
        names.update(self._method_names())
        self._names = (stamp, frozenset(names))
        return self._names[1]

    def _imported_names(self, env) -> set[str]:
        out: set[str] = set()
        project = env.project
        for name, qualname in self._imports(env):
            if not env.owns(qualname) or not (may_have_effects(project, qualname) or _from_package(project, qualname)):
                continue  # (a package's ``__init__`` re-exports: ``_resolve_foreign`` asks the module)
            path = project.resolver.find(qualname)
            if path is None or path.is_dir():
                out.add(name)  # a name from a module (or a re-export)
                continue
            summary = project.summary(path)  # a module: calls of its functions
            if summary is not None:
                out.update(f.name for f in summary.functions)
        return out

    def of(self, func: ast.AST, depth: int = 0) -> Effects:
        """The function's effects, following helpers ``MAX_DEPTH - depth`` calls deep.
        Memoised per (function, remaining depth): a pure function of the two, so a
        verdict never depends on which rule, or which module, asked first. Recursion and
        import cycles are unrolled until the depth runs out (at most ``MAX_DEPTH + 1``
        summaries per function); a cycle cut where it was entered made the answer depend
        on the entry point, and on what an earlier question had cached."""
        if not isinstance(func, _FUNCS):
            return NONE
        owned = self._owners.get(id(func))
        if owned is not None and owned[0] is func:
            return owned[1].of(func, depth)  # another module's function: its module summarises it
        remaining = MAX_DEPTH - depth
        if remaining < 0:
            return NONE
        entry = self._effects.get(id(func))
        if entry is None or entry[0] is not func:
            entry = self._effects[id(func)] = (func, {})
        memo = entry[1]
        stamp = self.stamp()
        cached = memo.get(remaining)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        effects = self._compute(func, depth)
        memo[remaining] = (stamp, effects)
        return effects

    def _compute(self, func, depth: int) -> Effects:
        from torchwise.lint.flow import edits_grad_in_place, index as file_index  # (lint sits above the project layer)

        args = func.args
        params = tuple(p.arg for p in (*args.posonlyargs, *args.args))
        index = {name: i for i, name in enumerate(params)}
        analysis = self._own_analysis()
        assigned = _stored_names(func) if analysis is None else _stored_by_scope(analysis).get(id(func), frozenset())

        found_aliases: list[dict[str, str]] = []

        def local_aliases() -> dict[str, str]:
            if not found_aliases:
                from torchwise.lint.flow import aliases  # (lint sits above the project layer)

                found_aliases.append(aliases(analysis, func) if analysis is not None else {})
            return found_aliases[0]

        def key(target: str | None) -> str | None:
            """A target of this function's code as its callers see it."""
            if not target:
                return None
            root, _, rest = target.partition(".")
            if root == "self" and params[:1] == ("self",):
                return target  # (``self``: the method's own object, the caller's receiver)
            if root in index:
                return f"#{index[root]}" + (f".{rest}" if rest else "")
            if root in assigned:
                base = local_aliases().get(root)  # ``model = self.model``: the attribute's
                return (base + (f".{rest}" if rest else "")) if base else None  # (else a local)
            return target  # a module-level name

        modes: dict[str, str] = {}
        steps: dict[str, ast.expr] = {}
        called: set[str] = set()
        backward = False
        clears = False
        contexts: list[set[int]] = []  # the calls ``with`` statements of ``func`` enter, found once
        parents = file_index(analysis).parents if analysis is not None else None
        stepping: list[ast.Call] = []  # the calls that step (or a helper's that may leave gradients)
        clearing: list[ast.Call] = []  # the calls that clear (or a helper's that clears wherever it steps)
        conditioned: dict[str, list[tuple[int, object, str]] | None] = {}  # None: a mode call not so
        parents_found: list[dict] = []  # (without the file's index: the function's own, made once if asked)
        for call, conditional in _local_calls(func) if analysis is None else _indexed_local_calls(analysis, func):
            mc = mode_call(call)
            if mc is not None:
                k = key(mc[0])
                special = _on_parameter_values(parents or _parents_in(func, parents_found), func, call, mc, index) \
                    if index and (k is None or conditional or mc[1] == "unknown") else None
                if special is not None:
                    k, when = special
                    modes[k] = "unknown" if when else mc[1]
                    if when and conditioned.get(k, []) is not None:
                        conditioned.setdefault(k, []).extend(when)
                    elif not when:
                        conditioned[k] = None
                    continue
                if k is not None:
                    modes[k] = "unknown" if conditional else mc[1]
                    conditioned[k] = None
                continue
            if call.args and not conditional and _enters_with_args(parents, func, call, contexts):
                for arg in call.args:  # ``with inference_context(model):`` (detectron2's: eval mode
                    k = key(dotted(arg))  # inside, the mode restored after): its mode is unknown there
                    if k is not None and k not in modes:
                        modes[k] = "unknown"
            f = call.func
            if isinstance(f, ast.Attribute):
                if f.attr == "backward":
                    backward = backward or not hand_written_backward(call)
                elif f.attr == "zero_grad" or edits_grad_in_place(call):
                    clears = True  # opt.zero_grad(), p.grad.zero_() (improved-diffusion's zero_grad helper)
                    clearing.append(call)
                elif f.attr == "step":
                    receiver = (dotted(f.value) or "").lower()
                    if "sched" not in receiver and (not call.args or "scaler" in receiver):
                        stepping.append(call)  # an optimizer's or a scaler's, not a scheduler's or env.step(a)
                    expr = None
                    if not call.args and not call.keywords:
                        expr = f.value
                    elif len(call.args) == 1:
                        expr = call.args[0]  # scaler.step(optimizer)
                    k = key(dotted(expr))
                    if k is not None:
                        steps.setdefault(k, expr)
            k = key(dotted(f))
            if k is not None:
                called.add(k)
            target = self.callee(call, func)
            if target is None:
                continue
            inner = self.of(target, depth + 1)
            backward = backward or inner.backward
            clears = clears or inner.clears
            if inner.clears and not inner.uncleared:
                clearing.append(call)
            elif inner.steps:
                stepping.append(call)
            for t, mode in self._modes_at(inner, call):
                k = key(t)
                if k is not None:
                    modes[k] = "unknown" if conditional else mode
                    conditioned[k] = None
            for t, expr in inner.steps:
                mapped = self.map_target(t, call, inner.params)
                k = key(mapped)
                if k is not None:
                    steps.setdefault(k, self.argument(t, call, inner.params) or expr)
            for t in inner.called:
                k = key(self.map_target(t, call, inner.params))
                if k is not None:
                    called.add(k)
        assigns = _assigns_grad(analysis, func)
        clears = clears or assigns
        uncleared = clears and not assigns and analysis is not None and bool(stepping) and _steps_uncleared(
            analysis, stepping, clearing)
        when = tuple((t, *w) for t, ws in conditioned.items() if ws for w in ws)
        return Effects(params, tuple(modes.items()), tuple(steps.items()), backward, frozenset(called), clears,
                       regions_of(self._own_analysis(), func), uncleared, when)

    def _modes_at(self, inner: Effects, call: ast.Call) -> list[tuple[str, str]]:
        """(target as the caller writes it, mode) for each mode ``inner``'s function leaves,
        called at ``call``: a target set only for some values of parameters takes the values
        the call passes as constants (none of them: the target keeps its mode); each element
        of a list or tuple written out in the call for a parameter's elements (``#0[]``)."""
        if not inner.modes:
            return []
        out = []
        cases: dict[str, list[tuple[int, object, str]]] = {}
        for t, i, value, mode in inner.conditioned:
            cases.setdefault(t, []).append((i, value, mode))
        for t, mode in inner.modes:
            if t in cases:
                set_here = set()
                known = True
                for i, value, then in cases[t]:
                    passed = self._passed(i, call, inner.params)
                    if passed.__class__ is not ast.Constant or (
                            isinstance(value, bool) and not isinstance(passed.value, bool)):  # type: ignore[union-attr]
                        known = False  # (``train(1)`` raises: no mode it sets)
                        break
                    if passed.value == value and type(passed.value) is type(value):  # type: ignore[union-attr]
                        set_here.add(then)
                if known:
                    if not set_here:
                        continue  # not for these values: the call leaves the target as it was
                    mode = set_here.pop() if len(set_here) == 1 else "unknown"
            if t.endswith("[]"):
                passed = self._passed(int(t[1:-2]), call, inner.params) if t.startswith("#") else None
                if passed.__class__ in (ast.List, ast.Tuple):
                    out += [(d, mode) for e in passed.elts if (d := dotted(e)) is not None]  # type: ignore[union-attr]
                continue
            mapped = self.map_target(t, call, inner.params)
            if mapped is not None:
                out.append((mapped, mode))
        return out

    def argument(self, target: str, call: ast.Call, params: tuple[str, ...] = ()) -> ast.expr | None:
        """The argument expression a call passes for a parameter target ``#i`` (no attribute);
        ``params``: the callee's, to find one passed by keyword."""
        if not target.startswith("#") or "." in target:
            return None
        return self._passed(int(target[1:]), call, params)

    def _passed(self, i: int, call: ast.Call, params: tuple[str, ...]) -> ast.expr | None:
        """What ``call`` passes for the callee's parameter ``i`` (``self`` included), by
        position or, given the callee's ``params``, by keyword (``train(model=net, optimizer=opt)``)."""
        func = call.func
        shift = 1 if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"
                      or self.is_bound(call)) else 0  # self.method(a), obj.method(a): a is parameter 1
        j = i - shift
        if j < 0 or any(isinstance(a, ast.Starred) for a in call.args[: j + 1]):
            return None
        if j < len(call.args):
            return call.args[j]
        if i < len(params) and call.keywords:
            name = params[i]
            for k in call.keywords:
                if k.arg == name:
                    return k.value
        return None

    def steps_at(self, call: ast.Call, caller: ast.AST) -> list[ast.expr]:
        """The optimizers a call's helper steps, as expressions (the caller's argument, or
        the helper's own ``self.optimizer``)."""
        target = self.callee(call, caller)
        if target is None:
            return []
        out = []
        inner = self.of(target)
        for t, expr in inner.steps:
            if self.map_target(t, call, inner.params) is not None:
                out.append(self.argument(t, call, inner.params) or expr)
        return out

    def map_target(self, target: str, call: ast.Call, params: tuple[str, ...] = ()) -> str | None:
        """A callee's target as the caller writes it at ``call`` (``params``: the callee's,
        for an argument passed by keyword)."""
        if target.startswith("#"):
            head, _, rest = target[1:].partition(".")
            passed = self._passed(int(head), call, params)
            base = dotted(passed) if passed is not None else None
            return None if base is None else base + (f".{rest}" if rest else "")
        if target.startswith("self.") or target == "self":
            func = call.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                return target
            if self.is_bound(call):  # ``model.val_start()``: its ``self.img_enc`` is ``model.img_enc``
                base = dotted(func.value)  # type: ignore[attr-defined]
                return None if base is None else base + target[4:]  # (``model.predict(x)``: ``self.eval()`` sets ``model``)
            return None
        func = call.func  # a module-level name (or a closure's): the caller's own only for a function of its module
        return target if isinstance(func, ast.Name) and (func.id in self.functions or func.id in self._nested_names()) \
            else None

    def effects_at(self, call: ast.Call, caller: ast.AST) -> list[tuple[str, str]]:
        """(target as the caller writes it, mode) for every mode a call's helper leaves."""
        target = self.callee(call, caller)
        if target is None:
            return []
        out = self._modes_at(self.of(target), call)
        if caller is not None and any(t.startswith("self.") for t, _ in out) \
                and (analysis := self._own_analysis()) is not None:
            from torchwise.lint.flow import aliases  # (lint sits above the project layer)

            names = aliases(analysis, caller)  # ``model = self.model``: what the helper does to the one
            out += [(name, mode) for t, mode in out for name, base in names.items() if base == t]
        return out


_OPTIMIZER_NAME = lazy(r"(^|_)(opt|optim|optimizer|optimiser)s?$", re.IGNORECASE)


def hand_written_backward(call: ast.Call) -> bool:
    """``self.opt.backward(y_pred, y)``: an optimizer-named object's ``backward`` taking two
    or more positional arguments is a hand-written one (a numpy course solver's, TUM I2DL's),
    not autograd: torch's optimizers have none, and apex's ``optimizer.backward(loss)`` takes
    the loss alone."""
    func = call.func
    if len(call.args) < 2 or not isinstance(func, ast.Attribute):
        return False
    receiver = func.value
    name = receiver.attr if isinstance(receiver, ast.Attribute) else receiver.id if isinstance(receiver, ast.Name) else ""
    return bool(_OPTIMIZER_NAME.search(name))


# (``.grad =``: a helper that writes gradients back for the step, Lee-Gihun/FedNTD's ``assign_grads``)
_EFFECT_WORDS = ("backward", "step(", "zero_grad", ".train(", ".eval(", "no_grad", "inference_mode", ".grad =",
                 ".grad=")

# torch's names a class of the project may define too: followed on an attribute only
# (``self.edge_model.backward(loss)``), never on a plain name (``loss.backward()``)
_TENSOR_METHODS = frozenset({"backward", "zero_grad", "step", "load", "save"})

# method names never followed as another object's helper: torch's own (a project class that
# defines one overrides what every caller expects), and the containers'
_NOT_HELPERS = frozenset({
    "forward", "__call__", "__init__", "train", "eval", "to", "cuda", "cpu", "parameters", "named_parameters",
    "state_dict", "load_state_dict", "item", "size", "view", "append",
    "extend", "update", "get", "items", "keys", "values", "pop", "add", "format", "join", "split",
})


def may_have_effects(project, qualname: str) -> bool:
    """Whether the module a project name is imported from (the longest prefix of
    ``qualname`` that is a module file) mentions any effect at all, by its text: a module
    without one is not analysed for its helpers (resolving every imported name of a large
    package costs more than the lint itself). A function re-exported through a module that
    mentions none (a package ``__init__``) is not followed."""
    return module_text_says(project, qualname, "effect_words", lambda text: any(w in text for w in _EFFECT_WORDS))


def module_text_says(project, qualname: str, key, test) -> bool:
    """``test(text)`` of the module file a project name comes from (the longest prefix of
    ``qualname`` that is one; False for a package folder or none), memoised per revision
    under ``key``."""
    path = module_file(project, qualname)
    if path is None:
        return False
    memo_key = (key, path)
    known = project.memo.get(memo_key)
    if known is None:
        text = project.source(path)
        known = project.memo[memo_key] = text is not None and test(text)
    return known


def _from_package(project, qualname: str) -> bool:
    """The project name is imported from a package's ``__init__`` (``from utils import
    fixed_graph_evaluate``, which ``utils/__init__.py`` re-exports from ``utils.evaluate``:
    OCGNN): its text names no effect, but the module it re-exports from may."""
    path = module_file(project, qualname)
    return path is not None and path.name == "__init__.py"


def module_file(project, qualname: str):
    """The module file the longest prefix of ``qualname`` that the project resolves names;
    None for a package folder or nothing."""
    parts = qualname.split(".")
    for i in range(len(parts), 0, -1):
        path = project.resolver.find(".".join(parts[:i]))
        if path is not None:
            return None if path.is_dir() else path
    return None


def summaries(tree: ast.Module, analysis=None) -> Summaries:
    """The module's summaries, a query of its ``analysis`` (kept in its query table, one
    per file version); with a project ``env``, calls of other modules' functions are
    followed too. Without an analysis, a fresh (unmemoised) one."""
    if analysis is None or analysis.tree is not tree:
        return Summaries(tree, analysis)
    cached = analysis.queries.get("effects")
    if cached is None:
        cached = analysis.queries["effects"] = Summaries(tree, analysis)
    return cached
