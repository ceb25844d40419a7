"""Automatic mixed precision (TW4xx): GradScaler and autocast used the way the
AMP recipe requires."""

from __future__ import annotations

import ast
import bisect
from typing import Iterator, Sequence

from torchwise.lazy_pattern import lazy
from torchwise.lint import fix_edits, flow, options
from torchwise.lint.base import Context, Edit, Finding, Fix, rule
from torchwise.analysis import parameter_defaults
from torchwise.lint.rules._calls import api_page, argument, in_compat_code, index, is_false, module_reference
from torchwise.project import effects


def _scaled_backwards(ctx: Context) -> list[tuple[ast.Call, ast.expr]]:
    """``scaler.scale(loss).backward()`` calls with the scaler expression."""
    a = ctx.analysis
    out = []
    for call in flow.calls_named(a, "backward"):
        if flow.method_name(call) != "backward":
            continue
        recv = flow.receiver(call)
        if isinstance(recv, ast.Call) and flow.method_name(recv) == "scale" and isinstance(recv.func, ast.Attribute):
            if flow.is_scaler(a, recv.func.value) and not _switched_off(a, call):
                out.append((call, recv.func.value))
    return out


def _switched_off(a, node: ast.AST) -> bool:
    """``node`` runs only under ``if <flag>:`` where the file sets the flag False
    (``flow.static_false``: ``if CFG.apex:`` under ``class CFG: apex = False``): dead code
    as configured."""
    names, pairs = flow.false_flags(a)
    if not names and not pairs:
        return False
    child = node
    for anc in flow.ancestors(a, node):
        if isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.If and flow.static_false(a, anc.test) and any(s is child for s in anc.body):  # type: ignore[attr-defined]
            return True
        child = anc
    return False


def _by_function(a, scaled: list[tuple[ast.Call, ast.expr]]) -> dict[int, list[tuple[ast.Call, ast.expr]]]:
    """The scaled backward calls by (id of) their enclosing function, in order: a look-up per
    candidate, not a scan of the file's scaled calls."""
    out: dict[int, list[tuple[ast.Call, ast.expr]]] = {}
    for pair in scaled:
        out.setdefault(id(flow.enclosing_function(a, pair[0])), []).append(pair)
    for rows in out.values():
        rows.sort(key=_FIRST_POSITION)
    return out


def _calls_method_of(a, func: ast.AST, method: str, receiver: str | None, before: ast.AST | None = None) -> bool:
    """Whether ``func``'s own code calls ``<receiver>.<method>(...)`` (``receiver`` dotted),
    starting before ``before`` if given. The first such call of each receiver is listed
    once per function and method: these are asked once per finding, and a long script's
    module code holds thousands of calls."""
    table = flow.memo(a, func, "method_calls_" + method, lambda: _first_method_calls(a, func, method))
    first = table.get(receiver)
    return first is not None and (before is None or flow.before(first, before))


def _first_method_calls(a, func: ast.AST, method: str) -> dict[str | None, ast.Call]:
    """Receiver (dotted) -> the first call of ``<receiver>.<method>(...)`` in ``func``'s own code."""
    out: dict[str | None, ast.Call] = {}
    Attribute, dotted = ast.Attribute, flow.dotted
    for n in flow.calls_in(a, func):  # in source order: the first one kept is the earliest
        f = n.func
        if f.__class__ is Attribute and f.attr == method:
            out.setdefault(dotted(f.value), n)
    return out


@rule(code="TW401", name="scaler-step-missing", group="amp", severity="error",
      summary="The loss is scaled with GradScaler but optimizer.step() is called directly.", fix="unsafe", runtime=True,
      module_wide=True)  # a scaler's update() anywhere in the file (its function's, for a local one: _update_missing)
def scaler_step_missing(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    scaled = _scaled_backwards(ctx)
    if not scaled:
        return
    scaled_in = _by_function(a, scaled)
    for call in flow.calls_named(a, "step"):
        if flow.method_name(call) != "step" or call.args or call.keywords or not isinstance(call.func, ast.Attribute):
            continue
        opt = call.func.value
        if not flow.is_optimizer(a, opt) or flow.is_scaler(a, opt):
            continue
        func = flow.enclosing_function(a, call)
        match = _nearest_before(a, scaled_in.get(id(func), ()), call)
        if match is None or _plain_backward_between(a, func, match[0], call) or _opposite_arms(a, match[0], call):
            continue
        scaler_text = ctx.text(match[1])
        fix = None
        stmt = flow.statement_of(ctx.analysis, call)
        if isinstance(stmt, ast.Expr) and stmt.value is call:
            edits = [ctx.replace(call, f"{scaler_text}.step({ctx.text(opt)})")]
            has_update = _calls_method_of(a, func, "update", flow.dotted(match[1]))
            if not has_update:
                end = ctx.analysis.char_col(stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
                indent = ctx.lines[stmt.lineno - 1][: ctx.analysis.char_col(stmt.lineno, stmt.col_offset)]
                if not indent.strip():
                    line = stmt.end_lineno or stmt.lineno
                    eol = len(ctx.lines[line - 1]) if line <= len(ctx.lines) else end
                    edits.append(Edit(line, eol, line, eol, f"\n{indent}{scaler_text}.update()"))
            fix = Fix("unsafe", f"Step through `{scaler_text}`", tuple(edits))
        yield ctx.finding(
            call,
            f"The loss was scaled by `{scaler_text}`, but `{ctx.text(call)}` steps on the still-scaled "
            f"gradients (and never skips inf/NaN steps); call `{scaler_text}.step({ctx.text(opt)})` "
            f"and then `{scaler_text}.update()`",
            fix,
        )
    yield from _update_missing(ctx)


def _update_missing(ctx: Context) -> Iterator[Finding]:
    """``scaler.step(optimizer)`` in a loop of a function, and no ``scaler.update()`` on the
    same scaler anywhere in the file: the second ``step()`` raises (``step() has already been
    called since the last update()``) and the scale never adapts (Azure/MS-AMP#45's MNIST
    example). A loop that hands the scaler to a helper, which may update it, is left alone."""
    a = ctx.analysis
    # (a name's update in its own function; an attribute's anywhere in the file)
    updated = {(flow.dotted(c.func.value), id(flow.enclosing_function(a, c)) if c.func.value.__class__ is ast.Name else 0)  # type: ignore[attr-defined]
               for c in flow.calls_named(a, "update") if c.func.__class__ is ast.Attribute}
    for call in flow.calls_named(a, "step"):
        func = call.func
        kind = flow.safe_type(a, func.value) if func.__class__ is ast.Attribute and call.args else None  # type: ignore[attr-defined]
        if kind is None or kind not in flow.GRAD_SCALER and not any(q in flow.GRAD_SCALER for q in a.mro(kind)):
            continue  # (torch's own GradScaler only: a wrapper named like one may update inside its step)
        target = flow.dotted(func.value)  # type: ignore[attr-defined]
        loops = flow.enclosing_loops(a, call)
        where = id(flow.enclosing_function(a, call)) if func.value.__class__ is ast.Name else 0  # type: ignore[attr-defined]
        if not target or (target, where) in updated or not loops or any(
                flow.dotted(x) == target or target.startswith("self.") and flow.dotted(x) == "self"
                for c in flow.calls_in(a, loops[-1]) if c is not call for x in (*c.args, *(k.value for k in c.keywords))):
            continue
        stmt = flow.statement_of(a, call)
        insert = fix_edits.insert_after(ctx, stmt, f"{ctx.text(func.value)}.update()") \
            if stmt.__class__ is ast.Expr and stmt.value is call else None  # type: ignore[attr-defined]
        yield ctx.finding(
            call,
            f"`{ctx.text(call)}` runs in a loop, but `{target}.update()` never runs: the next "
            f"`step()` raises (it was already called since the last `update()`), and the scale never adapts "
            f"to overflows; call `{target}.update()` right after the step",
            Fix("unsafe", f"Call `{target}.update()` after the step", (insert,)) if insert is not None else None,
        )


def _opposite_arms(a, scaled: ast.AST, step: ast.AST) -> bool:
    """The scaled backward and the step sit in opposite arms of two ``if`` statements with
    the same test (yandex-research/tabm: ``if grad_scaler is None: loss.backward() else:
    grad_scaler.scale(loss).backward()``, later ``if grad_scaler is None: optimizer.step()
    else: grad_scaler.step(optimizer)``): they never run in the same pass."""
    def arms(node: ast.AST) -> dict[str, bool]:
        found: dict[str, bool] = {}
        child = node
        for anc in flow.ancestors(a, node):
            if isinstance(anc, flow.SCOPES):
                break
            if anc.__class__ is ast.If:
                in_body = any(s is child for s in anc.body)  # type: ignore[attr-defined]
                if in_body or any(s is child for s in anc.orelse):  # type: ignore[attr-defined]
                    found.setdefault(ast.dump(anc.test), in_body)  # type: ignore[attr-defined]
            child = anc
        return found

    mine, theirs = arms(scaled), arms(step)
    return any(test in theirs and theirs[test] != in_body for test, in_body in mine.items())


def _nearest_before(a, scaled: list[tuple[ast.Call, ast.expr]], call: ast.Call) -> tuple[ast.Call, ast.expr] | None:
    """The scaled backward nearest before ``call`` on its branch (the one whose gradients it
    sees: an earlier loop of the same notebook may scale with another scaler, or not at all)."""
    at = bisect.bisect_left(scaled, flow.BY_POSITION(call), key=_FIRST_POSITION)  # (scaled: by position)
    return next((s for s in reversed(scaled[:at]) if flow.same_branch(a, s[0], call)), None)


def _plain_backward_between(a, func: ast.AST, scaled: ast.Call, step: ast.Call) -> bool:
    """An unscaled ``loss.backward()`` after the scaled one, before ``step`` and on its
    branch: the step applies those gradients (the non-AMP arm of ``if amp: ... else:
    loss.backward(); opt.step()``, or another loop that never scales: MONAI's tutorials)."""
    plain = a.queries.get("plain_backwards")
    if plain is None:  # once per file: the unscaled backward calls by function, by position
        plain = a.queries["plain_backwards"] = {}
        for n in flow.calls_named(a, "backward"):
            if flow.is_backward_call(n) and not _is_scaled(a, n):
                plain.setdefault(id(flow.enclosing_function(a, n)), []).append(n)
        for rows in plain.values():
            rows.sort(key=flow.BY_POSITION)
    rows = plain.get(id(func), ())
    start = bisect.bisect_right(rows, flow.BY_POSITION(scaled), key=flow.BY_POSITION)
    end = bisect.bisect_left(rows, flow.BY_POSITION(step), key=flow.BY_POSITION)
    return any(flow.same_branch(a, n, step) for n in rows[start:end])


def _FIRST_POSITION(pair: tuple[ast.Call, ast.expr]) -> tuple[int, int]:
    return flow.BY_POSITION(pair[0])


def _is_scaled(a, call: ast.Call) -> bool:
    recv = flow.receiver(call)
    return isinstance(recv, ast.Call) and flow.method_name(recv) == "scale"


CLIP_FUNCS = {"torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_",
              "torch.nn.utils.clip_grad.clip_grad_norm_", "torch.nn.utils.clip_grad.clip_grad_value_",
              "torch.nn.utils.clip_grad_norm", "torch.nn.utils.get_total_norm", "torch.nn.utils.clip_grads_with_norm_"}


def _needs_torch_xla(a) -> bool:
    """The file imports ``torch_xla`` at its top, unguarded: it runs on a TPU, where a
    ``torch.cuda.amp.GradScaler`` finds no CUDA and turns itself off, so nothing is scaled (a
    Kaggle notebook training with torch_xla). Not an import tried in a ``try`` (abhishekkrthakur/tez
    runs on a GPU too, with the scaler on)."""
    return any((stmt.__class__ is ast.Import and any(n.name.split(".")[0] == "torch_xla" for n in stmt.names))
               or (stmt.__class__ is ast.ImportFrom and not stmt.level and (stmt.module or "").split(".")[0] == "torch_xla")
               for stmt in a.tree.body)  # type: ignore[attr-defined]


@rule(code="TW402", name="clip-scaled-gradients", group="amp", severity="error",
      summary="Gradients are clipped while still scaled by GradScaler; call scaler.unscale_(optimizer) first.",
      fix="unsafe", runtime=True, module_wide=True)  # the calls of a function anywhere in the file (_scaler_off)
def clip_scaled_gradients(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    clips = [c for c in flow.calls_where(a, lambda n: n.startswith("clip_grad"))
             if flow.last_name(c.func).startswith("clip_grad")]
    if not clips or _needs_torch_xla(a):
        return
    scaled = _scaled_backwards(ctx)
    scaled_in = _by_function(a, scaled) if scaled else {}
    for call in clips:
        qualname = flow.safe_qualname(a, call.func)
        if qualname not in CLIP_FUNCS or qualname == "torch.nn.utils.get_total_norm":
            continue
        func = flow.enclosing_function(a, call)
        match = _nearest_before(a, scaled_in.get(id(func), ()), call)
        if match is None:
            handed = _handed_scaler_step(a, func, call, scaled_in.get(id(func), ()))
            if handed is not None:
                yield ctx.finding(
                    call,
                    f"When `{ctx.text(handed)}` scaled the loss, the gradients are still multiplied by its "
                    f"scale factor here (its `step` below unscales them only then, and nothing in the project "
                    f"calls `unscale_`), so this clips against a threshold thousands of times too small; call "
                    f"`{ctx.text(handed)}.unscale_(optimizer)` before clipping",
                )
            continue
        scaler_dotted = flow.dotted(match[1])
        calls = flow.calls_in(a, func)
        unscaled = _calls_method_of(a, func, "unscale_", scaler_dotted, call)
        if unscaled or _scaler_off(a, match[1], func):
            continue
        scaler_text = ctx.text(match[1])
        other = next((c for c in calls if c.func.__class__ is ast.Attribute and c.func.attr == "unscale_"  # type: ignore[attr-defined]
                      and flow.before(match[0], c) and flow.before(c, call)
                      and flow.dotted(c.func.value) != scaler_dotted), None)  # type: ignore[attr-defined]
        if other is not None:  # unscaled, by another scaler: the clip is right, the step unscales again
            yield ctx.finding(
                other,
                f"`{ctx.text(other)}` unscales, by its own scale, gradients that `{scaler_text}` scaled: "
                f"`{scaler_text}.step` then unscales them a second time, shrinking the update by its scale "
                f"factor (and the clip sees them off by the ratio of the two scales); call "
                f"`{scaler_text}.unscale_(...)` instead",
            )  # (ptran1203/pytorch-animeGAN: ``scaler_d.unscale_(optimizer_g)`` before ``scaler_g.step``)
            continue
        fix = None
        step = next((n for n in calls if flow.method_name(n) == "step" and isinstance(n.func, ast.Attribute)
                     and flow.dotted(n.func.value) == scaler_dotted and n.args and not flow.before(n, call)), None)
        stmt = flow.statement_of(ctx.analysis, call)
        if step is not None and stmt is not None and _within_gates(a, call, match[0], loops=False) \
                and _within_gates(a, call, step, loops=True):
            indent = ctx.lines[stmt.lineno - 1][: ctx.analysis.char_col(stmt.lineno, stmt.col_offset)]
            if not indent.strip():
                fix = Fix("unsafe", f"Unscale with `{scaler_text}.unscale_` first",
                          (Edit(stmt.lineno, 0, stmt.lineno, 0,
                                f"{indent}{scaler_text}.unscale_({ctx.text(step.args[0])})\n"),))
        yield ctx.finding(
            call,
            f"The gradients are still multiplied by `{scaler_text}`'s scale factor here, so this clips "
            f"against a threshold thousands of times too small; call `{scaler_text}.unscale_(optimizer)` "
            "before clipping",
            fix,
        )


# where ``enabled`` goes by position: after ``device`` in torch.amp's GradScaler
_ENABLED_POSITION = {"torch.cuda.amp.GradScaler": 4, "torch.cpu.amp.GradScaler": 4}


def _scaler_off(a, scaler: ast.expr, func: ast.AST) -> bool:
    """The scaler is built disabled, so ``scale()`` returns the loss as it is and nothing
    is scaled: ``GradScaler(enabled=False)`` (or a flag the file sets False, ``flow.static_false``:
    ``enabled=CFG.apex`` under ``class CFG: apex = False``), or ``enabled=amp`` where ``amp`` is a
    parameter of the function and every call of it in the file passes False (or leaves a
    False default): duyhominhnguyen/LVM-Med's ``train_net(..., amp=True)``, called once,
    with ``amp=False``."""
    if scaler.__class__ is not ast.Name:
        return False
    built = flow.binding_value(a, scaler)  # type: ignore[arg-type]
    if built.__class__ is not ast.Call:
        return False
    qualname = flow.safe_qualname(a, built.func)  # type: ignore[union-attr]
    if qualname not in flow.GRAD_SCALER:
        return False
    enabled = argument(built, "enabled", _ENABLED_POSITION.get(qualname, 5))  # type: ignore[arg-type]
    if enabled is None:
        return False
    if flow.static_false(a, enabled):
        return True
    if enabled.__class__ is not ast.Name or not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    names = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]
    if enabled.id not in names:  # type: ignore[attr-defined]
        return False
    default = parameter_defaults(func.args).get(enabled.id)  # type: ignore[attr-defined]
    sites = [c for c in flow.calls_named(a, func.name) if c.func.__class__ is ast.Name]
    if not sites:
        return False
    for site in sites:
        given = argument(site, enabled.id, names.index(enabled.id))  # type: ignore[attr-defined]
        if any(k.arg is None for k in site.keywords) or any(x.__class__ is ast.Starred for x in site.args):
            return False
        if not is_false(given if given is not None else default):
            return False
    return not any(n.__class__ is ast.Name and n.id == enabled.id and n.ctx.__class__ is ast.Store  # type: ignore[attr-defined]
                   for n in flow.walk_local(a, func))  # (the flag rebound in the function: unknown)


def _handed_scaler_step(a, func: ast.AST, clip: ast.Call, scaled: Sequence[tuple[ast.Call, ast.expr]]) -> ast.expr | None:
    """The scaler of a ``scaler.step(optimizer)`` after ``clip`` in its function, when the
    scaled backward ran elsewhere (the caller hands the scaler over) and no code of the file
    or of the project's folder ever calls ``unscale_``: the gradients are still scaled at
    the clip (rwth-i6/returnn's ``Updater.step(grad_scaler=...)`` clips, then steps). Not a
    step in the other arm of an ``if`` (researchmm/Stark clips under ``if not self.use_amp:``
    and steps the scaler in the ``else``). ``scaled``: the function's own scaled backward calls."""
    step = next((n for n in flow.calls_in(a, func) if flow.method_name(n) == "step" and n.args
                 and n.func.__class__ is ast.Attribute and flow.before(clip, n)
                 and flow.is_scaler(a, n.func.value) and flow.same_branch(a, clip, n)
                 and not _switched_off(a, n)), None)  # type: ignore[attr-defined]
    if step is None or _unscaled_somewhere(a):
        return None
    scaler = flow.dotted(step.func.value)  # type: ignore[attr-defined]
    if any(flow.before(clip, b) and flow.before(b, step) and flow.dotted(s) == scaler for b, s in scaled):
        return None  # the function scales its own backward, after the clip (ethanyanjiali/minChatGPT: the clip
        # runs before the backward, on gradients the last step's ``zero_grad(set_to_none=True)`` cleared)
    return step.func.value  # type: ignore[attr-defined]


def _unscaled_somewhere(a) -> bool:
    """Some code of the file, or of its project folder, calls ``unscale_`` (or may: a folder
    too large to search counts as one that does)."""
    if "unscale_" in a.source:
        return True
    env = getattr(a, "env", None)
    if getattr(env, "project", None) is None or env.module is None:
        return False

    def compute(project) -> bool:
        from torchwise.project.callers import Incomplete, _folder_of, _mentioning

        try:
            with project.lock:
                return bool(_mentioning(project, "unscale_", _folder_of(project, env.path)))
        except Incomplete:
            return True
        except Exception:  # the project model must never break a rule
            return True
    return flow.per_revision(a, "unscaled_somewhere", compute)


def _within_gates(a, clip: ast.Call, other: ast.Call, loops: bool) -> bool:
    """Every ``if`` arm (and, with ``loops``, every loop) around ``other`` holds ``clip`` too:
    an ``unscale_`` put before the clip runs only where ``other`` does. Not so in
    abhishekkrthakur/tez's trainer: the scaled backward is under ``if self.fp16:`` (else no
    scaler), the step under the accumulation test (``unscale_`` twice before ``update()``
    raises), and the clip under neither; the finding stands, with no fix."""
    around = flow.branch_path(a, clip)
    if any(around.get(k) != arm for k, arm in flow.branch_path(a, other).items()):
        return False
    return not loops or {id(n) for n in flow.enclosing_loops(a, other)} <= {id(n) for n in flow.enclosing_loops(a, clip)}


def _is_autocast(ctx: Context, expr: ast.expr, depth: int = 0) -> bool:
    """An autocast region: ``torch.autocast(...)``, or a name bound to one (also
    ``autocast(...) if use_amp else nullcontext()``: when AMP is on, it is autocast)."""
    if isinstance(expr, ast.Name) and depth < 3:
        value = flow.binding_value(ctx.analysis, expr)
        return value is not None and _is_autocast(ctx, value, depth + 1)
    if isinstance(expr, ast.IfExp) and depth < 3:
        return _is_autocast(ctx, expr.body, depth + 1) or _is_autocast(ctx, expr.orelse, depth + 1)
    if not isinstance(expr, ast.Call):
        return False
    qualname = flow.safe_qualname(ctx.analysis, expr.func)
    if qualname not in flow.AUTOCAST:
        return False
    for k in expr.keywords:
        if k.arg == "enabled" and flow.static_false(ctx.analysis, k.value):
            return False  # (also a flag the file sets False: ``enabled=CFG.apex``)
    # ``torch.cuda.amp.autocast(False)``: enabled is the first argument of the device classes
    # (hongsukchoi/3DCrowdNet_RELEASE runs its backward in ``with amp.autocast(False):``)
    return not (qualname in _ENABLED_FIRST and expr.args and is_false(expr.args[0]))


_ENABLED_FIRST = frozenset({"torch.cuda.amp.autocast", "torch.cpu.amp.autocast",
                            "torch.cuda.amp.autocast_mode.autocast", "torch.cpu.amp.autocast_mode.autocast"})


@rule(code="TW403", name="backward-inside-autocast", group="amp", severity="warning",
      summary="backward() runs inside an autocast region; leave the region before the backward pass.", runtime=True)
def backward_inside_autocast(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for with_node in flow.iter_nodes(a, ast.With, ast.AsyncWith):
        if not any(_is_autocast(ctx, item.context_expr) for item in with_node.items):
            continue
        for stmt in with_node.body:
            for n in flow.calls_in(a, stmt):  # the engine sorts the findings: any order
                if flow.is_backward_call(n):
                    if _in_nested_autocast_off(ctx, n, with_node) or _in_arm_disabling(ctx, n, with_node):
                        continue
                    yield ctx.finding(
                        n,
                        f"`{ctx.text(n)}` runs inside an autocast region; the backward pass already uses "
                        "the dtypes chosen in the forward pass, and PyTorch's AMP docs advise against running "
                        "it under autocast; dedent the backward (and the optimizer step) out of the `with` block",
                    )
                elif (_helper_runs_backward(ctx, n) and not _in_nested_autocast_off(ctx, n, with_node)
                      and not _in_arm_disabling(ctx, n, with_node) and not flow.under_grad_off(a, n)):
                    # (under no_grad the helper trains nothing here: pytorch/ao's tests run
                    # `_check_common(..., check_train=False)`, whose backward is for training runs)
                    yield ctx.finding(
                        n,
                        f"`{ctx.text(n.func)}()` calls backward() and runs inside an autocast region; the "
                        "backward pass already uses the dtypes chosen in the forward pass, and PyTorch's AMP docs "
                        "advise against running it under autocast; call it after the `with` block (or, where "
                        "it also runs the forward pass, enter autocast inside it, around the forward only)",
                    )
    yield from _decorated_backward(ctx)


def _decorated_backward(ctx: Context) -> Iterator[Finding]:
    """A function decorated with ``@torch.autocast(...)`` runs its whole body in the
    region: a backward of its own code (not under a nested ``autocast(enabled=False)``),
    as its summary's regions say."""
    a = ctx.analysis
    for func in flow.iter_nodes(a, ast.FunctionDef, ast.AsyncFunctionDef):
        if not func.decorator_list or not any(_is_autocast(ctx, d) for d in func.decorator_list):
            continue  # (asked first: most functions have no decorator, and the regions walk the body)
        regions = effects.regions_of(a, func)
        if effects.AUTOCAST not in regions.body:
            continue
        for n in flow.calls_in(a, func):
            if effects.AUTOCAST not in regions.at(n):
                continue
            if flow.is_backward_call(n):
                yield ctx.finding(
                    n,
                    f"`{ctx.text(n)}` runs inside an autocast region (`{func.name}` is decorated with autocast); "
                    "the backward pass already uses the dtypes chosen in the forward pass, and PyTorch's AMP docs "
                    "advise against running it under autocast; move the backward (and the optimizer step) out "
                    "of the decorated function",
                )
            elif _helper_runs_backward(ctx, n):
                yield ctx.finding(
                    n,
                    f"`{ctx.text(n.func)}()` calls backward() and runs inside an autocast region (`{func.name}` is "
                    "decorated with autocast); the backward pass already uses the dtypes chosen in the forward "
                    "pass, and PyTorch's AMP docs advise against running it under autocast; call it outside the "
                    "decorated function",
                )


def _helper_runs_backward(ctx: Context, call: ast.Call) -> bool:
    """A call of a summarised helper (this file's, or another module's) that calls backward()."""
    a = ctx.analysis
    summaries = effects.summaries(a.tree, a)
    if flow.method_name(call) not in summaries.helper_names():
        return False
    callee = summaries.callee(call, flow.enclosing_function(a, call))
    return callee is not None and summaries.of(callee).backward


def _in_arm_disabling(ctx: Context, node: ast.AST, with_node: ast.With | ast.AsyncWith) -> bool:
    """``node`` runs in an arm of an ``if`` (inside the region) where the region's
    ``enabled=`` flag is false: ``with autocast(enabled=amp): ... if amp: scaled backward
    else: loss.backward()`` (MONAI's MAISI tutorial): there autocast is off."""
    flags = set()
    for item in with_node.items:
        e = item.context_expr
        if isinstance(e, ast.Call):
            flags.update(ast.dump(k.value) for k in e.keywords if k.arg == "enabled")
    if not flags:
        return False
    child = node
    for anc in flow.ancestors(ctx.analysis, node):
        if anc is with_node:
            return False
        if isinstance(anc, ast.If):
            test, negated = anc.test, False
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                test, negated = test.operand, True
            if ast.dump(test) in flags and (child in anc.orelse) != negated:
                return True
        child = anc
    return False


def _in_nested_autocast_off(ctx: Context, node: ast.AST, outer: ast.AST) -> bool:
    for anc in flow.ancestors(ctx.analysis, node):
        if anc is outer:
            return False
        if isinstance(anc, (ast.With, ast.AsyncWith)):
            for item in anc.items:
                e = item.context_expr
                if isinstance(e, ast.Call) and flow.safe_qualname(ctx.analysis, e.func) in flow.AUTOCAST:
                    return True  # a nested autocast(enabled=False) or another autocast: inner one rules
    return False


_DEPRECATED_AMP = {
    "torch.cuda.amp.autocast": "autocast",
    "torch.cuda.amp.GradScaler": "GradScaler",
    "torch.cuda.amp.autocast_mode.autocast": "autocast",
    "torch.cuda.amp.grad_scaler.GradScaler": "GradScaler",
}


# the torch release each replacement came in (``torch.amp.autocast``: 1.12, as
# pytorch/ignite's import guard says; ``torch.amp.GradScaler``: 2.3, the release that made
# ``torch.cuda.amp.GradScaler`` a subclass of it): code that supports an older torch
# (``torch-version``, lint/options.py) keeps the old class, and is not told otherwise
_REPLACEMENT_SINCE = {"autocast": "1.12", "GradScaler": "2.3"}

# the parameters of the deprecated classes, in order (torch/cuda/amp/*.py)
_AMP_PARAMS = {
    "autocast": ("enabled", "dtype", "cache_enabled"),
    "GradScaler": ("init_scale", "growth_factor", "backoff_factor", "growth_interval", "enabled"),
}
# defaults torch.amp.* reads from global state where torch.cuda.amp.* passed constants
_GLOBAL_DEFAULTS = {"dtype": "set_autocast_dtype", "cache_enabled": "set_autocast_cache_enabled"}


@rule(code="TW404", name="deprecated-cuda-amp", group="amp", severity="warning",
      summary="torch.cuda.amp.autocast/GradScaler are deprecated; use torch.amp.autocast/GradScaler(\"cuda\").",
      fix="safe")
def deprecated_cuda_amp(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for call in flow.calls_named(a, "autocast", "GradScaler"):
        if flow.last_name(call.func) not in ("autocast", "GradScaler"):
            continue
        qualname = flow.safe_qualname(a, call.func)
        short = _DEPRECATED_AMP.get(qualname or "")
        if short is None or in_compat_code(ctx, call) or in_compat_code(ctx, call.func) \
                or not options.has(ctx, _REPLACEMENT_SINCE[short]) or options.predates(ctx, "2.4") \
                or _cuda_redirected(a):
            continue  # (a name an ``except ImportError`` fallback binds is the modern class where that exists:
            # MIC-DKFZ/nnUNet's ``try: from torch import GradScaler``, ``from torch.cuda.amp import GradScaler`` after)
        yield ctx.finding(
            call,
            f"`torch.cuda.amp.{short}(...)` is deprecated; use `torch.amp.{short}(\"cuda\", ...)` "
            "(the device type comes first, so pass the other arguments by keyword)",
            options.for_pin(ctx, _amp_fix(ctx, call, short), _REPLACEMENT_SINCE[short]),
            url=api_page(f"torch.cuda.amp.{short}"),
        )
    for ref in _called_later(ctx):
        short = _DEPRECATED_AMP[flow.safe_qualname(a, ref) or ""]
        if not options.has(ctx, _REPLACEMENT_SINCE[short]) or options.predates(ctx, "2.4") or _cuda_redirected(a):
            continue  # (deprecated in 2.4)
        yield ctx.finding(
            ref,
            f"`torch.cuda.amp.{short}` is deprecated (it warns when called); use `torch.amp.{short}` "
            f"with the device type first (`torch.amp.{short}(\"cuda\", ...)`, or "
            f"`functools.partial(torch.amp.{short}, \"cuda\")` where it is called later)",
            url=api_page(f"torch.cuda.amp.{short}"),
        )


@flow.whole_module_query("cuda_redirected")
def _cuda_redirected(a) -> bool:
    """The file imports ``torch_npu.contrib.transfer_to_npu``, which points ``torch.cuda``
    (``torch.cuda.amp`` included) at Ascend's NPU: ``torch.amp.autocast("cuda")`` would not
    follow (PKU-YuanGroup/Open-Sora-Plan's NPU config). Once per file (the whole module's,
    also when the editor re-lints one statement)."""
    found = a.queries.get("cuda_redirected")
    if found is None:
        found = a.queries["cuda_redirected"] = any(
            (stmt.__class__ is ast.ImportFrom and (stmt.module or "").startswith("torch_npu.contrib")
             and any(n.name == "transfer_to_npu" for n in stmt.names))
            or (stmt.__class__ is ast.Import and any(n.name == "torch_npu.contrib.transfer_to_npu" for n in stmt.names))
            for stmt in flow.index(a).imports)
    return found  # type: ignore[no-any-return]


def _called_later(ctx: Context) -> list[ast.expr]:
    """References to the deprecated classes that are called later, not where they are
    named: an arm of ``x if c else y`` (meta-llama/llama-recipes: ``autocast =
    torch.cuda.amp.autocast if use_fp16 else nullcontext`` ... ``with autocast():``), what
    ``functools.partial`` wraps, the value of an assignment to another name (``ctx =
    torch.cuda.amp.autocast``; the calls of a name ``autocast``/``GradScaler`` are found
    where they are made), or a function's return value. An annotation or an ``isinstance``
    test builds nothing."""
    a = ctx.analysis
    found = []
    for ref in index(ctx).refs_named(("autocast", "GradScaler")):
        up = flow.parent(a, ref)
        if up.__class__ is ast.IfExp:
            if ref is up.test:  # type: ignore[attr-defined]
                continue
        elif up.__class__ is ast.Assign:
            if ref is not up.value or all(flow.last_name(t) in ("autocast", "GradScaler")  # type: ignore[attr-defined]
                                          for t in up.targets):  # type: ignore[attr-defined]
                continue
        elif up.__class__ is ast.Return:
            pass  # returned for the caller to build (mlfoundations/open_flamingo's ``get_autocast``)
        elif not (up.__class__ is ast.Call and up.args and up.args[0] is ref  # type: ignore[attr-defined]
                  and flow.last_name(up.func) == "partial"):  # type: ignore[attr-defined]
            continue
        if _DEPRECATED_AMP.get(flow.safe_qualname(a, ref) or "") is not None and not in_compat_code(ctx, ref):
            found.append(ref)
    return found


def _bound_to_others_too(a, func: ast.expr) -> bool:
    """The name the callee starts with is bound to something else too, on another path
    (open-mmlab/mmcv: torch_musa's ``autocast`` where MUSA is available, torch.cuda.amp's
    elsewhere): a call rewritten for CUDA would change the other path."""
    root = flow.root_name(func)
    if root is None:
        return False
    try:
        scope = a.binding_scope(root.id, a.scope_of(root))
    except Exception:
        return True
    if scope is None:
        return False
    name = root.id  # type: ignore[attr-defined]
    # (once per scope and name: a notebook's module scope may import torch in every cell)
    return flow.memo(a, scope.node, "bound_to_others:" + name,
                     lambda: len({(b.kind, b.qualname) for b in scope.bindings[name]}) > 1)


def _amp_fix(ctx: Context, call: ast.Call, short: str) -> Fix | None:
    """``torch.cuda.amp.X(a, b, k=v)`` -> ``torch.amp.X("cuda", p1=a, p2=b, k=v)``: the
    positional arguments become keywords, since ``torch.amp.autocast``'s second
    parameter is ``dtype`` where the old one's first was ``enabled``."""
    a = ctx.analysis
    params = _AMP_PARAMS[short]
    if any(isinstance(x, ast.Starred) for x in call.args) or len(call.args) > len(params):
        return None
    if _bound_to_others_too(a, call.func):
        return None
    given = {params[i] for i in range(len(call.args))} | {k.arg for k in call.keywords if k.arg}
    if any(k.arg not in params for k in call.keywords if k.arg):
        return None  # an argument the old API does not take: it fails already, leave it
    new_func = module_reference(ctx, call.func, f"torch.amp.{short}")
    if new_func is None:
        return None
    edits = [ctx.replace(call.func, new_func)]
    for i, arg in enumerate(call.args):
        col = a.char_col(arg.lineno, arg.col_offset)
        edits.append(Edit(arg.lineno, col, arg.lineno, col, ('"cuda", ' if i == 0 else "") + f"{params[i]}="))
    if not call.args:
        if call.keywords:
            first = min(call.keywords, key=lambda k: (k.lineno, k.col_offset))
            col = a.char_col(first.lineno, first.col_offset)
            edits.append(Edit(first.lineno, col, first.lineno, col, '"cuda", '))
        else:
            end_line = call.end_lineno or call.lineno
            end_col = a.char_col(end_line, call.end_col_offset or 0)
            edits.append(Edit(end_line, end_col - 1, end_line, end_col - 1, '"cuda"'))
    # torch.amp.autocast reads a missing dtype/cache_enabled from global settings (which
    # default to what torch.cuda.amp passed); a file that changes them gets an unsafe fix
    changed = {_GLOBAL_DEFAULTS[p] for p in _GLOBAL_DEFAULTS if short == "autocast" and p not in given}
    unsafe = bool(changed) and (any(k.arg is None for k in call.keywords)
                                or bool(flow.calls_named(a, *changed)))
    if short == "GradScaler" and _class_tested(a):
        return Fix("unsafe", 'Use torch.amp.GradScaler("cuda", ...) with keyword arguments (unsafe: the project '
                   "tests `isinstance(..., GradScaler)`, and the new object is the base class)", tuple(edits))
    return Fix("unsafe" if unsafe else "safe", f'Use torch.amp.{short}("cuda", ...) with keyword arguments',
               tuple(edits))


_ISINSTANCE_SCALER = lazy(r"isinstance\(.*GradScaler\s*\)")


def _class_tested(a) -> bool:
    """The file, or a module of its project, tests ``isinstance(x, ...GradScaler)``:
    ``torch.cuda.amp.GradScaler`` is a subclass of ``torch.amp.GradScaler``, so the object
    the fix builds fails a test for the old class (hila-chefer/Transformer-MM-Explainability's
    MMF tests ``isinstance(trainer.scaler, torch.cuda.amp.GradScaler)``). The project's
    modules are those of the file's workspace folder. Once per file and project revision."""
    def compute(project) -> bool:
        if _ISINSTANCE_SCALER.search(a.source):
            return True
        if project is None:
            return False
        from torchwise.project.callers import Incomplete, _folder_of, _mentioning

        folder = _folder_of(project, getattr(a.env, "path", None))  # (a file outside the folders: itself only)
        if folder is None:
            return False
        found = project.memo.get(("scaler_class_tested", folder))
        if found is None:
            try:
                with project.lock:
                    found = any(_ISINSTANCE_SCALER.search(project.source(path) or "")
                                for path in _mentioning(project, "GradScaler", folder))
            except Incomplete:  # too many modules mention it to read them all for a fix's label
                found = False
            except Exception:  # the project model must never break a rule
                found = False
            project.memo[("scaler_class_tested", folder)] = found
        return found

    return flow.per_revision(a, "scaler_class_tested", compute)  # type: ignore[return-value]
