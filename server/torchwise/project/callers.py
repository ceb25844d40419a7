"""Call-site typing: an un-annotated parameter has the type every caller passes.

Only modules that may call a name like the function's (their summary, or their text
when not indexed yet) are parsed and searched; each call is kept only if its callee
resolves to the very function. What each module's calls of a name resolve to is memoised
per revision, so a check (which keeps few analyses) does not parse a module again for
every function of that name. One
unknown or disagreeing argument and the parameter stays unknown (a wrong type costs
more than none). The same call sites answer rules' questions about a function's callers
(``lint/rules/_reach.py``: is some call of an evaluation helper under ``no_grad``?). In the
editor a question parses at most the project's ``parse_budget`` modules it has not parsed
yet, and in a check it looks at most at ``caller_limit`` modules that mention the name;
past either its answer is "unknown" (``Incomplete``).
"""

from __future__ import annotations

import ast
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from torchwise.analysis import LOCAL, Analysis, Scope, Value, parameter_defaults
from torchwise.project.inference import canonical, decorated

if TYPE_CHECKING:
    from torchwise.project.inference import ProjectEnv

MAX_CALLS = 200


class Incomplete(Exception):
    """More modules may call the function than the project's ``parse_budget`` lets one
    question parse: its callers are unknown."""


def _argument(call: ast.Call, func: ast.FunctionDef | ast.AsyncFunctionDef, index: int, offset: int) -> ast.expr | None:
    params = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
    name = params[index].arg if index < len(params) else None
    position = index - offset
    positional = func.args.posonlyargs + func.args.args
    if index < len(positional) and 0 <= position < len(call.args):
        if any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return None
        return call.args[position]
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None  # not passed (its default), or passed through *args/**kwargs


# analysis -> {callee name: its calls}: one walk of a module's tree answers every
# parameter query against it (walking a large module once per query took minutes)
_CALLS: "weakref.WeakKeyDictionary[Analysis, dict[str, list[ast.Call]]]" = weakref.WeakKeyDictionary()


def _calls(analysis: Analysis, name: str) -> list[ast.Call]:
    index = _CALLS.get(analysis)
    if index is None:
        index = {}
        for node in analysis.calls:  # collected by the analysis's own walk
            func = node.func
            callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if callee is not None:
                index.setdefault(callee, []).append(node)
        _CALLS[analysis] = index
    return index.get(name, [])


def call_sites(env: "ProjectEnv", analysis: Analysis, name: str, target: Value,
               same_folder: bool = False) -> Iterator[tuple[Analysis, str | None, ast.Call, Scope]]:
    """The project's calls of the function ``target`` (last name ``name``): each caller's
    analysis and module, the call and its scope. Only modules that may call the name are
    parsed; a file outside the folders sees only its own calls. ``same_folder``: only the
    callers in the workspace folder that holds the function's file (another folder may
    have a module of the same name). Raises ``Incomplete`` (before yielding anything) when
    finding them would parse more modules than the project's ``parse_budget``."""
    project = env.project
    units: list[tuple[Analysis, str | None]] = []
    folder = _folder_of(project, env.path) if same_folder else None
    budget = project.parse_budget
    if env.module is None or (same_folder and folder is None):
        units.append((analysis, None))
    else:
        words = _import_words(target)
        paths = project.files() if project.caller_limit is None else _mentioning(project, name, folder) \
            if not words else _importers_mentioning(project, name, folder, words, env.path)
        for path in paths:
            if folder is not None and not path.is_relative_to(folder):
                continue
            if not project.has_unit(path) and not project.may_call(path, name):
                continue  # (a module at hand is asked through its calls, below: no text search)
            if words and not _may_import(project, path, words, env.path):
                continue  # (a module that names no part of the target's module cannot import it)
            key = ("call_targets", path, name)
            targets = project.memo.get(key)
            if targets is not None and target not in targets:
                continue  # known this revision: none of its calls of the name runs the target
            if budget is not None and not project.has_unit(path):
                budget -= 1
                if budget < 0:
                    raise Incomplete(name)
            unit = project.unit_at(path)
            if unit is None:
                continue
            if targets is None:
                targets = project.memo[key] = _call_targets(unit.analysis, unit.module, name)
                if target not in targets:
                    continue
            units.append((unit.analysis, unit.module))
    if folder is not None:
        units += [(unit, None) for unit in notebook_units(project, folder, name)]
    for caller, module in units:
        for call in _calls(caller, name):
            scope = caller.scope_of(call.func)
            if target in _runs(caller, module, call, scope):
                yield caller, module, call, scope


def _runs(analysis: Analysis, module: str | None, call: ast.Call, scope: Scope) -> frozenset:
    """What a call may run: what its callee resolves to and, for a name imported on each
    arm of a branch or in a ``try`` and its ``except ImportError`` fallback, the other
    imports' functions too (alinlab/CSI's ``eval.py`` imports ``eval_ood_detection`` from
    ``evals`` or from ``evals.ood_pre`` by its mode, and calls it under no_grad)."""
    first = canonical(analysis.resolve(call.func, scope), module)
    if call.func.__class__ is not ast.Name:
        return frozenset((first,))
    others = analysis.import_alternatives(call.func.id, scope, call.lineno)  # type: ignore[attr-defined]
    return frozenset((first, *(canonical(v, module) for v in others)))


def _mentioning(project, name: str, folder: Path | None) -> list[Path]:
    """The modules (of ``folder``, if given) whose text mentions ``name``, memoised per
    project revision; raises ``Incomplete`` when there are more than the project's
    ``caller_limit`` (None: no limit). The texts, not the summaries, decide: a summary exists only for a
    module something asked about, so an answer read from them would depend on the order
    a check lints its files in."""
    def compute() -> list[Path] | tuple[()]:
        found, limit = [], project.caller_limit
        for path in project.files():
            if folder is not None and not path.is_relative_to(folder):
                continue
            text = project.source(path)
            if text is not None and _holds_word(text, name):  # (``train`` is not in ``pretrained``)
                found.append(path)
                if limit is not None and len(found) > limit:
                    return ()  # too common: no module is looked at
        return found

    found = project.remembered(("mentioning", name, folder), compute)
    if found == ():
        raise Incomplete(name)
    return found  # type: ignore[return-value]


def _holds_word(text: str, word: str) -> bool:
    """``word`` in ``text`` as a whole run of word characters (letters, digits, ``_``), by
    string searches, most ending at the first place found (a regular expression with
    look-arounds scanned a 300 KB file in 3 ms, a search in 0.1)."""
    start, size = text.find(word), len(word)
    while start >= 0:
        end = start + size
        if (start == 0 or not _is_word_char(text[start - 1])) and (end == len(text) or not _is_word_char(text[end])):
            return True
        start = text.find(word, start + 1)
    return False


def _importers_mentioning(project, name: str, folder: Path | None, words: frozenset[str], own) -> list[Path]:
    """``_mentioning(name)`` among the modules that may import the target's module
    (``_may_import``): the few that name a part of its path are searched for ``name``, not
    every module of the project once per name asked. Where a part is too common to list
    (more than ``caller_limit`` modules name it), every module mentioning ``name``."""
    def compute() -> list[Path] | tuple[()]:
        candidates = _importers(project, folder, words, own)
        if candidates is None:
            return list(_mentioning(project, name, folder))
        found, limit = [], project.caller_limit
        for path in candidates:
            text = project.source(path)
            if text is not None and _holds_word(text, name):
                found.append(path)
                if limit is not None and len(found) > limit:
                    return ()
        return found

    found = project.remembered(("importers_mentioning", name, folder, words, str(own)), compute)
    if found == ():
        raise Incomplete(name)
    return found  # type: ignore[return-value]


def _importers(project, folder: Path | None, words: frozenset[str], own) -> list[Path] | None:
    """The modules (of ``folder``) that may import a module whose path holds ``words``, in
    the project's order: its own file, the asking file, and those naming a part; None when
    a part is too common to list. Once per revision."""
    def compute() -> list[Path] | None:
        try:
            pool = set().union(*(_mentioning(project, w, folder) for w in sorted(words)))
        except Incomplete:
            return None
        mine = str(own) if own is not None else None
        return [path for path in project.files() if (folder is None or path.is_relative_to(folder))
                and (path in pool or path.stem in words or str(path) == mine)]

    return project.remembered(("importers", folder, words, str(own)), compute)


def _import_words(target: Value | None) -> frozenset[str] | None:
    """The parts of the module path of ``target`` (``src.models.net.train``: src, models,
    net; a method's class too): a module that calls it imports it by one of them, or is
    its own. None: no module path known (the file's own names)."""
    if target is None or target.qualname.startswith(LOCAL) or "." not in target.qualname:
        return None
    return frozenset(target.qualname.split(".")[:-1])


def _may_import(project, path: Path, words: frozenset[str], own: str | None) -> bool:
    """Whether the module at ``path`` may call into the module ``words`` name: it is that
    module (or the asking file), or its text names a part of its path (``from models.net
    import train``, ``import net``, ``from . import net``). A folder of unrelated projects
    (a check of one script in a home folder full of clones) then parses none of them for
    callers (a check of one file in /tmp here parsed 1,400 modules in 30 s)."""
    if path.stem in words or (own is not None and str(path) == str(own)):
        return True
    text = project.source(path)
    return text is None or any(_holds_word(text, w) for w in words)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _call_targets(analysis: Analysis, module: str | None, name: str) -> frozenset:
    """What a module's calls of ``name`` run (memoised per file and project revision: a
    later query for another function of that name parses only the modules that call it)."""
    return frozenset().union(*(_runs(analysis, module, call, analysis.scope_of(call.func))
                               for call in _calls(analysis, name)))


MAX_NOTEBOOKS = 200
MAX_NOTEBOOK_BYTES = 8_000_000


def notebook_units(project, folder: Path, name: str) -> list[Analysis]:
    """The notebooks of a workspace folder that may call ``name``, each analysed as one
    module of its code cells (as ``torchwise check`` lints it), seeing the project. Read
    from disk; listed and parsed once per project revision."""
    found = []
    for path in _notebooks(project, folder):
        text, analysis = project.remembered(("notebook_unit", path),
                                            lambda path=path: _notebook_analysis(project, path)) or ("", None)
        if analysis is not None and name in text:
            found.append(analysis)
    return found


def _notebooks(project, folder: Path) -> list[Path]:
    from itertools import islice

    from torchwise.project.resolver import walk

    return project.remembered(("notebooks", folder), lambda: list(
        islice(walk(folder, ".ipynb", project.git_ignored(folder)), MAX_NOTEBOOKS)))


def _notebook_analysis(project, path: Path) -> tuple[str, Analysis] | None:
    """(the joined code, its analysis), or None for what is not a readable notebook."""
    import json

    from torchwise.analysis import build_analysis
    from torchwise.notebook_cells import join_cells
    from torchwise.project.inference import ProjectEnv

    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        notebook = json.loads(path.read_bytes().decode("utf-8"))
        cells = [c for c in notebook.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]
        sources = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                   for c in cells]
        joined = join_cells(list(enumerate(sources)))
        analysis = build_analysis(joined.source, str(path), env=ProjectEnv(project, None, path))
    except (OSError, ValueError, TypeError, AttributeError, SyntaxError, RecursionError, MemoryError):
        return None  # not a notebook, or not one this version can read: no callers from it
    return joined.source, analysis


def _folder_of(project, path: Path | None) -> Path | None:
    """The innermost workspace folder holding ``path`` (as the resolver spells it, which
    is how ``project.files()`` spells its files)."""
    if path is None:
        return None
    best, depth = None, -1
    for folder in project.resolver.folders:
        absolute = folder.resolve()
        if path.is_relative_to(absolute) and len(absolute.parts) > depth:
            best, depth = folder, len(absolute.parts)
    return best


def param_values(env: "ProjectEnv", analysis: Analysis, func, target: Value, index: int, *,
                 method: bool) -> frozenset[Value] | None:
    """Every value the project's call sites pass (a shared ``train(net, ...)`` handed an
    ``MLP`` and then a ``ConvNet``); None when one of them is not known, empty when none
    passes an object (each passes None or leaves out a None default, or there is no call)."""
    try:
        return _param_values(env, analysis, func, target, index, method=method)
    except Incomplete:
        return None


def _param_values(env: "ProjectEnv", analysis: Analysis, func, target: Value, index: int, *,
                  method: bool, depth: int = 0) -> frozenset[Value] | None:
    found: set[Value] = set()
    count = 0
    constructor = method and func.name == "__init__"
    if constructor:  # ``Trainer(loss_func=CrossEntropyLoss())``: the class's calls pass ``__init__``'s arguments
        cls = Value("symbol", target.qualname.rpartition(".")[0])
        name = cls.qualname.rpartition(".")[2]
        if not name:
            return None
        if _subclassed(env, name):  # a subclass's ``super().__init__(...)`` passes its own
            passed_up = _through_subclasses(env, analysis, func, cls, name, index, depth)
            if passed_up is None:
                return None
            found |= passed_up
        sites = call_sites(env, analysis, name, cls)
    else:
        sites = call_sites(env, analysis, func.name, target)
    default = _default(func, index)
    # a class method's ``cls`` is bound, on the class or an instance alike; a static method binds nothing
    static = method and decorated(func, "staticmethod")
    bound_first = method and decorated(func, "classmethod")
    for caller, module, call, scope in sites:
        count += 1
        if count > MAX_CALLS:
            return None
        offset = 1 if constructor or bound_first else 0
        if method and not constructor and not static and not bound_first and isinstance(call.func, ast.Attribute):
            receiver = caller.resolve(call.func.value, scope)
            offset = 1 if receiver is not None and receiver.kind == "instance" else 0
        argument = _argument(call, func, index, offset)
        if _is_none(argument) or (argument is None and _is_none(default) and not _spreads(call)):
            continue  # no object: where the parameter holds one, it is what the other calls pass
            # (JaminFong/DenseNAS's ``Trainer(None, valid_queue, None, None, None, ...)`` for validation)
        if argument is not None:
            value = canonical(caller.resolve(argument, scope), module)
        elif default is not None and not _spreads(call):  # not passed: the default
            outer = analysis.scopes.get(func)
            value = canonical(analysis.resolve(default, outer.parent if outer is not None and outer.parent is not None
                                               else analysis.module_scope), env.module)
        else:
            value = None
        if value is None:
            return None
        found.add(value)
    return frozenset(found)


def _is_none(node: ast.expr | None) -> bool:
    return node.__class__ is ast.Constant and node.value is None  # type: ignore[union-attr]


def _default(func, index: int) -> ast.expr | None:
    """The default of ``func``'s parameter ``index`` (positional, then keyword-only), if any."""
    params = func.args.posonlyargs + func.args.args + func.args.kwonlyargs
    return parameter_defaults(func.args).get(params[index].arg) if index < len(params) else None


def _spreads(call: ast.Call) -> bool:
    """The call passes ``*args`` or ``**kwargs``: what reaches a parameter is unknown."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


_SUBCLASS = r"class\s+\w+\s*\([^)]*\b{}\b"
MAX_SUBCLASS_DEPTH = 3


def _through_subclasses(env: "ProjectEnv", analysis: Analysis, func, cls: Value, name: str, index: int,
                        depth: int) -> set[Value] | None:
    """What the project's subclasses of ``cls`` pass to its ``__init__`` (``func``) at
    ``index``: a subclass without ``__init__`` is built with the base's arguments; one whose
    ``__init__`` calls ``super().__init__(module, ...)`` (or ``Base.__init__(self, ...)``)
    passes what it is handed there, a parameter of its own typed by its constructions in
    turn (numenta/nupic.torch: ``SparseWeights(nn.Linear(784, 10), 0.4)`` hands the linear layer
    up to ``SparseWeightsBase``'s ``self.module``). None when one of them is not known."""
    if depth >= MAX_SUBCLASS_DEPTH:
        return None
    project = env.project
    base = canonical(cls, env.module)
    found: set[Value] = set()
    for path in _subclassing_paths(env, name):
        unit = project.unit_at(path)
        if unit is None:
            return None
        sub = unit.analysis
        subclasses = [info for info in list(sub.classes.values())
                      if any(canonical(sub.resolve(b, sub.scope_of(b)), unit.module) == base for b in info.node.bases)]
        if not subclasses:
            return None  # a class derived from one of that name that cannot be told apart: unknown
        for info in subclasses:
            init = info.methods.get("__init__")
            if init is None:  # built with the base's own arguments
                values = _param_values(env, analysis, func, Value("symbol", canonical(
                    Value("symbol", info.qualname), unit.module).qualname + ".__init__"), index,
                    method=True, depth=depth + 1)
                if values is None:
                    return None
                found |= values
                continue
            passed = _passed_up(sub, init, func, index)
            if passed is _UNKNOWN:
                return None
            if passed is None:
                continue  # it never runs the base's ``__init__`` with arguments of its own
            scope = sub.scope_of(passed)
            binding = sub.lookup(passed.id, scope, passed.lineno) if passed.__class__ is ast.Name else None
            if binding is not None and binding.kind == "param" and sub.env is not None:
                values = sub.env.param_values(sub, scope, binding)
            else:
                value = canonical(sub.resolve(passed, scope), unit.module)
                values = frozenset([value]) if value is not None else None
            if values is None:
                return None
            found |= values
    return found


_UNKNOWN = object()


def _passed_up(sub: Analysis, init: ast.AST, base_init, index: int):
    """The expression a subclass's ``__init__`` hands its base's ``__init__`` at ``index``
    (``super().__init__(module, sparsity)``, ``Base.__init__(self, module)``); None when it
    calls no base ``__init__``; ``_UNKNOWN`` when it spreads arguments, leaves that one out or
    calls it more than once."""
    calls = [n for n in ast.walk(init) if n.__class__ is ast.Call and n.func.__class__ is ast.Attribute  # type: ignore[attr-defined]
             and n.func.attr == "__init__"]  # type: ignore[attr-defined]
    if not calls:
        return None
    if len(calls) != 1 or _spreads(calls[0]):
        return _UNKNOWN
    call = calls[0]
    receiver = call.func.value  # type: ignore[attr-defined]
    offset = 1 if receiver.__class__ is ast.Call and receiver.func.__class__ is ast.Name \
        and receiver.func.id == "super" else 0  # type: ignore[attr-defined]
    argument = _argument(call, base_init, index, offset)
    return argument if argument is not None and not _is_none(argument) else _UNKNOWN


def _subclassed(env: "ProjectEnv", name: str) -> bool:
    """Some module's text derives a class from one named ``name`` (by its text, no parse):
    its ``__init__`` may pass other values up."""
    return bool(_subclassing_paths(env, name))


def _subclassing_paths(env: "ProjectEnv", name: str) -> list[Path]:
    """The modules whose text derives a class from one named ``name`` (no parse), in the
    project's order: what ``_subclassed`` asks and ``_through_subclasses`` reads. Memoised
    per revision."""
    import re

    project = env.project

    def compute() -> list[Path]:
        pattern = re.compile(_SUBCLASS.format(re.escape(name)))
        paths = project.files() if project.caller_limit is None else _mentioning(project, name, None)
        return [path for path in paths
                if (text := project.source(path)) is not None and name in text and pattern.search(text) is not None]

    return project.remembered(("subclassing_paths", name), compute)
