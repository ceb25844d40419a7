"""One module's summary: what it defines, as plain data (no AST, no scopes).

Built from the module's :class:`~torchwise.analysis.Analysis` once per content hash;
kept by the project index after the analysis itself is dropped (a few hundred bytes
per module instead of its tree). Types are not in here: they are cross-module queries
(:mod:`.inference`), answered on demand.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from torchwise.analysis import Analysis

MAX_TEXT = 80


@dataclass(frozen=True)
class FunctionSummary:
    name: str
    line: int
    signature: str  # "(self, x: Tensor) -> Tensor"


@dataclass(frozen=True)
class ClassSummary:
    name: str
    line: int
    bases: tuple[str, ...]  # source text: ("nn.Module",)
    methods: tuple[FunctionSummary, ...]
    # attributes ``__init__`` assigns, with the source text of the value: ("fc", "Linear(20, 64)")
    init_attributes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ModuleSummary:
    module: str | None
    path: str
    digest: int
    names: tuple[str, ...]  # module-level bindings
    classes: tuple[ClassSummary, ...]
    functions: tuple[FunctionSummary, ...]
    called: frozenset[str]  # the last component of every called name (``f``, ``obj.f``)
    syntax_error: str | None

    def cls(self, name: str) -> ClassSummary | None:
        return next((c for c in self.classes if c.name == name), None)


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def value_text(expr: ast.expr) -> str:
    """``nn.Linear(20, 64)`` -> ``Linear(20, 64)``: the class's own name and the arguments."""
    if isinstance(expr, ast.Call):
        func = expr.func.attr if isinstance(expr.func, ast.Attribute) else ast.unparse(expr.func)
        args = [ast.unparse(a) for a in expr.args]
        args += [f"{k.arg}={ast.unparse(k.value)}" if k.arg else f"**{ast.unparse(k.value)}" for k in expr.keywords]
        return _short(f"{func}({', '.join(args)})")
    return _short(ast.unparse(expr))


def signature(func: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    returns = f" -> {ast.unparse(func.returns)}" if func.returns is not None else ""
    return f"({ast.unparse(func.args)}){returns}"


def _function(func: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionSummary:
    return FunctionSummary(func.name, func.lineno, signature(func))


def class_summary(analysis: Analysis, node: ast.ClassDef) -> ClassSummary:
    info = analysis.classes[node]
    attributes: list[tuple[str, str]] = []
    for attr, assignments in info.attributes.items():
        for scope, expr in assignments:
            if getattr(scope.node, "name", "") == "__init__":
                attributes.append((attr, value_text(expr)))
                break
    methods = tuple(_function(m) for m in info.methods.values())
    return ClassSummary(node.name, node.lineno, tuple(ast.unparse(b) for b in node.bases), methods,
                        tuple(attributes))


def summarize(analysis: Analysis, module: str | None, path: str, digest: int) -> ModuleSummary:
    tree = analysis.tree
    classes = tuple(class_summary(analysis, n) for n in tree.body if isinstance(n, ast.ClassDef))
    functions = tuple(_function(n) for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    called: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                called.add(func.id)
            elif isinstance(func, ast.Attribute):
                called.add(func.attr)
    error = analysis.syntax_error
    return ModuleSummary(module, path, digest, tuple(analysis.module_scope.bindings), classes, functions,
                         frozenset(called), None if error is None else f"{error.msg} (line {error.lineno})")
