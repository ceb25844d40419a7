"""TW7xx: data loading."""

from __future__ import annotations

import ast
from typing import Iterator

from torchwise.lint.base import Context, rule
from torchwise.lint.rules._calls import argument, call_name, calls, has_star_args, has_star_kwargs, int_value

DATALOADER = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
_CPU_COUNT = frozenset({"os.cpu_count", "multiprocessing.cpu_count", "os.process_cpu_count",
                        "os.sched_getaffinity"})
# Calls that look at a loader without iterating it.
_HARMLESS = frozenset({"len", "print", "repr", "str", "isinstance", "type", "id", "hasattr", "getattr"})


def _is_main_guard(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    test = stmt.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    has_name = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    has_main = any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
    return has_name and has_main


def _import_time_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node that runs when the module is imported (by a worker process too):
    module-level code outside functions, classes and the ``__main__`` guard."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.stmt) and _is_main_guard(node):
            stack.extend(reversed(node.orelse))  # the else branch runs on import
            continue
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _module_int(ctx: Context, name: ast.Name) -> int | None:
    """The value of a module-level constant assigned exactly once from an int literal."""
    values = []
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id == name.id:
                    values.append(int_value(stmt.value))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name.id:
            values.append(int_value(stmt.value))
    if len(values) == 1 and values[0] is not None:
        binding = ctx.analysis.lookup(name.id, ctx.analysis.scope_of(name), name.lineno)
        if binding is not None and binding.kind == "assign":
            return values[0]
    return None


def _workers(ctx: Context, call: ast.Call) -> str:
    """``"none"`` (no workers), ``"some"`` (certainly > 0) or ``"unknown"``."""
    value = argument(call, "num_workers", 5)
    if value is None:
        if has_star_kwargs(call) or has_star_args(call):
            return "unknown"
        return "none"
    number = int_value(value)
    if number is None and isinstance(value, ast.Name):
        number = _module_int(ctx, value)
    if number is not None:
        return "some" if number > 0 else "none"
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and call_name(ctx, node) in _CPU_COUNT:
            return "some"
    return "unknown"


def _loaders(ctx: Context, nodes: list[ast.AST]) -> Iterator[ast.Call]:
    for node in nodes:
        if isinstance(node, ast.Call) and call_name(ctx, node, {"DataLoader"}) in DATALOADER:
            yield node


def _bound_name(ctx: Context, call: ast.Call) -> str | None:
    parent = ctx.analysis.parent(call)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _iterates(ctx: Context, call: ast.Call, name: str | None, nodes: list[ast.AST]) -> bool:
    """Whether ``nodes`` iterate the loader (``call`` itself, or the name it is bound to):
    a ``for``/comprehension over it, or it handed to a call that may iterate it."""
    for node in nodes:
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            for sub in ast.walk(node.iter):
                if sub is call or (name and isinstance(sub, ast.Name) and sub.id == name):
                    return True
        elif isinstance(node, ast.Call) and node is not call:
            passed = [*node.args, *(k.value for k in node.keywords)]
            for arg in passed:
                if isinstance(arg, ast.Starred):
                    arg = arg.value
                if arg is call or (name and isinstance(arg, ast.Name) and arg.id == name):
                    func = node.func
                    if isinstance(func, ast.Name) and func.id in _HARMLESS:
                        continue
                    return True
    return False


def _local_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {stmt.name: stmt for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}


@rule(code="TW701", name="dataloader-workers-without-main-guard", group="data", severity="error",
      summary="A DataLoader with worker processes is iterated by import-time code with no "
              "`if __name__ == \"__main__\":` guard.")
def dataloader_workers_without_main_guard(ctx: Context):
    import_time = list(_import_time_nodes(ctx.tree.body))
    message = ("This DataLoader starts {n} worker processes from code that runs at import time. "
               "Where workers are started by spawning (Windows, macOS; forkserver on Linux with "
               "Python 3.14+), each worker re-imports this file and runs this code again, which fails "
               "with a RuntimeError. Move the training code into a function called under "
               "`if __name__ == \"__main__\":`.")
    # 1. built and iterated by module-level code
    for call in _loaders(ctx, import_time):
        if _workers(ctx, call) != "some":
            continue
        if _iterates(ctx, call, _bound_name(ctx, call), import_time):
            yield ctx.finding(call, message.format(n=_shown_workers(ctx, call)))
    # 2. built and iterated inside a function that module-level code calls
    functions = _local_functions(ctx.tree)
    called = {node.func.id for node in import_time
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions}
    for fname in sorted(called):
        func = functions[fname]
        if ctx.analysis.lookup(fname, ctx.analysis.module_scope) is None:
            continue
        body_nodes = [n for stmt in func.body for n in ast.walk(stmt)
                      if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))]
        for call in _loaders(ctx, body_nodes):
            if _workers(ctx, call) != "some":
                continue
            if _iterates(ctx, call, _bound_name(ctx, call), body_nodes):
                yield ctx.finding(call, message.format(n=_shown_workers(ctx, call)).replace(
                    "from code that runs at import time",
                    f"in `{fname}()`, which this file calls at import time"))


def _shown_workers(ctx: Context, call: ast.Call) -> str:
    value = argument(call, "num_workers", 5)
    number = int_value(value) if value is not None else None
    return str(number) if number is not None else f"`{ctx.text(value)}`" if value is not None else "its"


@rule(code="TW702", name="dataloader-without-workers", group="data", severity="information", default=False,
      summary="A DataLoader loads batches in the main process (`num_workers` is 0).")
def dataloader_without_workers(ctx: Context):
    for call in calls(ctx):
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
