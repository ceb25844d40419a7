"""The folders a script puts on ``sys.path`` itself, read without running anything.

Research code often reaches its library folder so: HRNet and the repositories built on it
run ``import _init_paths`` first, whose ``add_path(osp.join(this_dir, '..', 'lib'))`` makes
``from utils.rescore import rescore_valid`` in ``tools/valid.py`` mean ``lib/utils/rescore.py``;
others write ``sys.path.append(os.path.join(os.path.dirname(__file__), '..'))`` at their top.
The import resolver asks for these folders only for an import nothing else resolves.

What is read: ``sys.path.insert(i, p)`` / ``sys.path.append(p)`` at a module's top (or in a
function of it that adds its parameter, called at the top), where ``p`` is built from
``__file__`` and string constants with ``os.path`` (``dirname``, ``join``, ``abspath``,
``realpath``, ``normpath``), ``pathlib.Path`` (``.parent``, ``.parents[i]``, ``.resolve()``,
``/``) and names bound to such values at the top. A plain relative string counts from the
script's folder, where research scripts are run from, or from the nearest folder above it
that holds it: a guess, for imports that would otherwise mean nothing.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Callable

from torchwise.lazy_pattern import lazy
from torchwise.text import parse_python

_ADDS = lazy(r"sys\.path\.(?:insert|append)\s*\(")
_TOP_IMPORT = lazy(r"^(?:import[ \t]+(\w+)[ \t]*(?:#[^\n]*)?$|from[ \t]+(\w+)[ \t]+import\b)", re.MULTILINE)
MAX_BYTES = 200_000  # a larger script is no path helper: not read


def added_folders(path: Path, read: Callable[[Path], str | None] | None = None) -> list[Path]:
    """The existing folders ``path`` adds to ``sys.path``, itself or through a module of its
    own folder that it imports at its top (``import _init_paths``). ``read``: the text of a
    file (the project's ``Project.source``: an open document's, else the disk's, read once);
    by default the disk's."""
    read = read or _read
    text = read(path)
    if text is None:
        return []
    found = _added(text, path)
    seen: set[str] = set()  # (a script may import torch at the top of every part: one look each)
    for m in _TOP_IMPORT.finditer(text):
        name = m.group(1) or m.group(2)
        if name in seen:
            continue
        seen.add(name)
        sibling = path.parent / f"{name}.py"
        if sibling != path and os.path.isfile(sibling):
            found += _added(read(sibling) or "", sibling)
    out: list[Path] = []
    for folder in found:
        if folder not in out and os.path.isdir(folder):
            out.append(folder)
    return out


def _read(path: Path) -> str | None:
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _added(text: str, path: Path) -> list[Path]:
    if _ADDS.search(text) is None:
        return []
    try:
        tree = parse_python(text, str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    here = os.path.dirname(os.path.abspath(path))
    names: dict[str, str] = {}
    adders: dict[str, int] = {}  # a function of the module that adds its parameter (by position)
    out: list[Path] = []
    for stmt in tree.body:  # type: ignore[attr-defined]
        if isinstance(stmt, ast.FunctionDef):
            index = _adds_parameter(stmt)
            if index is not None:
                adders[stmt.name] = index
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = _evaluate(stmt.value, names, path)
            if value is not None:
                names[stmt.targets[0].id] = value
            continue
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            argument = None
            if _is_sys_path_add(node.func):
                argument = node.args[-1] if node.args else None
            elif isinstance(node.func, ast.Name) and node.func.id in adders and len(node.args) > adders[node.func.id]:
                argument = node.args[adders[node.func.id]]
            value = _evaluate(argument, names, path) if argument is not None else None
            if value is not None:
                out.append(Path(_anchored(here, value)))
    return out


def _anchored(here: str, value: str) -> str:
    """An added folder: ``value`` itself where it is absolute (built from ``__file__``);
    a relative one from the script's folder, or, where no such folder exists there, from
    the nearest folder above it where one does (the folder the script is run from:
    rslim97/CMU-11785's ``P1/examples/*.py`` add ``"P1/mytorch"``, run from ``HW1/``)."""
    first = os.path.normpath(os.path.join(here, value))
    if os.path.isabs(value) or os.path.isdir(first):
        return first
    base = here
    for _ in range(4):
        base = os.path.dirname(base)
        candidate = os.path.normpath(os.path.join(base, value))
        if os.path.isdir(candidate):
            return candidate
    return first


def _is_sys_path_add(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr in ("insert", "append") \
        and isinstance(func.value, ast.Attribute) and func.value.attr == "path" \
        and isinstance(func.value.value, ast.Name) and func.value.value.id == "sys"


def _adds_parameter(func: ast.FunctionDef) -> int | None:
    """``def add_path(path): if path not in sys.path: sys.path.insert(0, path)``: the
    position of the parameter it adds."""
    params = [a.arg for a in func.args.args]
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and _is_sys_path_add(node.func) and node.args \
                and isinstance(node.args[-1], ast.Name) and node.args[-1].id in params:
            return params.index(node.args[-1].id)
    return None


def _evaluate(node: ast.expr | None, names: dict[str, str], path: Path) -> str | None:
    """The path ``node`` builds, or None where it depends on anything but the file's place."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value  # (relative: anchored at the script's folder once whole)
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return os.path.abspath(path)
        return names.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # ``Path(__file__).parent / "lib"``
        left = _evaluate(node.left, names, path)
        right = node.right.value if isinstance(node.right, ast.Constant) and isinstance(node.right.value, str) else None
        return os.path.join(left, right) if left is not None and right is not None else None
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _evaluate(node.value, names, path)
        return os.path.dirname(os.path.normpath(inner)) if inner is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents" \
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
        inner = _evaluate(node.value.value, names, path)
        if inner is None:
            return None
        inner = os.path.normpath(inner)
        for _ in range(node.slice.value + 1):
            inner = os.path.dirname(inner)
        return inner
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name in ("resolve", "absolute", "expanduser") and isinstance(func, ast.Attribute) and not node.args:
        inner = _evaluate(func.value, names, path)  # ``Path(__file__).resolve()``
        return os.path.normpath(inner) if inner is not None else None
    args = [_evaluate(a, names, path) for a in node.args]
    if not args or any(a is None for a in args) or node.keywords:
        return None
    if name == "join":
        return os.path.join(*args)  # type: ignore[arg-type]
    if len(args) != 1:
        return None
    if name == "dirname":
        return os.path.dirname(os.path.normpath(args[0]))  # type: ignore[arg-type]
    if name in ("abspath", "realpath", "normpath", "Path", "str", "PurePath"):
        return os.path.normpath(args[0])  # type: ignore[arg-type]
    return None
