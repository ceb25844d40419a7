"""TW6xx: tensors and autograd."""

from __future__ import annotations

import ast

from torchwise.lint import flow, options
from torchwise.lint.base import Context, Edit, Fix, rule
from torchwise.lint.rules._calls import (
    MODULE, argument, as_receiver, call_name, calls, has_star_args, has_star_kwargs, index, int_value,
    in_compat_code, is_false, is_true, keyword, type_of,
)

INT_DTYPES = frozenset(
    f"torch.{name}" for name in (
        "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "int", "long", "short", "bool", "qint8", "quint8", "qint32",
    )
)
FLOAT_DTYPES = frozenset(
    f"torch.{name}" for name in (
        "float16", "float32", "float64", "bfloat16", "half", "float", "double",
        "complex64", "complex128", "cfloat", "cdouble", "complex32", "chalf",
    )
)
# Factories whose dtype (without ``dtype=``) is floating point whatever their arguments.
_FLOAT_FACTORIES = frozenset(f"torch.{n}" for n in (
    "zeros", "ones", "empty", "rand", "randn", "eye", "linspace", "logspace", "empty_strided"))
_DATA_FACTORIES = frozenset({"torch.tensor", "torch.as_tensor"})
_FACTORY_LAST = frozenset(
    {q.rsplit(".", 1)[-1] for q in _FLOAT_FACTORIES | _DATA_FACTORIES}
    | {"arange", "full", "randint", "randperm", "Parameter"})
_PARAMETER = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})


def _literal_kind(expr: ast.AST, depth: int = 0) -> str | None:
    """``"int"`` when a literal (nested lists/tuples) holds only ints/bools, ``"float"``
    when any element is a float/complex, None when not a literal or empty."""
    if depth > 32:
        return None
    if int_value(expr) is not None or (isinstance(expr, ast.Constant) and isinstance(expr.value, bool)):
        return "int"
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (float, complex)):
        return "float"
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return _literal_kind(expr.operand, depth + 1)
    if isinstance(expr, (ast.List, ast.Tuple)) and expr.elts:
        kinds = {_literal_kind(e, depth + 1) for e in expr.elts}
        if None in kinds:
            return None
        return "float" if "float" in kinds else "int"
    return None


def _dtype_kind(ctx: Context, expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name) and expr.id in ("int", "bool", "float", "complex"):
        if ctx.analysis.lookup(expr.id, ctx.analysis.scope_of(expr), expr.lineno) is None:
            return "int" if expr.id in ("int", "bool") else "float"
        return None
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    name = ctx.analysis.qualname_of(expr)
    if name in INT_DTYPES:
        return "int"
    if name in FLOAT_DTYPES:
        return "float"
    return None


def _factory_dtype(ctx: Context, call: ast.Call) -> str | None:
    """``"int"`` when the tensor factory ``call`` certainly builds an integer/bool
    tensor, ``"float"`` when certainly floating point, None when unknown or not a factory."""
    name = call_name(ctx, call, _FACTORY_LAST)
    if name is None or not name.startswith("torch.") or name in _PARAMETER:
        return None
    known = _FLOAT_FACTORIES | _DATA_FACTORIES | {"torch.arange", "torch.full", "torch.randint", "torch.randperm"}
    if name not in known:
        return None
    dtype = keyword(call, "dtype")
    if dtype is not None:
        return _dtype_kind(ctx, dtype.value)
    if has_star_kwargs(call) or has_star_args(call):
        return None
    if name in _FLOAT_FACTORIES:
        return "float"
    if name in _DATA_FACTORIES:
        data = argument(call, "data", 0)
        return _literal_kind(data) if data is not None else None
    if name == "torch.arange":
        values = list(call.args) + [k.value for k in call.keywords if k.arg in ("start", "end", "step")]
        kinds = {_literal_kind(v) for v in values}
        if not values or None in kinds:
            return None
        return "float" if "float" in kinds else "int"
    if name == "torch.full":
        fill = argument(call, "fill_value", 1)
        return _literal_kind(fill) if fill is not None and not isinstance(fill, (ast.List, ast.Tuple)) else None
    if name in ("torch.randint", "torch.randperm"):
        return "int"
    return None


def _int_source(ctx: Context, expr: ast.AST) -> ast.Call | None:
    """The factory call that made ``expr`` an integer tensor: ``expr`` itself or the
    call a plain name was last assigned from in its scope."""
    if isinstance(expr, ast.Call):
        return expr if _factory_dtype(ctx, expr) == "int" else None
    if isinstance(expr, ast.Name):
        analysis = ctx.analysis
        scope = analysis.scope_of(expr)
        binding = analysis.lookup(expr.id, scope, expr.lineno)
        if len({b.line for b in scope.bindings.get(expr.id, ())}) != 1:
            return None  # rebound somewhere (or not local): its dtype may change
        if (binding is not None and binding.kind == "assign" and binding.index is None
                and isinstance(binding.node, ast.Call) and binding.line < expr.lineno):
            return binding.node if _factory_dtype(ctx, binding.node) == "int" else None
    return None


_INT_MESSAGE = ("Only floating-point and complex tensors can require gradients; {what} is an "
                "integer/bool tensor, so this raises a RuntimeError. Create it as floating point "
                "(e.g. `dtype=torch.float32` or float literals) or do not ask for gradients.")


@rule(code="TW601", name="requires-grad-on-integer-tensor", group="tensors", severity="error",
      summary="`requires_grad` on an integer or bool tensor raises a RuntimeError.")
def requires_grad_on_integer_tensor(ctx: Context):
    for call in calls(ctx, _FACTORY_LAST | {"requires_grad_"}):
        func = call.func
        # torch.tensor([1, 2], requires_grad=True), torch.arange(5, requires_grad=True), ...
        if is_true(getattr(keyword(call, "requires_grad"), "value", None)) and _factory_dtype(ctx, call) == "int":
            yield ctx.finding(call, _INT_MESSAGE.format(what="the tensor built here"))
            continue
        # nn.Parameter(torch.arange(3)): parameters require gradients by default
        if call_name(ctx, call, _FACTORY_LAST) in _PARAMETER:
            data = argument(call, "data", 0)
            flag = argument(call, "requires_grad", 1)
            if data is not None and not is_false(flag) and (flag is None or is_true(flag)) \
                    and not has_star_kwargs(call) and _int_source(ctx, data) is not None:
                yield ctx.finding(call, _INT_MESSAGE.format(what="the parameter's data"))
            continue
        # x.requires_grad_() on a tensor built as an integer tensor
        if isinstance(func, ast.Attribute) and func.attr == "requires_grad_":
            flag = argument(call, "requires_grad", 0)
            if (flag is None or is_true(flag)) and not has_star_kwargs(call) and _int_source(ctx, func.value) is not None:
                yield ctx.finding(call, _INT_MESSAGE.format(what=f"`{ctx.text(func.value)}`"
                                                            if isinstance(func.value, ast.Name) else "the tensor"))
    for node in index(ctx).assigns:
        if isinstance(node, ast.Assign) and is_true(node.value):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and target.attr == "requires_grad"
                        and _int_source(ctx, target.value) is not None):
                    yield ctx.finding(node, _INT_MESSAGE.format(
                        what=f"`{ctx.text(target.value)}`" if isinstance(target.value, ast.Name) else "the tensor"))


# ---------------------------------------------------------------- TW602
_VARIABLE = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable"})


@rule(code="TW602", name="autograd-variable-deprecated", group="tensors", severity="warning",
      summary="`torch.autograd.Variable` is deprecated: tensors track gradients themselves.",
      fix="safe")
def autograd_variable_deprecated(ctx: Context):
    for call in calls(ctx, {"Variable"}):
        if call_name(ctx, call, {"Variable"}) not in _VARIABLE or in_compat_code(ctx, call):
            continue  # (an arm of a version test: kexinyi/ns-vqa's ``if cfg.PYTORCH_VERSION_LESS_THAN_040:``)
        fix = None
        if len(call.args) == 1 and not isinstance(call.args[0], ast.Starred):
            data = call.args[0]
            receiver = as_receiver(ctx, data)
            kws = {k.arg: k.value for k in call.keywords}
            if not kws or (set(kws) == {"requires_grad"} and is_false(kws["requires_grad"])):
                replacement = f"{receiver}.detach()"
            elif set(kws) == {"requires_grad"} and is_true(kws["requires_grad"]):
                replacement = f"{receiver}.detach().requires_grad_()"
            else:
                replacement = None
            if replacement is not None:
                fix = Fix("safe", f"Replace with `{replacement}` (what `Variable` does today)",
                          (ctx.replace(call, replacement),))
        message = ("`Variable` is deprecated since PyTorch 0.4: tensors carry `requires_grad` "
                   "themselves. `Variable(x)` now returns `x.detach()`; use the tensor directly (or "
                   "`x.detach()` where you meant to cut the graph, `x.requires_grad_()` to track it).")
        if any(k.arg == "volatile" and is_true(k.value) for k in call.keywords) \
                and not flow.under_grad_off(ctx.analysis, call) and not _read_under_grad_off(ctx, call):
            # the code meant to turn gradients off here, and today it does not
            message += (" `volatile=True` has no effect since 0.4: what is computed from it still "
                        "records a graph; run that code under `with torch.no_grad():`.")
        if options.predates(ctx, "0.4"):
            return  # the project's torch has no other way (yulunzhang/RNAN's DataLoaderIter: torch 0.3)
        yield ctx.finding(call, message, fix)


def _read_under_grad_off(ctx: Context, call: ast.Call) -> bool:
    """The volatile ``Variable`` is bound to a name (or ``self.<attr>``) that the file reads
    only under ``no_grad``/``inference_mode`` (nashory/pggan-pytorch's ``self.z_test``, fed to
    the generator in ``with torch.no_grad():`` blocks): nothing computed from it records."""
    a = ctx.analysis
    stmt = flow.parent(a, call)
    if stmt.__class__ is not ast.Assign or len(stmt.targets) != 1:  # type: ignore[attr-defined]
        return False
    target = stmt.targets[0]  # type: ignore[attr-defined]
    name = flow.dotted(target)
    if not name or target.__class__ not in (ast.Name, ast.Attribute):
        return False
    idx = index(ctx)
    reads = [r for r in idx.refs_by_name.get(flow.last_name(target), ())
             if r.lineno > stmt.lineno and flow.dotted(r) == name  # (after it: before, it is the plain tensor)
             and not (idx.parents.get(r).__class__ is ast.Attribute and idx.parents[r].attr == "data")]
    return bool(reads) and all(flow.under_grad_off(a, r) for r in reads)  # (``.data`` records nothing)


def _class_attribute(ctx: Context, name: str) -> bool:
    """A class body of the file binds ``name`` (a class attribute or dataclass field;
    a plain variable of that name elsewhere does not count)."""
    for cls in ctx.nodes(ast.ClassDef):
        for stmt in cls.body:  # type: ignore[attr-defined]
            targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
    return False


# ---------------------------------------------------------------- TW603
@rule(code="TW603", name="require-grad-typo", group="tensors", severity="error",
      summary="Assignment to `.require_grad` (missing s): it sets an unused attribute, not `requires_grad`.",
      fix="unsafe", module_wide=True)  # a read of `.require_grad` anywhere in the file clears it
def require_grad_typo(ctx: Context):
    idx = index(ctx)
    typos = sorted(n for n in idx.attribute_names if _misspells_requires_grad(n))
    if not typos:
        return
    stores: dict[str, list[tuple[ast.stmt, ast.Attribute]]] = {}  # one pass over the assignments for all
    for node in idx.assigns:
        for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
            if isinstance(target, ast.Attribute) and target.attr in typos:
                stores.setdefault(target.attr, []).append((node, target))
    for typo in typos:
        yield from _typo_findings(ctx, idx, typo, stores.get(typo, []))


def _misspells_requires_grad(name: str) -> bool:
    """``require_grad``, ``requries_grad`` (TrasperJ/102-flowers-classfication-with-PyTorch),
    ``requires_gard``: one edit (or two swapped letters) from ``requires_grad``, not the
    method ``requires_grad_``."""
    if name in ("requires_grad", "requires_grad_") or not 11 <= len(name) <= 15 or name[:3] != "req":
        return False
    return _one_edit_apart(name, "requires_grad")


def _one_edit_apart(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns ``a`` into ``b``."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:] or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])
    return (a[i + 1:] == b[i:]) if len(a) > len(b) else (a[i:] == b[i + 1:])


def _typo_findings(ctx: Context, idx, typo: str, typos: list[tuple[ast.stmt, ast.Attribute]]):
    if not typos or any(isinstance(n, ast.Attribute) for n in idx.refs_by_name.get(typo, ())):
        return  # the attribute is read somewhere: a deliberate name
    if typo in idx.functions or _class_attribute(ctx, typo):
        return  # e.g. a method, class attribute or dataclass field called require_grad
    for stmt, target in typos:
        cls = type_of(ctx, target.value)
        if cls is not None and cls.startswith("<local>.") and not ctx.analysis.is_subclass(cls, MODULE):
            continue  # an attribute of the file's own (non-module) class
        end_line = target.end_lineno or target.lineno
        end = target.end_col_offset or 0
        start = end - len(typo)
        edit = Edit(end_line, ctx.analysis.char_col(end_line, start), end_line,
                    ctx.analysis.char_col(end_line, end), "requires_grad")
        yield ctx.finding(
            target,
            f"`{typo}` is a typo for `requires_grad`: this assignment only creates an unused "
            "attribute and gradient tracking is left unchanged.",
            Fix("unsafe", "Rename to `requires_grad`", (edit,)),
        )
