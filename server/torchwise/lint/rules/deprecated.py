"""TW8xx: removed and deprecated APIs, and the other checks TorchFix made
(numerically better functions, torchvision idioms, non-public imports)."""

from __future__ import annotations

import ast
from typing import Callable, Iterator

from torchwise.analysis import LR_SCHEDULER
from torchwise.lint import flow, options
from torchwise.lint.base import Context, Edit, Fix, rule
from torchwise.records import record, setfield
from torchwise.lint.rules._calls import (
    add_keyword, api_page, argument, as_receiver, call_name, calls, fallback_of, has_star_args, has_star_kwargs,
    index, in_compat_code, is_false, is_true, keyword, module_reference, remove_keyword, type_of,
)
from torchwise.lint.rules._calls import _IMPORT_ERRORS

# A fixer gets the call (or None for a bare reference), the referencing node and
# the replacement's text for the new qualified name; it returns (applicability, edits).
Fixer = Callable[[Context, "ast.Call | None", ast.expr], "tuple[str, tuple[Edit, ...]] | None"]


def new_name(ctx: Context, ref: ast.expr, new_qualname: str) -> str | None:
    """Source text that names ``new_qualname`` where ``ref`` (the old name) stands:
    ``t.ger`` -> ``t.outer`` for ``import torch as t``; ``ger`` -> ``torch.outer``
    when ``torch`` is bound; None when nothing in scope reaches the new name."""
    prefix = ref.value if isinstance(ref, ast.Attribute) else None
    while prefix is not None:  # models.detection.x -> try models.detection, then models
        base = ctx.analysis.resolve(prefix)
        if base is not None and base.kind == "symbol" and new_qualname.startswith(base.qualname + "."):
            return ctx.text(prefix) + new_qualname[len(base.qualname):]
        prefix = prefix.value if isinstance(prefix, ast.Attribute) else None
    return module_reference(ctx, ref, new_qualname)


def _rename(new_qualname: str, applicability: str = "safe") -> Fixer:
    def fixer(ctx: Context, call: ast.Call | None, ref: ast.expr):
        text = new_name(ctx, ref, new_qualname)
        if text is None:
            return None
        return applicability, (ctx.replace(ref, text),)
    fixer.new = new_qualname  # type: ignore[attr-defined]
    return fixer


def _simple(call: ast.Call) -> bool:
    return not has_star_args(call) and not has_star_kwargs(call)


def _fix_chain_matmul(ctx, call, ref):
    if call is None or has_star_kwargs(call) or len(call.args) < 2 and not has_star_args(call):
        return None
    if any(k.arg != "out" for k in call.keywords):
        return None
    func = new_name(ctx, ref, "torch.linalg.multi_dot")
    if func is None:
        return None
    matrices = ", ".join(ctx.text(a) for a in call.args)
    extra = "".join(f", {ctx.text(k)}" for k in call.keywords)
    applicability = "unsafe" if has_star_args(call) else "safe"
    return applicability, (ctx.replace(call, f"{func}([{matrices}]{extra})"),)


def _fix_qr(ctx, call, ref):
    if call is None or not _simple(call) or not call.args:
        return None
    if any(k.arg not in ("some",) for k in call.keywords) or len(call.args) > 2:
        return None
    some = argument(call, "some", 1)
    func = new_name(ctx, ref, "torch.linalg.qr")
    if func is None or (some is not None and not (is_true(some) or is_false(some))):
        return None
    a = ctx.text(call.args[0])
    mode = ', mode="complete"' if is_false(some) else ""
    return "safe", (ctx.replace(call, f"{func}({a}{mode})"),)


def _fix_cholesky(ctx, call, ref):
    if call is None or not _simple(call) or not call.args or len(call.args) > 2:
        return None
    if any(k.arg != "upper" for k in call.keywords):
        return None
    upper = argument(call, "upper", 1)
    func = new_name(ctx, ref, "torch.linalg.cholesky")
    if func is None or (upper is not None and not (is_true(upper) or is_false(upper))):
        return None
    suffix = ".mH" if is_true(upper) else ""
    return "safe", (ctx.replace(call, f"{func}({ctx.text(call.args[0])}){suffix}"),)


def _fix_range(ctx, call, ref):
    if call is None or not _simple(call) or call.keywords or not 2 <= len(call.args) <= 3:
        return None
    func = new_name(ctx, ref, "torch.arange")
    if func is None:
        return None
    start, end = call.args[0], call.args[1]
    step = call.args[2] if len(call.args) == 3 else None
    step_text = ctx.text(step) if step is not None else "1"
    if isinstance(end, ast.Constant) and type(end.value) is int and (
            step is None or (isinstance(step, ast.Constant) and type(step.value) is int)):
        new_end = str(end.value + (step.value if step is not None else 1))
    else:
        new_end = f"{as_receiver(ctx, end)} + {step_text}"
    rest = f", {step_text}" if step is not None else ""
    return "unsafe", (ctx.replace(call, f"{func}({ctx.text(start)}, {new_end}{rest})"),)


def _fix_lu(ctx, call, ref):
    if call is None or not _simple(call) or len(call.args) != 1 or call.keywords:
        return None
    func = new_name(ctx, ref, "torch.linalg.lu_factor")
    return None if func is None else ("safe", (ctx.replace(call, f"{func}({ctx.text(call.args[0])})"),))


def _fix_lu_solve(ctx, call, ref):
    if call is None or not _simple(call) or len(call.args) != 3 or call.keywords:
        return None
    func = new_name(ctx, ref, "torch.linalg.lu_solve")
    if func is None:
        return None
    b, lu, piv = (ctx.text(a) for a in call.args)
    plain = all(isinstance(a, (ast.Name, ast.Attribute, ast.Constant)) for a in call.args)
    return ("safe" if plain else "unsafe"), (ctx.replace(call, f"{func}({lu}, {piv}, {b})"),)


def _fix_upsampling(mode_args: str) -> Fixer:
    def fixer(ctx, call, ref):
        if call is None or has_star_kwargs(call) or any(k.arg == "mode" for k in call.keywords):
            return None
        func = new_name(ctx, ref, "torch.nn.Upsample")
        edit = add_keyword(ctx, call, mode_args)
        if func is None or edit is None:
            return None
        return "safe", (ctx.replace(ref, func), edit)
    return fixer


def _fix_pytree(ctx, call, ref):
    allowed = {"serialized_type_name", "to_dumpable_context", "from_dumpable_context", "flatten_with_keys_fn"}
    if call is not None and (not _simple(call) or len(call.args) > 3
                             or any(k.arg not in allowed for k in call.keywords)):
        return None
    return _rename("torch.utils._pytree.register_pytree_node")(ctx, call, ref)


def _fix_custom_amp(new_qualname: str) -> Fixer:
    def fixer(ctx, call, ref):
        func = new_name(ctx, ref, new_qualname)
        if func is None:
            return None
        if call is None:  # used as a bare decorator: @torch.cuda.amp.custom_fwd
            return "safe", (ctx.replace(ref, f'{func}(device_type="cuda")'),)
        if has_star_kwargs(call) or keyword(call, "device_type") is not None:
            return None
        if call.args:  # custom_fwd(fn) / custom_fwd(fn, cast_inputs=...)
            edit = add_keyword(ctx, call, 'device_type="cuda"')
        else:
            edit = add_keyword(ctx, call, 'device_type="cuda"')
        if edit is None:
            return None
        return "safe", (ctx.replace(ref, func), edit)
    return fixer


_CPU_AUTOCAST_PARAMS = ("enabled", "dtype", "cache_enabled")


def _fix_cpu_autocast(ctx, call, ref):
    """``torch.cpu.amp.autocast(a, b, c)`` -> ``torch.amp.autocast("cpu", enabled=a, dtype=b,
    cache_enabled=c)``: the device first, every argument by keyword (positionally they
    would land in other slots). Unsafe when the file changes autocast's global defaults,
    which the new form reads for omitted arguments."""
    if call is None or not _simple(call) or len(call.args) > len(_CPU_AUTOCAST_PARAMS):
        return None
    if any(k.arg not in _CPU_AUTOCAST_PARAMS for k in call.keywords):
        return None
    func = new_name(ctx, ref, "torch.amp.autocast")
    if func is None:
        return None
    parts = ['"cpu"'] + [f"{name}={ctx.text(arg)}" for name, arg in zip(_CPU_AUTOCAST_PARAMS, call.args)]
    parts += [ctx.text(k) for k in call.keywords]
    changes_defaults = ctx.analysis.queries.get("changes_autocast_defaults")
    if changes_defaults is None:  # a scan of the whole text: once per file version, not per fix
        changes_defaults = ctx.analysis.queries["changes_autocast_defaults"] = (
            "set_autocast_dtype" in ctx.source or "set_autocast_cache_enabled" in ctx.source)
    return ("unsafe" if changes_defaults else "safe"), (ctx.replace(call, f"{func}({', '.join(parts)})"),)


@record(frozen=True)
class Replacement:
    advice: str  # what to use instead, in a few words
    fixer: Fixer | None
    # the torch release the replacement came in, where a supported torch may predate it
    # (``torch-version``, lint/options.py: code that supports an older one is not told to
    # switch); None: in every torch worth supporting
    since: str | None

    def __init__(self, advice: str, fixer: Fixer | None = None, since: str | None = None) -> None:
        setfield(self, "advice", advice)
        setfield(self, "fixer", fixer)
        setfield(self, "since", since)


REMOVED: dict[str, Replacement] = {
    "torch.solve": Replacement(
        "use `torch.linalg.solve(A, B)` (note the swapped argument order; it returns only the solution)"),
    "torch.symeig": Replacement(
        "use `torch.linalg.eigh(A)` (or `torch.linalg.eigvalsh` for eigenvalues only); it reads the "
        "lower triangle by default where `symeig` read the upper one (`UPLO=\"U\"` keeps that)"),
    "torch.matrix_rank": Replacement("use `torch.linalg.matrix_rank` (its `hermitian=` replaces `symmetric=`)"),
    "torch.lstsq": Replacement(
        "use `torch.linalg.lstsq(A, B)` (swapped argument order; the solution is its `.solution`)"),
}

FUNCTORCH_RENAMED = ("vmap", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
                     "functionalize", "linearize")

DEPRECATED: dict[str, Replacement] = {
    "torch.qr": Replacement("use `torch.linalg.qr(A)` (`some=False` becomes `mode=\"complete\"`)", _fix_qr, since="1.8"),
    "torch.chain_matmul": Replacement("use `torch.linalg.multi_dot([A, B, ...])`", _fix_chain_matmul, since="1.9"),
    "torch.cholesky": Replacement(
        "use `torch.linalg.cholesky(A)` (`upper=True` becomes `torch.linalg.cholesky(A).mH`)", _fix_cholesky,
        since="1.8"),
    "torch.ger": Replacement("use `torch.outer`, the same function", _rename("torch.outer")),
    "torch.range": Replacement(
        "use `torch.arange`, whose end is exclusive (add one step to `end`); note `torch.range` "
        "always returns the default float dtype where `arange` keeps integer arguments integer",
        _fix_range),
    "torch.lu": Replacement(
        "use `torch.linalg.lu_factor(A)` (`torch.linalg.lu_factor_ex` for `get_infos=True`)", _fix_lu),
    "torch.lu_solve": Replacement(
        "use `torch.linalg.lu_solve(LU, pivots, B)` (the right-hand side moves last)", _fix_lu_solve),
    "torch.norm": Replacement(
        "use `torch.linalg.vector_norm` for vector norms or `torch.linalg.matrix_norm` for matrix "
        "norms (`torch.linalg.norm` behaves most like `torch.norm`)", since="1.9"),
    "torch.svd": Replacement(
        "use `torch.linalg.svd(A, full_matrices=False)`, which returns `Vh` (the conjugate transpose "
        "of the `V` that `torch.svd` returned)", since="1.8"),
    "torch.triangular_solve": Replacement(
        "use `torch.linalg.solve_triangular(A, B, upper=...)` (swapped argument order; it returns "
        "only the solution)"),
    "torch.nn.UpsamplingNearest2d": Replacement(
        "use `nn.Upsample(..., mode=\"nearest\")`", _fix_upsampling('mode="nearest"')),
    "torch.nn.UpsamplingBilinear2d": Replacement(
        "use `nn.Upsample(..., mode=\"bilinear\", align_corners=True)`",
        _fix_upsampling('mode="bilinear", align_corners=True')),
    **{f"torch.nn.utils.{where}clip_grad_norm": Replacement(
        "use `clip_grad_norm_`, the same function (the name with the trailing underscore says it "
        "clips in place)", _rename("torch.nn.utils.clip_grad_norm_"), since="0.4") for where in ("", "clip_grad.")},
    "torch.testing.assert_allclose": Replacement(
        "use `torch.testing.assert_close` (stricter defaults: it also checks dtype and device, and "
        "uses dtype-based tolerances)", _rename("torch.testing.assert_close", "unsafe"), since="1.9"),
    "torch.nn.utils.weight_norm": Replacement(
        "use `torch.nn.utils.parametrizations.weight_norm` (its state_dict keys differ: "
        "`parametrizations.weight.original0/1` instead of `weight_g/weight_v`)",
        _rename("torch.nn.utils.parametrizations.weight_norm", "unsafe"), since="2.1"),
    "torch.utils._pytree._register_pytree_node": Replacement(
        "use `torch.utils._pytree.register_pytree_node`", _fix_pytree, since="2.2"),
    "torch.backends.cuda.sdp_kernel": Replacement(
        "use the `torch.nn.attention.sdpa_kernel([SDPBackend...])` context manager", since="2.3"),
    "torch.cuda.amp.custom_fwd": Replacement(
        "use `torch.amp.custom_fwd(device_type=\"cuda\")`", _fix_custom_amp("torch.amp.custom_fwd"), since="2.4"),
    "torch.cuda.amp.custom_bwd": Replacement(
        "use `torch.amp.custom_bwd(device_type=\"cuda\")`", _fix_custom_amp("torch.amp.custom_bwd"), since="2.4"),
    "torch.cpu.amp.autocast": Replacement(
        "use `torch.amp.autocast(\"cpu\", ...)` with the arguments by keyword", _fix_cpu_autocast, since="1.12"),
    "torch.cpu.amp.autocast_mode.autocast": Replacement(
        "use `torch.amp.autocast(\"cpu\", ...)` with the arguments by keyword", _fix_cpu_autocast, since="1.12"),
    **{f"functorch.{name}": Replacement(f"use `torch.func.{name}`, the same function",
                                        _rename(f"torch.func.{name}"), since="2.0") for name in FUNCTORCH_RENAMED},
    "functorch.make_functional": Replacement(
        "use `torch.func.functional_call(model, params, args)` with `dict(model.named_parameters())`", since="2.0"),
    "functorch.make_functional_with_buffers": Replacement(
        "use `torch.func.functional_call` with the module's parameters and buffers", since="2.0"),
    "functorch.combine_state_for_ensemble": Replacement("use `torch.func.stack_module_state`", since="2.0"),
}

# deprecated in PyTorch's documentation, but calling them warns of nothing (torch 2.13;
# tests/test_lint_mends.py runs each): the message does not claim a warning
SILENT = frozenset({"torch.ger", "torch.norm", "torch.svd", "torch.nn.UpsamplingNearest2d",
                    "torch.nn.UpsamplingBilinear2d"})


def _references(ctx: Context, table: dict[str, Replacement]) -> Iterator[tuple[ast.expr, str, ast.Call | None]]:
    """Every Name/Attribute (load) that resolves to a key of ``table``: (node, qualname,
    the call it is the function of, or None)."""
    wanted = {q.rsplit(".", 1)[-1] for q in table}
    analysis = ctx.analysis
    for node in index(ctx).refs_named(wanted):
        try:
            qualname = analysis.qualname_of(node)
        except Exception:
            continue
        if qualname not in table or in_compat_code(ctx, node):
            continue  # an `except ImportError:` fallback or an old version's arm is the old API on purpose
        if not _spelt_from_import(analysis, node):
            continue  # (``self.weight_norm``: whatever the attribute holds, named where it is assigned)
        parent = index(ctx).parent(node)
        call = parent if isinstance(parent, ast.Call) and parent.func is node else None
        yield node, qualname, call


def _spelt_from_import(a, node: ast.expr) -> bool:
    """The reference names the API through an import (``torch.qr``, ``weight_norm_fn`` of
    ``from torch.nn.utils import weight_norm as weight_norm_fn``), not through a value the code
    stored (``self.weight_norm``, which daa233/generative-inpainting-pytorch sets to
    ``spectral_norm_fn``, ``weight_norm_fn`` or None on three arms: that assignment names the
    API and is the finding)."""
    root = flow.root_name(node)
    if root is None:
        return False
    try:
        binding = a.lookup(root.id, a.scope_of(root), root.lineno)
    except Exception:
        return False
    return binding is None or binding.kind in ("import", "star")


def _imports(ctx: Context, table: dict[str, Replacement]) -> Iterator[tuple[ast.alias, str]]:
    for node in index(ctx).imports:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                qualname = f"{node.module}.{alias.name}"
                if qualname in table and not in_compat_code(ctx, alias):
                    yield alias, qualname


def _short(qualname: str) -> str:
    return qualname


# what ``torch._six`` (removed in PyTorch 2.0) held, and the statement that binds the same value
_SIX = {
    "inf": "from math import inf", "nan": "from math import nan",
    "string_classes": "string_classes = (str, bytes)", "int_classes": "int_classes = int",
    "container_abcs": "import collections.abc as container_abcs",
}


# the same, as expressions (``torch._six.string_classes`` -> ``(str, bytes)``)
_SIX_VALUES = {"inf": "float(\"inf\")", "nan": "float(\"nan\")", "string_classes": "(str, bytes)", "int_classes": "int"}


@rule(code="TW801", name="removed-function", group="deprecated", severity="error",
      summary="Use or import of a function PyTorch has removed (`torch.solve`, `symeig`, `matrix_rank`, `lstsq`, "
              "`torch._six`).", fix="safe")
def removed_function(ctx: Context):
    for node, qualname, call in _references(ctx, REMOVED):
        yield ctx.finding(call or node, f"`{_short(qualname)}` was removed from PyTorch (calling it raises "
                                        f"a RuntimeError); {REMOVED[qualname].advice}.", url=api_page(qualname))
    for alias, qualname in _imports(ctx, REMOVED):
        yield ctx.finding(alias, f"Import of `{qualname}`, which was removed from PyTorch; "
                                 f"{REMOVED[qualname].advice}.", url=api_page(qualname))
    for stmt in index(ctx).imports:
        if options.imports_six(stmt) and not in_compat_code(ctx, stmt) and not _tried(ctx, stmt):
            yield ctx.finding(stmt, "`torch._six` was removed in PyTorch 2.0, so this import raises "
                                    "`ModuleNotFoundError`; use the standard library (`math.inf`, `str`, "
                                    "`int`, `collections.abc`)", _six_fix(ctx, stmt), url=api_page("torch._six"))
    a = ctx.analysis
    for ref in flow.index(a).refs_by_name.get("_six", ()):  # ``torch._six.string_classes``
        up = flow.parent(a, ref)
        if ref.__class__ is not ast.Attribute or flow.safe_qualname(a, ref.value) != "torch" \
                or up.__class__ is not ast.Attribute \
                or in_compat_code(ctx, ref) or _tried(ctx, ref):
            continue
        new = _SIX_VALUES.get(up.attr)  # type: ignore[attr-defined]
        fix = Fix("safe", f"Use `{new}`", (ctx.replace(up, new),)) if new else None
        yield ctx.finding(up, f"`torch._six` was removed in PyTorch 2.0, so `{ctx.text(up)}` raises "
                              f"`AttributeError`; use {f'`{new}`' if new else 'the standard library'}", fix,
                              url=api_page("torch._six"))


def _tried(ctx: Context, stmt: ast.stmt) -> bool:
    """The import is attempted in a ``try`` whose handler catches its failure (``except
    ImportError:`` with the modern import after it)."""
    child: ast.AST = stmt
    for anc in flow.ancestors(ctx.analysis, stmt):
        if anc.__class__ is ast.Try and any(s is child for s in anc.body):  # type: ignore[attr-defined]
            for handler in anc.handlers:  # type: ignore[attr-defined]
                caught = handler.type
                names = [flow.last_name(t) for t in (caught.elts if caught.__class__ is ast.Tuple else [caught])] \
                    if caught is not None else ["BaseException"]
                if any(n in _IMPORT_ERRORS or n in ("Exception", "BaseException") for n in names):
                    return True
        if isinstance(anc, flow.SCOPES):
            return False
        child = anc
    return False


def _six_fix(ctx: Context, stmt: ast.stmt) -> Fix | None:
    """``from torch._six import inf, string_classes`` -> ``from math import inf; string_classes
    = (str, bytes)``: the same values under the same names (``torch._six.inf`` was ``math.inf``)."""
    if stmt.__class__ is not ast.ImportFrom or stmt.module != "torch._six":  # type: ignore[attr-defined]
        return None
    parts = []
    for alias in stmt.names:  # type: ignore[attr-defined]
        line = _SIX.get(alias.name)
        if line is None:
            return None
        if alias.asname and alias.asname != alias.name:
            if line.startswith("from "):
                line = f"{line} as {alias.asname}"
            elif line.startswith("import "):
                line = line.rsplit(" as ", 1)[0] + f" as {alias.asname}"
            else:
                line = alias.asname + line[len(alias.name):]
        parts.append(line)
    return Fix("safe", "Bind the same values from the standard library", (ctx.replace(stmt, "; ".join(parts)),))


@rule(code="TW802", name="deprecated-function", group="deprecated", severity="warning",
      summary="Use or import of a deprecated PyTorch function or class, with its replacement.",
      fix="safe")
def deprecated_function(ctx: Context):
    for node, qualname, call in _references(ctx, DEPRECATED):
        replacement = DEPRECATED[qualname]
        if not options.has(ctx, replacement.since):
            continue  # the replacement is newer than a torch the code supports
        fix = None
        if replacement.fixer is not None:
            try:
                result = replacement.fixer(ctx, call, node)
            except Exception:
                result = None
            if result is not None:
                applicability, edits = result
                fix = options.for_pin(ctx, Fix(applicability, f"Replace `{qualname}`", edits),  # type: ignore[arg-type]
                                      replacement.since)
        said = " (by its documentation: PyTorch prints no warning)" if qualname in SILENT else ""
        yield ctx.finding(call or node, f"`{qualname}` is deprecated{said}; {replacement.advice}.", fix,
                          url=api_page(qualname))
    for alias, qualname in _imports(ctx, DEPRECATED):
        if options.has(ctx, DEPRECATED[qualname].since):
            yield ctx.finding(alias, f"Import of deprecated `{qualname}`; {DEPRECATED[qualname].advice}.",
                              url=api_page(qualname))
    yield from _scheduler_step_with_epoch(ctx)


_PLATEAU = "torch.optim.lr_scheduler.ReduceLROnPlateau"


# schedulers whose own ``step`` takes no epoch, or takes it by design (``CosineAnnealingWarmRestarts``:
# ``scheduler.step(epoch + i / iters)``, as its documentation shows)
_OWN_STEP = frozenset({"torch.optim.lr_scheduler.CosineAnnealingWarmRestarts", "torch.optim.lr_scheduler.ChainedScheduler",
                       "torch.optim.lr_scheduler.SequentialLR"})


def _built_scheduler(a, expr: ast.expr) -> str | None:
    """The ``torch.optim.lr_scheduler`` class ``expr`` is built from, where its one binding
    (a name's, or an attribute's single assignment) constructs it: a helper that returns one
    of several kinds (``ReduceLROnPlateau`` on one path) is no certain type."""
    if expr.__class__ is ast.Name:
        value = flow.binding_value(a, expr)
        if value is not None and not _one_kind(a, expr, value):
            return None  # (``ReduceLROnPlateau`` on one arm of an ``if``, ``CosineAnnealingLR`` on the other:
            # brianw0924/ML2021's ``scheduler.step(val_acc)`` passes the plateau's metric)
    else:
        value = flow.assigned_value(a, expr)
    if value.__class__ is not ast.Call:
        return None
    qualname = flow.safe_qualname(a, value.func)  # type: ignore[union-attr]
    if not qualname or not qualname.startswith("torch.optim.lr_scheduler.") or qualname in _OWN_STEP:
        return None
    return qualname if flow.is_subclass(a, qualname, LR_SCHEDULER) or qualname == _PLATEAU else None


def _one_kind(a, name: ast.Name, value: ast.expr) -> bool:
    """Every assignment of the name in its scope builds the same class as ``value``."""
    try:
        scope = a.binding_scope(name.id, a.scope_of(name))
    except Exception:
        return False
    if scope is None:
        return False
    built = flow.safe_qualname(a, value.func) if value.__class__ is ast.Call else None  # type: ignore[attr-defined]
    for binding in scope.bindings[name.id]:
        node = binding.node
        if binding.kind != "assign" or node.__class__ is not ast.Call or flow.safe_qualname(a, node.func) != built:  # type: ignore[attr-defined]
            return False
    return True


def _scheduler_step_with_epoch(ctx: Context):
    """``scheduler.step(epoch)`` on a scheduler of ``torch.optim.lr_scheduler`` (by its type:
    other libraries' schedulers, timm's, take the epoch by design); for
    ``ReduceLROnPlateau``, an epoch after the metric. Deprecated since torch 1.4 (PyTorch
    warns at each call). No fix: ``step()`` counts from the scheduler's own last epoch, and
    code that passes the epoch at the top of each epoch would move its schedule by one."""
    a = ctx.analysis
    supported = None  # asked of the first candidate only: the answer may read the project's importers
    for call in flow.calls_named(a, "step"):
        func = call.func
        if func.__class__ is not ast.Attribute or (not call.args and not call.keywords):
            continue
        qualname = _built_scheduler(a, func.value)  # type: ignore[attr-defined]
        if qualname is None:
            continue
        plateau = flow.is_subclass(a, qualname, _PLATEAU)
        epoch = argument(call, "epoch", 1 if plateau else 0)
        if epoch is None or epoch.__class__ is ast.Starred or (epoch.__class__ is ast.Constant and epoch.value is None):
            continue
        if supported is None:
            supported = options.has(ctx, "1.4")
        if not supported:
            return
        name = ctx.text(func.value)  # type: ignore[attr-defined]
        if plateau:
            metric = ctx.text(call.args[0]) if call.args else "metric"
            yield ctx.finding(call, f"Passing the epoch to `{name}.step()` is deprecated (since torch 1.4; PyTorch "
                                    f"warns at each call); pass the metric alone: `{name}.step({metric})`",
                              url=api_page("torch.optim.lr_scheduler.LRScheduler.step"))
            continue
        yield ctx.finding(
            call,
            f"Passing the epoch to `{name}.step()` is deprecated (since torch 1.4; PyTorch warns at each call): "
            f"it sets the scheduler's epoch and computes the rate in closed form where the scheduler has one, "
            f"which differs from stepping it when schedulers are chained; call `{name}.step()` once per epoch, "
            "after the optimizer's steps",
            url=api_page("torch.optim.lr_scheduler.LRScheduler.step"),
        )


# ---------------------------------------------------------------- torchvision
# Classification-style builders whose legacy ``pretrained=True`` loaded ``IMAGENET1K_V1``:
# builder name -> weights enum class name.
_IMAGENET = {
    "alexnet": "AlexNet", "googlenet": "GoogLeNet", "inception_v3": "Inception_V3",
    "mobilenet_v2": "MobileNet_V2", "mobilenet_v3_large": "MobileNet_V3_Large",
    "mobilenet_v3_small": "MobileNet_V3_Small",
    "densenet121": "DenseNet121", "densenet161": "DenseNet161", "densenet169": "DenseNet169",
    "densenet201": "DenseNet201",
    "resnet18": "ResNet18", "resnet34": "ResNet34", "resnet50": "ResNet50", "resnet101": "ResNet101",
    "resnet152": "ResNet152", "resnext50_32x4d": "ResNeXt50_32X4D", "resnext101_32x8d": "ResNeXt101_32X8D",
    "resnext101_64x4d": "ResNeXt101_64X4D",
    "wide_resnet50_2": "Wide_ResNet50_2", "wide_resnet101_2": "Wide_ResNet101_2",
    "vgg11": "VGG11", "vgg11_bn": "VGG11_BN", "vgg13": "VGG13", "vgg13_bn": "VGG13_BN", "vgg16": "VGG16",
    "vgg16_bn": "VGG16_BN", "vgg19": "VGG19", "vgg19_bn": "VGG19_BN",
    "squeezenet1_0": "SqueezeNet1_0", "squeezenet1_1": "SqueezeNet1_1",
    "shufflenet_v2_x0_5": "ShuffleNet_V2_X0_5", "shufflenet_v2_x1_0": "ShuffleNet_V2_X1_0",
    "shufflenet_v2_x1_5": "ShuffleNet_V2_X1_5", "shufflenet_v2_x2_0": "ShuffleNet_V2_X2_0",
    "mnasnet0_5": "MNASNet0_5", "mnasnet0_75": "MNASNet0_75", "mnasnet1_0": "MNASNet1_0",
    "mnasnet1_3": "MNASNet1_3",
    **{f"efficientnet_b{i}": f"EfficientNet_B{i}" for i in range(8)},
    "efficientnet_v2_s": "EfficientNet_V2_S", "efficientnet_v2_m": "EfficientNet_V2_M",
    "efficientnet_v2_l": "EfficientNet_V2_L",
    "convnext_tiny": "ConvNeXt_Tiny", "convnext_small": "ConvNeXt_Small", "convnext_base": "ConvNeXt_Base",
    "convnext_large": "ConvNeXt_Large",
    "vit_b_16": "ViT_B_16", "vit_b_32": "ViT_B_32", "vit_l_16": "ViT_L_16", "vit_l_32": "ViT_L_32",
    "swin_t": "Swin_T", "swin_s": "Swin_S", "swin_b": "Swin_B",
    "regnet_y_400mf": "RegNet_Y_400MF", "regnet_y_800mf": "RegNet_Y_800MF", "regnet_y_1_6gf": "RegNet_Y_1_6GF",
    "regnet_y_3_2gf": "RegNet_Y_3_2GF", "regnet_y_8gf": "RegNet_Y_8GF", "regnet_y_16gf": "RegNet_Y_16GF",
    "regnet_y_32gf": "RegNet_Y_32GF", "regnet_x_400mf": "RegNet_X_400MF", "regnet_x_800mf": "RegNet_X_800MF",
    "regnet_x_1_6gf": "RegNet_X_1_6GF", "regnet_x_3_2gf": "RegNet_X_3_2GF", "regnet_x_8gf": "RegNet_X_8GF",
    "regnet_x_16gf": "RegNet_X_16GF", "regnet_x_32gf": "RegNet_X_32GF",
}
# Submodules of torchvision.models whose builders are also reachable from torchvision.models.
_SUBMODULES = ("alexnet", "convnext", "densenet", "efficientnet", "googlenet", "inception", "mnasnet",
               "mobilenet", "mobilenetv2", "mobilenetv3", "regnet", "resnet", "shufflenetv2", "squeezenet",
               "vgg", "vision_transformer", "swin_transformer")


# Detection/segmentation builders: (sub-package, builder) -> (weights enum, member that
# ``pretrained=True`` loaded, enum of the backbone weights ``pretrained_backbone=True`` loaded).
_TASK_WEIGHTS = {
    ("detection", "fasterrcnn_resnet50_fpn"): ("FasterRCNN_ResNet50_FPN_Weights", "COCO_V1", "ResNet50_Weights"),
    ("detection", "maskrcnn_resnet50_fpn"): ("MaskRCNN_ResNet50_FPN_Weights", "COCO_V1", "ResNet50_Weights"),
    ("segmentation", "deeplabv3_resnet50"): ("DeepLabV3_ResNet50_Weights", "COCO_WITH_VOC_LABELS_V1",
                                             "ResNet50_Weights"),
}
_TASK_SUBMODULES = {"detection": ("faster_rcnn", "mask_rcnn"), "segmentation": ("deeplabv3",)}


def _legacy_weights(qualname: str) -> tuple[str, str, str | None] | None:
    """(weights enum qualname, member, backbone enum qualname or None) equivalent to the
    legacy ``pretrained=True`` / ``pretrained_backbone=True`` of a builder."""
    if not qualname.startswith("torchvision.models."):
        return None
    parts = qualname[len("torchvision.models."):].split(".")
    if len(parts) == 2 and parts[0] in _SUBMODULES:
        parts = parts[1:]
    if len(parts) == 1 and parts[0] in _IMAGENET:
        return f"torchvision.models.{_IMAGENET[parts[0]]}_Weights", "IMAGENET1K_V1", None
    if len(parts) == 3 and parts[1] in _TASK_SUBMODULES.get(parts[0], ()):
        parts = [parts[0], parts[2]]
    if len(parts) == 2 and tuple(parts) in _TASK_WEIGHTS:
        enum, member, backbone = _TASK_WEIGHTS[(parts[0], parts[1])]
        return f"torchvision.models.{parts[0]}.{enum}", member, f"torchvision.models.{backbone}"
    return None


_PRETRAINED_FLAGS = frozenset(("pretrained", "pretrained_backbone"))


def _flag_calls(ctx: Context) -> set[int]:
    """Ids of the calls passing ``pretrained=``/``pretrained_backbone=`` or a literal bool as
    their first argument: from the file's keywords and bool constants (a few) rather than a
    look at every call."""
    idx = flow.index(ctx.analysis)  # the shared walk's nodes by type
    parents, Call, flags = idx.parents, ast.Call, _PRETRAINED_FLAGS
    out = {id(parents[k]) for k in idx.by_type.get(ast.keyword, ()) if k.arg in flags}
    for constant in idx.by_type.get(ast.Constant, ()):
        if constant.value.__class__ is bool:
            call = parents.get(constant)
            if call.__class__ is Call and call.args and call.args[0] is constant:
                out.add(id(call))
    return out


@rule(code="TW803", name="torchvision-pretrained-deprecated", group="deprecated", severity="warning",
      summary="torchvision model builders' `pretrained=` is deprecated in favour of `weights=`.",
      fix="safe")
def torchvision_pretrained_deprecated(ctx: Context):
    flagged = _flag_calls(ctx)
    if not flagged:
        return
    for call in calls(ctx):
        if id(call) not in flagged:
            continue  # no flag, by keyword or as a literal first argument (the common case)
        if not isinstance(call.func, (ast.Name, ast.Attribute)):
            continue
        flag = keyword(call, "pretrained")
        backbone = keyword(call, "pretrained_backbone")
        positional = call.args[0] if call.args and isinstance(call.args[0], ast.Constant) \
            and isinstance(call.args[0].value, bool) else None
        if flag is None and backbone is None and positional is None:
            continue
        qualname = call_name(ctx, call)
        if qualname is None or not qualname.startswith("torchvision.models."):
            continue
        legacy = _legacy_weights(qualname)
        if flag is None and backbone is None and legacy is None:
            continue  # a positional bool for a builder we do not know
        if options.predates(ctx, "1.12"):
            break  # every torch the code runs on came with a torchvision whose builders took only ``pretrained=``
        if fallback_of(ctx.analysis, call, lambda n: keyword(n, "weights") is not None
                       or keyword(n, "weights_backbone") is not None):
            continue  # (the ``except`` of a ``try`` that builds with ``weights=``: a torchvision before 0.13 only)
        if in_compat_code(ctx, call):
            continue  # (an arm of a torch or torchvision version test: w86763777/pytorch-ddpm's
            # ``if TORCHVISION_VERSION < version.parse("0.13.0"):``, ``weights=`` in its ``else``)
        fix = _pretrained_fix(ctx, call, legacy, flag, backbone, positional)
        if backbone is not None and flag is None and positional is None:
            message = ("`pretrained_backbone=` is deprecated; pass `weights_backbone=` with the "
                       "backbone's weights enum (or None).")
        else:
            advice = ""
            given = flag.value if flag is not None else positional
            if given is not None and is_false(given):  # no weights asked for: no enum to name
                advice = " `pretrained=False` is `weights=None`."
            elif legacy is not None:
                enum = legacy[0].rsplit(".", 1)[-1]
                advice = (f" `pretrained=True` meant `weights={enum}.{legacy[1]}`; "
                          f"`{enum}.DEFAULT` selects the best available weights.")
            message = ("`pretrained=` is deprecated in torchvision model builders; pass `weights=` "
                       "with a weights enum (or `weights=None`)." + advice)
        yield ctx.finding(call, message, fix)


def _pretrained_fix(ctx: Context, call: ast.Call, legacy, flag, backbone, positional) -> Fix | None:
    """Replace each legacy flag by the weights it selected; None unless all can be."""
    if legacy is None or has_star_kwargs(call):
        return None
    enum_qualname, member, backbone_enum = legacy
    edits = []
    replaced = []
    main = flag if flag is not None else positional
    if main is not None:
        if flag is None and len(call.args) != 1:
            return None
        value = flag.value if flag is not None else positional
        if is_true(value):
            enum_text = new_name(ctx, call.func, enum_qualname)
            if enum_text is None:
                return None
            new = f"weights={enum_text}.{member}"
        elif is_false(value):
            new = "weights=None"
        else:
            return None
        edits.append(ctx.replace(main, new))
        replaced.append(new)
    if backbone is not None:
        if backbone_enum is None:
            return None
        if is_true(backbone.value):
            enum_text = new_name(ctx, call.func, backbone_enum)
            if enum_text is None:
                return None
            new = f"weights_backbone={enum_text}.IMAGENET1K_V1"
        elif is_false(backbone.value):
            new = "weights_backbone=None"
        else:
            return None
        edits.append(ctx.replace(backbone, new))
        replaced.append(new)
    if not edits:
        return None
    return Fix("safe", "Replace with " + ", ".join(f"`{r}`" for r in replaced), tuple(edits))


_TO_TENSOR = "torchvision.transforms.v2.ToTensor"


@rule(code="TW809", name="torchvision-to-tensor-deprecated", group="deprecated", severity="warning",
      summary="`torchvision.transforms.v2.ToTensor` is deprecated.", fix="unsafe")
def torchvision_to_tensor_deprecated(ctx: Context):
    table = {_TO_TENSOR: Replacement("")}
    advice = ("`v2.ToTensor` is deprecated; use `v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, "
              "scale=True)])` (it outputs an `Image` tensor subclass).")
    for node, _qualname, call in _references(ctx, table):
        fix = None
        if call is not None and not call.args and not call.keywords and isinstance(node, ast.Attribute):
            v2 = ctx.text(node.value)
            torch_ref = module_reference(ctx, node, "torch")
            if torch_ref is not None:
                text = (f"{v2}.Compose([{v2}.ToImage(), {v2}.ToDtype({torch_ref}.float32, scale=True)])")
                fix = Fix("unsafe", "Replace with ToImage + ToDtype", (ctx.replace(call, text),))
        yield ctx.finding(call or node, advice, fix)
    for alias, _qualname in _imports(ctx, table):
        yield ctx.finding(alias, "Import of deprecated " + advice)


@rule(code="TW810", name="torchvision-singleton-import", group="deprecated", severity="hint",
      summary="`import torchvision.models as models`: prefer `from torchvision import models`.",
      fix="safe")
def torchvision_singleton_import(ctx: Context):
    for node in index(ctx).imports:
        if not isinstance(node, ast.Import):
            continue
        for alias in node.names:
            parts = alias.name.split(".")
            if (len(parts) == 2 and parts[0] == "torchvision" and parts[1] in ("datasets", "models", "transforms")
                    and alias.asname == parts[1]):
                fix = None
                if len(node.names) == 1:
                    fix = Fix("safe", f"Replace with `from torchvision import {parts[1]}`",
                              (ctx.replace(node, f"from torchvision import {parts[1]}"),))
                yield ctx.finding(node, f"`import torchvision.{parts[1]} as {parts[1]}` is better written "
                                        f"`from torchvision import {parts[1]}`.", fix)


# ---------------------------------------------------------------- other TorchFix checks
_CHECKPOINT = frozenset({"torch.utils.checkpoint.checkpoint", "torch.utils.checkpoint.checkpoint_sequential"})


@rule(code="TW804", name="checkpoint-without-use-reentrant", group="deprecated", severity="warning",
      summary="`torch.utils.checkpoint` without an explicit `use_reentrant`.", fix="unsafe")
def checkpoint_without_use_reentrant(ctx: Context):
    for call in calls(ctx, {"checkpoint", "checkpoint_sequential"}):
        name = call_name(ctx, call, {"checkpoint", "checkpoint_sequential"})
        if name is None:
            continue
        if name not in _CHECKPOINT or keyword(call, "use_reentrant") is not None or has_star_kwargs(call):
            continue
        if name.endswith("sequential") and len(call.args) >= 4:
            continue  # passed positionally
        edit = add_keyword(ctx, call, "use_reentrant=False")
        fix = Fix("unsafe", "Add `use_reentrant=False` (the recommended variant)", (edit,)) if edit else None
        yield ctx.finding(
            call,
            f"`{name.rsplit('.', 1)[-1]}` without `use_reentrant`: PyTorch warns (and plans to raise) "
            "when it is omitted. Pass `use_reentrant=False` (recommended), or `use_reentrant=True` "
            "to keep today's default behaviour.",
            fix,
        )


_NON_PUBLIC = {
    "torch.utils.data._utils.collate.default_collate": "torch.utils.data.default_collate",
    "torch.utils.data._utils.collate.default_convert": "torch.utils.data.default_convert",
}


@rule(code="TW805", name="non-public-default-collate", group="deprecated", severity="warning",
      summary="`default_collate`/`default_convert` used from the private `torch.utils.data._utils.collate`.",
      fix="safe")
def non_public_default_collate(ctx: Context):
    table = {k: Replacement(v) for k, v in _NON_PUBLIC.items()}
    for node, qualname, call in _references(ctx, table):
        public = _NON_PUBLIC[qualname]
        if isinstance(node, ast.Name):
            # imported by name from the private module: the import line gets the fix;
            # each call is reported too (it runs the private path)
            if call is not None:
                yield ctx.finding(call, f"`{node.id}` here is `{qualname}`, a private path; import it from "
                                        f"`torch.utils.data` (the same function).")
            continue
        text = new_name(ctx, node, public)
        fix = Fix("safe", f"Use `{public}`", (ctx.replace(node, text),)) if text else None
        yield ctx.finding(call or node, f"`{qualname}` is a private path; use the public `{public}` "
                                        f"(the same function).", fix)
    for node in index(ctx).imports:
        if not (isinstance(node, ast.ImportFrom) and node.module == "torch.utils.data._utils.collate"
                and not node.level):
            continue
        private = [a for a in node.names if f"{node.module}.{a.name}" in _NON_PUBLIC]
        if not private:
            continue
        fix = None
        if len(private) == len(node.names):
            names = ", ".join(ctx.text(a) or a.name for a in node.names)
            fix = Fix("safe", "Import from `torch.utils.data`",
                      (ctx.replace(node, f"from torch.utils.data import {names}"),))
        for alias in private:
            yield ctx.finding(alias, f"Import of `{alias.name}` from the private "
                                     f"`torch.utils.data._utils.collate`; import it from `torch.utils.data`.",
                              fix if alias is private[0] else None)


def _is_one(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Constant) and type(expr.value) in (int, float) and expr.value == 1


def _single_arg(call: ast.Call) -> ast.expr | None:
    if len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


@rule(code="TW806", name="use-log1p", group="deprecated", severity="information",
      summary="`torch.log(1 + x)` loses precision for small `x`; use `torch.log1p(x)`.", fix="safe")
def use_log1p(ctx: Context):
    for call in calls(ctx, {"log"}):
        if call_name(ctx, call, {"log"}) != "torch.log":
            continue
        arg = _single_arg(call)
        if not (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add)):
            continue
        if _is_one(arg.left):
            x = arg.right
        elif _is_one(arg.right):
            x = arg.left
        else:
            continue
        func = new_name(ctx, call.func, "torch.log1p")
        fix = Fix("safe", "Use `torch.log1p`", (ctx.replace(call, f"{func}({ctx.text(x)})"),)) if func else None
        yield ctx.finding(call, "`torch.log(1 + x)` is inaccurate when `x` is small (1 + x rounds); "
                                "`torch.log1p(x)` computes the same value precisely.", fix)


@rule(code="TW807", name="use-expm1", group="deprecated", severity="information",
      summary="`torch.exp(x) - 1` loses precision for small `x`; use `torch.expm1(x)`.", fix="safe")
def use_expm1(ctx: Context):
    for node in index(ctx).binops:
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _is_one(node.right)
                and isinstance(node.left, ast.Call)):
            continue
        call = node.left
        if call_name(ctx, call, {"exp"}) != "torch.exp":
            continue
        x = _single_arg(call)
        if x is None:
            continue
        func = new_name(ctx, call.func, "torch.expm1")
        fix = Fix("safe", "Use `torch.expm1`", (ctx.replace(node, f"{func}({ctx.text(x)})"),)) if func else None
        yield ctx.finding(node, "`torch.exp(x) - 1` is inaccurate when `x` is small (the result "
                                "cancels); `torch.expm1(x)` computes the same value precisely.", fix)


@rule(code="TW808", name="use-logsumexp", group="deprecated", severity="information",
      summary="`torch.log(torch.sum(torch.exp(x)))` overflows for large `x`; use `torch.logsumexp(x, dim)`.",
      fix="safe", module_wide=True)  # names assigned a maximum anywhere in the file (_assigned_names)
def use_logsumexp(ctx: Context):
    for call in calls(ctx, {"log"}):
        if call_name(ctx, call, {"log"}) != "torch.log":
            continue
        inner = _single_arg(call)
        if not isinstance(inner, ast.Call) or has_star_args(inner) or has_star_kwargs(inner):
            continue
        # torch.sum(torch.exp(x), ...) or torch.exp(x).sum(...)
        exp_call: ast.AST | None = None
        sum_args: list[ast.expr] = []
        if call_name(ctx, inner, {"sum"}) == "torch.sum" and inner.args:
            exp_call, sum_args = inner.args[0], list(inner.args[1:])
        elif isinstance(inner.func, ast.Attribute) and inner.func.attr == "sum" and isinstance(inner.func.value, ast.Call):
            exp_call, sum_args = inner.func.value, list(inner.args)
        if not isinstance(exp_call, ast.Call) or call_name(ctx, exp_call, {"exp"}) != "torch.exp":
            continue
        x = _single_arg(exp_call)
        if x is None or _max_subtracted(ctx, x):
            continue  # exp(x - max) is already the stable form
        dim = sum_args[0] if sum_args else argument(inner, "dim")
        keepdim = sum_args[1] if len(sum_args) > 1 else argument(inner, "keepdim")
        extra = [k for k in inner.keywords if k.arg not in ("dim", "keepdim")]
        fix = None
        func = new_name(ctx, call.func, "torch.logsumexp")
        # no dim (or dim=None) sums every element: torch.logsumexp(x, dim=None) differs
        # (pytorch#144339), so only an explicit dimension gets a fix
        if dim is not None and not _is_none(dim) and not extra and len(sum_args) <= 2 and func is not None:
            keep = f", keepdim={ctx.text(keepdim)}" if keepdim is not None else ""
            fix = Fix("safe", "Use `torch.logsumexp`",
                      (ctx.replace(call, f"{func}({ctx.text(x)}, dim={ctx.text(dim)}{keep})"),))
        yield ctx.finding(call, "`log(sum(exp(x)))` overflows to inf once `x` exceeds ~88 (float32); "
                                "`torch.logsumexp(x, dim)` computes it stably (pass the dimension(s) "
                                "summed over).", fix)


def _is_none(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


_MAX_NAMES = {"max", "amax", "logsumexp"}


def _max_subtracted(ctx: Context, x: ast.AST) -> bool:
    """``x`` is ``a - <a maximum>``: ``a - a.max(...)``, ``a - torch.amax(a, ...)``, or
    ``a - m`` where ``m`` is assigned such a call (or named like a maximum) — the usual
    overflow-safe rewrite; or a name assigned such a difference
    (``wlp_stable = wlp - wlp_max.reshape(-1, 1)``: learningmatter-mit/NeuralForceField)."""
    if x.__class__ is ast.Name:
        return any(node.value.__class__ is ast.BinOp and _max_subtracted(ctx, node.value)
                   for node in _assigned_names(ctx).get(x.id, ()))  # type: ignore[attr-defined]
    if not (isinstance(x, ast.BinOp) and isinstance(x.op, ast.Sub)):
        return False
    if _has_max_call(x.right):
        return True
    names = {n.id for n in ast.walk(x.right) if isinstance(n, ast.Name)}
    if any("max" in n.lower() for n in names):
        return True
    return any(_holds_max(ctx, name) for name in names)


# methods that reshape a value without changing what it holds
_RESHAPES = frozenset({"unsqueeze", "expand", "expand_as", "view", "view_as", "reshape", "detach", "squeeze"})


def _holds_max(ctx: Context, name: str, depth: int = 0) -> bool:
    """Some assignment binds ``name`` to a maximum (``m = x.max(...)``, ``m, _ = torch.max(x, d)``),
    or to one reshaped (``m_exp = m.unsqueeze(-1).expand_as(x)``: jiacheng-ye/code-for-nlp-
    beginner's CRF), a few names deep."""
    for node in _assigned_names(ctx).get(name, ()):
        value = node.value  # type: ignore[attr-defined]
        if _has_max_call(value):
            return True
        base = value
        while base.__class__ is ast.Call and base.func.__class__ is ast.Attribute and base.func.attr in _RESHAPES:
            base = base.func.value
        if base is not value and base.__class__ is ast.Name and depth < 3 and base.id != name \
                and _holds_max(ctx, base.id, depth + 1):
            return True
    return False


def _assigned_names(ctx: Context) -> dict[str, list[ast.AST]]:
    """Name -> the assignments (with a value) that bind it: as a whole target, or as a name
    of a tuple a call's result is unpacked into (``m, _ = torch.max(x, d)``); listed once
    per file version: asked for each subtraction, a scan of every assignment each time."""
    by_name = ctx.analysis.queries.get("assigns_by_target_name")
    if by_name is None:
        by_name = ctx.analysis.queries["assigns_by_target_name"] = {}
        Name = ast.Name
        for node in index(ctx).assigns:
            if node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if t.__class__ is Name:
                    by_name.setdefault(t.id, []).append(node)
                elif t.__class__ in (ast.Tuple, ast.List) and node.value.__class__ is ast.Call:
                    for element in t.elts:  # type: ignore[attr-defined]
                        if element.__class__ is Name:
                            by_name.setdefault(element.id, []).append(node)
    return by_name


def _has_max_call(expr: ast.AST) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            func = node.func
            if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) in _MAX_NAMES:
                return True
    return False


@rule(code="TW811", name="zero-grad-set-to-none-false", group="deprecated", severity="information",
      default=False,
      summary="`zero_grad(set_to_none=False)` writes zeros into every gradient instead of freeing them.",
      fix="unsafe")
def zero_grad_set_to_none_false(ctx: Context):
    for call in calls(ctx, {"zero_grad"}):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "zero_grad"):
            continue
        flag = keyword(call, "set_to_none")
        if flag is None or not is_false(flag.value):
            continue
        receiver = type_of(ctx, call.func.value)
        if receiver is not None and not (ctx.analysis.is_subclass(receiver, "torch.optim.Optimizer")
                                         or ctx.analysis.is_subclass(receiver, "torch.nn.Module")):
            continue
        if _grad_read_after(ctx, call):
            continue  # the documented exception: code reads `.grad` and expects a tensor there
        edit = remove_keyword(ctx, call, flag)
        fix = Fix("unsafe", "Drop `set_to_none=False`", (edit,)) if edit else None
        yield ctx.finding(call, "`zero_grad(set_to_none=False)` fills every gradient with zeros, costing "
                                "memory writes each step; the default (`set_to_none=True`) frees them "
                                "instead. Keep False only if code reads `.grad` expecting a tensor.", fix)


def _grad_read_after(ctx: Context, call: ast.Call) -> bool:
    """A ``.grad`` is read after ``call`` in the same function (or module-level code)."""
    idx = index(ctx)

    def owner(node: ast.AST) -> ast.AST | None:
        parent = idx.parent(node)
        while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            parent = idx.parent(parent)
        return parent

    scope = owner(call)
    here = (call.lineno, call.col_offset)
    return any(isinstance(ref, ast.Attribute) and (ref.lineno, ref.col_offset) > here and owner(ref) is scope
               for ref in idx.refs_by_name.get("grad", ()))


@rule(code="TW812", name="library-not-scoped", group="deprecated", severity="information", default=False,
      summary="`torch.library.Library` in PyTorch's own tests: `_scoped_library` cleans up after the test.")
def library_not_scoped(ctx: Context):
    for call in calls(ctx, {"Library"}):
        if call_name(ctx, call, {"Library"}) == "torch.library.Library":
            yield ctx.finding(call, "In tests, `torch.library.Library(...)` registrations outlive the test; "
                                    "`with torch.library._scoped_library(...)` removes them on exit.")
