"""Whether a function runs with gradients off because of its callers: a caller's
``no_grad``/``inference_mode`` region or decorator, or, a few calls up, a caller of a
caller (``main`` -> ``with torch.no_grad(): evaluate_all()`` -> ``evaluate(model)``).

The regions are the function summaries' (``regions.regions_of``). Callers are the
file's calls of the function's name and, with a project, the calls across its
workspace folder (modules and notebooks) that resolve to the very function. One caller
under no_grad is enough, as for a direct caller in the same file: an evaluation helper
is a step its callers wrap. Bounded: ``MAX_DEPTH`` calls up and ``MAX_SITES`` call sites
per question; recursion and import cycles end at a function already asked.
"""

from __future__ import annotations

import ast
import time

from torchwise.lint import flow
from torchwise.project.regions import NO_GRAD, region_change, regions_of

MAX_DEPTH = 3
MAX_SITES = 200
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


class _Walk:
    """One question's state: the functions asked already, the call sites looked at."""

    def __init__(self, project: bool) -> None:
        self.project = project  # follow calls in the other files of the workspace folder
        self.seen: set[int] = set()
        self.sites = 0


def reached_under_grad_off(analysis, func: ast.AST, project: bool = False) -> bool:
    """Whether ``func`` (defined in ``analysis``'s file) is decorated with no_grad, or is
    called under no_grad by some caller, directly or up to ``MAX_DEPTH`` calls up: in its
    own file, and with ``project`` in the other files of its workspace folder too.
    Memoised per file and project revision (callers in other modules may change)."""
    if not isinstance(func, _FUNCS):
        return False
    env = getattr(analysis, "env", None)
    owner = getattr(env, "project", None) if project else None
    key = ("reached_grad_off", id(func), owner.revision if owner is not None else -1)
    known = analysis.queries.get(key)
    if known is None:
        walk = _Walk(project)
        try:
            if owner is not None:
                owner.last_query = time.monotonic()  # the background indexer steps aside
                with owner.lock:  # call sites load other modules' units
                    known = _reached(analysis, func, 0, walk)
            else:
                known = _reached(analysis, func, 0, walk)
        except Exception:  # the project model must never break a rule
            known = False
        analysis.queries[key] = known
    return known


def _reached(a, func: ast.AST, depth: int, walk: _Walk) -> bool:
    if depth > MAX_DEPTH or id(func) in walk.seen:
        return False
    walk.seen.add(id(func))
    if func.name in _reached_in_file(a) or NO_GRAD in regions_of(a, func).body or flow.under_grad_off(a, func):
        return True
    if not walk.project:
        return False
    if _in_project(a, func, depth, walk) or _base_runs_it_under_no_grad(a, func):
        return True
    # the file's callers of it, asked across the project in turn (ctallec/world-models:
    # ``rollout()`` calls ``self.get_action_and_transition()``, and both callers of
    # ``rollout()``, in other modules, run it under no_grad)
    return any(caller is not func and _reached(a, caller, depth + 1, walk)
               for caller in _file_callers(a).get(func.name, ()))


def _base_runs_it_under_no_grad(a, func: ast.AST) -> bool:
    """``func`` overrides a method that a base class of another module calls under no_grad
    (yzhao062/pyod: ``BaseDeepLearningDetector.evaluate`` runs ``self.evaluating_forward``
    in a ``no_grad`` block; the detectors override it)."""
    owner = flow.parent(a, func)
    info = a.classes.get(owner) if isinstance(owner, ast.ClassDef) else None
    if info is None:
        return False
    from torchwise.lint.rules._weights import class_of_project

    for base in a.mro(info.qualname)[1:8]:
        found = class_of_project(a, base)
        if found is not None and found[0] is not a and func.name in _reached_in_file(found[0]):  # type: ignore[attr-defined]
            return True
    return False


def _file_callers(a) -> dict[str, list[ast.AST]]:
    """The file's functions by the names they call (as written last: ``self.f()`` calls
    ``f``). Once per file."""
    known = a.queries.get("file_callers")
    if known is None:
        known = a.queries["file_callers"] = {}
        for f in flow.index(a).of(*_FUNCS):
            for name in {flow.method_name(call) for call in flow.calls_in(a, f)}:
                if name:
                    known.setdefault(name, []).append(f)
    return known


def _reached_in_file(a) -> frozenset[str]:
    """The names of the file's functions that run under no_grad by a call of the file, a
    few calls down from the region (by name, as the calls name them: ``self.evaluate()``
    counts for every ``evaluate``). Computed once per file, from the regions: the calls
    of the file's functions made in a region, then the calls those functions make, and so
    on ``MAX_DEPTH`` times."""
    known = a.queries.get("reached_grad_off_names")
    if known is not None:
        return known
    funcs: dict[str, list[ast.AST]] = {}
    for f in flow.index(a).of(*_FUNCS):
        funcs.setdefault(f.name, []).append(f)
    frontier = {name for name, defs in funcs.items() if any(
        (f.decorator_list and NO_GRAD in regions_of(a, f).body) or flow.under_grad_off(a, f) for f in defs)}
    if funcs:
        frontier |= _called_in_regions(a, funcs)
    reached = set(frontier)
    for _ in range(MAX_DEPTH):
        below = {n for name in frontier for f in funcs[name] for call in flow.calls_in(a, f)
                 if (n := flow.method_name(call)) in funcs and n not in reached}
        if not below:
            break
        reached |= below
        frontier = below
    a.queries["reached_grad_off_names"] = known = frozenset(reached)
    return known


def _called_in_regions(a, funcs: dict[str, list[ast.AST]]) -> set[str]:
    """The names in ``funcs`` that a call of the file makes under no_grad: read from the
    regions of the code that has some of its own (a with block, a decorator: the only
    code whose calls a region lists, by the name written last), and lambdas' calls by
    their place (a lambda's code is no function's own)."""
    idx = flow.index(a)
    owners = {id(o): o for o in (flow.enclosing_function(a, w) for w in idx.of(ast.With, ast.AsyncWith))}
    owners.update((id(f), f) for f in idx.of(*_FUNCS) if f.decorator_list)
    out = set()
    for owner in owners.values():
        for callee, *_, kinds in regions_of(a, owner).calls:
            if NO_GRAD in kinds and (name := callee.rpartition(".")[2]) in funcs:
                out.add(name)
    for func in idx.of(ast.Lambda):
        out.update(n for call in flow.calls_in(a, func)
                   if (n := flow.method_name(call)) in funcs and flow.under_grad_off(a, call))
    for func in idx.of(*_FUNCS):
        off = _grad_turned_off_at(a, func)
        if off is not None:
            out.update(n for call in flow.calls_in(a, func)
                       if (n := flow.method_name(call)) in funcs and flow.before(off, call))
    return out


def _grad_turned_off_at(a, func: ast.AST) -> ast.AST | None:
    """The statement ``torch.set_grad_enabled(False)`` of the function's own body (not in
    a branch), when no later statement of the body turns it back on: the rest of the
    function, and what it calls, runs with autograd off (anibali/margipose's ``main``)."""
    off = None
    for stmt in func.body:  # type: ignore[attr-defined]
        if stmt.__class__ is ast.Expr and stmt.value.__class__ is ast.Call \
                and flow.last_name(stmt.value.func) == "set_grad_enabled":  # type: ignore[attr-defined]
            if region_change(stmt.value) == (NO_GRAD, True):  # type: ignore[attr-defined]
                off = off or stmt
            else:
                return None  # turned on again, or to something unknown
    return off


def _site(a, call: ast.Call, func: ast.AST, depth: int, walk: _Walk) -> bool:
    """Whether a call site of another file runs under no_grad, by its function's regions
    or its callers'."""
    walk.sites += 1
    if walk.sites > MAX_SITES:
        return False
    owner = flow.enclosing_function(a, call)
    if isinstance(owner, (*_FUNCS, ast.Module)):
        if NO_GRAD in regions_of(a, owner).at(call):
            return True
        off = _grad_turned_off_at(a, owner) if isinstance(owner, _FUNCS) else None
        if off is not None and flow.before(off, call):
            return True
    elif flow.under_grad_off(a, call):  # in a lambda: its code is no function's own
        return True
    return isinstance(owner, _FUNCS) and _reached(a, owner, depth + 1, walk)


def _in_project(a, func: ast.AST, depth: int, walk: _Walk) -> bool:
    """The calls of ``func`` (a module-level function or a method of a module-level
    class) in the other files of its workspace folder."""
    env = getattr(a, "env", None)
    if env is None or env.module is None:
        return False
    owner = flow.parent(a, func)
    if isinstance(owner, ast.ClassDef) and isinstance(flow.parent(a, owner), ast.Module):
        local = f"{owner.name}.{func.name}"
    elif isinstance(owner, ast.Module):
        local = func.name
    else:
        return False
    from torchwise.analysis import LOCAL, Value
    from torchwise.project.callers import Incomplete, call_sites
    from torchwise.project.inference import canonical

    target = canonical(Value("symbol", LOCAL + local), env.module)
    own = getattr(env, "path", None)
    try:
        for caller, _, call, _ in call_sites(env, a, func.name, target, same_folder=True):
            if walk.sites > MAX_SITES:
                return False
            if caller is a or (own is not None and getattr(caller.env, "path", None) == own):
                continue  # this file's calls: asked already
            if _site(caller, call, func, depth, walk):
                return True
        if local != func.name:
            # a call typed by a base of the method's class of the project runs the override too
            # (pytorch-nnue-trainer's ``build_serializer(...) -> BaseSerializer``, then
            # ``serializer.serialize(...)`` under no_grad reaches ``Mix7NetSerializer.serialize``)
            for base in _project_bases(a, owner):
                for caller, _, call, _ in call_sites(env, a, func.name, canonical(Value("symbol", f"{base}.{func.name}"),
                                                                                  env.module), same_folder=True):
                    if walk.sites > MAX_SITES:
                        return False
                    if _site(caller, call, func, depth, walk):
                        return True
        if local != func.name and func.name not in _GENERIC_METHODS:
            # ``serializer.serialize(...)`` on an object of unknown type (built from a
            # registry: dhbloo/pytorch-nnue-trainer's ``SERIALIZERS[model_type]()``): by the
            # method's name, as the file's own calls are asked (``_reached_in_file``)
            for caller, _, call, _ in call_sites(env, a, func.name, None, same_folder=True):  # type: ignore[arg-type]
                if walk.sites > MAX_SITES:
                    return False
                if call.func.__class__ is not ast.Attribute or caller is a \
                        or (own is not None and getattr(caller.env, "path", None) == own):
                    continue
                if _site(caller, call, func, depth, walk):
                    return True
    except Incomplete:  # too many modules to parse for one question: a caller may; the
        return True  # answer only ever keeps a finding back, and a wrong finding costs more
    return False


def _project_bases(a, cls: ast.ClassDef) -> list[str]:
    """The bases of a class of the file (a few up its MRO) that are the project's own (not
    torch's, nor builtins), by qualified name."""
    info = a.classes.get(cls)
    if info is None:
        return []
    out = []
    for base in a.mro(info.qualname)[1:6]:
        if not base or base.startswith(("torch.", "builtins.", "typing.", "abc.")) or base in ("object",):
            continue
        out.append(base)
    return out


# method names too common to stand for one class's method when the receiver's type is unknown
_GENERIC_METHODS = frozenset({"forward", "__call__", "__init__", "update", "step", "run", "get", "set", "apply",
                              "to", "eval", "train", "predict", "evaluate", "test", "validate", "save", "load"})


def callers_elsewhere(a, func: ast.AST) -> list[tuple[object, ast.Call]] | None:
    """The calls of the module-level function (or class: its constructions) ``func`` in the
    other files of its workspace folder (modules and notebooks), each with its file's
    analysis; None when they cannot all be found (no project, or too many modules to parse:
    a caller may be among those not read). Memoised per file and project revision. A method
    of a module-level class: the calls whose receiver the project types as that class
    (``model.alphaloss(y, ...)`` with ``model`` a ``CRNet``)."""
    env = getattr(a, "env", None)
    owner = getattr(env, "project", None)
    if owner is None or env.module is None or not isinstance(func, (*_FUNCS, ast.ClassDef)):
        return None
    holder = flow.parent(a, func)
    if holder is a.tree:
        local = func.name  # type: ignore[attr-defined]
    elif holder.__class__ is ast.ClassDef and func.__class__ is not ast.ClassDef and flow.parent(a, holder) is a.tree:
        local = f"{holder.name}.{func.name}"  # type: ignore[attr-defined]
    else:
        return None
    key = ("callers_elsewhere", id(func), owner.revision)
    if key in a.queries:
        return a.queries[key]
    from torchwise.analysis import LOCAL, Value
    from torchwise.project.callers import Incomplete, call_sites
    from torchwise.project.inference import canonical

    target = canonical(Value("symbol", LOCAL + local), env.module)
    own = getattr(env, "path", None)
    found: list[tuple[object, ast.Call]] | None = []
    owner.last_query = time.monotonic()  # the background indexer steps aside
    try:
        with owner.lock:  # call sites load other modules' units
            for caller, _, call, _ in call_sites(env, a, func.name, target, same_folder=True):
                if caller is a or (own is not None and getattr(caller.env, "path", None) == own):
                    continue  # this file's calls
                found.append((caller, call))  # type: ignore[union-attr]
                if len(found) > MAX_SITES:  # type: ignore[arg-type]
                    found = None
                    break
    except Incomplete:
        found = None
    except Exception:  # the project model must never break a rule
        found = None
    a.queries[key] = found
    return found
