"""TW7xx: data loading."""

from __future__ import annotations

import ast
import bisect
import operator
from typing import Iterator

from torchwise.lint import fix_edits, flow
from torchwise.lint.flow import subtree
from torchwise.lint.base import Context, Fix, rule
from torchwise.lint.rules._calls import (
    argument, call_name, calls, has_star_args, has_star_kwargs, index, int_value,
)

# torch's, and PyTorch Geometric's (a subclass that collates graphs: same workers)
DATALOADER = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader",
                        "torch_geometric.loader.DataLoader", "torch_geometric.loader.dataloader.DataLoader",
                        "torch_geometric.data.DataLoader"})
_CPU_COUNT = frozenset({"os.cpu_count", "multiprocessing.cpu_count", "os.process_cpu_count",
                        "os.sched_getaffinity"})
# Calls that look at a loader without iterating it.
_HARMLESS = frozenset({"len", "print", "repr", "str", "isinstance", "type", "id", "hasattr", "getattr"})


def _module_int(ctx: Context, name: ast.Name) -> int | None:
    """The value of a module-level constant assigned exactly once from an int literal."""
    idx = index(ctx)
    constants = idx.cache.get("module-ints")
    if constants is None:
        values: dict[str, list[int | None]] = {}
        for stmt in ctx.tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        values.setdefault(target.id, []).append(int_value(stmt.value))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                values.setdefault(stmt.target.id, []).append(int_value(stmt.value))
        constants = {k: v[0] for k, v in values.items() if len(v) == 1 and v[0] is not None}
        idx.cache["module-ints"] = constants
    if name.id in constants:
        binding = ctx.analysis.lookup(name.id, ctx.analysis.scope_of(name), name.lineno)
        if binding is not None and binding.kind == "assign":
            return constants[name.id]
    return None


def _workers(ctx: Context, call: ast.Call) -> str:
    """``"none"`` (no workers), ``"some"`` (certainly > 0) or ``"unknown"``."""
    value = argument(call, "num_workers", 5)
    if value is None:
        if has_star_kwargs(call) or has_star_args(call):
            return "unknown"
        return "none"
    number = _int_at(ctx, value, call)
    if number is not None:
        return "some" if number > 0 else "none"
    for node in subtree(value):
        if isinstance(node, ast.Call) and call_name(ctx, node) in _CPU_COUNT:
            return "some"
    return "unknown"


def _argparse_default(ctx: Context, value: ast.Attribute) -> int | None:
    """The default of a command-line option the script runs with: ``opt.threads``, where
    ``opt = parser.parse_args()`` and the file's one ``add_argument('--threads', ...,
    default=1)`` defines it, and nothing assigns ``opt.threads`` (alterzero/DBPN-Pytorch's
    ``eval.py``, whose module-level loader starts a worker by default)."""
    holder = value.value
    if holder.__class__ is not ast.Name:
        return None
    bound = flow.binding_value(ctx.analysis, holder)  # type: ignore[arg-type]
    if bound.__class__ is not ast.Call or bound.func.__class__ is not ast.Attribute \
            or bound.func.attr != "parse_args":  # type: ignore[attr-defined]
        return None
    idx = index(ctx)
    defaults = idx.cache.get("argparse-defaults")
    if defaults is None:
        defaults = idx.cache["argparse-defaults"] = _option_defaults(idx)
    found = defaults.get(value.attr)
    if found is None or len(found) != 1 or any(
            t.__class__ is ast.Attribute and t.attr == value.attr and flow.dotted(t.value) == holder.id  # type: ignore[attr-defined]
            for stmt in idx.assigns for t in (stmt.targets if stmt.__class__ is ast.Assign else [stmt.target])):  # type: ignore[attr-defined]
        return None
    return found[0]


def _option_defaults(idx) -> dict[str, list[int | None]]:
    """Each ``add_argument`` destination of the file: the integer defaults it is given (None
    for any other default, a required option or one given none)."""
    out: dict[str, list[int | None]] = {}
    for call in idx.calls_by_name.get("add_argument", ()):
        dest = next((k.value.value for k in call.keywords if k.arg == "dest" and k.value.__class__ is ast.Constant
                     and isinstance(k.value.value, str)), None)
        if dest is None:
            names = [x.value for x in call.args if x.__class__ is ast.Constant and isinstance(x.value, str)]
            longs = [n for n in names if n.startswith("--")]
            name = longs[0] if longs else names[0] if names else None
            if name is None:
                continue
            dest = name.lstrip("-").replace("-", "_")
        default = next((k.value for k in call.keywords if k.arg == "default"), None)
        required = any(k.arg == "required" and not (k.value.__class__ is ast.Constant and not k.value.value)
                       for k in call.keywords)
        out.setdefault(dest, []).append(None if required else int_value(default))
    return out


def _set_just_before(ctx: Context, value: ast.Attribute, call: ast.Call) -> int | None:
    """The literal a config attribute was last set to, in the function of ``call`` and on
    its path (``cfg.dataloader.num_workers = 0`` to debug, then
    ``DataLoader(..., num_workers=cfg.dataloader.num_workers)``: czi-ai/variantformer)."""
    a = ctx.analysis
    name = flow.dotted(value)
    last = flow.last_assignment(a, name, call) if name else None
    if last is None or not flow.same_branch(a, last, call) or flow.is_conditional_within(a, last, flow.enclosing_function(a, call)):
        return None
    return int_value(last.value)  # type: ignore[attr-defined]


def _bound_name(ctx: Context, call: ast.Call) -> str | None:
    parent = index(ctx).parent(call)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


_LOOPS = frozenset((ast.For, ast.AsyncFor, ast.comprehension))


class _Uses:
    """What a region of code iterates or hands to calls: names and call nodes."""

    def __init__(self, nodes: list[ast.AST]):
        self.names: dict[str, list[int]] = {}  # name -> the lines it is used on
        self.nodes: set[int] = set()
        names, add_node = self.names, self.nodes.add

        def add_name(name: ast.Name) -> None:
            lines = names.get(name.id)
            if lines is None:
                names[name.id] = [name.lineno]
            else:
                lines.append(name.lineno)
        Call, Name, Starred, loops = ast.Call, ast.Name, ast.Starred, _LOOPS
        for node in nodes:  # isinstance and _add, inlined: module-level code can be most of a file
            kind = node.__class__
            if kind in loops:
                for sub in subtree(node.iter):
                    add_node(id(sub))
                    if sub.__class__ is Name:
                        add_name(sub)
            elif kind is Call:
                func = node.func
                if func.__class__ is Name and func.id in _HARMLESS:
                    continue
                keywords = node.keywords  # no generator for the many calls without keywords
                for arg in [*node.args, *[k.value for k in keywords]] if keywords else node.args:
                    if arg.__class__ is Starred:
                        arg = arg.value
                    add_node(id(arg))
                    if arg.__class__ is Name:
                        add_name(arg)


def _iterates(call: ast.Call, name: str | None, uses: _Uses, until: int | None = None) -> bool:
    """Whether the region iterates the loader (``call`` itself, or the name it is bound
    to): a ``for``/comprehension over it, or it handed to a call that may iterate it.
    ``until``: the line where module-level code binds the name again; a use from there on
    reads the new value."""
    if id(call) in uses.nodes:
        return True
    lines = uses.names.get(name) if name is not None else None
    return bool(lines) and (until is None or any(call.lineno <= line < until for line in lines))  # type: ignore[union-attr]


def _rebound_at(ctx: Context, name: str | None, call: ast.Call) -> int | None:
    """The first line after ``call`` where a statement of the module's top level binds
    ``name`` again (scaomath/kaggle-jane-street builds ``train_loader`` twice; its loops
    read the second), else None."""
    if name is None:
        return None
    a = ctx.analysis
    lines = a.queries.get("top_level_bindings")
    if lines is None:  # name -> the lines of the module's top-level statements that bind it, in order
        lines = a.queries["top_level_bindings"] = {}
        for stmt in ctx.tree.body:  # type: ignore[attr-defined]
            if stmt.__class__ is ast.Assign:
                for t in stmt.targets:  # type: ignore[attr-defined]
                    if t.__class__ is ast.Name:
                        lines.setdefault(t.id, []).append(stmt.lineno)  # type: ignore[attr-defined]
            elif stmt.__class__ is ast.AnnAssign and stmt.value is not None and stmt.target.__class__ is ast.Name:  # type: ignore[attr-defined]
                lines.setdefault(stmt.target.id, []).append(stmt.lineno)  # type: ignore[attr-defined]
    found = lines.get(name, ())
    at = bisect.bisect_right(found, call.lineno)
    return found[at] if at < len(found) else None


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The nodes of a function's body, not descending into nested functions/classes."""
    stack: list[ast.AST] = list(reversed(func.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _local_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {stmt.name: stmt for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _int_at(ctx: Context, value: ast.expr, call: ast.Call) -> int | None:
    """The integer ``value`` holds where ``call`` passes it: a literal, a module constant, a
    config attribute set just before, a command-line option's default."""
    number = int_value(value)
    if number is None and isinstance(value, ast.Name):
        number = _module_int(ctx, value)
    if number is None and isinstance(value, ast.Attribute):
        number = _set_just_before(ctx, value, call)
        if number is None:
            number = _argparse_default(ctx, value)
    return number


@rule(code="TW701", name="dataloader-workers-without-main-guard", group="data", severity="error",
      summary="A DataLoader with worker processes is iterated by import-time code with no "
              "`if __name__ == \"__main__\":` guard.", fix="unsafe",
      module_wide=True)  # a function's loader is reported when import-time code elsewhere calls it
def dataloader_workers_without_main_guard(ctx: Context):
    if ctx.analysis.cell_starts:
        return  # a notebook: its kernel's ``__main__`` has no file, so spawned workers re-run no cell
    candidates = [c for c in index(ctx).calls_named({"DataLoader"})
                  if call_name(ctx, c, {"DataLoader"}) in DATALOADER and _workers(ctx, c) == "some"]
    idx = index(ctx)
    import_time: list[ast.AST] = [*idx.import_time_loops, *idx.import_time_calls]
    uses: _Uses | None = None  # built for the first candidate built at import time
    message = ("This DataLoader starts {n} worker processes from code that runs at import time. "
               "Where workers are started by spawning (Windows, macOS; forkserver on Linux with "
               "Python 3.14+), each worker re-imports this file and runs this code again, which fails "
               "with a RuntimeError. Move the training code into a function called under "
               "`if __name__ == \"__main__\":`.")
    if idx.import_time_loops:  # 0. a loader a factory builds, bound and iterated by module-level code
        uses = _Uses(import_time)
        yield from _factory_loaders(ctx, uses, message, {id(c) for c in candidates})
    yield from _loader_objects(ctx, message, idx)
    if not candidates:
        return
    # 1. built and iterated by module-level code
    at_import = {id(node) for node in idx.import_time_calls}
    for call in candidates:
        if id(call) not in at_import:
            continue
        name = _bound_name(ctx, call)
        if uses is None:
            uses = _Uses(import_time)
        until = _rebound_at(ctx, name, call)
        if _iterates(call, name, uses, until):
            yield ctx.finding(call, message.format(n=_shown_workers(ctx, call)), _main_guard_fix(ctx, call, name))
        elif name is not None and (reader := _started_reader(ctx, name, import_time, call.lineno, until)) is not None:
            yield ctx.finding(call, message.format(n=_shown_workers(ctx, call)).replace(
                "from code that runs at import time",
                f"when `{reader}()`, which this file calls at import time, iterates `{name}`"))
    # 2. built and iterated inside a function that module-level code calls
    functions = _local_functions(ctx.tree)
    called = {fname for fname in _functions_holding(ctx, functions, candidates)  # and called at import time
              if any(id(node) in at_import and node.func.__class__ is ast.Name
                     for node in idx.calls_by_name.get(fname, ()))}
    starts_by: dict[str, list[ast.Call]] | None = None
    for fname in sorted(called):
        func = functions[fname]
        body_nodes = list(_own_nodes(func))
        own = {id(node) for node in body_nodes}
        inside = [call for call in candidates if id(call) in own]
        if not inside:
            continue
        body_uses = _Uses(body_nodes)
        if starts_by is None:  # import-time calls by the name they call, in order
            starts_by = {}
            for node in import_time:
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    starts_by.setdefault(node.func.id, []).append(node)
        starts = starts_by.get(fname, [])
        for call in inside:
            if _iterates(call, _bound_name(ctx, call), body_uses):
                yield ctx.finding(call, message.format(n=_shown_workers(ctx, call)).replace(
                    "from code that runs at import time",
                    f"in `{fname}()`, which this file calls at import time"),
                    _main_guard_fix(ctx, starts[0]) if len(starts) == 1 else None)


def _loader_objects(ctx: Context, message: str, idx):
    """3. An object of a class of the project built by import-time code, whose ``__init__``
    builds a ``DataLoader`` with workers and starts iterating it there (``self.data_iter =
    self.data_loader.__iter__()``): the workers start as the script is imported. The workers
    may be what the construction hands in (``num_workers=opt.workers``, ``opt`` the script's
    parsed options: LiuY1Chen/OOTDiffusion-train#7's ``VITONDataLoader(opt, dataset)``)."""
    from torchwise.lint.rules._weights import class_of_project

    a = ctx.analysis
    for call in idx.import_time_calls:
        if call.func.__class__ not in (ast.Name, ast.Attribute) or not flow.last_name(call.func)[:1].isupper() \
                or flow.parent(a, call).__class__ not in (ast.Assign, ast.Expr):
            continue  # (a class, by its name's case, built as a statement's whole value: ``loader = X(...)``)
        qualname = flow.safe_qualname(a, call.func)
        found = class_of_project(a, qualname) if qualname else None
        init = found[1].methods.get("__init__") if found is not None else None
        if not isinstance(init, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        unit = found[0]  # type: ignore[index]
        for loader in (n for n in flow.walk_local(unit, init) if n.__class__ is ast.Call
                       and flow.safe_qualname(unit, n.func) in DATALOADER):  # type: ignore[attr-defined]
            workers = _handed_workers(ctx, call, init, loader)
            if workers is None or not _started_in(unit, init, loader):
                continue
            where = f"line {loader.lineno}" if unit is a else f"`{found[1].qualname.rpartition('.')[2]}.__init__`"  # type: ignore[index]
            yield ctx.finding(call, message.format(n=workers).replace(
                "from code that runs at import time",
                f"as code that runs at import time builds this object, whose `__init__` builds and iterates "
                f"the loader ({where})"), _main_guard_fix(ctx, call, _bound_name(ctx, call)))
            break


def _handed_workers(ctx: Context, call: ast.Call, init: ast.AST, loader: ast.Call) -> str | None:
    """The workers of ``loader`` (built in ``init``) as ``call`` builds the object: a positive
    literal, or an option of the script's parsed command line handed in (``opt.workers`` where
    ``opt`` is ``init``'s parameter and the call passes the script's ``opt``); else None."""
    value = argument(loader, "num_workers", 5)
    if value is None:
        return None
    number = int_value(value)
    if number is not None:
        return str(number) if number > 0 else None
    if value.__class__ is not ast.Attribute or value.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return None
    params = [p.arg for p in (*init.args.posonlyargs, *init.args.args)][1:]  # type: ignore[attr-defined]
    holder = value.value.id  # type: ignore[attr-defined]
    if holder not in params:
        return None
    handed = argument(call, holder, params.index(holder))
    if handed.__class__ is not ast.Name:
        return None
    number = _argparse_default(ctx, ast.Attribute(value=handed, attr=value.attr, ctx=ast.Load()))  # type: ignore[attr-defined]
    return str(number) if number is not None and number > 0 else None


def _started_in(unit, init: ast.AST, loader: ast.Call) -> bool:
    """``init`` iterates what ``loader`` builds, as bound there (``self.data_loader``, a name):
    ``X.__iter__()``, ``iter(X)`` or a ``for`` loop over it."""
    stmt = flow.parent(unit, loader)
    if stmt.__class__ is not ast.Assign or len(stmt.targets) != 1:  # type: ignore[attr-defined]
        return False
    held = flow.dotted(stmt.targets[0])  # type: ignore[attr-defined]
    if not held:
        return False
    for n in flow.walk_local(unit, init):
        if n.__class__ is ast.Call and flow.before(loader, n) and (
                (n.func.__class__ is ast.Attribute and n.func.attr == "__iter__" and flow.dotted(n.func.value) == held)  # type: ignore[attr-defined]
                or (n.func.__class__ is ast.Name and n.func.id == "iter" and n.args  # type: ignore[attr-defined]
                    and flow.dotted(n.args[0]) == held)):  # type: ignore[attr-defined]
            return True
        if n.__class__ is ast.For and flow.dotted(n.iter) == held and flow.before(loader, n):  # type: ignore[attr-defined]
            return True
    return False


def _factory_loaders(ctx: Context, uses: "_Uses", message: str, candidates: set[int]):
    """``loader = get_loader(..., num_workers=opt.num_workers)`` at module level, iterated there,
    where ``get_loader`` (of this file or another module of the project) returns the
    ``DataLoader`` it builds with that many workers (daooshee/ReReVST-Code's ``train.py``)."""
    idx = index(ctx)
    parents, names, Assign, Name = idx.parents, uses.names, ast.Assign, ast.Name
    for call in idx.import_time_calls:  # (most files' many calls: the bound ones, inline)
        holder = parents.get(call)
        if holder.__class__ is not Assign or len(holder.targets) != 1:  # type: ignore[union-attr]
            continue
        target = holder.targets[0]  # type: ignore[union-attr]
        if target.__class__ is not Name or target.id not in names or id(call) in candidates \
                or call.func.__class__ not in (Name, ast.Attribute):
            continue
        name = target.id
        made = _factory_workers(ctx, call)
        if made is not None and _iterates(call, name, uses, _rebound_at(ctx, name, call)):
            shown, where = made
            yield ctx.finding(call, message.replace("This DataLoader starts {n}", (
                f"The DataLoader that `{ctx.text(call.func)}()` builds ({where}) starts {shown}")),
                _main_guard_fix(ctx, call, name))


def _factory_workers(ctx: Context, call: ast.Call) -> tuple[str, str] | None:
    """(the workers, shown; where the loader is built) when ``call`` runs a module-level
    function each of whose ``return``s gives a ``DataLoader`` it builds, with workers that are
    certainly more than 0 for this call: a literal, or its parameter, passed a known number
    here or left at a positive default."""
    from torchwise.analysis import LOCAL
    from torchwise.lint.rules._weights import project_function

    a = ctx.analysis
    root = call.func
    while root.__class__ is ast.Attribute:
        root = root.value  # type: ignore[attr-defined]
    bound = a.module_scope.bindings.get(root.id) if root.__class__ is ast.Name else None  # type: ignore[attr-defined]
    if not bound or bound[-1].kind not in ("def", "import"):
        return None  # (a class, a builtin, a local value: no factory of the project; no resolution asked)
    qualname = flow.safe_qualname(a, call.func)
    if not qualname or qualname.startswith("torch."):
        return None
    if qualname.startswith(LOCAL):  # (the file's module-level functions, from the index: no scan)
        local = index(ctx).functions.get(qualname[len(LOCAL):])
        found = (a, local) if local is not None else None
    else:
        found = project_function(a, qualname) if a.env is not None and a.env.owns(qualname) else None
    if found is None or found[1].__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) \
            or flow.parent(found[0], found[1]) is not found[0].tree:
        return None
    other_a, func = found
    returns = [n for n in flow.walk_local(other_a, func) if n.__class__ is ast.Return]
    if not returns or any(r.value is None for r in returns):  # type: ignore[attr-defined]
        return None
    made = [_returned_workers(ctx, call, other_a, func, r.value) for r in returns]  # type: ignore[attr-defined]
    # (each ``return`` a loader with workers: Louis-udm/VGCN-BERT's ``get_pytorch_dataloader``, by its shuffle choice)
    return made[0] if all(m is not None for m in made) else None


def _returned_workers(ctx: Context, call: ast.Call, other_a, func, loader: ast.expr) -> tuple[str, str] | None:
    """For one ``return`` of the factory ``func``: (the workers, shown; where the loader is
    built) when it gives a ``DataLoader`` with workers certainly more than 0 for ``call``."""
    from torchwise.analysis import parameter_defaults

    a = ctx.analysis
    if loader.__class__ is ast.Name:
        loader = flow.binding_value(other_a, loader)
    other = ctx if other_a is a else Context(ctx.path, other_a.source, other_a, ctx.rule)
    if loader.__class__ is not ast.Call or call_name(other, loader, {"DataLoader"}) not in DATALOADER \
            or has_star_args(loader) or has_star_kwargs(loader):  # type: ignore[arg-type]
        return None
    value = argument(loader, "num_workers", 5)  # type: ignore[arg-type]
    number = int_value(value) if value is not None else 0
    shown = str(number)
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    if number is None and value.__class__ is ast.Name and (value.id in params or any(  # type: ignore[union-attr]
            p.arg == value.id for p in func.args.kwonlyargs)):  # type: ignore[attr-defined,union-attr]
        pname = value.id  # type: ignore[union-attr]
        passed = argument(call, pname, params.index(pname) if pname in params else None)
        if passed is not None:
            number = _int_at(ctx, passed, call)
            default = _argparse_default(ctx, passed) if passed.__class__ is ast.Attribute else None
            shown = f"`{ctx.text(passed)}` ({default} by default)" if default is not None \
                and int_value(passed) is None else str(number)
        elif not has_star_args(call) and not has_star_kwargs(call):
            number = int_value(parameter_defaults(func.args).get(pname))  # type: ignore[attr-defined,arg-type]
            shown = str(number)
    if number is None or number <= 0:
        return None
    path = getattr(getattr(other_a, "env", None), "path", None)
    where = flow.line_ref(other_a, loader.lineno) if other_a is a else (  # type: ignore[union-attr]
        f"{path.name if path is not None else 'another module'}, line {loader.lineno}")  # type: ignore[union-attr]
    return shown, where


def _started_reader(ctx: Context, name: str, import_time: list[ast.AST], since: int = 0,
                    until: int | None = None) -> str | None:
    """A module-level function, called by import-time code, that iterates the module's
    global ``name`` itself (``def train(): for data in train_loader: ...``, then ``train()``
    in the module's epoch loop: pyg-team/pytorch_geometric's examples), its name; None."""
    functions = _local_functions(ctx.tree)
    for node in import_time:
        if node.__class__ is not ast.Call or node.func.__class__ is not ast.Name:  # type: ignore[attr-defined]
            continue
        if until is not None and not since <= node.lineno < until:
            continue  # (a call from the rebinding on reads the new loader)
        func = functions.get(node.func.id)  # type: ignore[attr-defined]
        if func is None:
            continue
        nodes = list(_own_nodes(func))
        params = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
        if name in params or any(n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load
                                 for n in nodes):  # type: ignore[attr-defined]
            continue  # a local of the same name
        if name in _Uses([n for n in nodes if n.__class__ in _LOOPS]).names:
            return func.name
    return None


_LINENO = operator.attrgetter("lineno")


def _functions_holding(ctx: Context, functions: dict[str, ast.AST], candidates: list[ast.Call]) -> set[str]:
    """The names in ``functions`` (the module's functions, the last of each name) whose
    lines hold a candidate: each candidate's top-level statement, by its line, instead of
    the import-time calls of every function checked against every candidate."""
    body = ctx.tree.body
    out = set()
    for call in candidates:
        i = bisect.bisect_right(body, call.lineno, key=_LINENO) - 1  # the statement it lies in, if any
        name = getattr(body[i], "name", None) if i >= 0 else None
        if name is not None and functions.get(name) is body[i] and flow.contains(body[i], call):
            out.add(name)
    return out


_DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _main_guard_fix(ctx: Context, start: ast.AST, name: str | None = None) -> Fix | None:
    """Move the module-level statements that start the workers under
    ``if __name__ == "__main__":``: from the statement holding ``start`` to the last one
    that uses ``name`` (the loader). Unsafe: importing the module no longer runs them.
    None when definitions or imports lie in between (workers need those at import)."""
    body = ctx.tree.body
    line = start.lineno  # type: ignore[attr-defined]
    last = first = bisect.bisect_right(body, line, key=_LINENO) - 1  # the last statement starting at or before it
    while first > 0 and (body[first - 1].end_lineno or body[first - 1].lineno) >= line:
        first -= 1  # ``a = 1; b = 2``: the first statement on the line (all of them move)
    if first < 0 or line > (body[last].end_lineno or body[last].lineno) or any(
            isinstance(stmt, _DEFINES) for stmt in body[first:last + 1]):
        return None
    # take in the statements that follow and use what the moved ones bind (up to the
    # next definition), so that nothing left outside reads a name only bound inside
    stored = set().union(*(_stored_names(stmt) for stmt in body[first:last + 1]))
    for i in range(last + 1, len(body)):
        if isinstance(body[i], _DEFINES):
            break
        if _loaded(ctx, body[i]) & stored:
            for stmt in body[last + 1:i + 1]:
                stored |= _stored_names(stmt)
            last = i
    if _reads_any(ctx, last + 1, stored):
        return None  # used again after a definition: moving it would break that code
    edits = fix_edits.wrap(ctx, body[first], body[last], 'if __name__ == "__main__":')
    if edits is None:
        return None
    return Fix("unsafe", 'Move the code that starts the workers under if __name__ == "__main__":', edits)


def _reads_any(ctx: Context, start: int, names: set[str]) -> bool:
    """``any(_read(ctx, stmt) & names for stmt in ctx.tree.body[start:])``, asking only the
    statements that hold a load of one of ``names`` (or an augmented assignment to one):
    each fix asked it of every statement after its own, on a long script most of the file."""
    body = ctx.tree.body
    if not flow.index(ctx.analysis).whole:  # the editor's index of one statement: ask them all
        return any(_read(ctx, stmt) & names for stmt in body[start:])
    for name in names:
        holders = _statements_loading(ctx, name)
        for i in holders[bisect.bisect_left(holders, start):]:
            if name in _read(ctx, body[i]):
                return True
    return False


def _statements_loading(ctx: Context, name: str) -> list[int]:
    """The positions in the module's body (ascending) of the statements holding a load of
    ``name`` or an augmented assignment to it (``x += 1`` reads ``x``; the index lists
    loads only): the only ones whose ``_read`` can hold it. Once per name and file version."""
    table = ctx.analysis.queries.get("statements_loading")
    if table is None:
        starts = []
        for stmt in ctx.tree.body:  # where each statement starts: at its first decorator, if any
            first = (stmt.lineno, stmt.col_offset)
            for decorator in getattr(stmt, "decorator_list", ()):
                first = min(first, (decorator.lineno, decorator.col_offset))
            starts.append(first)
        augmented: dict[str, list[ast.Name]] = {}
        for node in flow.index(ctx.analysis).assigns:
            if node.__class__ is ast.AugAssign and node.target.__class__ is ast.Name:
                augmented.setdefault(node.target.id, []).append(node.target)
        table = ctx.analysis.queries["statements_loading"] = ({}, starts, augmented)
    known, starts, augmented = table
    found = known.get(name)
    if found is None:
        Name, refs = ast.Name, flow.index(ctx.analysis).refs_by_name.get(name, ())
        # every node lies in the last statement starting at or before it
        found = known[name] = sorted({bisect.bisect_right(starts, (node.lineno, node.col_offset)) - 1
                                      for node in [*refs, *augmented.get(name, ())] if node.__class__ is Name})
    return found


def _read(ctx: Context, stmt: ast.stmt) -> set[str]:
    """``_read_at_import(stmt)``, once per statement of the file (each fix asks about every
    statement after its own)."""
    memo = ctx.analysis.queries.setdefault("read_at_import", {})
    names = memo.get(id(stmt))
    if names is None:
        names = memo[id(stmt)] = _read_at_import(ctx, stmt)
    return names


def _read_at_import(ctx: Context, stmt: ast.stmt) -> set[str]:
    """Names ``stmt`` may read when the module runs: a function's decorators, defaults and
    annotations, not its body; all of a class (its body runs, and its methods' reads count
    too: at worst a fix is left out)."""
    if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _loaded(ctx, stmt)
    args = stmt.args
    parts = [*stmt.decorator_list, *args.defaults, *args.kw_defaults, stmt.returns,
             *(a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
               if a is not None)]
    return {n.id for part in parts if part is not None for n in subtree(part)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stored_names(stmt: ast.stmt) -> set[str]:
    return {n.id for n in subtree(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


def _loaded(ctx: Context, stmt: ast.stmt) -> set[str]:
    """``_loaded_names(stmt)``, once per statement of the file (each fix asks about every
    statement after its own)."""
    memo = ctx.analysis.queries.setdefault("loaded_names", {})
    names = memo.get(id(stmt))
    if names is None:
        names = memo[id(stmt)] = _loaded_names(stmt)
    return names


_BINDERS = frozenset((ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr))


def _loaded_names(stmt: ast.stmt) -> set[str]:
    """Names ``stmt`` reads before binding them itself (a loop reading its own target
    does not count; ``x = x + 1`` and ``x += 1`` do read ``x``)."""
    stores: dict[str, tuple[int, int]] = {}
    loads: list[tuple[str, tuple[int, int]]] = []
    handled: set[int] = set()
    Name, Load = ast.Name, ast.Load
    for node in subtree(stmt):  # any top-down order: a target is seen after its assignment
        kind = node.__class__
        if kind is Name:  # the commonest node, tested first
            if id(node) in handled:
                continue
            position = (node.lineno, node.col_offset)
            if node.ctx.__class__ is Load:
                loads.append((node.id, position))
            elif node.id not in stores or position < stores[node.id]:
                stores[node.id] = position
        elif kind in _BINDERS:
            done = (node.end_lineno or node.lineno, node.end_col_offset or 0)  # bound after the value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for n in subtree(target):
                    if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
                        handled.add(id(n))
                        stores[n.id] = min(stores.get(n.id, done), done)
                        if isinstance(node, ast.AugAssign):
                            loads.append((n.id, (n.lineno, n.col_offset)))
    return {name for name, position in loads if not (name in stores and stores[name] < position)}


def _shown_workers(ctx: Context, call: ast.Call) -> str:
    value = argument(call, "num_workers", 5)
    number = int_value(value) if value is not None else None
    if number is None and isinstance(value, ast.Attribute) and _set_just_before(ctx, value, call) is None \
            and (default := _argparse_default(ctx, value)) is not None:
        return f"`{ctx.text(value)}` ({default} by default)"
    return str(number) if number is not None else f"`{ctx.text(value)}`" if value is not None else "its"


@rule(code="TW702", name="dataloader-without-workers", group="data", severity="information", default=False,
      summary="A DataLoader loads batches in the main process (`num_workers` is 0).")
def dataloader_without_workers(ctx: Context):
    for call in calls(ctx, {"DataLoader"}):
        if call_name(ctx, call, {"DataLoader"}) not in DATALOADER:
            continue
        if _workers(ctx, call) != "none":
            continue
        yield ctx.finding(
            call,
            "This DataLoader loads and collates every batch in the main process (`num_workers` is 0), "
            "so the training loop waits for data; pass `num_workers=` greater than 0 (with "
            "`pin_memory=True` for GPU training) to load batches in background workers.",
        )
