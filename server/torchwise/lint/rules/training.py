"""Training-loop logic (TW1xx): gradients, optimizer/scheduler order, train/eval
modes, grad mode, and what a loop keeps alive."""

from __future__ import annotations

import ast
import bisect
import builtins
import functools
import itertools
import operator
import re
import weakref
from typing import Iterator

from torchwise.analysis import LOCAL, LR_SCHEDULER, MODULE, OPTIMIZER, Analysis, parameter_defaults
from torchwise.lazy_pattern import lazy
from torchwise.lint import fix_edits, flow, options
from torchwise.lint.base import Context, Edit, Finding, Fix, rule
from torchwise.lint.rules import _modes, _reach, _weights
from torchwise.lint.rules._calls import (argument, arguments as call_arguments, in_compat_code, is_false, is_true,
                                         may_pass, module_reference)
from torchwise.project import effects, regions


# ------------------------------------------------------------------ shared bits
def _optimizer_steps(ctx: Context) -> list[tuple[ast.Call, ast.expr]]:
    """``opt.step()`` (no arguments: a closure means LBFGS-style code) and
    ``scaler.step(opt)``, with the optimizer expression (found once per file version);
    also calls of the file's helpers that step an optimizer passed to them
    (``apply_gradients(loss, optimizer)``): the call site is the step."""
    a = ctx.analysis
    found = a.queries.get("optimizer_steps")
    if found is None:
        found = a.queries["optimizer_steps"] = []
        for call in flow.calls_named(a, "step"):
            if not isinstance(call.func, ast.Attribute):
                continue
            recv = call.func.value
            if flow.is_scaler(a, recv):
                if call.args and flow.is_optimizer(a, call.args[0]):
                    found.append((call, call.args[0]))
            elif not call.args and not call.keywords and flow.is_optimizer(a, recv):
                found.append((call, recv))
        summaries = _summaries(a)
        added = False
        for call, callee in _helper_callees(a):
            if not summaries.is_local_call(call) and not any(
                    "opt" in flow.last_name(x).lower() for x in [*call.args, *(k.value for k in call.keywords)]
                    if isinstance(x, (ast.Name, ast.Attribute))):
                continue  # another module's helper: only when something named like an optimizer is passed
            for arg in summaries.steps_at(call, flow.enclosing_function(a, call)):
                if flow.is_optimizer(a, arg):
                    found.append((call, arg))
                    added = True
                    break
        if added:
            found.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    return found


def _helper_callees(a) -> list[tuple[ast.Call, ast.AST]]:
    """The calls that run a summarised helper, in source order, each with the function it
    runs: asked once per file version and project revision, not once per rule that
    follows helpers. Of the calls named like one (every ``x.step()`` when a class of the
    file defines ``step``), most run none: they are left out before the sort."""
    summaries = _summaries(a)
    stamp = summaries.stamp()
    cached = a.queries.get("helper_callees")
    if cached is None or cached[0] != stamp:
        names = summaries.helper_names()
        callees: dict[int, ast.AST] = {}
        calls = []
        for c in flow.calls_named_unordered(a, names) if names else ():
            callee = summaries.callee(c, flow.enclosing_function(a, c))
            if callee is not None:
                callees[id(c)] = callee
                calls.append(c)
        flow.sort_outer_first(calls)
        cached = a.queries["helper_callees"] = (stamp, [(c, callees[id(c)]) for c in calls])
    return cached[1]


def _summaries(a) -> "effects.Summaries":
    """The file's function summaries, following the project's other modules when the
    analysis sees a project."""
    return effects.summaries(a.tree, a)


def _clearing_nodes(a) -> list[ast.AST]:
    """The statements and calls that clear gradients directly (see ``flow.clears_gradients``)."""
    candidates = a.queries.get("clearing_nodes")
    if candidates is None:
        candidates = [n for n in flow.calls_where(a, lambda name: flow.clears_by_name(name) or name in flow.GRAD_EDITS)
                      if flow.clears_gradients(n)]
        Attribute = ast.Attribute  # flow.clears_gradients of an assignment, inlined
        candidates += [n for n in flow.iter_nodes(a, ast.Assign)
                       if any(t.__class__ is Attribute and t.attr == "grad" for t in n.targets)]
        a.queries["clearing_nodes"] = candidates
    return candidates


@flow.whole_module_query("clearing_functions")  # a call of any of them, anywhere, clears
def _clearing_functions(a) -> set[str]:
    """Names of the file's functions whose bodies clear gradients."""
    names = a.queries.get("clearing_functions")
    if names is None:
        names = a.queries["clearing_functions"] = set()
        for node in _clearing_nodes(a):
            func = flow.enclosing_function(a, node)
            if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(func.name)
    return names


def _clearing_nodes_in(ctx: Context, loop: ast.AST) -> list[ast.AST]:
    """``_clearing_nodes`` inside ``loop`` whose enclosing function is the loop's, in
    the same order (each function's are kept by position: a bisect, not a scan)."""
    a = ctx.analysis
    by_func = a.queries.get("clearing_by_function")
    if by_func is None:
        by_func = a.queries["clearing_by_function"] = {}
        for order, node in enumerate(_clearing_nodes(a)):
            by_func.setdefault(id(flow.enclosing_function(a, node)), []).append(
                ((node.lineno, node.col_offset), order, node))  # type: ignore[attr-defined]
        for rows in by_func.values():
            rows.sort(key=_FIRST)
    rows = by_func.get(id(flow.enclosing_function(a, loop)), [])
    start = bisect.bisect_left(rows, (loop.lineno, loop.col_offset), key=_FIRST)  # type: ignore[attr-defined]
    end = bisect.bisect_right(rows, (loop.end_lineno, loop.end_col_offset), key=_FIRST)  # type: ignore[attr-defined]
    return [node for _, _, node in sorted(rows[start:end], key=_SECOND) if flow.contains(loop, node)]


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def _clearing_holders(ctx: Context) -> set[int]:
    """Nodes (ids) whose own code clears gradients, directly or through a call of one of
    the file's functions that do: ``_clears(node)`` for every node at once."""
    a = ctx.analysis
    holders = a.queries.get("clearing_holders")
    if holders is None:
        holders = flow.local_holders(a, [*_clearing_nodes(a), *_clearing_calls(ctx)])
        a.queries["clearing_holders"] = holders
    return holders


def _clearing_calls(ctx: Context) -> list[ast.Call]:
    """Calls that clear gradients through a helper: of the file's functions whose bodies
    clear, and of any summarised helper (same file or another module) that clears,
    in source order."""
    a = ctx.analysis
    calls = a.queries.get("clearing_calls")
    if calls is None:
        helpers = _clearing_functions(a)
        summaries = _summaries(a)
        deep = [c for c, callee in _helper_callees(a) if summaries.of(callee).clears]
        direct = flow.calls_named(a, *helpers) if helpers else []
        seen = {id(c) for c in direct}
        calls = sorted([*direct, *(c for c in deep if id(c) not in seen)], key=lambda c: (c.lineno, c.col_offset))
        a.queries["clearing_calls"] = calls
    return calls


def _has_backward(ctx: Context, node: ast.AST) -> bool:
    """Whether ``node``'s own code (not nested functions) calls backward(), directly or
    through a call of one of the file's helpers that does."""
    a = ctx.analysis
    holders = a.queries.get("backward_holders")
    if holders is None:
        summaries = _summaries(a)
        via_helpers = []
        for c, callee in _helper_callees(a):
            if summaries.of(callee).backward:
                via_helpers.append(c)
        holders = flow.local_holders(a, [c for c in flow.calls_named(a, "backward") if flow.is_backward_call(c)]
                                     + via_helpers)
        a.queries["backward_holders"] = holders
    return id(node) in holders


# ------------------------------------------------------------------ TW101
@rule(code="TW101", name="missing-zero-grad", group="training", severity="warning",
      summary="A training loop calls backward() and optimizer.step() but never clears the gradients.",
      fix="unsafe", runtime=True)
def missing_zero_grad(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    yield from _own_optimizer_never_cleared(ctx)
    for step, opt in _optimizer_steps(ctx):
        loops = flow.enclosing_loops(a, step)
        loop = next((l for l in loops if _has_backward(ctx, l)), None)
        if loop is None or _steps_in_own_loop(ctx, step) or flow.plain_object(a, opt):
            continue  # (an optimizer of a hand-written NumPy framework: rslim97/CMU-11785's ``SGD``)
        clearing = _clearing_holders(ctx)
        if id(loop) in clearing:
            others = _cleared_for_other_optimizers_only(ctx, loop, opt)
            if others is not None and not _holder_may_clear(a, loop, opt):
                yield ctx.finding(
                    step,
                    f"This loop clears the gradients of `{ctx.text(others)}` only, not those of "
                    f"`{ctx.text(opt)}`: `{ctx.text(step)}` applies gradients that keep accumulating across "
                    f"iterations; call `{ctx.text(opt)}.zero_grad()` once per step too",
                    _zero_grad_fix(ctx, loop, opt),
                )
                continue
            other = _cleared_only_in_other_branches(ctx, loop, step)
            if other is not None:
                yield ctx.finding(
                    step,
                    f"Gradients are cleared only in another branch ({flow.line_ref(ctx.analysis, other.lineno)}): "
                    "on this path "
                    f"`{ctx.text(step)}` applies gradients that keep accumulating across iterations; call "
                    f"`{ctx.text(opt)}.zero_grad()` on this path too (or once at the top of the loop)",
                    _zero_grad_fix(ctx, loop, opt),
                )
            elif _helper_clears_on_one_path(ctx, loop, step):
                yield ctx.finding(
                    step,
                    f"`{ctx.text(step.func)}()` clears the gradients on one path only: on another (the other arm "
                    f"of an `if` in it) it steps `{ctx.text(opt)}` without clearing them, so they keep "
                    f"accumulating across iterations; call `{ctx.text(opt)}.zero_grad()` on that path too",
                )  # (no fix: the path is in the helper, which may step only every few batches)
            continue
        func = flow.enclosing_function(a, step)
        conditional = flow.is_conditional_within(a, step, loop)
        if conditional and id(func) in clearing:
            continue  # accumulation: cleared once per outer loop / epoch
        if _built_in(ctx, loop, opt, step) or _run_twice(loop) or _empty_parameters(a, opt) \
                or _holder_may_clear(a, loop, opt) or _one_optimizer_per_iteration(ctx, loop, opt, func) \
                or _model_clears_in_forward(a, loop) or _backwards_a_number(a, loop, func) \
                or _uncalled_in(a, loop, "zero_grad"):
            continue
        yield ctx.finding(
            step,
            f"Gradients are never cleared in this loop: `{ctx.text(step)}` applies gradients that "
            f"keep accumulating across iterations; call `{ctx.text(opt)}.zero_grad()` once per step "
            "(before the next backward())",
            _zero_grad_fix(ctx, loop, opt),
        )


def _own_optimizer_never_cleared(ctx: Context) -> Iterator[Finding]:
    """``gan.step(data)`` in a loop, where ``step`` is a method that calls backward() and steps
    its object's own optimizer (``self.discriminator.optimizer.step()``) without clearing
    anything, and the loop clears nothing either (Adversarial-Deep-Learning/code-soup's
    ``GAN.step``, whose discriminator's gradients pile up). A call on ``self`` is the main
    path's (``_optimizer_steps``); this one names the method, and offers no fix: the clear
    belongs in the method."""
    a = ctx.analysis
    summaries = _summaries(a)
    clearing: set[int] | None = None
    for call, callee, owner in _bound_calls(ctx, summaries):
        func = call.func
        effects_of = effects.summaries(owner.tree, owner).of(callee)
        if not effects_of.backward:
            continue
        own = [expr for t, expr in effects_of.steps if t.startswith("self.") and flow.is_optimizer(owner, expr)
               and not flow.is_scheduler(owner, expr)]
        if effects_of.clears:
            cleared = _cleared_in(owner, callee)
            # (``self._optimizer.zero_grad()`` clears what ``self.optimizer``, a property of the
            # same name without the underscore, steps: Trusted-AI/adversarial-robustness-toolbox)
            cleared = [_public(c) for c in cleared] if cleared is not None else None
            own = [] if cleared is None else [expr for expr in own if not any(
                d == c or d.startswith(c + ".") for d in [_public(flow.dotted(expr) or "")] for c in cleared)
                and not _built_over(owner, expr, cleared)]
        if not own:
            continue
        loops = flow.enclosing_loops(a, call)
        if not loops or flow.is_conditional_within(a, call, loops[-1]):
            continue  # (a step every few batches: an accumulation window, cleared elsewhere perhaps)
        if clearing is None:
            clearing = _clearing_holders(ctx)
        if any(id(loop) in clearing and _clears_besides(ctx, loop, call) for loop in loops):
            continue  # (the call itself clears what it does not step: code-soup's generator)
        step = flow.parent(owner, own[0])
        if step.__class__ is not ast.Attribute or flow.is_conditional_within(owner, step, callee):
            continue  # (the method steps under an ``if``: perhaps every few calls)
        where = "" if owner is a else f" of `{owner.path.rsplit('/', 1)[-1]}`"
        yield ctx.finding(
            call,
            f"`{ctx.text(func)}()` calls backward() and steps `{flow.dotted(own[0])}` (the method on line "
            f"{callee.lineno}{where}) without clearing its gradients, and this loop never clears them either: "
            f"they keep accumulating across iterations; call `{flow.dotted(own[0])}.zero_grad()` in that method "
            "before its backward()",
        )


def _built_over(a, opt: ast.expr, modules: list[str]) -> bool:
    """The optimizer ``opt`` was built over parameters of ``modules`` alone (or their parts):
    ``self.encoder.zero_grad()`` clears all that ``Adam(self.encoder.parameters())`` steps
    (lijx10/SO-Net's ``Model.optimize`` clears its encoder and classifier, then steps the
    optimizer of each)."""
    owners = _parameter_owners(a, opt)
    return owners is not None and all(
        any(o == m or o.startswith(m + ".") for m in modules) for o in map(_public, owners))


def _backwards_a_number(a, loop: ast.AST, func: ast.AST) -> bool:
    """Every ``backward()`` of the loop is called on a name its function binds only to a
    number (``loss = 0``, then ``loss.backward()``): an exercise's template whose "Your code
    here" block was left empty (twelfth-star/CS224W-Winter2023's Colab 2): the first call
    raises ``AttributeError``, no step is taken."""
    bindings = flow.local_bindings(a, func)
    backwards = [n for n in flow.walk_local(a, loop) if flow.is_backward_call(n)]
    return bool(backwards) and all(
        (t := flow.backward_target(n)).__class__ is ast.Name and bool(values := bindings.get(t.id))  # type: ignore[union-attr]
        and all(v.__class__ is ast.Constant and isinstance(v.value, (int, float)) for v in values)  # type: ignore[union-attr]
        for n in backwards)


def _public(dotted: str) -> str:
    """``self._optimizer`` as ``self.optimizer``: each part less its leading underscores."""
    return ".".join(part.lstrip("_") or part for part in dotted.split("."))


def _clears_besides(ctx: Context, loop: ast.AST, call: ast.Call) -> bool:
    """``loop`` clears gradients other than through ``call``."""
    return bool(_clearing_nodes_in(ctx, loop)) or any(
        c is not call and flow.contains(loop, c) for c in _clearing_calls(ctx))


def _cleared_in(a, func: ast.AST) -> list[str] | None:
    """What ``func`` clears when each of its clears is a ``self.<x>.zero_grad()`` (code-soup's
    ``GAN.step`` clears ``self.generator`` and steps ``self.discriminator.optimizer`` too);
    None when it clears otherwise (``p.grad = None``, a helper, a local's ``zero_grad()``)."""
    nodes = [n for n in _clearing_nodes(a) if flow.enclosing_function(a, n) is func]
    if not nodes or any(flow.enclosing_function(a, c) is func and effects.summaries(a.tree, a).of(f).clears
                        for c, f in _helper_callees(a)):
        return None
    out = []
    for n in nodes:
        if n.__class__ is not ast.Call or flow.method_name(n) != "zero_grad" or n.func.__class__ is not ast.Attribute:
            return None
        cleared = flow.dotted(n.func.value) or ""  # type: ignore[attr-defined]
        if not cleared.startswith("self."):
            return None
        out.append(cleared)
    return out


def _bound_calls(ctx: Context, summaries) -> Iterator[tuple[ast.Call, ast.AST, object]]:
    """``obj.method(...)`` calls (not on ``self``) that run a method of a class of the project,
    with the method and its module's analysis: the summarised helpers', and ``obj.step()``
    where ``obj`` is of a project class that is no optimizer (the helpers leave ``step`` on a
    plain name to optimizers)."""
    a = ctx.analysis
    seen = set()
    for call, callee in _helper_callees(a):
        func = call.func
        if func.__class__ is ast.Attribute and not (func.value.__class__ is ast.Name and func.value.id == "self") \
                and summaries.is_bound(call):  # type: ignore[attr-defined]
            seen.add(id(call))
            yield call, callee, summaries.analysis_of(callee)
    if "step" not in summaries.helper_names():
        return  # (nothing of the file, nor of a module it imports from the project, defines ``step``: the
        # helper names, not only the methods of the classes it sees, for a class a package re-exports)
    for call in flow.calls_named(a, "step"):
        func = call.func
        if id(call) in seen or func.__class__ is not ast.Attribute or func.value.__class__ is not ast.Name \
                or func.value.id == "self":  # type: ignore[attr-defined]
            continue
        qualname = flow.safe_type(a, func.value)  # type: ignore[attr-defined]
        found = _weights.class_of_project(a, qualname) if qualname and not qualname.startswith("torch.") else None
        if found is None or flow.is_subclass(found[0], found[1].qualname, OPTIMIZER):
            continue
        method = found[1].methods.get("step")
        if method is not None and method.__class__ is ast.FunctionDef:
            yield call, method, found[0]


def _model_clears_in_forward(a, loop: ast.AST) -> bool:
    """The loop calls a model of a class of the project whose ``forward`` clears gradients
    itself (threelittlemonkeys/seq2seq-pytorch: ``def forward(self, xc, xw, y0):
    self.zero_grad()``, then the loss): each iteration's backward starts from zero.
    Asked only before a finding."""
    for call in flow.calls_in(a, loop):
        if call.func.__class__ in (ast.Name, ast.Attribute) and _clearing_wrapper(a, call.func):
            return True
    if a.env is None and "zero_grad" not in flow.memo(a, a.tree, "forward_calls", lambda: frozenset(
            flow.method_name(n) for f in flow.index(a).of(ast.FunctionDef) if f.name == "forward"
            for n in flow.calls_in(a, f))):
        return False  # (a file alone: none of its classes' forward clears)
    for call in flow.calls_in(a, loop):
        if call.func.__class__ not in (ast.Name, ast.Attribute):
            continue
        qualname = flow.safe_type(a, call.func)
        found = _weights.project_function(a, qualname + ".forward") if qualname else None
        if found is not None and any(
                n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr == "zero_grad"
                for n in flow.walk_local(found[0], found[1])):
            return True
    return False


# model wrappers whose ``forward`` clears the wrapped module's gradients itself (ColossalAI's ZeRO:
# ``ZeroDDP.forward`` calls ``self.module.zero_grad(set_to_none=True)``)
_CLEARING_WRAPPERS = frozenset(("ZeroDDP", "GeminiDDP"))


def _clearing_wrapper(a, model: ast.expr) -> bool:
    """``model`` is bound to one of ColossalAI's ZeRO wrappers (``model = ZeroDDP(model,
    gemini_manager)``: hpcaitech/ColossalAI-Examples' BERT pre-training), imported from
    ``colossalai``."""
    built = flow.binding_value(a, model) if model.__class__ is ast.Name else None  # type: ignore[arg-type]
    if built.__class__ is not ast.Call or flow.last_name(built.func) not in _CLEARING_WRAPPERS:  # type: ignore[union-attr]
        return False
    return (flow.safe_qualname(a, built.func) or "").startswith("colossalai.")  # type: ignore[union-attr]


def _one_optimizer_per_iteration(ctx: Context, loop: ast.AST, opt: ast.expr, func: ast.AST) -> bool:
    """The loop steps ``optimizers[i]``, ``i`` taken from its own target, so each iteration
    steps another optimizer, once, and the function cleared gradients before the loop
    (i207M/PINNacle's FBPINN step: ``for optimizer in optimizers: optimizer.zero_grad()``, then
    one model per subdomain: ``loss.backward(); optimizers[im].step()``)."""
    if opt.__class__ is not ast.Subscript or loop.__class__ not in (ast.For, ast.AsyncFor):
        return False
    index = opt.slice  # type: ignore[attr-defined]
    targets = {n.id for n in ast.walk(loop.target) if n.__class__ is ast.Name}  # type: ignore[attr-defined]
    if index.__class__ is not ast.Name or index.id not in targets:  # type: ignore[attr-defined]
        return False
    return any(flow.enclosing_function(ctx.analysis, n) is func and flow.before(n, loop)
               for n in _clearing_nodes(ctx.analysis))


def _helper_clears_on_one_path(ctx: Context, loop: ast.AST, step: ast.Call) -> bool:
    """``step`` calls a helper that steps on a path that clears nothing (its summary's
    ``uncleared``: alibaba/EasyNLP's ``after_iter`` -> ``optimizer_step``, whose AMP arm
    steps the scaler and never clears), and nothing else in the loop clears on the way."""
    a = ctx.analysis
    summaries = _summaries(a)
    func = flow.enclosing_function(a, step)
    callee = summaries.callee(step, func)
    if callee is None or not summaries.of(callee).uncleared:
        return False
    others = [*_clearing_nodes_in(ctx, loop), *(
        c for c in _clearing_calls(ctx) if c is not step and flow.contains(loop, c)
        and flow.enclosing_function(a, c) is func
        and not ((h := summaries.callee(c, func)) is not None and summaries.of(h).uncleared))]
    return all(flow.other_arms(a, step, n) for n in others)


def _holder_may_clear(a, loop: ast.AST, opt: ast.expr) -> bool:
    """The optimizer is an attribute of an object (``detector.h_optimizer``) that the loop also
    calls a method of, one no summary can read (an object of unknown class): that method may
    clear its own optimizer's gradients (incDFM's ``OOD_class.get_loss()``, which starts with
    ``self.h_optimizer.zero_grad()``, in another module)."""
    if opt.__class__ is not ast.Attribute:
        return False
    holder = flow.dotted(opt.value)  # type: ignore[attr-defined]
    if holder is None or holder == "self":
        return False
    summaries = _summaries(a)
    func = flow.enclosing_function(a, loop)
    return any(c.func.__class__ is ast.Attribute and flow.dotted(c.func.value) == holder  # type: ignore[attr-defined]
               and _UPDATING_METHOD.search(c.func.attr) and c.func.attr not in ("step", "zero_grad")  # type: ignore[attr-defined]
               and summaries.callee(c, func) is None
               for c in flow.calls_in(a, loop))


# the methods of an object that may clear its own optimizer: ones that compute its loss or
# update it (not ``trainer.model(x)``, a module it holds)
_UPDATING_METHOD = lazy(r"loss|update|train|learn|optimi[sz]e|backward|fit|clear|zero|reset|step", re.I)


def _empty_parameters(a, opt: ast.expr) -> bool:
    """The optimizer was built on parameters with no elements (``SGD([Parameter(torch.zeros(0))])``),
    a stand-in that drives a learning-rate schedule to plot it (D-X-Y/AutoDL-Projects'
    scheduler notebook): there is nothing to accumulate."""
    built = flow.binding_value(a, opt) if opt.__class__ is ast.Name else None  # type: ignore[arg-type]
    if built.__class__ is not ast.Call or not built.args or built.args[0].__class__ is not ast.List:  # type: ignore[union-attr]
        return False

    def empty(e: ast.expr, depth: int = 0) -> bool:
        if e.__class__ is ast.Name and depth < 2:
            return empty(flow.binding_value(a, e), depth + 1)  # type: ignore[arg-type]
        if e.__class__ is not ast.Call:
            return False
        name = flow.last_name(e.func)  # type: ignore[attr-defined]
        if name == "Parameter" and e.args:  # type: ignore[attr-defined]
            return empty(e.args[0], depth)  # type: ignore[attr-defined]
        first = e.args[0] if e.args else None  # type: ignore[attr-defined]
        if name in ("zeros", "empty", "ones", "randn", "rand"):
            return first.__class__ is ast.Constant and first.value == 0  # type: ignore[union-attr]
        return name == "tensor" and first.__class__ is ast.List and not first.elts  # type: ignore[union-attr]

    elts = built.args[0].elts  # type: ignore[union-attr]
    return bool(elts) and all(empty(e) for e in elts)


def _run_twice(loop: ast.AST) -> bool:
    """``for _ in range(2):``: a warm-up pass then a measured one (kakaobrain/torchgpipe's
    memory benchmarks, whose second step must find the first one's gradients resident),
    not a training loop; at most one gradient is added to another."""
    it = getattr(loop, "iter", None)
    return (loop.__class__ is ast.For and it.__class__ is ast.Call and flow.last_name(it.func) == "range"  # type: ignore[attr-defined]
            and len(it.args) == 1 and it.args[0].__class__ is ast.Constant  # type: ignore[attr-defined]
            and it.args[0].value in (1, 2))  # type: ignore[attr-defined]


def _built_in(ctx: Context, loop: ast.AST, opt: ast.expr, step: ast.AST) -> bool:
    """The optimizer is built anew in ``loop`` before the step (``opt = torch.optim.SGD([x_in])``
    for one step on a fresh tensor: diffusers' pix2pix-zero; a fresh model and optimizer per
    test case: OpenNMT's tests): each iteration's gradients are new, nothing accumulates."""
    if not isinstance(opt, ast.Name):
        return False
    a = ctx.analysis
    built = a.queries.get("optimizers_assigned_calls")
    if built is None:  # once per file: ``opt = f(...)`` by (function, name), for the stepped names
        built = a.queries["optimizers_assigned_calls"] = {}
        names = {o.id for _, o in _optimizer_steps(ctx) if o.__class__ is ast.Name}
        for n in flow.index(a).assigns:
            if n.__class__ is ast.Assign and n.value.__class__ is ast.Call:
                for t in n.targets:
                    if t.__class__ is ast.Name and t.id in names:
                        built.setdefault((id(flow.enclosing_function(a, n)), t.id), []).append(n)
    candidates = [n for n in built.get((id(flow.enclosing_function(a, loop)), opt.id), ())
                  if flow.contains(loop, n) and flow.before(n, step)]
    if not candidates:
        return False
    nodes = flow.walk_local(a, loop)
    bound = {n.id for n in nodes if n.__class__ is ast.Name and n.ctx.__class__ is ast.Store}
    for n in candidates:
        # on parameters made in the loop too: a new optimizer over the same model's
        # parameters would still step on their accumulated .grad
        built_call = n.value
        while built_call.args and built_call.args[0].__class__ is ast.Call \
                and flow.last_name(built_call.args[0].func)[:1].isupper():
            built_call = built_call.args[0]  # a wrapper around the optimizer it builds (mmengine's OptimWrapper(SGD(...)));
            # not the parameters' own call (OpenNMT's ``SGD(trainable_params.values(), 1)``)
        params = built_call.args[:1] or [k.value for k in built_call.keywords if k.arg == "params"]
        names = {m.id for p in params for m in ast.walk(p) if isinstance(m, ast.Name)}
        if names and names <= bound:
            return True
    return False


def _steps_in_own_loop(ctx: Context, call: ast.Call) -> bool:
    """``call`` runs a helper of this file that steps in a loop of its own
    (``train_epoch(model, loader, optimizer)``, called once per epoch): that loop is
    where gradients must be cleared, and where a missing clear is reported; the
    epoch loop around the call would only repeat it (MONAI's BraTS tutorial)."""
    if flow.method_name(call) == "step":
        return False
    summaries = _summaries(ctx.analysis)
    if not summaries.is_local_call(call):
        return False
    callee = summaries.callee(call, flow.enclosing_function(ctx.analysis, call))
    if callee is None:
        return False
    return any(flow.method_name(n) == "step" and flow.enclosing_loops(ctx.analysis, n)
               for n in flow.calls_in(ctx.analysis, callee))


def _cleared_for_other_optimizers_only(ctx: Context, loop: ast.AST, opt: ast.expr) -> ast.expr | None:
    """When every gradient clearing in ``loop``'s own code is ``other.zero_grad()`` on a
    different optimizer (a GAN loop clearing the encoder's optimizer, never the
    discriminator's), one such optimizer; else None (a model's ``zero_grad()``, a
    parameter-level clearing or a helper may clear ``opt``'s parameters too)."""
    a = ctx.analysis
    name = flow.dotted(opt)
    if not name:
        return None
    inside = _clearing_nodes_in(ctx, loop)  # a bisect per loop, not a scan of the file's clearings
    if not inside or flow.any_within(loop, _clearing_calls(ctx)):
        return None
    for n in inside:
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "zero_grad"):
            return None
        recv = n.func.value
        held = flow.dotted(recv)
        if held in (None, name) or not flow.is_optimizer(a, recv) or _same_but_private(held, name) \
                or name.startswith(held + "."):  # type: ignore[operator]
            return None  # (``self.optim.zero_grad()`` for ``self.optim.optimizer``: the wrapper that
            # holds it clears it, facebookresearch/omnivore's OmniOptimizer)
    cleared_names = {flow.dotted(n.func.value) for n in inside}  # type: ignore[attr-defined]
    if len(cleared_names) == 1 and opt.__class__ is ast.Name \
            and _global_at_callers(ctx, flow.enclosing_function(a, loop), opt.id, 2) in cleared_names:
        return None  # the global it clears is the optimizer every caller passes (a course's template)
    mine = _parameter_owners(ctx.analysis, opt)
    if mine is not None:
        cleared: set[str] = set()
        for n in inside:
            theirs = _parameter_owners(ctx.analysis, n.func.value)  # type: ignore[attr-defined]
            if theirs is None:
                break
            cleared |= theirs
        else:
            if mine <= cleared:
                return None  # the others cover all its parameters (infoGAN's info optimizer over G and D)
    return inside[0].func.value  # type: ignore[attr-defined]


def _same_but_private(one: str | None, other: str) -> bool:
    """``self._optimizer`` and ``self.optimizer``: the same optimizer, read through a
    property (Trusted-AI/adversarial-robustness-toolbox's ``PyTorchClassifier.optimizer``
    returns ``self._optimizer``)."""
    if one is None:
        return False
    head, _, last = one.rpartition(".")
    other_head, _, other_last = other.rpartition(".")
    return head == other_head and last.lstrip("_") == other_last.lstrip("_")


def _global_at_callers(ctx: Context, func: ast.AST, param: str, depth: int) -> str | None:
    """The module-level name every call of ``func`` (a module-level function) in the file
    passes as its parameter ``param``, followed up through the callers' own parameters
    ``depth`` calls; None when a call passes something else, or there is none
    (yandexdataschool's homework: ``train_model(model, optimizer, ...)`` clears the global
    ``opt``, and ``train_loop`` is always given ``opt``)."""
    a = ctx.analysis
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or func not in a.tree.body:
        return None
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]
    if param not in params or func.args.vararg is not None:
        return None
    index, found = params.index(param), set()
    for site in flow.calls_named(a, func.name):
        if site.func.__class__ is not ast.Name or site.func.id != func.name:
            continue
        if any(x.__class__ is ast.Starred for x in site.args) or any(k.arg is None for k in site.keywords):
            return None
        arg = site.args[index] if index < len(site.args) else next(
            (k.value for k in site.keywords if k.arg == param), None)
        if arg.__class__ is not ast.Name:
            return None
        caller = flow.enclosing_function(a, site)
        if caller is a.tree:
            found.add(arg.id)
        elif depth > 0 and caller is not func:
            found.add(_global_at_callers(ctx, caller, arg.id, depth - 1))
        else:
            return None
    return found.pop() if len(found) == 1 else None


def _parameter_owners(a, opt: ast.expr) -> frozenset[str] | None:
    """The modules whose parameters the optimizer ``opt`` was built over, as spelt there
    (``Adam(chain(self.G.parameters(), self.D.parameters()))`` -> ``{"self.G", "self.D"}``),
    from its one assignment (a local name, or ``self.x`` assigned once in its class);
    None where not known."""
    built = flow.assigned_value(a, opt)
    if built.__class__ is not ast.Call:
        return None
    params = built.args[:1] or [k.value for k in built.keywords if k.arg == "params"]
    owners: set[str] = set()
    todo = list(params[:1])
    while todo:
        e = todo.pop()
        if e.__class__ is ast.Call and e.func.__class__ is ast.Attribute and e.func.attr == "parameters" and not e.args:
            owner = flow.dotted(e.func.value)
            if not owner:
                return None
            owners.add(owner)
        elif e.__class__ is ast.Call and flow.last_name(e.func) in ("chain", "list") and not e.keywords:
            todo.extend(e.args)
        elif e.__class__ is ast.BinOp and e.op.__class__ is ast.Add:
            todo.extend((e.left, e.right))
        elif e.__class__ in (ast.List, ast.Tuple):
            todo.extend(e.elts)
        else:
            return None
    return frozenset(owners) if owners else None


def _cleared_only_in_other_branches(ctx: Context, loop: ast.AST, step: ast.AST) -> ast.AST | None:
    """When every gradient clearing in ``loop``'s own code sits in an ``if`` branch
    other than the one ``step`` runs in (``zero_grad()`` only in the AMP branch), one
    of those clearings; else None. Only direct clearings count: through a helper, the
    verdict is left to the usual rule."""
    a = ctx.analysis
    inside = _clearing_nodes_in(ctx, loop)
    if not inside or flow.any_within(loop, _clearing_calls(ctx)):
        return None
    here = flow.branch_path(a, step, loop)
    for node in inside:
        there = flow.branch_path(a, node, loop)
        apart = [k for k, v in there.items() if k in here and here[k] != v]
        if not apart:
            return None  # this clearing can run on the step's path
        if any(anc.__class__ is ast.If and id(anc) in apart and _counts_iterations(a, anc.test, loop)  # type: ignore[attr-defined]
               for anc in flow.ancestors(a, step)):
            return None  # (an accumulation window: cleared in the iteration that opens it)
    return inside[0]


def _counts_iterations(a, test: ast.expr, loop: ast.AST) -> bool:
    """``test`` takes a counter of the loop modulo something (``iB % accumulate_gradients == 0``):
    its arms run in different iterations, not on different runs (naver/sqlova clears when a window
    of ``accumulate_gradients`` batches opens and steps when it closes)."""
    counters = {n.id for n in ast.walk(loop.target) if n.__class__ is ast.Name} \
        if loop.__class__ in (ast.For, ast.AsyncFor) else set()  # type: ignore[attr-defined]
    counters.update(n.target.id for n in flow.walk_local(a, loop)
                    if n.__class__ is ast.AugAssign and n.target.__class__ is ast.Name)  # type: ignore[attr-defined]
    return any(n.__class__ is ast.BinOp and n.op.__class__ is ast.Mod and any(  # type: ignore[attr-defined]
        x.__class__ is ast.Name and x.id in counters for x in ast.walk(n.left))  # type: ignore[attr-defined]
        for n in ast.walk(test))


def _zero_grad_fix(ctx: Context, loop: ast.AST, opt: ast.expr) -> Fix | None:
    """Clear the gradients at the start of the loop body: changes what the loop computes
    (that is the point), so unsafe."""
    if not isinstance(opt, (ast.Name, ast.Attribute)) or not loop.body:  # type: ignore[attr-defined]
        return None
    root = opt
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name) or any(
            isinstance(n, ast.Name) and n.id == root.id and isinstance(n.ctx, ast.Store) for n in flow.subtree(loop)):
        return None  # the optimizer is (re)bound inside the loop: unclear where to clear
    code = f"{ctx.text(opt)}.zero_grad()"
    edit = fix_edits.insert_before(ctx, loop.body[0], code)  # type: ignore[attr-defined]
    return Fix("unsafe", f"Insert {code} at the start of the loop", (edit,)) if edit else None


# ------------------------------------------------------------------ TW102
_SCOPE_KINDS, _LOOP_KINDS = frozenset(flow.SCOPES), frozenset(flow.LOOPS)


def _segment_owner(a, node: ast.AST) -> ast.AST:
    """The loop body or function/module that runs ``node`` in one straight line
    (if/with/try are looked through; loops and nested functions are not). Memoized per
    node: a node whose parent does not own it has its parent's owner."""
    owners = a.queries.get("segment_owners")
    if owners is None:
        owners = a.queries["segment_owners"] = {}
    parents = flow.index(a).parents
    chain = []
    child = node
    found = owners.get(id(node))
    while found is None:
        chain.append(id(child))
        anc = parents.get(child)
        if anc is None:
            found = a.tree
        elif anc.__class__ in _SCOPE_KINDS or (anc.__class__ in _LOOP_KINDS and flow._in_body(anc, child)):
            found = anc
        else:
            child = anc
            found = owners.get(id(child))
    for key in chain:
        owners[key] = found
    return found


_BARRIERS = (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _segments(ctx: Context) -> dict[int, list[tuple[tuple[int, int], str, ast.AST, str]]]:
    """Per straight-line segment: its backward / clear / step events and barriers
    (nested loops and functions, with their node), in source order."""
    a = ctx.analysis
    segments: dict[int, list] = {}
    for call in flow.calls_where(a, lambda n: n in ("backward", "step") or flow.clears_by_name(n)):
        name = flow.method_name(call)
        if name not in ("backward", "step") and not flow.clears_by_name(name):
            continue
        if not isinstance(call.func, ast.Attribute):
            continue
        event = None
        if flow.is_backward_call(call):
            event = ("backward", "")
        elif flow.is_zero_grad_call(call):
            event = ("clear", flow.dotted(call.func.value) or "")
        elif name == "step":
            recv = call.func.value
            if call.args and flow.is_scaler(a, recv):
                event = ("step", flow.dotted(call.args[0]) or "")
            elif not call.args and flow.is_optimizer(a, recv):
                event = ("step", flow.dotted(recv) or "")
        if event is not None:
            owner = _segment_owner(a, call)
            segments.setdefault(id(owner), []).append(((call.lineno, call.col_offset), event[0], call, event[1]))
    if not any(kind == "clear" for events in segments.values() for _, kind, _, _ in events):
        return {}
    by_type = flow.index(a).by_type  # unsorted: the events are sorted below, barriers after the calls
    for node in [n for kind in _BARRIERS for n in by_type.get(kind, ())]:
        owner = _segment_owner(a, node)
        if id(owner) in segments:
            segments[id(owner)].append(((node.lineno, node.col_offset), "barrier", node, ""))
    for events in segments.values():
        events.sort(key=lambda e: e[0])
    return segments


@rule(code="TW102", name="zero-grad-between-backward-and-step", group="training", severity="error",
      summary="Gradients are cleared after backward() and before optimizer.step(), so the step sees none.",
      fix="unsafe", runtime=True)  # (the fix: only for an accumulation window cleared on every batch)
def zero_grad_between_backward_and_step(ctx: Context) -> Iterator[Finding]:
    for events in _segments(ctx).values():
        previous = None  # the kind of the last event so far that is not a clear
        for i, (_, kind, call, target) in enumerate(events):
            if kind != "clear":
                previous = kind
                continue
            if not target:
                continue
            # the last event before the clear must be a backward (not a step or a barrier)
            if previous != "backward":
                continue
            later = None  # a second backward() before the step, when the first one's gradients were meant for it
            for _, k, c, t in events[i + 1:]:
                if k == "barrier":
                    if _inert_loop(ctx.analysis, c):
                        continue
                    break
                if k == "backward":
                    if later is None and _first_backward_dropped(ctx.analysis, events, i, target):
                        later = c
                        continue
                    break
                if k == "step" and t != target and later is not None:
                    break  # another optimizer steps first: the first backward() may have been for it
                if k == "step" and t == target and flow.same_branch(ctx.analysis, call, c):
                    if _jumps_away(ctx.analysis, call, c) or _discards_on_purpose(ctx.analysis, call, c):
                        break  # the clear discards a bad step's gradients (then skips it, or steps on zeros)
                    if _grads_written_between(ctx.analysis, call, c):
                        break  # gradients put back by hand (``p.grad = g``) for the step to apply
                    if later is None:
                        message = (f"`{ctx.text(call)}` clears the gradients that backward() just computed, "
                                   f"so `{ctx.text(c)}` has nothing to apply; clear them before backward() "
                                   "or after the step")
                    else:
                        first = next(e[2] for e in reversed(events[:i]) if e[1] == "backward")
                        message = (f"`{ctx.text(call)}` clears the gradients of the backward() on line "
                                   f"{first.lineno}, which `{ctx.text(c)}` never applies: only the "
                                   f"backward() on line {later.lineno} reaches the step; remove this clear "
                                   "(the optimizer was already cleared before the first backward())")
                    yield ctx.finding(call, message)
                    break
    yield from _accumulation_cleared_every_batch(ctx)


# a test that steps every N batches to accumulate gradients (``if (i + 1) % accum_steps == 0:``)
_ACCUMULATION = lazy(r"accum|grad_acc|gradient_acc|acc_steps|update_freq|iters_to_acc|batch_multiplier|micro_?batch", re.I)


def _accumulation_guard(ctx: Context, node: ast.AST) -> bool:
    """``node`` is an ``if`` that steps and clears an optimizer only every N batches, by a test
    of an accumulation counter (``if (i + 1) % accum_steps == 0:``, ``if self._grad_count ==
    self.gradient_acc:``): a gradient accumulation window's end."""
    if node.__class__ is not ast.If:
        return False
    test = node.test  # type: ignore[attr-defined]
    if not any(n.__class__ in (ast.Compare, ast.BinOp) and (n.__class__ is ast.Compare or n.op.__class__ is ast.Mod)
               for n in ast.walk(test)) or not _ACCUMULATION.search(ctx.text(test)):
        return False
    calls = [c for stmt in node.body for c in ast.walk(stmt) if c.__class__ is ast.Call]  # type: ignore[attr-defined]
    return any(flow.method_name(c) == "step" for c in calls) and any(flow.is_zero_grad_call(c) for c in calls)


def _in_accumulation_guard(ctx: Context, node: ast.AST) -> bool:
    """``node`` runs only at an accumulation window's end (``_accumulation_guard``)."""
    return _window_around(ctx, node) is not None


def _window_around(ctx: Context, node: ast.AST) -> ast.If | None:
    """The accumulation window's end (``_accumulation_guard``) ``node`` runs in, if any."""
    a = ctx.analysis
    guards = flow.memo(a, a.tree, "accumulation_guard_ids", lambda: {
        id(g): g for _, found in _all_accumulation_guards(ctx).values() for g in found})
    if not guards:
        return None
    for anc in flow.ancestors(a, node):
        if isinstance(anc, flow.SCOPES):
            return None
        if id(anc) in guards:
            return guards[id(anc)]
    return None


def _accumulation_guards(ctx: Context, func: ast.AST) -> list[ast.If]:
    """The accumulation windows' ends in ``func``'s own code, in source order."""
    found = _all_accumulation_guards(ctx).get(id(func))
    return found[1] if found is not None else []


def _all_accumulation_guards(ctx: Context) -> dict[int, tuple[ast.AST, list[ast.If]]]:
    """id(function) -> (it, the accumulation windows' ends in its own code, in source order):
    the file's ``if`` statements asked once (most files have none)."""
    a = ctx.analysis

    def compute() -> dict[int, tuple[ast.AST, list[ast.If]]]:
        by_function: dict[int, tuple[ast.AST, list[ast.If]]] = {}
        for n in flow.iter_nodes(a, ast.If):
            if _accumulation_guard(ctx, n):
                func = flow.enclosing_function(a, n)
                by_function.setdefault(id(func), (func, []))[1].append(n)  # type: ignore[arg-type]
        return {k: (f, sorted(v, key=flow.BY_POSITION)) for k, (f, v) in by_function.items()}

    return flow.memo(a, a.tree, "accumulation_guards", compute)


def _accumulation_cleared_every_batch(ctx: Context) -> Iterator[Finding]:
    """Gradient accumulation that clears on every batch: ``opt.zero_grad()`` and the
    backward each run unconditionally, in one block, and ``opt.step()`` only under an ``if``
    of that block testing an accumulation counter with ``%``, which clears nothing: the
    gradients of the batches in between are wiped before the step, which applies the last
    batch's alone (gaozhihan/PreDiff#32's manual-optimization ``training_step``)."""
    a = ctx.analysis
    for guard in flow.iter_nodes(a, ast.If):
        test = guard.test  # type: ignore[attr-defined]
        if not any(n.__class__ is ast.BinOp and n.op.__class__ is ast.Mod for n in ast.walk(test)) \
                or not _ACCUMULATION.search(ctx.text(test)):
            continue
        steps = [c for stmt in guard.body for c in ast.walk(stmt)  # type: ignore[attr-defined]
                 if c.__class__ is ast.Call and flow.method_name(c) == "step"]
        owner = flow.parent(a, guard)
        block = next((getattr(owner, f) for f in ("body", "orelse", "finalbody")
                      if any(x is guard for x in getattr(owner, f, ()))), None)
        if not steps or block is None:
            continue
        backwards = [x for x in block if x.__class__ is ast.Expr and x.value.__class__ is ast.Call  # type: ignore[attr-defined]
                     and (flow.is_backward_call(x.value) or flow.method_name(x.value) == "manual_backward")]  # type: ignore[attr-defined]
        if not backwards:
            continue
        for clear in block:
            call = clear.value if clear.__class__ is ast.Expr else None  # type: ignore[attr-defined]
            if call.__class__ is not ast.Call or flow.method_name(call) != "zero_grad" \
                    or call.func.__class__ is not ast.Attribute:  # type: ignore[union-attr]
                continue
            target = flow.dotted(call.func.value)  # type: ignore[union-attr]
            step = next((c for c in steps if target and (
                flow.dotted(c.func.value) == target if c.func.__class__ is ast.Attribute and not c.args  # type: ignore[attr-defined]
                else c.args and flow.dotted(c.args[0]) == target)), None)  # (``scaler.step(opt)``)
            if step is None or any(c.__class__ is ast.Call and flow.method_name(c) == "zero_grad"
                                   for stmt in guard.body for c in ast.walk(stmt)):  # type: ignore[attr-defined]
                continue
            yield ctx.finding(
                call,
                f"`{ctx.text(call)}` clears the gradients on every batch, but `{ctx.text(step)}` runs only "
                f"when `{ctx.text(test)}`: the gradients the batches in between accumulate are wiped before "
                f"the step, which applies the last batch's alone; clear right after the step, inside that `if`",
                _clear_after_step_fix(ctx, clear, guard, step),  # type: ignore[arg-type]
            )


def _clear_after_step_fix(ctx: Context, clear: ast.Expr, guard: ast.If, step: ast.Call) -> Fix | None:
    """Moves the clear's line (its comment too) to right after the statement of ``guard``
    that steps; none where the clear shares its line with other code."""
    line = fix_edits.line_text(ctx, clear.lineno)
    text = line.strip()
    if clear.end_lineno != clear.lineno or not (text == ctx.text(clear) or (
            text.startswith(ctx.text(clear)) and text[len(ctx.text(clear)):].lstrip().startswith("#"))):
        return None
    stepping = next(stmt for stmt in guard.body if flow.contains(stmt, step))
    insert = fix_edits.insert_after(ctx, stepping, text)
    remove = fix_edits.delete_line(ctx, clear.lineno)
    if insert is None or remove is None:
        return None
    return Fix("unsafe", "Clear after the step", (remove, insert))


_INERT_CALLS = frozenset({"parameters", "named_parameters", "children", "named_children", "modules",
                          "named_modules", "range", "enumerate", "zip", "len", "items", "values", "keys",
                          "requires_grad_"})


def _inert_loop(a, node: ast.AST) -> bool:
    """A loop between the clear and the step that touches no gradient: it calls nothing
    but iterators over modules and parameters and reads no ``.grad`` (``for p in
    d_B.parameters(): p.requires_grad = True``, Lornatang/CycleGAN-PyTorch). Once per loop."""
    if not isinstance(node, (ast.For, ast.AsyncFor, ast.While)) or len(node.body) > 4:
        return False  # (a loop that long does more than set flags)
    return flow.memo(a, node, "inert_loop", lambda: _touches_no_gradient(node))


def _touches_no_gradient(node: ast.AST) -> bool:
    for n in ast.walk(node):
        if n.__class__ is ast.Call:
            if flow.method_name(n) not in _INERT_CALLS:
                return False
        elif n.__class__ is ast.Attribute and n.attr == "grad":
            return False
    return True


def _first_backward_dropped(a, events: list, i: int, target: str) -> bool:
    """The clear at ``events[i]`` follows a backward() that was meant for its optimizer,
    and discards it before the step: the same optimizer was cleared right before that
    backward() (nothing but other clears and inert loops between), and nothing between the backward() and
    this clear reads gradients (an adversarial example's ``x.grad``, gradients saved per
    task) or uses the optimizer (SAM's ``first_step``). The backward() and both clears are
    statements of one block, and the backward() keeps no graph. Lornatang/CycleGAN-PyTorch:
    ``d_optimizer`` holds both discriminators and is cleared between D_A's backward and
    D_B's, so D_A never trains."""
    def passable(e) -> bool:
        return e[1] == "clear" or (e[1] == "barrier" and _inert_loop(a, e[2]))

    j = i - 1
    while j >= 0 and passable(events[j]):
        j -= 1
    if j < 0 or events[j][1] != "backward":
        return False
    first = events[j][2]
    k = j - 1
    cleared_before = False
    while k >= 0 and passable(events[k]):
        cleared_before = cleared_before or events[k][3] == target
        k -= 1
    clear = events[i][2]
    if not cleared_before or any(kw.arg == "retain_graph" for kw in first.keywords):
        return False  # a graph kept for a second pass: statistics gathered on purpose (K-FAC's Fisher backward)
    place, place_first = flow.block_place(a, flow.statement_of(a, clear)), flow.block_place(a, flow.statement_of(a, first))
    if place is None or place_first is None or place[0] is not place_first[0]:
        return False  # the backward() under an ``if`` (every Ts steps) or the clear in another block
    start, end = (first.end_lineno, first.end_col_offset), (clear.lineno, clear.col_offset)
    for stmt in _statements_from_to(a, first, clear):
        for n in ast.walk(stmt):
            if not hasattr(n, "lineno") or not start <= (n.lineno, n.col_offset) < end:
                continue
            if n.__class__ is ast.Attribute and (n.attr == "grad" or (flow.dotted(n.value) or "") == target):
                return False  # gradients read, or the optimizer told something (``opt.acc_stats = False``)
            if n.__class__ is ast.Call and flow.method_name(n) == "grad":
                return False
    return True


_JUMPS = (ast.Continue, ast.Break, ast.Return, ast.Raise)


def _writes_grad(node: ast.AST) -> bool:
    return node.__class__ is ast.Attribute and node.attr == "grad" and node.ctx.__class__ is ast.Store


def _grads_written_between(a, clear: ast.AST, step: ast.AST) -> bool:
    """Between ``clear`` and ``step``, code of the function (or of a helper it calls there)
    assigns ``.grad``: gradients computed apart and written back for the step to apply
    (lucaslingle/pytorch_drl's test: read, ``zero_grad()``, ``model.weight.grad = g``, step).
    Only the statements from the clear's to the step's, in the innermost block holding both,
    are read (a module-level clear must not walk the module)."""
    func = flow.enclosing_function(a, clear)
    start, end = (clear.end_lineno, clear.end_col_offset), (step.lineno, step.col_offset)
    summaries = _summaries(a)
    for stmt in _statements_from_to(a, clear, step):
        for n in ast.walk(stmt):
            if n.__class__ is ast.Attribute:
                if _writes_grad(n) and start <= (n.lineno, n.col_offset) < end:
                    return True
            elif n.__class__ is ast.Call and start <= (n.lineno, n.col_offset) < end:
                callee = summaries.callee(n, func)
                if callee is not None and callee is not func and any(_writes_grad(m) for m in ast.walk(callee)):
                    return True
    return False


def _statements_from_to(a, first: ast.AST, last: ast.AST) -> list[ast.stmt]:
    """The statements of the innermost block that holds both nodes, from the one holding
    ``first`` to the one holding ``last``; [] when no block does."""
    current = flow.statement_of(a, first)
    while current is not None and not isinstance(current, flow.SCOPES):
        place = flow.block_place(a, current)
        if place is not None:
            block, i = place
            for j in range(i, len(block)):
                if flow.contains(block[j], last):
                    return block[i:j + 1]
        current = flow.parent(a, current)
    return []


def _jumps_away(a, clear: ast.AST, step: ast.AST) -> bool:
    """After ``clear``, its block leaves (continue/break/return/raise) before it reaches
    ``step``: ``if grad_norm.isnan(): optimizer.zero_grad(); continue`` drops the step's
    gradients and skips the step (huggingface/diffusers' SANA-Sprint training script); or
    the arm of an ``if`` or ``try`` steps on the cleared gradients and then leaves: a skipped
    update that lets the scaler close its iteration (NVlabs/imaginaire's "Skip gradient
    update.": ``zero_grad(); scaler.step(opt); scaler.update(); break``)."""
    child = clear
    for anc in flow.ancestors(a, clear):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(anc, field, None)
            if block.__class__ is list and any(s is child for s in block):
                rest = block[[i for i, s in enumerate(block) if s is child][0] + 1:]
                for stmt in rest:
                    if flow.contains(stmt, step):
                        # (an ``if``/``try`` arm only: a function's body ends in ``return`` anyway)
                        return isinstance(anc, _ARMS) and isinstance(block[-1], _JUMPS)
                    if isinstance(stmt, _JUMPS):
                        return True
        if isinstance(anc, (*flow.LOOPS, *flow.SCOPES)):
            return False
        child = anc
    return False


_ARMS = (ast.If, ast.Try, ast.ExceptHandler, getattr(ast, "TryStar", ast.Try))

_NON_FINITE = lazy(r"isnan|isinf|isfinite|is_finite|(^|_)(nan|inf|overflow)(_|$)", re.I)


def _discards_on_purpose(a, clear: ast.AST, step: ast.AST) -> bool:
    """``clear`` runs only under an ``if`` testing for NaN or infinity, or a flag named for
    skipping the update, which the step is not in: gradients thrown away on purpose when they
    are not finite (or the update is to be skipped), the step taken on
    zeros so that every rank of a distributed run still steps (yangdongchao/UniAudio: ``if
    math.isnan(grad_norm): optimizer.zero_grad()``, then ``optimizer.step()``)."""
    for anc in flow.ancestors(a, clear):
        if isinstance(anc, (*flow.LOOPS, *flow.SCOPES)) or flow.contains(anc, step):
            return False
        if anc.__class__ is ast.If and any(
                (n.__class__ is ast.Name and _NON_FINITE.search(n.id)) or (n.__class__ is ast.Attribute and _NON_FINITE.search(n.attr))
                for n in ast.walk(anc.test)):  # type: ignore[attr-defined]
            return True
        if anc.__class__ is ast.If and _SKIP_FLAG.search(_flag_name(anc.test)):  # type: ignore[attr-defined]
            return True  # (a flag that says to skip this update: opendilab/LightZero's ``if ignore_grad:``,
            # for a rank whose tasks are solved, which still steps to stay in sync)
    return False


# a flag named for skipping the update (``ignore_grad``, ``skip_update``, ``freeze``)
_SKIP_FLAG = lazy(r"ignore|skip|no_?update|freez|frozen|discard", re.I)


def _flag_name(test: ast.expr) -> str:
    """The name of a plain flag tested for truth (``flag``, ``self.flag``), else ``""``."""
    if test.__class__ is ast.UnaryOp and test.op.__class__ is ast.Not:  # type: ignore[attr-defined]
        return ""  # (``if not skip:`` clears where the update is kept)
    if test.__class__ is ast.Name:
        return test.id  # type: ignore[attr-defined]
    return test.attr if test.__class__ is ast.Attribute else ""  # type: ignore[attr-defined]


# ------------------------------------------------------------------ TW103
@rule(code="TW103", name="scheduler-step-before-optimizer-step", group="training", severity="warning",
      summary="scheduler.step() runs before optimizer.step(), skipping the first value of the schedule.", runtime=True)
def scheduler_step_before_optimizer_step(ctx: Context) -> Iterator[Finding]:
    if not _optimizer_steps(ctx) or options.indexes_zero_dim_data(ctx.analysis):
        return
    yield from _joined(_scheduler_before_step(ctx), _scheduler_ahead_of_accumulation(ctx))


def _joined(first: Iterator[Finding], then: Iterator[Finding]) -> Iterator[Finding]:
    """``first``'s findings, then those of ``then`` at a place ``first`` did not report."""
    found = list(first)
    yield from found
    seen = {(f.line, f.col) for f in found}
    yield from (f for f in then if (f.line, f.col) not in seen)


def _scheduler_before_step(ctx: Context) -> Iterator[Finding]:
    """A scheduler step before the optimizer step that shares its loop or block."""
    a = ctx.analysis
    steps = _optimizer_steps(ctx)
    stepped = {id(s): flow.dotted(opt) for s, opt in steps}  # step call -> the optimizer's name
    for call in flow.calls_named(a, "step"):
        if not isinstance(call.func, ast.Attribute):
            continue
        kind = flow.is_scheduler(a, call.func.value)
        if kind is False or call.args or call.keywords:
            continue  # step(epoch) sets the epoch's value itself (weiaicunzai/pytorch-cifar100); step(metric)
        if in_compat_code(ctx, call):
            continue  # under a version test: the order torch before 1.1 wanted (FCOS's trainer)
        if _fallback_of_indexed_step(a, call):
            continue
        if (kind and _repeats_first_value(a, call.func.value)) or _constant_schedule(a, call.func.value) \
                or _position_from_optimizer(a, call.func.value) or _one_step_changes_nothing(a, call):
            continue
        # optimizer steps that share a loop with this call (or its block), on its branch
        loops = flow.enclosing_loops(a, call)
        if _none_on_every_call(a, call.func.value) or _never_bound(a, call.func.value):
            continue  # (``if scheduler is not None: scheduler.step()``, handed None by every caller)
        if loops and (_after_first_iteration(a, call, loops) or _gated_by_training_state(a, call, loops[-1])):
            continue
        region = loops[-1] if loops else _block_of(a, call)
        if region is None:
            continue
        shared_steps = [c for c in flow.calls_in(a, region) if id(c) in stepped
                        and (any(flow.contains(l, c) for l in loops) or _same_block(a, call, c)
                             or (not loops and _in_a_later_loop(a, call, c)))
                        and flow.same_branch(a, call, c)]
        # With several optimizers, a step before this one may be its own optimizer's (one
        # scheduler per optimizer: huggingface/accelerate test_ds_multiple_model.py): only
        # the optimizer the scheduler was built on counts, and where that is unknown, any
        # optimizer step before it keeps it silent.
        owner = _scheduled_optimizer(a, call.func.value)
        ours = [c for c in shared_steps if owner is None or stepped[id(c)] == owner]
        if any(flow.before(c, call) for c in ours) or (loops and _primed(a, steps, stepped, owner, call, loops[0])):
            continue
        arm = _arm_skipping_the_iteration(a, call) if loops else None
        if arm is not None and not any(flow.contains(s, c) for s in arm for c in ours):
            continue
        for step in ours:
            if not flow.before(call, step):
                continue
            if options.predates(ctx, "1.1"):  # the order torch before 1.1 wanted (its code needs such a torch)
                break
            pin = options.pinned_without(ctx, "1.1")  # Deep-SVDD pins torch 0.4.1
            yield ctx.finding(
                call,
                f"`{ctx.text(call)}` runs before `{ctx.text(step)}`: the first learning rate of the "
                "schedule is skipped; step the scheduler after the optimizer"
                + (f" (the project pins torch {pin}, whose schedulers wanted this order; torch 1.1 "
                   "and later skip a value)" if pin else ""),
            )
            break


def _scheduler_ahead_of_accumulation(ctx: Context) -> Iterator[Finding]:
    """``scheduler.step()`` on every batch of a loop whose optimizer steps only at the end of
    a gradient accumulation window (``_accumulation_guard``), in the loop or in a helper of
    the file it calls first: the scheduler steps before the first optimizer step, and then
    N times per step (frgfm/holocron's ``_fit_epoch``: ``self._backprop_step(loss)``, whose
    step waits for ``gradient_acc`` batches, then ``self.scheduler.step()``)."""
    a = ctx.analysis
    windows = _all_accumulation_guards(ctx)
    if not windows:
        return  # (no accumulation window in the file: the usual case)
    helpers = {getattr(f, "name", None) for f, _ in windows.values()}  # (the functions that hold one)
    summaries = None
    for call in flow.calls_named(a, "step"):
        loops = flow.enclosing_loops(a, call) if call.func.__class__ is ast.Attribute else None
        if not loops or call.args or call.keywords or flow.is_scheduler(a, call.func.value) is False \
                or _in_accumulation_guard(ctx, call) or in_compat_code(ctx, call):  # type: ignore[attr-defined]
            continue
        loop = loops[0]
        if any(anc.__class__ is ast.If and not _tests_none(anc.test)  # type: ignore[attr-defined]
               for anc in itertools.takewhile(lambda n: n is not loop, flow.ancestors(a, call))):
            continue  # (stepped on some batches only: ``if (i + 1) % accum == 0:`` and others)
        func = flow.enclosing_function(a, call)
        guard, where = None, None
        for c in flow.calls_in(a, loop):
            if not flow.before(c, call):
                continue
            every_batch = flow.method_name(c) == "step" and c.func.__class__ is ast.Attribute \
                and not _in_accumulation_guard(ctx, c)
            if every_batch and flow.is_scheduler(a, c.func.value) is False:  # type: ignore[attr-defined]
                guard = None
                break  # an optimizer stepped on every batch
            if flow.enclosing_loops(a, c)[:1] != [loop]:
                continue  # (a step of a loop inside this one: per batch where the scheduler runs per epoch)
            if guard is None and flow.method_name(c) == "step" and (window := _window_around(ctx, c)) is not None:
                guard, where = window, None
            elif guard is None and flow.last_name(c.func) in helpers:
                summaries = summaries or _summaries(a)
                callee = summaries.callee(c, func)
                if callee is None or summaries.analysis_of(callee) is not a or callee is func:
                    continue
                guards = [g for g in _accumulation_guards(ctx, callee) if not flow.enclosing_loops(a, g)]
                steps = [n for n in flow.calls_in(a, callee) if flow.method_name(n) == "step"]
                if guards and steps and all(_in_accumulation_guard(ctx, n) for n in steps):
                    guard, where = guards[0], callee
        if guard is None or _constant_schedule(a, call.func.value) or _one_step_changes_nothing(a, call) \
                or _none_on_every_call(a, call.func.value) or _never_bound(a, call.func.value):  # type: ignore[attr-defined]
            continue
        inside = f" in `{where.name}`" if where is not None else ""  # type: ignore[attr-defined]
        yield ctx.finding(
            call,
            f"`{ctx.text(call)}` runs on every batch, but the optimizer steps only when `{ctx.text(guard.test)}`"
            f"{inside} (gradient accumulation): the scheduler steps before the first optimizer step, skipping the "
            "schedule's first value, and then once per batch instead of once per optimizer step; step it inside "
            "that `if`, after the optimizer",
        )


def _tests_none(test: ast.expr) -> bool:
    """``x is not None``, ``x is None``, or a plain name or attribute tested for truth."""
    if test.__class__ is ast.Compare and len(test.ops) == 1 and test.ops[0].__class__ in (ast.Is, ast.IsNot):  # type: ignore[attr-defined]
        return test.comparators[0].__class__ is ast.Constant and test.comparators[0].value is None  # type: ignore[attr-defined]
    return test.__class__ in (ast.Name, ast.Attribute)


def _never_bound(a, expr: ast.expr) -> bool:
    """``self.<attr>`` that no code binds: no module of the project (nor the file) stores the
    attribute or names it in a string, none sets attributes by computed names (``setattr``,
    ``__dict__``), and the class derives only from the project's own classes, which a library
    could not fill in: the call can only raise ``AttributeError`` (seobbro/TTA-depth-completion's
    monodepth2 leftover steps ``self.model_lr_scheduler``, which no code creates)."""
    if expr.__class__ is not ast.Attribute or expr.value.__class__ is not ast.Name \
            or expr.value.id != "self":  # type: ignore[attr-defined]
        return False
    attr = expr.attr  # type: ignore[attr-defined]
    owner = flow.parent(a, flow.enclosing_function(a, expr))
    info = a.classes.get(owner)
    if info is None or _bound_in(a.source, attr):
        return False
    env = a.env
    for base in info.node.bases:
        if base.__class__ is ast.Name and base.id == "object":  # type: ignore[attr-defined]
            continue
        value = a.resolve(base, info.scope)
        if value is None or value.kind != "symbol":
            return False
        if not all(q.startswith(LOCAL) or (env is not None and env.owns(q)) for q in a.mro(value.qualname)):
            return False  # (a library's trainer sets ``self.lr_scheduler`` itself)

    def compute(project) -> bool:
        if project is None:
            return True
        from torchwise.project.callers import Incomplete, _mentioning

        try:
            with project.lock:  # (the modules that may bind it: naming it, or setting attributes by name)
                words = (attr, "setattr", "__dict__", "vars(")
                paths = {path for word in words for path in _mentioning(project, word, None)}
                return not any(_bound_in(project.source(path) or "", attr) for path in paths)
        except Incomplete:
            return False
        except Exception:  # the project model must never break a rule
            return False

    return flow.per_revision(a, f"never_bound:{attr}", compute)  # type: ignore[return-value]


def _bound_in(text: str, attr: str) -> bool:
    """Whether ``text`` may bind ``.attr``: a store (``.attr =``, ``.attr: T``, ``.attr +=``),
    a target of a tuple or a ``for``/``with``, a string naming it, or a dynamic setter."""
    dynamic, bound, quoted = _bindings_in(text)
    return dynamic or attr in bound or attr in quoted


@functools.lru_cache(maxsize=4)
def _bindings_in(text: str) -> tuple[bool, frozenset[str], frozenset[str]]:
    """(whether ``text`` sets attributes by computed names, the attribute names it binds,
    the words it quotes): one scan of a file's text for all the attributes asked of it
    (a scan per attribute grew with the square of the file's size)."""
    dynamic = ("setattr" in text or "__dict__" in text or "vars(" in text) and _DYNAMIC_SETTER.search(text) is not None
    return (dynamic, frozenset(m.group(1) for m in _BOUND_ATTRIBUTE.finditer(text)),
            frozenset(m.group(2) for m in _QUOTED_WORD.finditer(text)))


# ``.attr`` where it is bound: followed by an assignment, an annotation, a tuple's or a
# ``for``/``with`` target's end
_BOUND_ATTRIBUTE = lazy(r"\.(\w+)(?!\w)\s*(?:[-+*/@%&|^]?=(?!=)|[,:)\]]|in\b)")
# a word alone in quotes (``'attr'``, ``"attr"``), overlapping matches included (``'a'b'``)
_QUOTED_WORD = lazy(r"""(?=(['"])(\w+)\1)""")
# attributes set by computed names: ``setattr(self, k, v)``, ``self.__dict__.update(cfg)``
_DYNAMIC_SETTER = lazy(r"setattr\s*\(|__dict__\s*(?:\.\s*update|\[[^\]]*\]\s*=)|vars\([^)]*\)\s*\.\s*update")


def _fallback_of_indexed_step(a, call: ast.Call) -> bool:
    """``call`` (a bare ``x.step()``) sits in an ``except`` handler of a ``try`` whose
    body steps ``x`` with an index (sshaoshuai/MTR: ``try: scheduler.step(it)`` then
    ``except: scheduler.step()``): it runs only where the indexed step failed, and the
    indexed step sets each iteration's value itself."""
    receiver = flow.dotted(call.func.value)  # type: ignore[attr-defined]
    if receiver is None:
        return False
    handler = None
    for anc in flow.ancestors(a, call):
        if isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.ExceptHandler:
            handler = anc
        elif anc.__class__ in _TRY_KINDS and handler is not None and handler in anc.handlers:  # type: ignore[attr-defined]
            return any(c.func.__class__ is ast.Attribute and c.func.attr == "step" and (c.args or c.keywords)
                       and flow.dotted(c.func.value) == receiver
                       for stmt in anc.body for c in flow.calls_in(a, stmt))  # type: ignore[attr-defined]
    return False


_TRY_KINDS = (ast.Try, getattr(ast, "TryStar", ast.Try))


def _arm_skipping_the_iteration(a, call: ast.AST) -> list[ast.stmt] | None:
    """The arm of an ``if`` in the loop that holds ``call`` and ends with ``continue``: an
    iteration that trains nothing after it (jionie/Bengaliai's resume, ``if epoch <
    start_epoch: for _ in range(len(loader)): scheduler.step()`` then ``continue``: the
    schedule is fast-forwarded, no optimizer step follows it)."""
    for anc in flow.ancestors(a, call):
        if isinstance(anc, flow.SCOPES):
            return None
        if anc.__class__ is ast.If:
            for arm in (anc.body, anc.orelse):  # type: ignore[attr-defined]
                if arm and arm[-1].__class__ is ast.Continue and any(flow.contains(s, call) for s in arm):
                    return arm
    return None


def _in_a_later_loop(a, call: ast.AST, step: ast.AST) -> bool:
    """``call`` is a statement of a function's own body and ``step`` sits in a loop that a
    later statement of that body holds: the epoch function steps its scheduler first, then
    runs the batches (WenmuZhou/PSENet.pytorch's ``train_epoch``, called per epoch by ``main``)."""
    stmt = _statement_of(a, call)
    func = flow.parent(a, stmt)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    loops = flow.enclosing_loops(a, step)
    if not loops:
        return False
    outer = _statement_of(a, loops[-1])
    while outer is not None and flow.parent(a, outer) is not func:
        outer = flow.parent(a, outer)
    return outer is not None and flow.before(stmt, outer)


def _constant_schedule(a, scheduler: ast.expr) -> bool:
    """The scheduler keeps one learning rate throughout: Hugging Face's
    ``get_scheduler("constant", ...)`` / ``get_constant_schedule(opt)``, or
    ``LambdaLR(opt, lambda _: 1)`` (Vchitect/Latte): stepping it first skips nothing."""
    value = flow.binding_value(a, scheduler) if scheduler.__class__ is ast.Name else None
    if value.__class__ is not ast.Call:
        return False
    name = flow.last_name(value.func)  # type: ignore[union-attr]
    if name == "get_constant_schedule":
        return True
    if name == "get_scheduler":
        kind = value.args[0] if value.args else next((k.value for k in value.keywords if k.arg == "name"), None)  # type: ignore[union-attr]
        return kind.__class__ is ast.Constant and kind.value == "constant"  # type: ignore[union-attr]
    if name == "LambdaLR":
        fn = _lr_lambda_given(value)  # type: ignore[arg-type]
        return fn.__class__ is ast.Lambda and fn.body.__class__ is ast.Constant  # type: ignore[union-attr]
    return False


def _position_from_optimizer(a, scheduler: ast.expr) -> bool:
    """The scheduler is a class of the project whose ``step`` sets its position from the
    optimizer's own step count (NVIDIA/DeepLearningExamples' BERT ``PolyWarmUpScheduler``:
    ``self.last_epoch = param_group['step'] + 1``), not from its own calls: called before the
    optimizer's step on purpose, it skips nothing."""
    qualname = flow.safe_type(a, scheduler)
    found = _weights.class_of_project(a, qualname) if qualname else None
    method = found[1].methods.get("step") if found is not None else None
    return method is not None and any(
        n.__class__ is ast.Assign and any(flow.dotted(t) == "self.last_epoch" for t in n.targets)
        and any(m.__class__ is ast.Subscript and m.slice.__class__ is ast.Constant and m.slice.value == "step"
                for m in ast.walk(n.value))
        for n in ast.walk(method))


def _lr_lambda_given(call: ast.Call) -> ast.expr | None:
    """The factor function a ``LambdaLR(optimizer, lr_lambda)`` call is handed."""
    return call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "lr_lambda"), None)


def _one_step_changes_nothing(a, call: ast.Call) -> bool:
    """The scheduler is built in the function that steps it, and stepped once per call (in no
    loop of it): its whole schedule is one step, and that step changes no learning rate
    (``StepLR(optimizer, step_size=30)``, a ``MultiStepLR`` whose milestones are all past 1).
    lianghongzhuo/PointNetGPD's ``train()`` builds its optimizer and scheduler anew each epoch."""
    scheduler = call.func.value  # type: ignore[attr-defined]
    if scheduler.__class__ is not ast.Name or flow.enclosing_loops(a, call):
        return False
    built = effects.unmoved(flow.binding_value(a, scheduler))  # type: ignore[arg-type]
    if built.__class__ is not ast.Call or flow.enclosing_function(a, built) is not flow.enclosing_function(a, call) \
            or flow.enclosing_loops(a, built):
        return False
    kind = flow.last_name(built.func)  # type: ignore[union-attr]
    given = dict(zip(("optimizer", "step_size" if kind == "StepLR" else "milestones"), built.args))  # type: ignore[union-attr]
    given.update((k.arg, k.value) for k in built.keywords if k.arg)  # type: ignore[union-attr]
    if kind == "StepLR":
        size = given.get("step_size")
        return size.__class__ is ast.Constant and isinstance(size.value, int) and size.value > 1  # type: ignore[union-attr]
    if kind == "MultiStepLR":
        marks = given.get("milestones")
        return marks.__class__ in (ast.List, ast.Tuple) and bool(marks.elts) and all(  # type: ignore[union-attr]
            m.__class__ is ast.Constant and isinstance(m.value, int) and m.value > 1 for m in marks.elts)  # type: ignore[union-attr]
    return False


def _repeats_first_value(a, scheduler: ast.expr) -> bool:
    """The scheduler is a class of the project whose ``get_lr`` clamps its step from below
    (``step = max(self.last_epoch, 1)``: mozilla/TTS's ``NoamLR``): its first two values are
    one, so stepping it first skips nothing; or whose first value is zero (a warm-up's
    ``base_lr * self.last_epoch / total_iters``: yuanli2333/Teacher-free-Knowledge-Distillation's
    ``WarmUpLR``), so stepping it first skips an update that would change nothing."""
    qualname = flow.safe_type(a, scheduler)
    found = _weights.class_of_project(a, qualname) if qualname else None
    method = found[1].methods.get("get_lr") if found is not None else None
    if method is None:
        return _lambda_starts_at_zero(a, scheduler, found)
    if any(n.__class__ is ast.Call and flow.last_name(n.func) == "max" and len(n.args) == 2
           and any(flow.dotted(x) == "self.last_epoch" for x in n.args)
           and any(x.__class__ is ast.Constant and x.value == 1 for x in n.args)
           for n in ast.walk(method)):
        return True
    zeros: set[str] = set()
    value = _first_return(method.body, zeros)  # type: ignore[attr-defined]
    if value.__class__ is ast.ListComp:
        value = value.elt  # type: ignore[attr-defined]
    return value is not None and _zero_at_start(value, zeros)


def _lambda_starts_at_zero(a, scheduler: ast.expr, found) -> bool:
    """A ``LambdaLR`` whose factor is zero at step 0, a linear warm-up (``float(step) /
    warmup_steps``): a class of the project's own ``lr_lambda(self, step)`` (TransFG's
    ``WarmupCosineSchedule``), or the function or lambda handed to ``LambdaLR(opt, ...)``."""
    fn = found[1].methods.get("lr_lambda") if found is not None else None
    skip = 1  # (a method's first parameter is self)
    if fn is None:
        if scheduler.__class__ is ast.Name and _each_binding_starts_harmlessly(a, scheduler):  # type: ignore[arg-type]
            return True
        value = flow.binding_value(a, scheduler) if scheduler.__class__ is ast.Name else None
        return _lambda_call_starts_at_zero(a, value)  # type: ignore[arg-type]
    return _function_starts_at_zero(fn, skip)


def _each_binding_starts_harmlessly(a, name: ast.Name) -> bool:
    """A scheduler name bound several times (luo3300612/image-captioning-DLCT's global
    ``scheduler``: a warm-up ``LambdaLR`` first, a self-critical one later), each binding a
    ``LambdaLR`` whose factor is zero at step 0 or fast-forwarded right after it is built
    (``for i in range(e): scheduler.step()``): stepping it first loses no learning rate."""
    try:
        scope = a.binding_scope(name.id, a.scope_of(name))
    except Exception:
        return False
    bindings = scope.bindings.get(name.id, ()) if scope is not None else ()
    if len(bindings) < 2 or any(b.kind != "assign" or b.node is None or b.index is not None for b in bindings):
        return False
    return all(_fast_forwarded(a, b.node, name.id) or _lambda_call_starts_at_zero(a, b.node) for b in bindings)


def _fast_forwarded(a, value: ast.expr, name: str) -> bool:
    """The statement after the one binding ``value`` (or, the last of an ``if`` arm, after
    that ``if``) moves the schedule on: a loop that only steps ``name`` (``for k in
    range(e - 1): scheduler_rl.step()``) or ``name.load_state_dict(...)`` (a resumed run's)."""
    stmt = flow.statement_of(a, value)
    for _ in range(2):
        place = flow.block_place(a, stmt) if stmt is not None else None
        if place is None:
            return False
        if place[1] + 1 < len(place[0]):
            nxt = place[0][place[1] + 1]
            if nxt.__class__ is ast.Expr and nxt.value.__class__ is ast.Call \
                    and flow.method_name(nxt.value) == "load_state_dict" \
                    and flow.dotted(nxt.value.func.value) == name:  # type: ignore[attr-defined]
                return True
            return nxt.__class__ is ast.For and len(nxt.body) == 1 and nxt.body[0].__class__ is ast.Expr \
                and nxt.body[0].value.__class__ is ast.Call and flow.method_name(nxt.body[0].value) == "step" \
                and flow.dotted(nxt.body[0].value.func.value) == name  # type: ignore[attr-defined]
        stmt = flow.parent(a, stmt)
        if stmt.__class__ is not ast.If:
            return False
    return False


def _lambda_call_starts_at_zero(a, value: ast.expr | None) -> bool:
    """``LambdaLR(opt, f)`` whose ``f`` (a lambda, or a function of the file) is zero at step 0."""
    if value.__class__ is not ast.Call or flow.last_name(value.func) != "LambdaLR":  # type: ignore[union-attr]
        return False
    given = _lr_lambda_given(value)  # type: ignore[arg-type]
    if given.__class__ is ast.Lambda:
        params = given.args.args  # type: ignore[union-attr]
        return bool(params) and _zero_at_start(given.body, {params[0].arg})  # type: ignore[union-attr]
    fn = flow.index(a).functions.get(given.id) if given.__class__ is ast.Name else None  # type: ignore[union-attr]
    return fn is not None and _function_starts_at_zero(fn, 0)


def _function_starts_at_zero(fn, skip: int) -> bool:
    """``fn``'s value at step 0 (its parameter after ``skip`` others) is zero."""
    params = fn.args.args if fn is not None else []  # type: ignore[union-attr]
    if len(params) <= skip:
        return False
    zeros = {params[skip].arg}
    value = _first_return(fn.body, zeros)  # type: ignore[union-attr]
    return value is not None and _zero_at_start(value, zeros)


def _first_return(body: list, zeros: set[str]) -> ast.AST | None:
    """What ``get_lr`` returns before the first step, read down its body: names bound to
    values zero at the start join ``zeros``; an ``if`` testing such a value ``<`` something
    (a warm-up's ``if progress < self.warmup:``) is entered, and where its arm returns
    nothing the statements after the ``if`` are read on (zhangxuying1004/RSTNet's
    ``if s <= 3: lr = base * s / 4 ... return lr``); any other ``if`` leaves it unknown (None)."""
    found = _read_to_return(body, zeros)
    return found if found is not _FELL_THROUGH else None


_FELL_THROUGH = ast.Pass()  # (``_read_to_return``: the statements ended without a return)


def _read_to_return(body: list, zeros: set[str]) -> ast.AST | None:
    for stmt in body:
        kind = stmt.__class__
        if kind is ast.Assign and len(stmt.targets) == 1 and stmt.targets[0].__class__ is ast.Name:
            if _zero_at_start(stmt.value, zeros):
                zeros.add(stmt.targets[0].id)
            else:
                zeros.discard(stmt.targets[0].id)
        elif kind is ast.If:
            test = stmt.test
            if test.__class__ is ast.Compare and len(test.ops) == 1 and test.ops[0].__class__ in (ast.Lt, ast.LtE) \
                    and _zero_at_start(test.left, zeros):
                found = _read_to_return(stmt.body, zeros)
                if found is not _FELL_THROUGH:
                    return found
                continue  # (the arm taken at the start bound its names: read on after the if)
            return None
        elif kind is ast.Return:
            return stmt.value
        elif kind not in (ast.Expr, ast.Pass):
            return None
    return _FELL_THROUGH


def _zero_at_start(expr: ast.AST, zeros: set[str]) -> bool:
    """``self.last_epoch``, a name in ``zeros``, or a product (or quotient) with one of
    them as a factor of its numerator: zero while the scheduler has not stepped."""
    if flow.dotted(expr) == "self.last_epoch" or (expr.__class__ is ast.Name and expr.id in zeros):  # type: ignore[attr-defined]
        return True
    if expr.__class__ is ast.Call and flow.last_name(expr.func) in ("float", "int") \
            and len(expr.args) == 1 and not expr.keywords:  # type: ignore[attr-defined]
        return _zero_at_start(expr.args[0], zeros)  # type: ignore[attr-defined]  # (``float(step)``)
    if expr.__class__ is ast.BinOp:
        op = expr.op.__class__  # type: ignore[attr-defined]
        if op is ast.Div or op is ast.FloorDiv:
            return _zero_at_start(expr.left, zeros)  # type: ignore[attr-defined]
        if op is ast.Mult:
            return any(_zero_at_start(side, zeros) for side in (expr.left, expr.right))  # type: ignore[attr-defined]
    return False


def _after_first_iteration(a, call: ast.Call, loops: list) -> bool:
    """The step is guarded by a test false in a loop's first iteration (``if epoch > 0:
    scheduler.step()`` at the top of the epoch: yuanli2333/Teacher-free-Knowledge-Distillation;
    ``if epoch > start_epoch:`` in ``while epoch < max_epochs:`` after ``epoch = start_epoch``:
    ACEsuit/mace), so it follows the previous epoch's optimizer steps, as if it ended that epoch."""
    counters: dict[str, ast.expr] = {}  # the loop counters, each with its first value
    for loop in loops:
        target = getattr(loop, "target", None)
        iterated = getattr(loop, "iter", None)
        if target.__class__ is ast.Name and flow.last_name(getattr(iterated, "func", iterated)) == "range":
            args = iterated.args if iterated.__class__ is ast.Call else []  # type: ignore[attr-defined]
            counters[target.id] = args[0] if len(args) > 1 else ast.Constant(0)  # type: ignore[attr-defined]
        elif target.__class__ is ast.Tuple and target.elts and target.elts[0].__class__ is ast.Name \
                and flow.last_name(getattr(iterated, "func", iterated)) == "enumerate":  # type: ignore[attr-defined]
            counters[target.elts[0].id] = ast.Constant(0)  # type: ignore[attr-defined]
        elif loop.__class__ is ast.While:
            start = _while_counter_start(a, loop)
            if start is not None:
                counters[start[0]] = start[1]
    if not counters:
        return False
    for anc in flow.ancestors(a, call):
        if isinstance(anc, (*flow.LOOPS, *flow.SCOPES)):
            return False
        if anc.__class__ is ast.If:
            test = anc.test  # type: ignore[attr-defined]
            in_else = any(flow.contains(s, call) for s in anc.orelse)  # type: ignore[attr-defined]
            first = _first_iteration_value(test, {**_constants_in(a, test), **counters})
            if first is not None and first == in_else:
                return True  # false first, in its body; or true first, in its else (aimagelab/mammoth's
                # ``if epoch <= 0: ... elif epoch == 1: ... else: scheduler.step()``)
    return False


def _none_on_every_call(a, name: ast.expr) -> bool:
    """``name`` is a parameter that every call of its function in the file passes ``None``:
    a literal ``None`` (or no value, where its default is ``None``), or an element of a tuple a function of the file returns where that
    element is a name its function binds only to ``None`` (jpthu17/EMCL: ``optimizer,
    scheduler, model = prep_optimizer(...)``, whose ``scheduler = None``: the schedule lives in
    ``BertAdam``, and ``if scheduler is not None: scheduler.step()`` never runs)."""
    if name.__class__ is not ast.Name:
        return False
    func = flow.enclosing_function(a, name)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    if name.id not in params or any(n.__class__ is ast.Name and n.id == name.id and n.ctx.__class__ is ast.Store  # type: ignore[attr-defined]
                                    for n in flow.walk_local(a, func)):
        return False
    index = params.index(name.id)
    # (``scheduler=None``, omitted by every caller: Schuture/DL-course)
    default = parameter_defaults(func.args).get(name.id)  # type: ignore[attr-defined]
    sites = [c for c in flow.calls_named(a, func.name) if c.func.__class__ is ast.Name]  # type: ignore[attr-defined]
    if not sites:
        return False
    for site in sites:
        if any(x.__class__ is ast.Starred for x in site.args) or any(k.arg is None for k in site.keywords):
            return False  # (``*args``, ``**kwargs``: anything)
        given = site.args[index] if index < len(site.args) else next(
            (k.value for k in site.keywords if k.arg == name.id), default)  # type: ignore[attr-defined]
        if not _always_none(a, given):
            return False
    return True


def _always_none(a, expr: ast.expr | None) -> bool:
    """``None``, or a name bound to an element of a tuple that a function of the file returns
    on every path with a name there bound only to ``None``."""
    if expr.__class__ is ast.Constant:
        return expr.value is None  # type: ignore[union-attr]
    if expr.__class__ is not ast.Name:
        return False
    try:
        binding = a.lookup(expr.id, a.scope_of(expr), expr.lineno)  # type: ignore[union-attr]
    except Exception:
        return False
    if binding is None or binding.kind != "assign" or binding.index is None or binding.node.__class__ is not ast.Call \
            or binding.node.func.__class__ is not ast.Name:  # type: ignore[union-attr]
        return False
    callee = flow.index(a).functions.get(binding.node.func.id)  # type: ignore[union-attr]
    returns = [n for n in flow.walk_local(a, callee) if n.__class__ is ast.Return] if callee is not None else []
    if not returns:
        return False
    for ret in returns:
        value = ret.value  # type: ignore[attr-defined]
        if value.__class__ is not ast.Tuple or binding.index >= len(value.elts):  # type: ignore[union-attr]
            return False
        element = value.elts[binding.index]  # type: ignore[union-attr]
        if element.__class__ is ast.Constant and element.value is None:
            continue
        if element.__class__ is not ast.Name:
            return False
        bound = [n for n in flow.walk_local(a, callee) if n.__class__ in (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For)
                 and any(t.__class__ is ast.Name and t.id == element.id for t in ast.walk(  # type: ignore[attr-defined]
                     n.target if n.__class__ is not ast.Assign else ast.Tuple(elts=n.targets)))]  # type: ignore[attr-defined]
        if not bound or not all(n.__class__ is ast.Assign and n.value.__class__ is ast.Constant and n.value.value is None  # type: ignore[attr-defined]
                                for n in bound):
            return False
    return True


def _gated_by_training_state(a, call: ast.Call, loop: ast.AST) -> bool:
    """The step runs under an ``if`` whose test asks an object that the loop hands to a
    call (``if eps_scheduler.reached_max_eps(): lr_scheduler.step()``, then
    ``Train(model, t, train_data, eps_scheduler, ...)``: Verified-Intelligence/auto_LiRPA):
    its answer follows the training, and is unknown in the first iteration."""
    for anc in flow.ancestors(a, call):
        if anc is loop or isinstance(anc, (*flow.LOOPS, *flow.SCOPES)):
            return False
        if anc.__class__ is not ast.If:
            continue
        asked = {c.func.value.id for c in ast.walk(anc.test)  # type: ignore[attr-defined]
                 if c.__class__ is ast.Call and c.func.__class__ is ast.Attribute  # type: ignore[attr-defined]
                 and c.func.value.__class__ is ast.Name}  # type: ignore[attr-defined]
        if asked and any(arg.__class__ is ast.Name and arg.id in asked  # type: ignore[attr-defined]
                         for c in flow.calls_in(a, loop) if not flow.contains(anc.test, c)  # type: ignore[attr-defined]
                         for arg in (*c.args, *(k.value for k in c.keywords))):
            return True
    return False


def _constants_in(a, test: ast.expr) -> dict[str, ast.expr]:
    """The names of ``test`` bound once, in their scope, to an integer (``warm_up = 10`` in
    WhatAShot/ExcelFormer's script): their values, as counters' first values are given."""
    out: dict[str, ast.expr] = {}
    for node in ast.walk(test):
        if node.__class__ is not ast.Name or node.id in out:  # type: ignore[attr-defined]
            continue
        scope = a.scope_of(node)
        binding = a.lookup(node.id, scope, node.lineno)  # type: ignore[attr-defined]
        if binding is None or binding.kind != "assign" or binding.index is not None \
                or binding.node.__class__ is not ast.Constant or binding.node.value.__class__ is not int:  # type: ignore[union-attr]
            continue
        holder = scope
        while holder is not None and node.id not in holder.bindings:  # type: ignore[attr-defined]
            holder = holder.parent
        if holder is not None and len(holder.bindings[node.id]) == 1:  # type: ignore[attr-defined]
            out[node.id] = binding.node  # type: ignore[attr-defined,assignment]
    return out


def _while_counter_start(a, loop: ast.While) -> tuple[str, ast.expr] | None:
    """``while epoch < end:`` whose body adds to ``epoch``, right after ``epoch = <start>``
    (the last statement before the loop that binds it): the counter and its first value."""
    test = loop.test
    if test.__class__ is ast.BoolOp and test.op.__class__ is ast.And:  # ``while epoch < n and not stop:``
        test = next((v for v in test.values if v.__class__ is ast.Compare), test)  # type: ignore[attr-defined]
    if test.__class__ is not ast.Compare or test.left.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return None
    name = test.left.id  # type: ignore[attr-defined]
    if not any(n.__class__ is ast.AugAssign and n.target.__class__ is ast.Name and n.target.id == name
               and n.op.__class__ is ast.Add for n in flow.subtree(loop)):  # type: ignore[attr-defined]
        return None
    block = next((getattr(flow.parent(a, loop), f) for f in ("body", "orelse", "finalbody")
                  if loop in getattr(flow.parent(a, loop), f, ())), None)
    if block is None:
        return None
    for stmt in reversed(block[:block.index(loop)]):
        if stmt.__class__ is ast.Assign and len(stmt.targets) == 1 and stmt.targets[0].__class__ is ast.Name \
                and stmt.targets[0].id == name:  # type: ignore[attr-defined]
            return name, stmt.value  # type: ignore[attr-defined]
        if stmt.__class__ is ast.If and stmt.orelse:  # ``if resume: epoch = cp["epoch"] + 1`` ``else: epoch = 0``
            fresh = [v for arm in (stmt.body, stmt.orelse) if (v := _last_bound(arm, name)) is not None]
            if len(fresh) == 2:  # bound in both arms: a fresh run's constant start (cvg/glue-factory)
                return next(((name, v) for v in fresh if v.__class__ is ast.Constant), (name, fresh[0]))
        if any(n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load
               for n in flow.subtree(stmt)):  # type: ignore[attr-defined]
            return None  # bound another way first
    return None


def _last_bound(block: list[ast.stmt], name: str) -> ast.expr | None:
    """The value the last statement of ``block`` that binds ``name`` gives it, when that is a
    plain ``name = value`` of the block itself."""
    for stmt in reversed(block):
        if stmt.__class__ is ast.Assign and len(stmt.targets) == 1 and stmt.targets[0].__class__ is ast.Name \
                and stmt.targets[0].id == name:  # type: ignore[attr-defined]
            return stmt.value  # type: ignore[attr-defined]
        if any(n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load
               for n in flow.subtree(stmt)):  # type: ignore[attr-defined]
            return None
    return None


def _first_iteration_value(test: ast.expr, counters: dict[str, ast.expr]) -> bool | None:
    """What ``test`` gives in the first iteration, when its counter (at its first value:
    a constant, or the expression the loop starts from) decides it."""
    if test.__class__ is ast.Name and test.id in counters:  # type: ignore[attr-defined]
        start = counters[test.id]  # type: ignore[attr-defined]
        return bool(start.value) if start.__class__ is ast.Constant else False  # type: ignore[attr-defined]
    if test.__class__ is ast.UnaryOp and test.op.__class__ is ast.Not:  # type: ignore[attr-defined]
        inner = _first_iteration_value(test.operand, counters)  # type: ignore[attr-defined]
        return None if inner is None else not inner
    if test.__class__ is ast.BoolOp:  # ``if scheduler and epoch:`` (P3AFormer's re-id solver)
        values = [_first_iteration_value(v, counters) for v in test.values]  # type: ignore[attr-defined]
        decisive = test.op.__class__ is ast.Or  # type: ignore[attr-defined]  # (True decides an or, False an and)
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if test.__class__ is ast.Compare and len(test.ops) == 1 and test.left.__class__ is ast.Name \
            and test.left.id in counters:  # type: ignore[attr-defined]
        op, other = test.ops[0].__class__, test.comparators[0]  # type: ignore[attr-defined]
        compare = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le,
                   ast.Eq: operator.eq, ast.NotEq: operator.ne}.get(op)
        start = counters[test.left.id]  # type: ignore[attr-defined]
        if compare is None:
            return None
        if other.__class__ is ast.Name and other.id in counters \
                and counters[other.id].__class__ is ast.Constant:  # type: ignore[attr-defined]
            other = counters[other.id]  # (a constant of the script: ``epoch <= warm_up``, ``warm_up = 10``)  # type: ignore[attr-defined]
        if other.__class__ is ast.Constant and isinstance(other.value, int):  # type: ignore[attr-defined]
            # from a start that is not a constant (``range(args.start_epoch, ...)``): from 0, as
            # when the run is not resumed
            first = start.value if start.__class__ is ast.Constant and isinstance(start.value, int) else 0  # type: ignore[attr-defined]
            return bool(compare(first, other.value))  # type: ignore[attr-defined]
        if start.__class__ is not ast.Constant and ast.dump(start) == ast.dump(other):
            return bool(compare(0, 0))  # ``epoch > start_epoch`` when the loop starts at start_epoch
        if op is ast.Gt and other.__class__ in (ast.Name, ast.Attribute) and (
                start.__class__ is not ast.Constant or start.value == 0):  # type: ignore[attr-defined]
            return False  # ``epoch > args.warmup_epochs``: past a count of epochs (NVlabs/NVAE), from 0
    return None


def _primed(a, steps: list, stepped: dict[int, str | None], owner: str | None, call: ast.Call,
            loop: ast.AST) -> bool:
    """The scheduler's optimizer is stepped once before the training loop, outside any
    loop (``optimizer.zero_grad(); optimizer.step()``, a step of no gradients): the
    idiom that silences PyTorch's order warning, where the schedule is meant to step
    first in each epoch (a warmup scheduler whose first value is 0: MONAI's LUNA16
    detection tutorial)."""
    outside = a.queries.get("steps_outside_loops")
    if outside is None:  # once per file: direct steps run once (in no loop), by function
        outside = a.queries["steps_outside_loops"] = {}
        for c, _ in steps:
            if flow.method_name(c) == "step" and not flow.enclosing_loops(a, c):
                outside.setdefault(id(flow.enclosing_function(a, c)), []).append(c)
    return any((owner is None or stepped[id(c)] == owner) and flow.before(c, loop)
               for c in outside.get(id(flow.enclosing_function(a, call)), ()))


def _scheduled_optimizer(a, scheduler: ast.expr) -> str | None:
    """The name of the optimizer a scheduler was built on, where the scheduler is a name
    assigned a call that takes it first or as ``optimizer=`` (``StepLR(opt, 10)``,
    ``get_linear_schedule_with_warmup(optimizer=opt, ...)``), else None."""
    if not isinstance(scheduler, ast.Name):
        return None
    value = flow.binding_value(a, scheduler)
    if not isinstance(value, ast.Call):
        return None
    given = next((k.value for k in value.keywords if k.arg == "optimizer"), value.args[0] if value.args else None)
    return flow.dotted(given) if given is not None else None


def _statement_of(analysis, node: ast.AST) -> ast.AST:
    current = node
    for anc in flow.ancestors(analysis, node):
        if isinstance(current, ast.stmt):
            return current
        current = anc
    return current


def _block_of(analysis, node: ast.AST) -> ast.AST | None:
    """The node whose body holds the statement of ``node`` (for same-block searches)."""
    return flow.parent(analysis, _statement_of(analysis, node))


def _same_block(analysis, a: ast.AST, b: ast.AST) -> bool:
    sa, sb = _statement_of(analysis, a), _statement_of(analysis, b)
    return flow.parent(analysis, sa) is flow.parent(analysis, sb)


# ------------------------------------------------------------------ mode tracking (TW104-TW106)
def _mode_over_members(a, call: ast.Call) -> tuple[str, str] | None:
    """``[model[k].eval() for k in model]``, ``for m in model.values(): m.train()``: every
    module ``model`` holds put in one mode (StyleTTS2 keeps its modules in a ``Munch``, a
    dict read by attribute): (``model``, the mode). Also ``for m in model.modules():
    m.eval()``, the mode "unknown" where an ``if`` picks the modules. None for any other call."""
    f = call.func
    if f.__class__ is not ast.Attribute or f.attr not in ("eval", "train"):
        return None
    receiver = f.value
    if receiver.__class__ is ast.Subscript and receiver.slice.__class__ is ast.Name:
        key, holder, wanted = receiver.slice.id, flow.dotted(receiver.value), "keys"
    elif receiver.__class__ is ast.Name:
        key, holder, wanted = receiver.id, None, "values"
    else:
        return None
    for anc in flow.ancestors(a, call):
        if isinstance(anc, flow.SCOPES):
            return None
        loops = anc.generators if isinstance(anc, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) \
            else [anc] if isinstance(anc, (ast.For, ast.AsyncFor)) else []
        for loop in loops:
            if loop.target.__class__ is not ast.Name or loop.target.id != key:
                continue
            it = loop.iter
            if it.__class__ is ast.Call and it.func.__class__ is ast.Attribute and not it.args \
                    and it.func.attr in ("modules", "children") and holder is None:
                # ``for m in model.modules(): m.eval()``: the model in that mode; under an ``if``
                # (``if not isinstance(m, nn.Dropout)``: Monte Carlo dropout, stefan-jansen/
                # machine-learning-for-trading; frozen batch norms) some of it only: unknown
                base, mode = flow.dotted(it.func.value), effects.mode_set(call)
                if base is None or mode is None:
                    return None
                tested = False
                for up in flow.ancestors(a, call):
                    if up is anc:
                        break
                    tested = tested or up.__class__ is ast.If
                return base, "unknown" if tested else mode
            if it.__class__ is ast.Call and it.func.__class__ is ast.Attribute and not it.args \
                    and it.func.attr in ("keys", "values"):
                base, kind = flow.dotted(it.func.value), it.func.attr
            else:
                base, kind = flow.dotted(it), "keys"
            if base is None or kind != wanted or (holder is not None and base != holder):
                return None
            mode = effects.mode_set(call)
            return (base, mode) if mode is not None else None
    return None


def _calls_target(a, node: ast.AST, target: str) -> ast.Call | None:
    """The first call in ``node`` of ``target`` (``model(x)``) or of one of its items
    (``models["generator"](z)``: a dict or list of models switched together)."""
    for n in flow.calls_in(a, node):
        if _calls_of(n, target):
            return n
    return None


def _calls_a_wrapper_of(a, loop: ast.AST, target: str, func: ast.AST) -> ast.Call | None:
    """A call in ``loop`` of a module the function built before it around ``target``
    (``eagle3_model = OfflineEagle3Model(target_head=head, draft_model=draft_model)``, its
    class a module of the project or torch's), bound once: running the wrapper runs the
    model (sgl-project/SpecForge#237, whose evaluation loop after ``draft_model.eval()``
    called ``eagle3_model(...)``)."""
    if "." in target or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return None
    for n in flow.walk_local(a, func):
        if n.__class__ is not ast.Assign or len(n.targets) != 1 or n.targets[0].__class__ is not ast.Name \
                or n.value.__class__ is not ast.Call or not flow.before(n, loop):  # type: ignore[attr-defined]
            continue
        built = n.value  # type: ignore[attr-defined]
        if not any(v.__class__ is ast.Name and v.id == target  # type: ignore[attr-defined]
                   for v in (*built.args, *(k.value for k in built.keywords))):
            continue
        qualname = flow.safe_qualname(a, built.func)
        if not qualname or not flow.is_subclass(a, qualname, MODULE):
            continue
        wrapper = n.targets[0].id  # type: ignore[attr-defined]
        if sum(1 for m in flow.walk_local(a, func) if m.__class__ in (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)
               and any(t.__class__ is ast.Name and t.id == wrapper for t in ast.walk(
                   m.target if m.__class__ is not ast.Assign else ast.Tuple(elts=m.targets)))) != 1:  # type: ignore[attr-defined]
            continue
        found = _calls_target(a, loop, wrapper)
        if found is not None:
            return found
    return None


def _calls_of(call: ast.Call, target: str) -> bool:
    f = call.func
    return flow.dotted(f.value if f.__class__ is ast.Subscript else f) == target  # type: ignore[attr-defined]


def _runs_with_grad(a, func: ast.AST, target: str) -> bool:
    """``func``'s own code calls ``target`` (or one of its items) outside ``no_grad``."""
    return any(_calls_of(c, target) and not flow.under_grad_off(a, c) for c in flow.calls_in(a, func))


def _calls_target_in_a_method(ctx: Context, node: ast.AST, target: str, func: ast.AST) -> ast.Call | None:
    """A call in ``node`` of a method of ``func``'s class (``self._eval_step(batch)``) that
    calls ``self.x`` ``target`` in its own code and turns no gradients off there: the
    call, where the model runs (ParallelWaveGAN's ``_eval_epoch``, whose loop hands each
    batch to ``_eval_step``)."""
    a = ctx.analysis
    owner = flow.parent(a, func)
    if not target.startswith("self.") or owner.__class__ is not ast.ClassDef:
        return None
    methods = {m.name: m for m in owner.body if m.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)}  # type: ignore[attr-defined]
    for call in flow.calls_in(a, node):
        f = call.func
        if f.__class__ is ast.Attribute and f.value.__class__ is ast.Name and f.value.id == "self":  # type: ignore[attr-defined]
            method = methods.get(f.attr)  # type: ignore[attr-defined]
            if method is not None and method is not func and not _grad_disabled_somewhere(ctx, method) \
                    and _runs_with_grad(a, method, target):
                return call
    return None


def _mode_targets(ctx: Context) -> set[str]:
    """What the file's ``.train()``/``.eval()`` calls are called on (``model``, ``self.net``),
    and what its calls of helpers (same file or another module) leave in a mode."""
    a = ctx.analysis
    out = a.queries.get("mode_targets")
    if out is None:
        out = a.queries["mode_targets"] = set()
        for call in flow.calls_named(a, "train", "eval"):
            mc = effects.mode_call(call)
            if mc is not None and not (call.func.__class__ is ast.Attribute and call.args
                                       and flow.plain_object(a, call.func.value)):  # type: ignore[attr-defined]
                out.add(mc[0])  # (not ``learner.train(10)``, a method of a plain class of the project:
                # facebookresearch/tacto's ``Learning``, whose file switches no module's mode)
        summaries = _summaries(a)
        for call, _callee in _helper_callees(a):
            out.update(target for target, _ in summaries.effects_at(call, flow.enclosing_function(a, call)))
    return out


def _mode_events(ctx: Context, func: ast.AST) -> dict[str, list[tuple[tuple[int, int], str]]]:
    """Per function and per target (``model``, ``self.net``), in order: its mode calls
    ("train"/"eval"/"unknown"), the calls it is passed to ("pass") and its bindings to
    something new ("new", see ``_rebound_mode``). Only targets of
    some mode call in the file (``_mode_targets``) are asked about, so only they are kept."""
    return _mode_tables(ctx, func)[0]


def _mode_tables(ctx: Context, func: ast.AST) -> tuple[dict[str, list[tuple[tuple[int, int], str]]], dict]:
    """``_mode_events`` and, by position, the call of each event."""
    def compute():
        targets = _mode_targets(ctx)
        summaries = _summaries(ctx.analysis)
        # without a project, only the file's own functions and methods can be callees, and
        # their names are all helper names: no other call needs asking
        helpers = summaries.helper_names() if getattr(ctx.analysis, "env", None) is None else None
        Attribute, Name = ast.Attribute, ast.Name
        events: dict[str, list[tuple[tuple[int, int], str]]] = {}
        calls: dict[tuple[int, int], ast.Call] = {}
        rebound = _target_assigns(ctx).get(id(func))
        # ``model = nn.DataParallel(model)``, ``model = gpu_wrapper(model, use_cuda)`` once, out
        # of any loop: a call of another library whose result replaces the target wraps it, in
        # the mode it was in (a helper of the project is asked through its summary all the same)
        idx = flow.index(ctx.analysis)
        shadowed = _Shadowed(idx)
        wrappers = {id(effects.unmoved(n.value)) for n, d in rebound
                    if _wraps(n.value, d) and not flow.enclosing_loops(ctx.analysis, n)} if rebound else ()
        for n in flow.calls_in(ctx.analysis, func):
            position = (n.lineno, n.col_offset)
            f = n.func
            kind = f.__class__
            if kind is Attribute and (f.attr == "train" or f.attr == "eval") and not (
                    f.value.__class__ is Name and f.value.id == "self" and summaries.callee(n, func) is not None):
                # (else not a mode call; nor ``self.train()`` where the class defines its own
                # ``train`` method, a helper: XLM's GLUE trainer, whose ``train`` sets its layers')
                mc = effects.mode_call(n)
                # a name's call may set the mode of every module a holder keeps (a loop's variable:
                # ``for m in model.modules(): m.eval()``); any other receiver's sets its own
                spread = _mode_over_members(ctx.analysis, n) if mc is None or f.value.__class__ is Name else None
                if spread is not None:  # every module the holder keeps
                    for target in targets:
                        if target == spread[0] or target.startswith(spread[0] + "."):
                            events.setdefault(target, []).append((position, spread[1]))
                    calls[position] = n
                    continue
                if mc is not None:
                    if flow.parent(ctx.analysis, n).__class__ is ast.IfExp:
                        # ``self.model.eval() if eval_mode else self.model.train()``: the mode a
                        # test picks at run time (irom-lab/dppo's agents), known neither way
                        mc = (mc[0], "unknown")
                    events.setdefault(mc[0], []).append((position, mc[1]))
                    held = _held_as_attribute(ctx, func, mc[0], targets)
                    if held is not None:  # ``model.eval()`` where the class keeps ``self.model = model``
                        events.setdefault(held, []).append((position, mc[1]))
                    if mc[0].endswith(".module") and mc[0][:-7] in targets:
                        # ``net.module.eval()``: a DataParallel/DDP wrapper's model, which calling the
                        # wrapper runs (xu-ji/IIC's render script), so ``net(x)`` runs in that mode
                        events.setdefault(mc[0][:-7], []).append((position, mc[1]))
                    calls[position] = n
                    continue
            if helpers is not None and (f.attr if kind is Attribute else f.id if kind is Name else None) not in helpers:
                pass
            elif (callee := summaries.callee(n, func)) is not None:  # one of the file's helpers: its summary says
                for target, mode in summaries.effects_at(n, func):
                    if target in targets:
                        events.setdefault(target, []).append((position, mode))
                        calls[position] = n
                if callee.args.vararg is None and callee.args.kwarg is None:  # type: ignore[attr-defined]
                    continue
                # (``eval_mode(*nets)``, Project-MONAI's: what it does to the models it takes
                # through ``*args`` is not in its summary; handed over, their mode is unknown)
            if wrappers and id(n) in wrappers:
                continue
            if helpers is None and kind is Name and summaries.inert(n):
                continue  # a function of a module of the project that names no effect
            keywords = n.keywords  # (no list built for the many calls without keywords)
            for arg in [*n.args, *[k.value for k in keywords]] if keywords else n.args:
                ak = arg.__class__  # only a name or an attribute chain is dotted
                d = arg.id if ak is Name else flow.dotted(arg) if ak is Attribute else None
                if d in targets:
                    if kind is Name and f.id in _READS_ONLY and f.id not in shadowed:
                        break  # ``print(model)``: a builtin that only reads what it is handed
                    if _SAVES.search(f.id if kind is Name else f.attr if kind is Attribute else ""):
                        break  # ``save_checkpoint(model, path)``: a helper that writes the model out
                    if kind is Name and _default_sets_no_mode(ctx, func, f.id, summaries):
                        break  # ``get_device_fn(model)``, a parameter left at the file's ``get_device``
                    events.setdefault(d, []).append((position, "pass"))
        if rebound:
            for n, d in rebound:
                if not _wraps(n.value, d):
                    events.setdefault(d, []).append(((n.lineno, n.col_offset), _rebound_mode(ctx.analysis, n.value)))
            for d in {d for _, d in rebound}:
                events.get(d, []).sort(key=_FIRST)
        return events, calls

    return flow.memo(ctx.analysis, func, "mode_events", compute)


def _held_as_attribute(ctx: Context, func: ast.AST, name: str, targets) -> str | None:
    """``self.<name>`` when ``name`` is a parameter of the method ``func`` and every
    assignment of that attribute in the class is ``self.<name> = <name>``, the same-named
    parameter of its method: the object the class keeps is the one handed in (thuiar/MMSA's
    trainers: ``do_train(self, model)`` keeps ``self.model = model``, and ``do_test(self,
    model)`` calls ``model.eval()``, then runs ``self.model``)."""
    attr = f"self.{name}"
    if "." in name or attr not in targets or func.__class__ is not ast.FunctionDef:
        return None
    a = ctx.analysis
    info = a.classes.get(flow.parent(a, func))
    if info is None or name not in [p.arg for p in func.args.args[1:]]:  # type: ignore[attr-defined]
        return None
    assigned = info.attributes.get(name, ())
    if not assigned:
        return None
    handed = False
    for scope, value in assigned:
        value = effects.unmoved(value)
        if value.__class__ is ast.Call and value.args and flow.dotted(value.args[0]) == attr:  # type: ignore[attr-defined]
            continue  # ``self.model = torch.nn.DataParallel(self.model, ...)``: the same model, wrapped
        if value.__class__ is not ast.Name or value.id != name:  # type: ignore[attr-defined]
            return None
        bindings = scope.bindings.get(name, ())
        if not bindings or any(b.kind != "param" for b in bindings):
            return None
        handed = True
    return attr if handed else None


# what a helper that only writes the model out is called (another library's, or one the
# project does not define: its summary is asked otherwise): ``save_checkpoint``,
# ``save_pretrain_checkpoint``, ``log_model``; a mode it might set would not be train mode
_SAVES = lazy(r"save|checkpoint|ckpt|^log_|_log$|^print_|summary", re.IGNORECASE)


def _default_sets_no_mode(ctx: Context, func: ast.AST, name: str, summaries) -> bool:
    """``name`` is a parameter of ``func`` whose default is a module-level function of the
    file that sets no module's mode, and no call of ``func`` in the file passes another:
    calling it runs that function (LukasHedegaard/pytorch-benchmark's ``benchmark(model, ...,
    get_device_fn=get_device)``, which calls ``get_device_fn(model)`` after ``model.eval()``)."""
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    default = parameter_defaults(func.args).get(name)  # type: ignore[attr-defined]
    a = ctx.analysis
    if default.__class__ is not ast.Name or flow.index(a).functions.get(default.id) not in a.tree.body:  # type: ignore[union-attr]
        return False
    callee = flow.index(a).functions[default.id]  # type: ignore[union-attr]
    positional = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    at = positional.index(name) if name in positional else None
    bound = 1 if positional[:1] in (["self"], ["cls"]) else 0  # (``self.f(...)`` passes self itself)
    if any(may_pass(site, name, None if at is None else at - (bound if site.func.__class__ is ast.Attribute else 0))
           for site in flow.calls_named(a, func.name)):  # type: ignore[attr-defined]
        return False  # (another function handed in, or perhaps)
    effects_of = summaries.of(callee)
    return not effects_of.modes and not effects_of.conditioned and callee.args.vararg is None


class _Shadowed:
    """Whether a builtin's name is bound in the file (asked only of calls that pass a target)."""

    def __init__(self, idx) -> None:
        self.idx = idx

    def __contains__(self, name: str) -> bool:
        idx = self.idx
        return name in idx.stored_names or name in idx.functions or name in idx.from_aliases


# builtins that only read the object they are handed (no mode set through them)
_READS_ONLY = frozenset({"print", "len", "repr", "str", "id", "type", "isinstance", "hasattr", "hash",
                         "format", "dir", "vars", "callable"})


def _target_assigns(ctx: Context) -> dict[int, list[tuple[ast.Assign, str]]]:
    """``target = ...`` statements of the mode targets (``_mode_targets``), with the target
    they bind, by (id of) their enclosing function: once per file."""
    a = ctx.analysis
    table = a.queries.get("target_assigns")
    if table is None:
        table = a.queries["target_assigns"] = {}
        targets = _mode_targets(ctx)
        Name, Attribute, Assign = ast.Name, ast.Attribute, ast.Assign
        last = {t.rsplit(".", 1)[-1] for t in targets}  # (a cheap test before dotting an attribute)
        for n in flow.index(a).assigns:
            if n.__class__ is not Assign:
                continue
            for t in n.targets:
                kind = t.__class__
                d = (t.id if kind is Name else flow.dotted(t) if kind is Attribute and t.attr in last else None)
                if d in targets:
                    table.setdefault(id(flow.enclosing_function(a, n)), []).append((n, d))
    return table


def _wraps(value: ast.expr, target: str) -> bool:
    """``model = model.to(device)``, ``model = DDP(model)``, ``model = torch.compile(model)``:
    the same modules, in the mode they were in."""
    if flow.dotted(effects.unmoved(value)) == target:
        return True
    return value.__class__ is ast.Call and any(
        flow.dotted(effects.unmoved(x)) == target for x in [*value.args, *(k.value for k in value.keywords)])


def _rebound_mode(a, value: ast.expr) -> str | None:
    """What a name is bound to anew: "new" for something just built (``Net(...)``, in
    train mode if a module; whether its layers care is not known here), else "unknown".
    Either way an earlier ``eval()`` no longer holds (botorch's tests build a fresh
    transform in each loop pass, after an earlier one of the same name was put in eval
    mode). Not "train": missing-eval asks for an explicit ``train()``."""
    value = effects.unmoved(value)  # ``Net().to(device)``: the module just built, moved
    if value.__class__ is not ast.Call:
        return "unknown"
    func = value.func
    if func.__class__ is ast.Name and not func.id[:1].isupper():
        func = flow.binding_value(a, func) or func  # ``model_type = getattr(models, name)``
    if flow.last_name(func)[:1].isupper() or _picked_from_module(a, func) or _builds_project_module(a, value) \
            or _TORCHVISION_MODE_BUILDERS.match(flow.last_name(func)) and (
                flow.safe_qualname(a, func) or "").startswith("torchvision.models."):
        return "new"  # (a torchvision builder's model: ``models.vgg16(pretrained=True)``, the Udacity notebooks')
    return "unknown"


def _builds_project_module(a, call: ast.Call) -> bool:
    """A factory of the project that returns a module it builds (``model = resnet8()``, whose
    ``return ResNet(BasicBlock, [1, 1, 1])`` builds a class of the project: TingsongYu's
    PyTorch-Tutorial-2nd): as new as ``ResNet(...)``."""
    qualname = flow.safe_type(a, call)
    found = _weights.class_of_project(a, qualname) if qualname else None
    return found is not None and flow.is_subclass(found[0], found[1].qualname, MODULE)


def _picked_from_module(a, func: ast.expr) -> bool:
    """``getattr(models, args.model_type)`` or ``models.__dict__[args.arch]``, ``models`` an
    imported module: a class (or a model factory) picked by name at run time; what it
    builds is as new as ``Net(...)`` (shubhamagarwal92/mmd's ``main``)."""
    if func.__class__ is ast.Call and func.func.__class__ is ast.Name and func.func.id == "getattr" \
            and len(func.args) >= 2:
        holder = func.args[0]
    elif func.__class__ is ast.Subscript and func.value.__class__ is ast.Attribute \
            and func.value.attr == "__dict__":
        holder = func.value.value
    else:
        return False
    while holder.__class__ is ast.Attribute:
        holder = holder.value
    if holder.__class__ is not ast.Name:
        return False
    try:
        binding = a.lookup(holder.id, a.scope_of(holder), holder.lineno)
    except Exception:
        return False
    return binding is not None and binding.kind == "import"


def _mode_before(ctx: Context, node: ast.AST, target: str) -> str | None:
    """The mode last set on ``target`` before ``node`` in its function: "train",
    "eval", "new" (bound to something just built), or None/"unknown" when it cannot be
    told (the model went through a call that may have changed it)."""
    func = flow.enclosing_function(ctx.analysis, node)
    table, calls = _mode_tables(ctx, func)
    events = table.get(target)
    if "." in target:  # a module's mode is its submodules' too: ``network.eval()`` sets ``network.controller``
        parts = target.split(".")
        outer = [e for i in range(1, len(parts)) for e in table.get(".".join(parts[:i]), ())]
        if outer:  # (at one position, a helper's call, its own mode last: it is the more specific)
            events = [t[2] for t in sorted([*((e[0], 0, e) for e in outer), *((e[0], 1, e) for e in events or ())],
                                           key=lambda t: t[:2])]
    if not events:
        return None
    here = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    passed = False
    for i in range(bisect.bisect_left(events, (here, "")) - 1, -1, -1):
        position, kind = events[i]
        if kind == "pass":
            passed = True
            continue
        call = calls.get(position)
        if call is not None and (flow.other_arms(ctx.analysis, call, node) or _arm_leaves_before(ctx.analysis, call, node)):
            continue  # set in the other arm of an ``if`` the node is in, or in one that jumps away: not on its way
        return "unknown" if passed else kind
    # handed to a call that may set its mode, with no mode set before it here: not known
    # (Project-MONAI's ``with eval_mode(self.model):``), not "nothing set" (which asks the callers)
    return "unknown" if passed else None


_JUMPS = (ast.Continue, ast.Break, ast.Return, ast.Raise)


def _arm_leaves_before(a, call: ast.AST, node: ast.AST) -> bool:
    """``call`` sits in an ``if`` arm that ends by jumping past ``node``, which comes after
    that ``if``: ``continue`` or ``break`` of a loop that also holds ``node``, or ``return``/
    ``raise`` (xu-ji/IIC's render script: ``if reassess_acc: segmentation_eval(net, ...)``,
    which leaves the net in train mode, then ``continue``, before the rendering loop)."""
    child = call
    for anc in flow.ancestors(a, call):
        if isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.If and not flow.contains(anc, node) and flow.before(anc, node):
            arm = anc.body if any(child is s for s in anc.body) else anc.orelse if any(  # type: ignore[attr-defined]
                child is s for s in anc.orelse) else None  # type: ignore[attr-defined]
            last = arm[-1] if arm else None
            if last.__class__ in _JUMPS:
                if last.__class__ in (ast.Return, ast.Raise):
                    return True
                loop = next((x for x in flow.ancestors(a, anc) if isinstance(x, (*flow.LOOPS, *flow.SCOPES))), None)
                return loop is not None and isinstance(loop, flow.LOOPS) and flow.contains(loop, node)
        child = anc
    return False


def _eval_commented_out(ctx: Context, node: ast.AST, target: str) -> bool:
    """The ``target.train()`` that sets the mode ``node`` runs in has ``# target.eval()``
    commented out on a line just above it: train mode chosen over eval mode on purpose
    (meteorshowers/StereoNet-ActiveStereoNet's test, batch statistics at batch size 1)."""
    func = flow.enclosing_function(ctx.analysis, node)
    table, calls = _mode_tables(ctx, func)
    here = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    last = max((p for p, kind in table.get(target, ()) if p < here and kind == "train" and calls.get(p) is not None),
               default=None)
    if last is None:
        return False
    line = calls[last].lineno
    wanted = f"{target}.eval()"
    return any(text.lstrip().startswith("#") and wanted in text
               for text in ctx.lines[max(0, line - 4): line - 1])


def _built_before(a, block: ast.AST, switch: ast.AST, target: str) -> bool:
    """``target`` is built anew inside the evaluation loop, before ``switch`` sets its mode:
    a fresh object each batch whose mode its author picks for it, not the evaluated model
    put back in train mode (tky823/DNN-based_source_separation: ``kmeans = KMeans(K=n)``,
    ``kmeans.train()`` to fit its centroids on each test mixture)."""
    return any(n.__class__ is ast.Assign and flow.before(n, switch)
               and any(t.__class__ is ast.Name and t.id == target for t in n.targets)  # type: ignore[attr-defined]
               and n.value.__class__ is ast.Call  # type: ignore[attr-defined]
               for n in flow.walk_local(a, block))


@rule(code="TW104", name="missing-eval", group="training", severity="warning",
      summary="An evaluation loop runs on a model still in train mode (dropout and batch norm active).",
      fix="unsafe", module_wide=True, runtime=True)  # the file's mode calls anywhere name the targets (_mode_targets)
def missing_eval(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    targets = _mode_targets(ctx)
    yield from _inference_method_never_switched(ctx)
    yield from _train_mode_prediction(ctx)
    if not targets:
        yield from _never_switched(ctx)
        yield from _evaluation_method_without_eval(ctx, set())  # (the base class, elsewhere, switches)
        return
    reported: set[int] = set()
    for call, target in _model_runs(ctx, targets):
        # inside a for loop (in its body) that sits inside a no_grad/inference_mode block
        # (or a loop whose body enters such a block around the call: ``for ...: with no_grad(): ...``)
        loop = None
        block = None
        inner = False
        child = call
        for anc in flow.ancestors(a, call):
            if isinstance(anc, flow.SCOPES):
                break
            grad_off = isinstance(anc, (ast.With, ast.AsyncWith)) and flow.memo(
                a, anc, "grad_off", lambda: any(flow.is_grad_off_context(a, i.context_expr) for i in anc.items))
            if loop is None and isinstance(anc, (ast.For, ast.AsyncFor)) and flow._in_body(anc, child):
                loop = anc
                if inner:
                    if not _has_backward(ctx, anc):  # a training loop computing targets: not evaluation
                        block = anc
                    break
            elif grad_off and loop is None:
                inner = True
            elif grad_off:
                block = anc
                break
            child = anc
        if block is None and loop is not None and _validation_loop(ctx, loop):
            block = loop  # held-out data, outside no_grad: an evaluation all the same
        if block is None or id(block) in reported or _repeated_sampling(a, loop, call) \
                or _on_training_batch(ctx, block, call):
            continue
        mode = _mode_before(ctx, call, target)
        from_callers = mode is None
        if from_callers:
            mode = _mode_at_callers(ctx, call, target, methods=True)
        switch = _train_call_inside(a, block, call, target) if mode == "train" else None
        if mode == "train" and not _trained_inside(a, block, target, switch) \
                and not (switch is not None and _output_unused(a, call)) \
                and not _mode_free(ctx, _run_of_target(a, call, target)) \
                and not _losses_in_train_mode(a, block, call, target) and not _timing_loop(a, loop, block) \
                and not _train_mode_chosen_for_the_block(a, block, target) \
                and not _mode_saved(a, call, target) and not _feeds_a_grad_pass(a, block, call, target) \
                and not _feeds_the_loss(a, block) \
                and not (switch is not None and _built_before(a, block, switch, target)) \
                and not (not from_callers and _eval_commented_out(ctx, call, target)) \
                and not _passes_over_the_same_data(ctx, loop, call):
            reported.add(id(block))
            if switch is not None:
                yield ctx.finding(
                    call,
                    f"`{ctx.text(switch)}` (line {switch.lineno}) puts `{target}` back in train mode inside "
                    "this evaluation loop (dropout and batch norm behave as in training); remove it",
                )
                continue
            pasted = _train_statement_before(a, block, target) if block.__class__ not in (ast.With, ast.AsyncWith) \
                and _trains_nothing(ctx, flow.enclosing_function(a, block)) else None
            if pasted is not None:  # (``model.train()`` at the top of an evaluation function)
                yield ctx.finding(
                    call,
                    f"`{ctx.text(pasted)}` ({flow.line_ref(a, pasted.lineno)}) puts `{target}` in train mode right "
                    f"before this evaluation loop, in a function that trains nothing (dropout and batch norm "
                    f"behave as in training); call `{target}.eval()` there instead",
                    Fix("unsafe", f"Call `{target}.eval()` instead", (ctx.replace(pasted.value, f"{target}.eval()"),)),  # type: ignore[attr-defined]
                )
                continue
            switched = _forward_sets_mode(a, _run_of_target(a, call, target))
            if switched is not None:  # (an ``eval()`` before the loop would be undone by the call: no fix)
                yield ctx.finding(
                    call,
                    f"`{target}` is in train mode here (dropout and batch norm behave as in training), yet "
                    f"this loop evaluates it; its `forward` sets the mode itself (`{ast.unparse(switched[1])}`, "
                    f"{_where(a, *switched)}), so a `{target}.eval()` before the loop would be undone: call it "
                    f"so that its `forward` takes its evaluation arm",
                )
                continue
            branch = _forward_returns_by_mode(a, _run_of_target(a, call, target))
            if branch is not None:  # (``eval()`` alone would change what this loop is handed: no fix)
                yield ctx.finding(
                    call,
                    f"`{target}` is still in train mode here (dropout and batch norm behave as in "
                    f"training), yet this loop evaluates it; its `forward` returns something else when "
                    f"`self.training` is false ({_where(a, *branch)}), so switch it "
                    f"with `{target}.eval()` together with what this loop reads of its output",
                )
                continue
            yield ctx.finding(
                call,
                f"`{target}` is still in train mode here (dropout and batch norm behave as in "
                f"training), yet this loop evaluates it; call `{target}.eval()` before the loop "
                f"and `{target}.train()` after it",
                _eval_fix(ctx, block, target, restore=from_callers),
            )
    yield from _train_mode_for_every_phase(ctx)
    yield from _evaluation_method_without_eval(ctx, reported)
    yield from _inference_function_without_eval(ctx)


# what a wrapper's evaluation methods are called (``evaluate``, ``_validate``, ``test_on_batch``)
_EVALUATION_METHOD = lazy(r"^_*(?:evaluate|eval|validate|validation|test)(?:_|$)", re.IGNORECASE)


def _evaluation_method_without_eval(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A plain class that keeps a model (``self.model``), a method of which, or of a base class
    of the project, switches it to eval mode (not ``__init__``: the mode changes over the
    object's life), while its evaluation or inference method (``evaluate``, ``predict``) runs
    it, itself or through a method of the class, with no mode set, training nothing, and no
    method of the family calls that method: after training, or on a model just built or
    loaded, it runs in training mode (GRAAL-Research/poutyne: ``Model.evaluate`` beside
    ``predict``'s ``self.model.eval()``; WenjieDu/PyPOTS: ``SAITS.predict`` after the base
    class's ``_train_model``, which switches to eval mode only when handed a validation set)."""
    a = ctx.analysis
    for cls in flow.iter_nodes(a, ast.ClassDef):
        methods = {m.name: m for m in cls.body if m.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)}  # type: ignore[attr-defined]
        candidates = [n for n in methods if _EVALUATION_METHOD.match(n) or _modes.INFERENCE_METHOD.match(n)]
        info = a.classes.get(cls) if candidates else None
        if info is None or flow.is_subclass(a, info.qualname, MODULE):
            continue
        family = [(a, m) for m in methods.values()] + _base_methods(a, info.qualname)
        setters: dict[str, str] = {}
        for unit, m in family:
            for c in flow.calls_in(unit, m):
                mc = effects.mode_call(c)
                if mc is not None and mc[1] == "eval" and mc[0].startswith("self.") and mc[0].count(".") == 1 \
                        and m.name != "__init__":  # type: ignore[attr-defined]
                    setters.setdefault(mc[0], m.name)  # type: ignore[attr-defined]
        for name in candidates:
            method = methods[name]
            if not setters or not _trains_nothing(ctx, method) or any(
                    flow.method_name(c) == name and flow.dotted(c.func) == f"self.{name}"
                    for unit, m in family for c in flow.calls_in(unit, m)):
                continue  # (one the class calls itself: its caller may set the mode)
            for target, setter in sorted(setters.items()):
                if setter == name:
                    continue
                run = next((c for c in flow.calls_in(a, method) if _calls_of(c, target) or (
                    flow.dotted(c.func) or "").startswith("self.") and (helper := methods.get(flow.last_name(c.func)))
                    is not None and helper is not method and _trains_nothing(ctx, helper)
                    and any(_calls_of(n, target) for n in flow.calls_in(a, helper))
                    and not any((mc := effects.mode_call(n)) is not None and mc[0] == target
                                for n in flow.calls_in(a, helper))), None)  # (``self.predict(x)``, which switches it)
                if run is None or id(run) in reported or _mode_before(ctx, run, target) is not None:
                    continue
                reported.add(id(run))
                yield ctx.finding(
                    run,
                    f"`{name}` runs `{target}` without switching it to eval mode, which `{setter}` does: after "
                    f"training, or on a model just built or loaded, its dropout/batch norm behave as in training "
                    f"here; call `{target}.eval()` first",
                    fix_edits.insertion_fix(ctx, flow.statement_of(a, run), f"{target}.eval()",
                                            f"Call `{target}.eval()` first"),
                )
                break


def _inference_function_without_eval(ctx: Context) -> Iterator[Finding]:
    """A module-level inference or evaluation function (``predict(model, test_loader)``) that
    runs the model it is handed under ``no_grad`` in a loop, setting no mode and training
    nothing, in a module whose other functions switch the models they are handed
    (``fit`` calls ``model.train()`` and, with a validation loader only, ``model.eval()``),
    and that no code of the project calls: an API its users call after ``fit`` or on a model
    just built or loaded, in training mode (GitHub-HongweiZhang/prediction-flow's ``predict``,
    fixed by calling ``model.eval()`` in it)."""
    a = ctx.analysis
    switching = {func.name for func, _, _, _ in _parameter_switches(a)}  # type: ignore[attr-defined]
    if not switching:
        return
    for func in a.tree.body:
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or func.name in switching \
                or not (_EVALUATION_METHOD.match(func.name) or _modes.INFERENCE_METHOD.match(func.name)) \
                or flow.calls_named(a, func.name):  # type: ignore[attr-defined]
            continue
        params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
        run = next((c for loop in _local_for_loops(a, func) for c in flow.calls_in(a, loop)
                    if c.func.__class__ is ast.Name and c.func.id in params and flow.under_grad_off(a, c)), None)  # type: ignore[attr-defined]
        if run is None or not _trains_nothing(ctx, func) or _reach.callers_elsewhere(a, func) != []:
            continue  # (callers may switch it first: missing-eval asks there)
        target = run.func.id  # type: ignore[attr-defined]
        block = _outermost_grad_off(a, flow.enclosing_loops(a, run)[-1], func)
        setter = sorted(switching)[0]
        yield ctx.finding(
            run,
            f"`{func.name}` runs `{target}` under no_grad without switching it to eval mode, while `{setter}` "  # type: ignore[attr-defined]
            f"switches the models it is handed: called after training, or on a model just built or loaded, "
            f"its dropout/batch norm behave as in training; call `{target}.eval()` first",
            _eval_fix(ctx, block, target) if block is not None else None,
        )


def _parameter_switches(a) -> list[tuple[ast.AST, ast.Call, str, str]]:
    """(function, mode call, parameter, mode) for each ``train()``/``eval()`` call of a
    module-level function of the file on a parameter of its own (``fit(model, ...)``
    calling ``model.train()``), in source order; asked by two rules, found once."""
    def compute() -> list[tuple[ast.AST, ast.Call, str, str]]:
        top = {id(f) for f in a.tree.body}
        out = []
        for c in flow.calls_named(a, "eval", "train"):
            func = flow.enclosing_function(a, c)
            if id(func) in top and func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) \
                    and (mc := effects.mode_call(c)) is not None \
                    and mc[0] in [p.arg for p in (*func.args.posonlyargs, *func.args.args)]:  # type: ignore[attr-defined]
                out.append((func, c, mc[0], mc[1]))
        return out

    return flow.memo(a, a.tree, "parameter_switches", compute)


def _base_methods(a, qualname: str) -> list[tuple[object, ast.AST]]:
    """(analysis, method) of the project's base classes of the class ``qualname``."""
    out: list[tuple[object, ast.AST]] = []
    try:
        bases = a.mro(qualname)[1:6]
    except Exception:  # inference must never break a rule
        return out
    for base in bases:
        found = _weights.class_of_project(a, base)
        if found is not None:
            out += [(found[0], m) for m in found[1].methods.values() if m.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)]
    return out


_PHASE_FLAGS = frozenset({"train", "training", "is_train", "is_training", "train_mode", "is_train_mode"})


def _phase_test(expr: ast.expr) -> bool:
    """``phase == 'train'`` (``!=``, ``in``, a string on either side) or a flag named for
    training (``is_train``): a test that is false on the other phases."""
    if expr.__class__ is ast.Name:
        return expr.id in _PHASE_FLAGS  # type: ignore[attr-defined]
    if expr.__class__ is not ast.Compare or len(expr.ops) != 1 \
            or expr.ops[0].__class__ not in (ast.Eq, ast.NotEq, ast.In, ast.NotIn):  # type: ignore[attr-defined]
        return False
    sides = (expr.left, expr.comparators[0])  # type: ignore[attr-defined]
    return any(x.__class__ is ast.Constant and isinstance(x.value, str) for x in sides) \
        and any(x.__class__ in (ast.Name, ast.Attribute, ast.Subscript) for x in sides)


def _train_mode_for_every_phase(ctx: Context) -> Iterator[Finding]:
    """A function that puts a model in train mode whatever it is asked to do (``net =
    net.train()``, no ``if`` around it, no other mode call of the model in the function),
    then runs it under ``torch.set_grad_enabled(phase == 'train')``: it serves the other
    phases too, and runs them (validation) with dropout and batch norm as in training
    (princeton-vl/pytorch_stacked_hourglass#44's ``make_train``, called for the 'train' and
    the 'valid' phase). The fix passes the test to ``train()``."""
    a = ctx.analysis
    for w in flow.iter_nodes(a, ast.With):
        test = next((i.context_expr.args[0] for i in w.items  # type: ignore[attr-defined]
                     if i.context_expr.__class__ is ast.Call and len(i.context_expr.args) == 1  # type: ignore[attr-defined]
                     and not i.context_expr.keywords and _phase_test(i.context_expr.args[0])  # type: ignore[attr-defined]
                     and flow.safe_qualname(a, i.context_expr.func) in flow.SET_GRAD_ENABLED), None)  # type: ignore[attr-defined]
        if test is None:
            continue
        func = flow.enclosing_function(a, w)
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        calls = flow.calls_in(a, func)
        for run in (c for c in calls if any(flow.contains(stmt, c) for stmt in w.body)):
            target = flow.dotted(run.func) if run.func.__class__ in (ast.Name, ast.Attribute) else None
            modes = [c for c in calls if c.func.__class__ is ast.Attribute and c.func.attr in ("train", "eval")  # type: ignore[attr-defined]
                     and flow.dotted(c.func.value) == target] if target else []  # type: ignore[attr-defined]
            if not modes:
                continue
            before = [c for c in modes if flow.before(c, w)]
            loops = [lp for lp in flow.enclosing_loops(a, w) if flow.contains(func, lp)]
            # (a mode call after the block, in a loop around it, sets the mode of the next pass)
            if len(before) != 1 or flow.method_name(before[0]) != "train" or before[0].args or before[0].keywords \
                    or flow.is_conditional_within(a, before[0], func) or _mode_free(ctx, run) \
                    or any(c is not before[0] and any(flow.contains(lp, c) for lp in loops) for c in modes):
                break
            switch = before[0]
            yield ctx.finding(
                run,
                f"`{ctx.text(switch)}` ({flow.line_ref(a, switch.lineno)}) puts `{target}` in train mode for every "
                f"phase, yet this call runs under `torch.set_grad_enabled({ctx.text(test)})`: on the other phases "
                f"(validation) dropout and batch norm behave as in training, and batch norm's running statistics "
                f"take in the held-out data; pass the test to it, `{target}.train({ctx.text(test)})`",
                Fix("unsafe", f"Call `{target}.train({ctx.text(test)})`",
                    (ctx.replace(switch, f"{target}.train({ctx.text(test)})"),)),
            )
            break


def _where(a, owner, node: ast.AST) -> str:
    """How a message names a line of the file, or of another module of the project (``net.dain, line 120``)."""
    module = getattr(getattr(owner, "env", None), "module", None)
    if owner is a or not module:
        return flow.line_ref(owner, node.lineno)  # type: ignore[arg-type]
    return f"{module}, line {node.lineno}"


def _called_forward(a, call: ast.Call) -> tuple[object, ast.AST] | None:
    """The ``forward`` of the called model's class (of the file or the project), with its
    module's analysis; None when the class or its ``forward`` is not the project's."""
    found = _weights.class_of_project(a, flow.safe_type(a, call.func) or "")
    forward = found[1].methods.get("forward") if found is not None else None
    return (found[0], forward) if forward is not None else None  # type: ignore[index]


def _forward_sets_mode(a, call: ast.Call) -> tuple[object, ast.Call] | None:
    """The called model's class (of the file or the project) has a ``forward`` that calls
    ``self.train()`` or ``self.eval()`` (fatchord/WaveRNN's Tacotron: ``self.eval()`` if
    ``generate_gta`` else ``self.train()``): each call sets the mode. (Its analysis, the
    mode call), or None."""
    found = _called_forward(a, call)
    if found is None:
        return None
    owner, forward = found
    for n in ast.walk(forward):
        if n.__class__ is ast.Call and (mode := effects.mode_call(n)) is not None and mode[0] == "self":  # type: ignore[arg-type]
            return owner, n  # type: ignore[return-value]
    return None


def _forward_returns_by_mode(a, call: ast.Call) -> tuple[object, ast.If] | None:
    """The called model's class (of the file or the project) has a ``forward`` whose
    ``if self.training:`` (or ``if not self.training:``) returns from one arm: in eval mode
    it hands back other outputs (baowenbo/DAIN's ``forward`` returns its losses in training),
    so a loop written for one mode breaks in the other. (Its analysis, the ``if``), or None."""
    found = _called_forward(a, call)
    if found is None:
        return None
    owner, forward = found
    for n in ast.walk(forward):
        if n.__class__ is not ast.If:
            continue
        test = n.test.operand if n.test.__class__ is ast.UnaryOp and n.test.op.__class__ is ast.Not else n.test  # type: ignore[attr-defined]
        if test.__class__ is ast.Attribute and test.attr == "training" and flow.dotted(test.value) == "self" \
                and any(m.__class__ is ast.Return for arm in (n.body, n.orelse) for stmt in arm  # type: ignore[attr-defined]
                        for m in ast.walk(stmt)):
            return owner, n  # type: ignore[return-value]
    return None


def _train_mode_chosen_for_the_block(a, block: ast.AST, target: str) -> bool:
    """A function that trains nothing itself sets ``target.train()`` as a statement just
    before its own ``no_grad`` block (only statements that neither call nor mention ``target``
    between): train mode chosen for this pass on purpose, batch statistics wanted
    (NAS-Bench-201's ``valid_func`` evaluates a weight-sharing supernet so; ms-loss's XBM
    fills its memory bank so), not a mode left over from training."""
    if block.__class__ not in (ast.With, ast.AsyncWith):
        return False  # (a loop over held-out data, no no_grad of its own: sshaoshuai/Pointnet2.PyTorch's
        # ``eval_one_epoch`` starts with ``model.train()`` pasted from the training function)
    func = flow.enclosing_function(a, block)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or _train_statement_before(a, block, target) is None:
        return False
    return not any(flow.is_backward_call(c) or flow.method_name(c) in ("step", "zero_grad")
                   for c in flow.calls_in(a, func))


def _train_statement_before(a, block: ast.AST, target: str) -> ast.stmt | None:
    """The ``target.train()`` statement before ``block`` in its statement list, with only
    statements that neither call nor name ``target`` between; None when there is none."""
    place = flow.block_place(a, block)
    if place is None:
        return None
    statements, at = place
    for stmt in reversed(statements[:at]):
        if stmt.__class__ is ast.Expr and stmt.value.__class__ is ast.Call \
                and effects.mode_call(stmt.value) == (target, "train"):  # type: ignore[attr-defined]
            return stmt
        if any(n.__class__ in (ast.Name, ast.Attribute) and flow.dotted(n) == target for n in ast.walk(stmt)):
            return None
    return None


def _losses_in_train_mode(a, block: ast.AST, call: ast.Call, target: str) -> bool:
    """``model.train()`` is the statement right before the ``no_grad`` block, whose loop
    keeps the model's output as losses (``loss_dict = model(images, targets)``): a detector
    that returns its losses only in train mode, asked for validation losses on purpose
    (facebookresearch/maskrcnn-benchmark's ``do_train``; in eval mode it returns boxes)."""
    train = _train_statement_before(a, block, target)
    place = flow.block_place(a, block)
    if train is None or place is None or place[0][place[1] - 1] is not train:
        return False  # (right before: not with other statements between)
    stmt = flow.parent(a, call)
    names = [t for t in getattr(stmt, "targets", ()) if t.__class__ is ast.Name]
    return any("loss" in t.id.lower() for t in names)  # type: ignore[attr-defined]


def _feeds_a_grad_pass(a, block: ast.AST, call: ast.Call, target: str) -> bool:
    """What the no_grad block computes is handed, after it, to the model run with gradients
    in the same function (``current`` of a sampling chain, then ``prediction =
    self.denoiser(current.detach(), t)``): the block prepares a training step's input, in
    the mode of that step (phykn/diffusion-gan3d's ``generate_pair``), no evaluation."""
    func = flow.enclosing_function(a, block)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    # what the block's statements compute (``current = ...``), not the data its loops iterate
    bound = {t.id for n in flow.walk_local(a, block) if n.__class__ in (ast.Assign, ast.AugAssign)
             for t in (n.targets if n.__class__ is ast.Assign else [n.target]) if t.__class__ is ast.Name}  # type: ignore[attr-defined]
    if not bound:
        return False
    return any(c.__class__ is ast.Call and flow.before(block, c)
               and (flow.dotted(c.func) == target or (c.func.__class__ is ast.Attribute  # (or a method of it:
                                                      and flow.dotted(c.func.value) == target))  # ``predict_logits``)
               and not flow.contains(block, c) and not flow.under_grad_off(a, c)
               and any(n.__class__ is ast.Name and n.id in bound for x in c.args for n in flow.subtree(x))
               for c in flow.calls_in(a, func))


def _feeds_the_loss(a, block: ast.AST) -> bool:
    """What the no_grad block binds flows, through the assignments after it, into a value
    the function backpropagates (``backward(loss)``): the block computes part of a training
    step's input without gradients, in that step's mode (MCG-NJU/MOTIP runs the extra frames
    of a clip under no_grad, joins their outputs to the trained frames' and computes the loss
    on both), no evaluation. A validation block whose results are only printed is not."""
    func = flow.enclosing_function(a, block)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    tainted = {t.id for n in flow.walk_local(a, block) if n.__class__ in (ast.Assign, ast.AugAssign)
               for t in (n.targets if n.__class__ is ast.Assign else [n.target])  # type: ignore[attr-defined]
               for t in ([t] if t.__class__ is ast.Name else getattr(t, "elts", ())) if t.__class__ is ast.Name}
    if not tainted:
        return False
    later = sorted((n for n in flow.walk_local(a, func) if n.__class__ in (ast.Assign, ast.Call)
                    and flow.before(block, n) and not flow.contains(block, n)), key=lambda n: (n.lineno, n.col_offset))

    def mentions(node: ast.AST) -> bool:
        return any(m.__class__ is ast.Name and m.id in tainted for m in ast.walk(node))

    for n in later:
        if n.__class__ is ast.Assign:
            bound = {m.id for t in n.targets for m in ast.walk(t)  # type: ignore[attr-defined]
                     if m.__class__ is ast.Name and m.ctx.__class__ is ast.Store}
            if mentions(n.value):  # type: ignore[attr-defined]
                tainted |= bound
            elif not flow.other_arms(a, n, block) and not _in_an_if_without(a, n, block, func):
                tainted -= bound  # (a name bound again to something else on every path: ``loss = criterion(...)``
                # of training; not ``else: outputs = None`` on the other arm of the block's ``if``)
        elif n.__class__ is ast.Call and flow.is_backward_call(n) and mentions(n):
            return True
    return False


def _in_an_if_without(a, node: ast.AST, other: ast.AST, func: ast.AST) -> bool:
    """``node`` sits in an ``if`` (of ``func``) that does not hold ``other``: it runs on some paths only."""
    for anc in flow.ancestors(a, node):
        if anc is func or isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.If and not flow.contains(anc, other):
            return True
    return False


def _mode_saved(a, call: ast.Call, target: str) -> bool:
    """The function switches the model to train mode itself and reads its ``training`` flag
    (``was_training = model.training``) or is named for a loss: a forward pass in train
    mode chosen on purpose, its mode put back after (tier4/Diffusion-Planner's
    ``compute_log_probs``, whose log-probabilities must match the train-mode loss)."""
    func = flow.enclosing_function(a, call)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or not any(
            effects.mode_call(n) == (target, "train") for n in flow.calls_in(a, func)):
        return False
    flag = target + ".training"
    nodes = flow.walk_local(a, func)
    # or a loss function that sets train mode itself: its no_grad pass computes a reference
    # for the loss (Diffusion-Planner's ``compute_logprob_grpo_loss``), no evaluation
    return "loss" in getattr(func, "name", "").lower() or any(
        n.__class__ is ast.Assign and n.value.__class__ is ast.Attribute and n.value.attr == "training"  # type: ignore[attr-defined]
        and flow.dotted(n.value) == flag for n in nodes)  # type: ignore[attr-defined]


def _on_training_batch(ctx: Context, block: ast.AST, call: ast.Call) -> bool:
    """The no_grad block sits in a training loop (one that runs backward) and feeds the
    model that loop's own batch, or counts through a ``range`` fetching no data: a step of
    training (a loss logged, targets computed), not an evaluation (yzhao062/pyod's MO-GAAL
    logs each frozen generator's loss, ``for i in range(self.k)``, between updates)."""
    a = ctx.analysis
    used = {n.id for arg in (*call.args, *(k.value for k in call.keywords))
            for n in ast.walk(arg) if n.__class__ is ast.Name}
    inner = next((x for x in flow.enclosing_loops(a, call) if x is block or flow.contains(block, x)), None)
    counted = inner.__class__ is ast.For and flow.last_name(getattr(inner.iter, "func", inner.iter)) == "range" \
        and not any(_FETCHES.search(flow.last_name(c.func)) for c in flow.calls_in(a, inner))  # type: ignore[union-attr]
    for loop in flow.enclosing_loops(a, block):
        if loop is block or flow.contains(block, loop) or not isinstance(loop, (ast.For, ast.AsyncFor)):
            continue
        batch = {n.id for n in ast.walk(loop.target) if n.__class__ is ast.Name}
        if (batch & used or counted) and _has_backward(ctx, loop):
            return True
    return False


# what fetches held-out data in a counted loop: ``next(val_iter)``, ``get_batch("val")``, ``sample_data()``
_FETCHES = lazy(r"next|batch|load|data|sample|read", re.IGNORECASE)


def _trained_inside(a, block: ast.AST, target: str, switch: ast.Call | None) -> bool:
    """``target.train()`` called inside the no_grad block (or the loop entering one) before
    the model runs: train mode chosen on purpose with gradients off, as batch-norm
    statistics are recomputed after SWA (``torch.optim.swa_utils.update_bn``; the ReMoS
    code of jindongwang/transferlearning resets the running stats, then runs the data
    through ``model.train()`` under ``no_grad``)."""
    if switch is not None:  # ``target.train()`` in the block, before the run (``_train_call_inside``):
        # on purpose where the function works on batch-norm statistics; else a slip
        # (MultiBench's validation loop, pasted from its training loop, calls
        # ``model.train()`` right after ``model.eval()`` and ``no_grad``)
        return _recomputes_bn(a, flow.enclosing_function(a, block))
    return _trained_for(a, block, target)


def _output_unused(a, call: ast.Call) -> bool:
    """The model's output is thrown away (``net(batch)`` as a statement) or bound to a name
    nothing reads: after ``train()`` under no_grad, a pass that only updates batch-norm
    statistics (adap/flower's HeteroFL server re-estimates them so before testing)."""
    up = flow.parent(a, call)
    if up.__class__ is ast.Expr:
        return True
    if up.__class__ is not ast.Assign or len(up.targets) != 1 or up.targets[0].__class__ is not ast.Name:  # type: ignore[attr-defined]
        return False
    name = up.targets[0].id  # type: ignore[attr-defined]
    return not any(n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is ast.Load  # type: ignore[attr-defined]
                   for n in flow.walk_local(a, flow.enclosing_function(a, call)))


# layers whose train and eval modes compute the same (and containers of them)
_MODE_FREE_LAYERS = {f"torch.nn.{n}" for n in (
    "Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "Embedding", "LayerNorm", "GroupNorm", "Identity", "Flatten", "Unflatten", "Sequential", "ModuleList", "ModuleDict",
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Softmax",
    "LogSoftmax", "Softplus", "Hardtanh", "Hardswish", "Hardsigmoid", "PReLU", "MaxPool1d", "MaxPool2d", "MaxPool3d",
    "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample", "PixelShuffle", "ZeroPad2d",
    "ConstantPad1d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "Parameter", "ParameterList",
    "ParameterDict")}


# recurrent layers, whose only mode-dependent step is the dropout between stacked layers
# (off unless ``dropout`` is given): its position among their parameters
_RECURRENT_LAYERS = {"torch.nn.LSTM": 5, "torch.nn.GRU": 5, "torch.nn.RNN": 6, "torch.nn.LSTMCell": None,
                     "torch.nn.GRUCell": None, "torch.nn.RNNCell": None}


def _recurrent_dropout(call: ast.Call, position: int | None) -> bool:
    """An ``nn.LSTM(...)`` given a dropout that may not be zero (or ``**kwargs``), by keyword
    or as its argument at ``position``."""
    if any(k.arg is None or (k.arg == "dropout" and not (k.value.__class__ is ast.Constant and not k.value.value))
           for k in call.keywords):  # type: ignore[attr-defined]
        return True
    return position is not None and (len(call.args) > position or any(a.__class__ is ast.Starred for a in call.args))


def _run_of_target(a, call: ast.Call, target: str) -> ast.Call:
    """The call that runs ``target`` itself: ``call``, or, where ``call`` runs it through a
    method of the same class (a trainer's ``self.forward(batch)``, which runs
    ``self.motion_encoder(...)``: EricGuo5513/text-to-motion), the first call of ``target``
    in that method."""
    if flow.dotted(call.func) == target or not target.startswith("self.") or call.func.__class__ is not ast.Attribute \
            or flow.dotted(call.func.value) != "self":  # type: ignore[attr-defined]
        return call
    method = _summaries(a).callee(call, flow.enclosing_function(a, call))
    if method is None:
        return call
    return next((c for c in flow.calls_in(a, method) if flow.dotted(c.func) == target), call)


def _mode_free(ctx: Context, call: ast.Call) -> bool:
    """The model called is of a class of the project whose layers all compute the same in
    train and eval mode (convolutions, linear layers, activations, pooling: adap/flower's
    example ``Net``; avalanche's ``_PlainMLP``), and whose code reads no ``self.training``
    nor calls a functional dropout: the mode it runs in changes nothing."""
    return _model_mode_free(ctx, call.func)


def _model_mode_free(ctx: Context, model: ast.expr) -> bool:
    """``_mode_free`` of the model an expression of the file names (the callee of a call,
    or the model handed to helpers: ``train(args, loader, model, ...)``)."""
    a = ctx.analysis
    each = _each_built_mode_free(a, model)
    if each is None:
        each = _each_passed_mode_free(a, model)
    if each is not None:
        return each
    found = _weights.class_of_project(a, flow.safe_type(a, model) or "")
    if found is not None:
        from torchwise.lint.rules.losses import _construction, class_in_effect  # (the one look-up of a built object)

        if found[0] is a:  # (a class a notebook defines again later: the one the model was built from)
            found = (a, class_in_effect(ctx, found[1].qualname, model) or found[1])
        built = _construction(ctx, model) if model.__class__ in (ast.Name, ast.Attribute) else None
        arguments = _init_arguments(a, built, found[1]) if built is not None else None
        if _class_mode_free(found[0], found[1], 0, arguments):
            return True
    return _built_mode_free(ctx, model)


def _init_arguments(a, built: ast.Call, info) -> dict[str, object] | None:
    """What each ``__init__`` parameter of the class holds where the model is built: the
    qualified name of the argument (``DenseNet(layers, nn.ReLU)``: ``torch.nn.ReLU``), or
    the constant the call or the default gives (``normalize=False``); ``_UNKNOWN`` for
    anything else. None when the call's arguments cannot be matched (``*args``)."""
    init = info.methods.get("__init__")
    if init is None or init.__class__ is not ast.FunctionDef or init.args.vararg is not None \
            or any(x.__class__ is ast.Starred for x in built.args) or any(k.arg is None for k in built.keywords):
        return None
    params = [*init.args.posonlyargs, *init.args.args][1:]  # (less ``self``)
    if len(built.args) > len(params):
        return None
    defaults = parameter_defaults(init.args)
    given = {p.arg: x for p, x in zip(params, built.args)}
    given.update((k.arg, k.value) for k in built.keywords)
    out: dict[str, object] = {}
    for name in [p.arg for p in params] + [p.arg for p in init.args.kwonlyargs]:
        value = given.get(name)
        if value is None:  # (not given: its default, read only when a constant)
            value = defaults.get(name)
            out[name] = value if value.__class__ is ast.Constant else _UNKNOWN
        elif value.__class__ is ast.Constant:
            out[name] = value
        elif value.__class__ in (ast.Name, ast.Attribute):
            out[name] = flow.safe_qualname(a, value) or _UNKNOWN
        else:
            out[name] = _UNKNOWN
    return out


_UNKNOWN = object()


def _arms_not_taken(info, arguments: dict[str, object]) -> set[int]:
    """The nodes of ``__init__``'s ``if`` arms that the arguments rule out: ``if normalize:``
    with ``normalize`` False (or None, 0), ``if p is not None:`` with ``p`` None, and the
    ``else`` of a true one (neuraloperator/markov_neural_operator's ``DenseNet``, whose
    batch norms only ``normalize=True`` adds)."""
    dead: set[int] = set()
    init = info.methods.get("__init__")
    for n in ast.walk(init) if init is not None else ():
        if n.__class__ is not ast.If:
            continue
        test, negate = n.test, False
        if test.__class__ is ast.UnaryOp and test.op.__class__ is ast.Not:
            test, negate = test.operand, True
        truth = None
        if test.__class__ is ast.Name:
            value = arguments.get(test.id)
            if value.__class__ is ast.Constant:
                truth = bool(value.value)  # type: ignore[attr-defined]
        elif test.__class__ is ast.Compare and test.left.__class__ is ast.Name and len(test.ops) == 1 \
                and test.ops[0].__class__ in (ast.Is, ast.IsNot) and test.comparators[0].__class__ is ast.Constant \
                and test.comparators[0].value is None:
            value = arguments.get(test.left.id)
            if value.__class__ is ast.Constant:
                truth = (value.value is None) == (test.ops[0].__class__ is ast.Is)  # type: ignore[attr-defined]
        if truth is None:
            continue
        for stmt in (n.orelse if truth != negate else n.body):
            dead.update(id(m) for m in ast.walk(stmt))
    return dead


def _each_passed_mode_free(a, name: ast.expr) -> bool | None:
    """For a parameter that the project's callers hand several models: whether each is of
    a mode-free class of the project (a course's shared ``train(net, ...)``, called with an
    ``MLP`` and then a ``ConvNet``, neither with a dropout or a batch norm:
    isadrtdinov/intro-to-dl-hse). None where it is not such a parameter."""
    values = flow.passed_values(a, name)
    if values is None or len(values) < 2:
        return None
    for value in values:
        found = _weights.class_of_project(a, value.qualname) if value.kind == "instance" else None
        if found is None or not _class_mode_free(found[0], found[1], 0):
            return False
    return True


def _assigned_values(a, func: ast.AST) -> dict[str, list[ast.expr]]:
    """Name -> the values (``.to()``/``.cuda()``, ``.train()``/``.eval()`` peeled: each returns
    the module) of the plain ``name = value`` statements of one function (or the module), in
    order (``net = net.train()``: dive-into-cv-pytorch binds its one model again)."""
    found: dict[str, list[ast.expr]] = {}
    for n in flow.walk_local(a, func):
        if n.__class__ is ast.Assign:
            for t in n.targets:  # type: ignore[attr-defined]
                if t.__class__ is ast.Name:
                    found.setdefault(t.id, []).append(effects.unmoved(n.value, ("train", "eval")))  # type: ignore[attr-defined]
    return found


def _holds_any(outer: ast.AST, nodes: list[ast.AST]) -> bool:
    """``any(flow.contains(outer, n) for n in nodes)``, the nodes looked at by position: only
    those that start within ``outer`` (a script's module scope may bind a name hundreds of times)."""
    if len(nodes) <= 8:
        return any(flow.contains(outer, n) for n in nodes)
    start = (outer.lineno, outer.col_offset)  # type: ignore[attr-defined]
    end = (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
    return any(start <= (n.lineno, n.col_offset) <= end and flow.contains(outer, n) for n in nodes)


def _each_built_mode_free(a, name: ast.expr) -> bool | None:
    """For a local name bound several times in its function: whether each binding builds
    a class of the project that is mode-free (one model of several kinds, chosen by the
    data: pdebench/PDEBench's ``FNO1d``, ``FNO2d`` or ``FNO3d`` on the arms of an ``if``,
    which ``safe_type`` reads as its last). None for a name bound once, or not a name."""
    if name.__class__ is not ast.Name:
        return None
    func = flow.enclosing_function(a, name)
    values = flow.memo(a, func, "assigned_values", lambda: _assigned_values(a, func)).get(name.id, ())
    # (``model = model.to(device)`` binds the same model again: not another one)
    values = [v for v in values if not (v.__class__ is ast.Name and v.id == name.id)]  # type: ignore[attr-defined]
    loops = flow.enclosing_loops(a, name) if func is a.tree and len(values) > 1 else ()
    if func is a.tree and len(values) > 1 and not any(_holds_any(loop, values) for loop in loops):
        # a script's or a notebook's own code runs in order: only the bindings since the last one
        # of a top-level statement before this use reach it (DiploDatos/AprendizajeProfundo's
        # CNN, evaluated cells before ``model`` holds an LSTM classifier)
        values = sorted((v for v in values if (v.lineno, v.col_offset) < (name.lineno, name.col_offset)),
                        key=lambda v: (v.lineno, v.col_offset))
        plain = [i for i, v in enumerate(values) if flow.parent(a, flow.statement_of(a, v)) is a.tree]
        if plain:
            values = values[plain[-1]:]
    if len(values) < 2:
        return None
    for value in values:
        found = _weights.class_of_project(a, flow.safe_qualname(a, value.func) or "") \
            if value.__class__ is ast.Call else None  # type: ignore[attr-defined]
        if found is None or not _class_mode_free(found[0], found[1], 0):
            return False
    return True


# PyTorch Geometric's stacks of graph convolutions (``BasicGNN``): their only mode-dependent
# steps are a feature dropout (``dropout``, 0.0 unless given) and a norm layer (``norm``, None
# unless given)
_PYG_BASIC_GNNS = frozenset(f"torch_geometric.nn{m}.{name}" for m in ("", ".models", ".models.basic_gnn")
                            for name in ("GCN", "GraphSAGE", "GIN", "GAT", "PNA", "EdgeCNN"))


# diffusers' unconditional UNet: group norms only, and its dropout (``dropout``) is 0.0
# unless given (johnowhitaker/tglcourse's ``UNet2DModel(sample_size=32, ...)``)
_DIFFUSERS_UNETS = frozenset(f"diffusers{m}.UNet2DModel" for m in (
    "", ".models", ".models.unet_2d", ".models.unets", ".models.unets.unet_2d"))


def _built_mode_free(ctx: Context, model: ast.expr) -> bool:
    """The model is built as one of PyTorch Geometric's basic GNNs with no dropout and no
    norm layer (jElhamm/Hands-On-Graph-Neural-Networks-Using-Python's ``GraphSAGE(...,
    num_layers=2)``), or as diffusers' ``UNet2DModel`` with no dropout: it computes the same
    in train and eval mode."""
    from torchwise.lint.rules.losses import _construction  # (the one look-up of a built object)

    a = ctx.analysis
    built = _construction(ctx, model)
    if built is None:
        values = [effects.unmoved(v) for _, v in flow.attribute_assignments(a, model)
                  if not (v.__class__ is ast.Constant and v.value is None)]  # (``self.model = None`` first)
        built = values[0] if len(values) == 1 and values[0].__class__ is ast.Call else None
    called = flow.safe_qualname(a, built.func) if built is not None else None
    if called == "torch.nn.Sequential":
        return _sequential_mode_free(a, built)  # type: ignore[arg-type]
    if called is None or (called not in _PYG_BASIC_GNNS and called not in _DIFFUSERS_UNETS):
        return False
    kwargs = {k.arg: k.value for k in built.keywords}
    if None in kwargs:
        return False  # (``**config``: anything)
    if called in _DIFFUSERS_UNETS:  # (group norms; every dropout takes ``dropout``, 0.0 unless given)
        dropout = kwargs.get("dropout")
        return dropout is None or (dropout.__class__ is ast.Constant and dropout.value in (0, 0.0))  # type: ignore[attr-defined]
    dropout, norm = kwargs.get("dropout"), kwargs.get("norm")
    return (dropout is None or (dropout.__class__ is ast.Constant and dropout.value in (0, 0.0))) \
        and (norm is None or (norm.__class__ is ast.Constant and norm.value is None))  # type: ignore[attr-defined]


def _sequential_mode_free(a, built: ast.Call, depth: int = 0) -> bool:
    """``nn.Sequential(nn.Linear(1, 10), nn.Linear(10, 1))`` built in the file: each layer
    (an ``nn.Sequential`` of such layers too) computes the same in train and eval mode
    (asun975/zero-to-mastery-pytorch-tutorial's regression model)."""
    if depth > 4 or built.keywords or not built.args:
        return False
    for layer in built.args:
        if layer.__class__ is not ast.Call:
            return False  # (a name, a starred list: what it holds is not read here)
        called = flow.safe_qualname(a, layer.func)  # type: ignore[attr-defined]
        if called == "torch.nn.Sequential":
            if not _sequential_mode_free(a, layer, depth + 1):  # type: ignore[arg-type]
                return False
        elif called not in _MODE_FREE_LAYERS and not (
                called in _RECURRENT_LAYERS and not _recurrent_dropout(layer, _RECURRENT_LAYERS[called])):  # type: ignore[arg-type]
            return False
    return True


def _class_mode_free(a, info, depth: int, arguments: dict[str, object] | None = None) -> bool:
    """``arguments``: what the ``__init__`` parameters hold where the model is built
    (``_init_arguments``), for the class asked first."""
    if depth > 4:  # (a transformer: model -> block -> attention -> head -> layers)
        return False
    for base in a.bases(info.qualname):
        if base == MODULE or base in _MODE_FREE_LAYERS or base.partition(".")[0] in ("builtins", "abc", "typing"):
            continue
        inner = _weights.class_of_project(a, base)
        if inner is None:
            return False  # another library's class: its layers are unknown
        if flow.is_subclass(inner[0], inner[1].qualname, MODULE) and not _class_mode_free(inner[0], inner[1], depth + 1):
            return False  # (a mixin of the project adds no layers: avalanche's BaseModel)
    unused = _unused_layers(info.node)
    if arguments:
        unused |= _arms_not_taken(info, arguments)
    for n in ast.walk(info.node):
        if n.__class__ is ast.Attribute and n.attr == "training":  # type: ignore[attr-defined]
            return False
        if n.__class__ is not ast.Call or id(n) in unused:
            continue
        called = flow.safe_qualname(a, n.func)  # type: ignore[attr-defined]
        if called is None and arguments and n.func.__class__ is ast.Name:  # type: ignore[attr-defined]
            handed = arguments.get(n.func.id)  # (``nonlinearity()``: the layer class handed in)  # type: ignore[attr-defined]
            called = handed if handed.__class__ is str else None
        if called is None:
            if n.func.__class__ is ast.Attribute and n.func.attr.lower().find("dropout") < 0:  # type: ignore[attr-defined]
                continue  # a method of a value (``x.view(...)``, ``self.pool(...)``)
            if n.func.__class__ is ast.Subscript and "dropout" not in (flow.dotted(n.func.value) or "dropout").lower():  # type: ignore[attr-defined]
                continue  # an element of a container the class builds (``self.gru[i](h, hidden[i])``), walked here
            if n.func.__class__ is ast.Name and hasattr(builtins, n.func.id):  # type: ignore[attr-defined]
                continue  # (``super()``, ``range(...)``, ``NotImplementedError()``)
            if n.func.__class__ is ast.Name and n.func.id in _container_loop_names(info.node):  # type: ignore[attr-defined]
                continue  # (``[head(x) for head in self.heads]``: the class's own modules, walked here)
            if n.func.__class__ is ast.Name:  # ``relu = nn.ReLU(); relu(h)`` in ``forward``: the layer built there,
                bound = flow.binding_value(a, n.func)  # walked here too (TianxueHu/CS7643's TwoLayerNN)
                if bound.__class__ is ast.Call and flow.safe_qualname(a, bound.func) in _MODE_FREE_LAYERS:  # type: ignore[attr-defined]
                    continue
            return False
        if called in _RECURRENT_LAYERS and not _recurrent_dropout(n, _RECURRENT_LAYERS[called]):  # type: ignore[arg-type]
            continue
        if called in _MODE_FREE_LAYERS or (called.startswith("torch.") and not called.startswith("torch.nn.")
                                           and "dropout" not in called.lower()):
            continue  # (torch functions: ``torch.cat``, ``F.relu``; not ``F.dropout``)
        if (called.startswith("torch.nn.functional.") and "dropout" not in called) \
                or called.startswith(("torch.nn.utils.", "torch.nn.init.")):
            continue  # (``pack_padded_sequence``, ``xavier_uniform_``: functions, no layer)
        if called.rpartition(".")[0] in _MODE_FREE_LAYERS:
            continue  # (``self.layers.append(...)`` of a ModuleList: what it adds is a call walked here)
        if called.startswith("torch.nn.Module.") or called.startswith(f"{info.qualname}."):
            continue  # (``super().__init__``, ``self.register_buffer``; a method of the class, walked here)
        if called.partition(".")[0] in _NO_LAYERS:
            continue  # (``np.sqrt(self.dim)``, ``math.log(...)``: functions of numbers, no layer)
        if _graph_layer_mode_free(called, n):  # type: ignore[arg-type]
            continue
        inner = _weights.class_of_project(a, called)
        if inner is not None and flow.is_subclass(inner[0], inner[1].qualname, MODULE) \
                and _class_mode_free(inner[0], inner[1], depth + 1):
            continue
        if inner is None and _plain_function_mode_free(a, called, depth + 1):
            continue
        return False
    return True


# message-passing layers of PyTorch Geometric and DGL: the same in both modes but for a dropout
# some take (off unless given): its keywords and its position among their parameters
_GRAPH_LAYERS: dict[str, tuple[tuple[str, ...], int | None]] = {
    **{f"{package}.{name}": dropout for package in ("torch_geometric.nn", "torch_geometric.nn.conv") for name, dropout in (
        ("GCNConv", ((), None)), ("SAGEConv", ((), None)), ("GraphConv", ((), None)), ("ChebConv", ((), None)),
        ("SGConv", ((), None)), ("GINConv", ((), None)), ("GATConv", (("dropout",), 5)),
        ("GATv2Conv", (("dropout",), 5)), ("TransformerConv", (("dropout",), 5)), ("APPNP", (("dropout",), 2)))},
    **{f"{package}.{name}": dropout for package in ("dgl.nn", "dgl.nn.pytorch", "dgl.nn.pytorch.conv") for name, dropout in (
        ("GraphConv", ((), None)), ("GINConv", ((), None)), ("SAGEConv", (("feat_drop",), 3)),
        ("GATConv", (("feat_drop", "attn_drop"), 3)))},
}


def _graph_layer_mode_free(called: str, call: ast.Call) -> bool:
    """A graph convolution of PyTorch Geometric or DGL built without a dropout (``SAGEConv(in,
    out)``, ``GATConv(in, out, heads=8)``; PacktPublishing/Graph-Machine-Learning's two-layer
    GraphSAGE): it computes the same in train and eval mode. A layer it is handed
    (``GINConv(nn.Sequential(...))``) is a call of its own, asked too."""
    found = _GRAPH_LAYERS.get(called)
    if found is None:
        return False
    keywords, position = found
    if any(k.arg is None or (k.arg in keywords and not (k.value.__class__ is ast.Constant and not k.value.value))
           for k in call.keywords):  # type: ignore[attr-defined]
        return False
    return position is None or not any(x.__class__ is ast.Starred for x in call.args) and len(call.args) <= position


def _container_loop_names(cls: ast.ClassDef) -> set[str]:
    """The names a loop or comprehension of the class binds to the items of one of its own
    attributes (``for head in self.heads``, ``for i, layer in enumerate(self.layers)``)."""
    names: set[str] = set()
    for n in ast.walk(cls):
        if n.__class__ in (ast.For, ast.comprehension):
            iterated = n.iter  # type: ignore[attr-defined]
            if iterated.__class__ is ast.Call and flow.last_name(iterated.func) in ("enumerate", "reversed") \
                    and iterated.args:  # type: ignore[attr-defined]
                iterated = iterated.args[0]  # type: ignore[attr-defined]
            if (flow.dotted(iterated) or "").startswith("self."):
                target = n.target  # type: ignore[attr-defined]
                if target.__class__ is ast.Tuple and target.elts:
                    target = target.elts[-1]
                if target.__class__ is ast.Name:
                    names.add(target.id)
    return names


def _plain_function_mode_free(a, qualname: str, depth: int = 0) -> bool:
    """A module-level function of the file or the project that reads no mode (no module's
    ``training`` flag, no dropout: EricGuo5513/text-to-motion's ``reparameterize(mu, logvar)``,
    a sample drawn the same way in both modes) and builds no layer that does (a factory
    returning ``nn.Sequential(..., nn.BatchNorm1d(96), ...)``: pengsongyou/openscene's
    ``mink_unet``, the network its ``DisNet`` holds)."""
    if depth > 4 or (qualname.startswith(LOCAL) and "." in qualname[len(LOCAL):]):
        return False  # (a method: its class decides)
    found = _weights.project_function(a, qualname)
    if found is None or found[1].__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    if any((n.__class__ is ast.Attribute and n.attr == "training")  # type: ignore[attr-defined]
           or (n.__class__ is ast.Call and "dropout" in (flow.last_name(n.func) or "").lower())  # type: ignore[attr-defined]
           or (n.__class__ is ast.Name and "dropout" in n.id.lower())  # type: ignore[attr-defined]
           for n in ast.walk(found[1])):
        return False
    owner = found[0]
    return not any(n.__class__ is ast.Call and _builds_mode_layer(owner, n, depth)  # type: ignore[arg-type]
                   for n in ast.walk(found[1]))


def _builds_mode_layer(a, call: ast.Call, depth: int) -> bool:
    """``call`` (in a plain function) builds a layer that may compute differently in train
    and eval mode: a ``torch.nn`` class other than the mode-free ones (``BatchNorm1d``), a
    module class of the project that is not mode-free, another library's class (its layers
    unknown), or a function of the project that builds one. Calls of values, numbers and
    torch's functions build none."""
    called = flow.safe_qualname(a, call.func)
    if called is None or called in _MODE_FREE_LAYERS or called.rpartition(".")[0] in _MODE_FREE_LAYERS:
        return False
    if called in _RECURRENT_LAYERS:
        return _recurrent_dropout(call, _RECURRENT_LAYERS[called])  # type: ignore[arg-type]
    if called.startswith("torch.nn.") and not called.startswith(("torch.nn.functional.", "torch.nn.utils.",
                                                                  "torch.nn.init.")):
        return True
    if called.startswith("torch.") or called.partition(".")[0] in _NO_LAYERS:
        return False
    inner = _weights.class_of_project(a, called)
    if inner is not None:
        return flow.is_subclass(inner[0], inner[1].qualname, MODULE) and not _class_mode_free(inner[0], inner[1], depth + 1)
    if _weights.project_function(a, called) is not None:
        return not _plain_function_mode_free(a, called, depth + 1)
    return called.rpartition(".")[2][:1].isupper()  # (a class of another library: ``MinkowskiBatchNorm``)


# libraries whose calls build no layer and read no mode
_NO_LAYERS = frozenset({"numpy", "math", "random", "operator", "functools", "itertools", "builtins", "collections",
                        "warnings", "logging", "typing"})


def _unused_layers(cls: ast.AST) -> set[int]:
    """The constructions the class stores in an attribute (``self.bn0 = nn.BatchNorm3d(w)``)
    that none of its code reads: layers built and never run (PDEBench's ``FNO3d`` keeps
    four batch norms its ``forward`` does not use)."""
    stored: dict[str, list[ast.Call]] = {}
    read: set[str] = set()
    for n in ast.walk(cls):
        if n.__class__ is ast.Assign and len(n.targets) == 1 and n.value.__class__ is ast.Call:  # type: ignore[attr-defined]
            t = n.targets[0]  # type: ignore[attr-defined]
            if t.__class__ is ast.Attribute and t.value.__class__ is ast.Name and t.value.id == "self":
                stored.setdefault(t.attr, []).append(n.value)  # type: ignore[attr-defined]
        elif n.__class__ is ast.Attribute and n.ctx.__class__ is not ast.Store:  # type: ignore[attr-defined]
            read.add(n.attr)  # type: ignore[attr-defined]
        elif n.__class__ is ast.Constant and isinstance(n.value, str):  # type: ignore[attr-defined]
            read.add(n.value)  # type: ignore[attr-defined]  # (``getattr(self, "bn0")``)
    return {id(call) for attr, calls in stored.items() if attr not in read for call in calls}


def _train_call_inside(a, block: ast.AST, call: ast.Call, target: str) -> ast.Call | None:
    """``target.train()`` in ``block`` before ``call``."""
    for c in flow.calls_in(a, block):
        if not flow.before(c, call):
            break
        mc = effects.mode_call(c)
        if mc is not None and mc == (target, "train"):
            return c
    return None


_BN_WORDS = lazy(r"(?:^|_)s?bn(?:$|_)|batch_?norm|running_(?:mean|var|stats)|momentum|num_batches_tracked"
                 r"|recalib", re.IGNORECASE)


def _trained_for(a, block: ast.AST, target: str) -> bool:
    """A function recomputing batch-norm statistics (named so, or touching ``momentum``,
    ``running_mean``...: ``_BN_WORDS``) sets ``target.train()`` last before the no_grad
    block and trains nothing between them (backward, a step, a clear): train mode chosen
    for the block (wjmaddox/swa_gaussian's ``bn_update``, Trusted-AI/adversarial-robustness-toolbox's
    ``update_batchnorm``). After a training loop, the evaluation that follows it without
    ``eval()`` is still reported."""
    func = flow.enclosing_function(a, block)
    if not _recomputes_bn(a, func):
        return False
    last = None
    for c in flow.calls_in(a, func):
        if not flow.before(c, block):
            break
        mc = effects.mode_call(c)
        if mc is not None and mc[0] == target:
            last = mc[1]
        elif last == "train" and (flow.is_backward_call(c) or flow.method_name(c) in ("step", "zero_grad")):
            last = "trained"
    return last == "train"


def _recomputes_bn(a, func: ast.AST) -> bool:
    """``_names_bn``, once per function (asked per no_grad block)."""
    return flow.memo(a, func, "recomputes_bn", lambda: _names_bn(a, func))


def _names_bn(a, func: ast.AST) -> bool:
    """The function is named for batch norm, or its own code names one of its statistics
    (``_BN_WORDS``): each distinct name searched once."""
    names = {getattr(func, "name", "")}
    names.update(n.attr if n.__class__ is ast.Attribute else n.id  # type: ignore[attr-defined]
                 for n in flow.walk_local(a, func) if n.__class__ is ast.Attribute or n.__class__ is ast.Name)
    return any(_BN_WORDS.search(name) for name in names)


_CLOCKS = frozenset({"perf_counter", "perf_counter_ns", "time", "monotonic", "synchronize", "elapsed_time"})


def _timing_loop(a, loop: ast.AST | None, block: ast.AST) -> bool:
    """A loop that reads a clock (``time.perf_counter()``, ``torch.cuda.synchronize()``) and
    throws away what the block computes (each result only fed to the next call of the block):
    a benchmark of forward passes, in train mode on purpose or not, that evaluates nothing
    (qbit-glitch/unsupervised_panoptic_segmentation's ``scripts/benchmark_*.py``)."""
    if loop is None or not any(c.func.__class__ is ast.Attribute and c.func.attr in _CLOCKS  # type: ignore[attr-defined]
                               for c in flow.calls_in(a, loop)):
        return False
    # the no_grad blocks the loop runs its model calls in (the block itself when it is one)
    regions = [w for w in flow.walk_local(a, block) if w.__class__ in (ast.With, ast.AsyncWith)
               and any(flow.is_grad_off_context(a, i.context_expr) for i in w.items)] or [block]  # type: ignore[attr-defined]
    bound: set[str] = set()
    for region in regions:
        for n in flow.walk_local(a, region):
            if n.__class__ is ast.Assign:
                names = [e for t in n.targets for e in (t.elts if t.__class__ is ast.Tuple else [t])]  # type: ignore[attr-defined]
                if not all(e.__class__ is ast.Name for e in names) or n.value.__class__ is not ast.Call:  # type: ignore[attr-defined]
                    return False
                bound.update(e.id for e in names)  # type: ignore[attr-defined]
            elif n.__class__ in (ast.AugAssign, ast.AnnAssign, ast.Return, ast.Yield) \
                    or (n.__class__ is ast.Expr and n.value.__class__ is ast.Call  # type: ignore[attr-defined]
                        and flow.method_name(n.value) in ("append", "extend", "update", "add")):
                return False  # (a result kept)
    loads = [n for n in flow.walk_local(a, loop) if n.__class__ is ast.Name and n.id in bound
             and n.ctx.__class__ is ast.Load]  # type: ignore[attr-defined]
    for n in loads:  # a result read only as an argument of a call of the regions: fed on, not used
        up = flow.parent(a, n)
        if up.__class__ is not ast.Call or n not in up.args or not any(flow.contains(r, up) for r in regions):  # type: ignore[attr-defined]
            return False
    return True


def _repeated_sampling(a, loop: ast.AST | None, call: ast.Call) -> bool:
    """``for _ in range(100): samples.append(net(x))``: the model run on the same input
    every time round a counting loop (or one over a list of constants), nothing its
    arguments name bound in the loop. Only a model whose dropout is on gives different
    answers: sampling in train mode on purpose (Monte Carlo dropout; Atcold/NYU-DLSP20
    13-bayesian_nn.ipynb), or a training-mode path compared across settings (Megatron's
    test: ``for chunks in [1, 4]: layer.chunks = chunks; out[chunks] = layer(x)``)."""
    if not isinstance(loop, ast.For):
        return False
    it = loop.iter
    counting = isinstance(it, ast.Call) and flow.last_name(it.func) == "range"
    if not counting and not (isinstance(it, (ast.List, ast.Tuple)) and it.elts
                             and all(isinstance(e, ast.Constant) for e in it.elts)):
        return False
    used = {n.id for arg in (*call.args, *(k.value for k in call.keywords)) for n in flow.subtree(arg)
            if n.__class__ is ast.Name}
    if not used:
        return False
    nodes = flow.walk_local(a, loop)
    bound = {n.id for n in nodes if n.__class__ is ast.Name and n.ctx.__class__ is not ast.Load}
    return all(_noised_copy(nodes, name, bound) for name in used & bound)


def _eval_before_each_step(a, call: ast.Call, loop: ast.AST, target: str) -> bool:
    """``call`` is a statement of ``loop``'s own body, before any statement that runs
    ``target``, backpropagates or steps: each iteration trains in eval mode, chosen anew
    every time (Jingkang50/OpenOOD's CSI linear evaluation: ``self.net.eval()`` first in each
    step, the backbone's features detached, only the heads trained)."""
    return _eval_first_in_iteration(a, call, loop, target) and _steps_only_others(a, loop, target)


def _eval_first_in_iteration(a, call: ast.Call, loop: ast.AST, target: str) -> bool:
    """``call`` is a statement of ``loop``'s own body, before any statement that runs
    ``target``, backpropagates, steps or calls a helper of the project."""
    body = getattr(loop, "body", [])
    summaries = _summaries(a)
    func = flow.enclosing_function(a, loop)
    for stmt in body:
        if flow.contains(stmt, call):
            return stmt.__class__ is ast.Expr and stmt.value is call  # type: ignore[attr-defined]
        if any((n.__class__ is ast.Call and (flow.is_backward_call(n) or flow.method_name(n) == "step"
                                             or summaries.callee(n, func) is not None))
               or (n.__class__ in (ast.Name, ast.Attribute) and flow.dotted(n) == target)
               for n in ast.walk(stmt)):
            return False  # (the model run or handed to a helper before, or a helper of the project that may
            # train it: ``train(model, ...)``, ``train_probe_and_encoder(loader)``)
    return False


def _steps_only_others(a, loop: ast.AST, target: str) -> bool:
    """Every optimizer ``loop`` steps was built, where it is found, on parameters that are not
    ``target``'s (``self.linear_optim = Adam(self.linear.parameters())``): ``target`` is not
    trained there. Not so where one is built on it (FilipAndersson245/cartoon-gan's
    ``optimizerG = Adam(netG.parameters())``, ``netG.eval()`` first in each iteration), or
    where one is not found."""
    steps = [c for c in flow.calls_in(a, loop) if flow.method_name(c) == "step" and c.func.__class__ is ast.Attribute
             and not c.args]  # type: ignore[attr-defined]
    if not steps:
        return False
    for step in steps:
        built = _built_optimizer(a, step.func.value)  # type: ignore[attr-defined]
        if built is None or _trains_whole(built, target):
            return False
    return True


def _trains_whole(built: ast.Call, target: str) -> bool:
    """The optimizer built by ``built`` holds ``target``'s own parameters: it names
    ``target`` (or its DataParallel wrapper's ``target.module``) other than through one of
    its parts (``model.module.fc.parameters()``: mingkai-zheng/ReSSL's linear probe trains
    the head alone)."""
    whole = (target, f"{target}.module")
    parts = set()  # the names of the target inside a longer chain (``model`` of ``model.fc``)
    for n in ast.walk(built):
        if n.__class__ is ast.Attribute and n.attr not in ("parameters", "named_parameters", "module") \
                and flow.dotted(n.value) in whole:  # type: ignore[attr-defined]
            parts.update(id(m) for m in ast.walk(n.value))  # type: ignore[attr-defined]
    return any(flow.dotted(n) == target and id(n) not in parts for n in ast.walk(built)
               if n.__class__ in (ast.Name, ast.Attribute))


def _built_optimizer(a, expr: ast.expr) -> ast.Call | None:
    """The call that builds the optimizer ``expr`` names: the value bound to a name, or the
    one assignment of ``self.<attr>`` in its class."""
    if expr.__class__ is ast.Name:
        value = flow.binding_value(a, expr)  # type: ignore[arg-type]
        return value if value.__class__ is ast.Call else None  # type: ignore[return-value]
    if expr.__class__ is not ast.Attribute or flow.dotted(expr.value) != "self":  # type: ignore[attr-defined]
        return None
    owner = next((anc for anc in flow.ancestors(a, expr) if anc.__class__ is ast.ClassDef), None)
    values = [n.value for n in ast.walk(owner) if n.__class__ is ast.Assign and any(  # type: ignore[arg-type]
        t.__class__ is ast.Attribute and t.attr == expr.attr and flow.dotted(t.value) == "self"  # type: ignore[attr-defined]
        for t in n.targets)] if owner is not None else []  # type: ignore[attr-defined]
    calls = [v for v in values if v.__class__ is ast.Call]
    return calls[0] if calls and len(calls) == len(values) and all(
        ast.dump(c) == ast.dump(calls[0]) for c in calls) else None


def _passes_over_the_same_data(ctx: Context, loop: ast.AST | None, call: ast.Call) -> bool:
    """``for i in range(n_drop): for x, y, idxs in loader: probs[idxs] += softmax(net(x))``: a
    counting loop that trains nothing runs the model over the same data every time round
    (the loader bound outside it, the count not handed to the model): with dropout on, each
    pass is one Monte Carlo sample (ej0cl6/deep-active-learning's ``predict_prob_dropout``)."""
    if not isinstance(loop, ast.For):
        return False
    a = ctx.analysis
    it = loop.iter
    while it.__class__ is ast.Call and it.args and flow.last_name(it.func) in ("enumerate", "tqdm", "iter"):  # type: ignore[attr-defined]
        it = it.args[0]  # type: ignore[attr-defined]
    if it.__class__ not in (ast.Name, ast.Attribute):
        return False
    data = flow.dotted(it)
    for outer in flow.ancestors(a, loop):
        if isinstance(outer, flow.SCOPES):
            return False
        if outer.__class__ is not ast.For or flow.last_name(getattr(outer.iter, "func", outer.iter)) != "range" \
                or not flow.contains(outer, loop):  # type: ignore[attr-defined]
            continue
        counter = outer.target.id if outer.target.__class__ is ast.Name else None  # type: ignore[attr-defined]
        handed = {n.id for arg in (*call.args, *(k.value for k in call.keywords)) for n in flow.subtree(arg)
                  if n.__class__ is ast.Name}
        rebound = {flow.dotted(n) for n in flow.walk_local(a, outer)
                   if n.__class__ in (ast.Name, ast.Attribute) and n.ctx.__class__ is ast.Store}  # type: ignore[attr-defined]
        return data not in rebound and counter not in handed and _trains_nothing(ctx, outer)
    return False


_RANDOM = frozenset({"randn", "randn_like", "rand", "rand_like", "randint", "randint_like", "normal", "normal_",
                     "uniform_", "bernoulli", "poisson", "randperm"})


def _noised_copy(nodes: list[ast.AST], name: str, bound: set[str]) -> bool:
    """``name`` is only ever assigned, in the loop, the same input plus fresh noise: a value
    naming nothing the loop binds, with a random draw in it (the uncertainty-aware mean
    teacher's ``ema_inputs = volume_batch_r + torch.clamp(torch.randn_like(volume_batch_r) * 0.1,
    -0.2, 0.2)``, HiLab-git/SSL4MIS and yulequan/UA-MT): sampling on purpose too."""
    values = []
    for n in nodes:
        if n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is ast.Store:
            assign = next((m for m in nodes if m.__class__ is ast.Assign and any(t is n for t in m.targets)), None)
            if assign is None:
                return False
            values.append(assign.value)
    return bool(values) and all(
        not any(m.__class__ is ast.Name and m.id in bound for m in flow.subtree(value))
        and any(m.__class__ is ast.Call and flow.last_name(m.func) in _RANDOM for m in flow.subtree(value))
        for value in values)


def _model_runs(ctx: Context, targets: set[str]) -> list[tuple[ast.Call, str]]:
    """Calls that run one of ``targets``, in source order: the model called (``model(x)``),
    or a helper (this file's or another module's) that runs the model passed to it without
    training it or setting its mode (``predict(model, x)``)."""
    a = ctx.analysis
    out = []
    for call in flow.calls_named(a, *{t.rsplit(".", 1)[-1] for t in targets}):
        target = flow.dotted(call.func)
        if target in targets:
            out.append((call, target))
    for call in flow.calls_named(a, "generate"):  # Hugging Face's ``model.generate(...)`` runs the model
        target = flow.dotted(call.func.value) if call.func.__class__ is ast.Attribute else None  # type: ignore[attr-defined]
        if target in targets:
            out.append((call, target))
    summaries = _summaries(a)
    for call, callee in _helper_callees(a):
        inner = summaries.of(callee)
        if inner.backward or inner.steps or inner.clears:
            continue
        for t in sorted(inner.called):  # (each model it runs, in a fixed order: a set's varies by run)
            mapped = summaries.map_target(t, call, inner.params)
            if mapped in targets and inner.mode_of(t) is None and (t.startswith("#") or _own_method_call(call)):
                out.append((call, mapped))  # (a method of the same class: its ``self.model`` is the caller's)
    out.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    return out


def _own_method_call(call: ast.Call) -> bool:
    """``self.<method>(...)``."""
    func = call.func
    return func.__class__ is ast.Attribute and func.value.__class__ is ast.Name and func.value.id == "self"  # type: ignore[attr-defined]


def _mode_at_callers(ctx: Context, node: ast.AST, target: str, depth: int = 0, methods: bool = False) -> str | None:
    """When ``target`` is (an attribute of) a parameter of the module-level function
    around ``node``, which sets no mode on it: the mode every call site of the function
    in the file leaves its argument in, when they all agree (``evaluate(model)`` called
    right after ``model.train()``); else None. A site that sets no mode on it either is
    asked in turn, two calls up at most, and so is a local name bound to the argument
    (rsommerfeld/trocr: ``train`` binds ``model = context.model``, calls ``model.train()``
    and then ``validate(context)``, which hands ``context.model`` to ``predict``)."""
    a = ctx.analysis
    func = flow.enclosing_function(a, node)
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    # ``methods``: also a method called as ``self.test(model)`` in its class (sinhasam/vaal)
    owner = _plain_method_of(a, func) if methods else None
    if owner is None and func not in a.tree.body:
        return None
    root, _, rest = target.partition(".")
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)][1 if owner is not None else 0:]
    own = owner is not None and root == "self" and bool(rest)  # ``self.model``: the same at every ``self.`` site
    if root not in params and not own:
        return None
    index = params.index(root) if not own else -1
    modes = set()
    for site in flow.calls_named(a, func.name):
        if owner is not None:
            if not (site.func.__class__ is ast.Attribute and site.func.value.__class__ is ast.Name
                    and site.func.value.id == "self"):
                return None  # (``solver.test(model)``: a caller outside the class, mode unknown)
            if _plain_method_of(a, flow.enclosing_function(a, site)) is not owner:
                continue
        elif not isinstance(site.func, ast.Name) or site.func.id != func.name:
            continue
        if flow.enclosing_function(a, site) is func:
            return None  # recursion: not followed
        if own:
            asked = target
        else:
            if index >= len(site.args) or any(isinstance(x, ast.Starred) for x in site.args[: index + 1]):
                return None
            base = flow.dotted(site.args[index])
            if base is None:
                return None
            asked = base + (f".{rest}" if rest else "")
        mode = _mode_before(ctx, site, asked)
        if mode is None:
            alias = _bound_to(ctx, site, asked)
            if alias is not None:
                mode = _mode_before(ctx, site, alias)
        if mode is None and depth < 2:
            mode = _mode_at_callers(ctx, site, asked, depth + 1, methods)
        modes.add(mode)
    return modes.pop() if len(modes) == 1 else None


def _plain_method_of(a, func: ast.AST) -> ast.ClassDef | None:
    """The module-level class whose plain method (``self`` first, no decorator) ``func`` is."""
    owner = flow.parent(a, func)
    if owner.__class__ is not ast.ClassDef or owner not in a.tree.body \
            or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or func.decorator_list:  # type: ignore[attr-defined]
        return None
    args = func.args.posonlyargs + func.args.args  # type: ignore[attr-defined]
    return owner if args and args[0].arg == "self" else None  # type: ignore[return-value]


def _bound_to(ctx: Context, node: ast.AST, dotted: str) -> str | None:
    """A mode target bound to ``dotted`` (``model = context.model``) in the function of
    ``node``, before it; else None."""
    a = ctx.analysis
    func = flow.enclosing_function(a, node)
    for assign, name in _target_assigns(ctx).get(id(func), ()):
        if flow.before(assign, node) and flow.dotted(assign.value) == dotted:
            return name
    return None


_DROPOUT_NAMES = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
_MODE_LAYERS = {f"torch.nn.{n}" for n in (*_DROPOUT_NAMES, "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm")}
_DROPOUTS = frozenset(f"torch.nn{m}.{name}" for m in ("", ".modules.dropout") for name in _DROPOUT_NAMES)


def _bare_dropout(a, value: ast.expr) -> bool:
    """``noise = nn.Dropout(0.5)``: a dropout layer of its own, in no model, is a noise
    function, applied in training and in testing alike (ritchieng/deep-learning-wizard's
    denoising autoencoder corrupts its test images with it): no model to switch."""
    return value.__class__ is ast.Call and flow.safe_qualname(a, value.func) in _DROPOUTS  # type: ignore[attr-defined]


def _never_switched(ctx: Context) -> Iterator[Finding]:
    """Modules start in training mode. A file that never calls ``.train()``/``.eval()``
    but evaluates a model with dropout or batch norm in a loop under ``no_grad`` runs
    that evaluation in training mode. Only models built in the file from a class (of
    the file, or ``nn.Sequential``) whose layers certainly include such a layer."""
    a = ctx.analysis
    grad_off = [b for b in flow.iter_nodes(a, ast.With, ast.AsyncWith)
                if any(flow.is_grad_off_context(a, item.context_expr) for item in b.items)]
    blocks = grad_off + [loop for loop in flow.index(a).loops
                         if _validation_loop(ctx, loop) or _decorated_held_out_loop(ctx, loop)]
    passes = _held_out_passes(ctx)
    blocks += passes
    seen: set[int] = set()
    for block in blocks:
        done: set[str] = set()
        loops = [block] if isinstance(block, ast.For) else [
            n for n in flow.walk_local(a, block) if isinstance(n, (ast.For, ast.AsyncFor))]
        if not loops and (block in passes or _fetches_held_out(a, block) or _per_batch_evaluation(ctx, block)
                          or _evaluation_step(ctx, block)):
            loops = [block]  # one pass over a held-out batch: ``x, y = next(iter(dataloader_test))``
        for loop in loops:
            for call in flow.calls_in(a, loop):
                if call.func.__class__ not in (ast.Name, ast.Attribute) \
                        or (loop is not block or block.__class__ is ast.For) and flow.contains(loop.iter, call):
                    continue
                if flow.enclosing_function(a, call) is not flow.enclosing_function(a, block):
                    continue
                target = flow.dotted(call.func)
                if not target or target in done:
                    continue
                unit, value = a, flow.binding_value(a, call.func) if call.func.__class__ is ast.Name \
                    else _held_construction(a, call.func)  # type: ignore[arg-type]
                if value is None and call.func.__class__ is ast.Attribute:
                    unit, value = _inherited_construction(a, call.func)  # type: ignore[arg-type]
                if value is None or id(call) in seen or not _builds_mode_dependent_module(unit, value) \
                        or _repeated_sampling(a, loop, call) or _bare_dropout(a, value):
                    continue
                done.add(target)
                seen.add(id(call))  # (a held-out loop and the per-batch no_grad inside it: one finding)
                yield ctx.finding(
                    call,
                    f"`{target}` is never switched to eval mode and modules start in training mode, so its "
                    f"dropout/batch norm behave as in training in this evaluation"
                    f"{'' if loop is block and block.__class__ is not ast.For else ' loop'}; call "
                    f"`{target}.eval()` before it",
                    _eval_fix(ctx, fix_at := (flow.enclosing_loops(a, block)[0] if _per_batch_evaluation(ctx, block)
                                              else block), target, restore=_in_a_helper(ctx, fix_at)),
                )
    yield from _handed_to_an_evaluator_never_switched(ctx, seen, grad_off)
    yield from _never_switched_by_callers(ctx)
    yield from _phases_never_switched(ctx)
    yield from _handed_model_never_switched(ctx, seen)
    yield from _keyed_model_never_switched(ctx, seen)
    yield from _inference_never_switched(ctx, seen)


def _handed_to_an_evaluator_never_switched(ctx: Context, seen: set[int], blocks: list[ast.AST]) -> Iterator[Finding]:
    """Under ``with torch.no_grad():``, a model built here with dropout or batch norm is run by a
    method of its own that runs its layers (``model.batch_test(x)``), or handed to a method or
    function of the project that runs it, in a project that never calls ``eval()``: it
    evaluates in training mode (deepakn97/relationPrediction: ``evaluate_conv`` loads the
    trained ``SpKBGATConvOnly`` and calls ``Corpus_.get_validation_pred(args, model_conv, ...)``,
    whose ranking loop calls ``model.batch_test(...)``; the fix called ``model_conv.eval()``).
    ``blocks``: the file's ``with`` blocks that turn gradients off."""
    a = ctx.analysis
    if not blocks or not _modes.never_switched_to_eval(a):
        return
    done: set[str] = set()
    for block in blocks:
        scope = flow.enclosing_function(a, block)
        for call in flow.calls_in(a, block):
            if id(call) in seen or flow.enclosing_function(a, call) is not scope:
                continue
            func = call.func
            own = func.value if func.__class__ is ast.Attribute and func.value.__class__ is ast.Name \
                and _runs_its_layers(a, call) is not None else None  # type: ignore[attr-defined]
            names = [own] if own is not None else []
            names += [x for x in call.args if x.__class__ is ast.Name]
            for name in names:
                value = flow.binding_value(a, name) if name.id not in done else None  # type: ignore[attr-defined]
                if value is None or not _builds_mode_dependent_module(a, value) or _bare_dropout(a, value) \
                        or name is not own and not _evaluates_handed(a, call, name):  # type: ignore[arg-type]
                    continue
                done.add(name.id)  # type: ignore[attr-defined]
                seen.add(id(call))
                how = f"`{ctx.text(func)}` {'runs' if name is own else 'evaluates'} it"
                yield ctx.finding(
                    call,
                    f"`{name.id}` is never switched to eval mode and modules start in training mode, so its "  # type: ignore[attr-defined]
                    f"dropout/batch norm behave as in training when {how} here; call `{name.id}.eval()` before it",  # type: ignore[attr-defined]
                    _eval_fix(ctx, block, name.id, restore=_in_a_helper(ctx, block)),  # type: ignore[attr-defined]
                )
                break


def _evaluates_handed(a, call: ast.Call, name: ast.Name) -> bool:
    """``call`` hands ``name`` (a module) to a method of a class of the project, or to a
    function of the project, that calls it, or calls a method of its that runs its layers
    (``_layers_run_by``)."""
    position = next((i for i, x in enumerate(call.args) if x is name), None)
    func, unit, callee, skip = call.func, None, None, 0
    if func.__class__ is ast.Attribute:
        qualname = flow.safe_type(a, func.value)  # type: ignore[attr-defined]
        found = _weights.class_of_project(a, qualname) if qualname else None
        if found is not None:
            unit, callee, skip = found[0], found[1].methods.get(func.attr), 1  # type: ignore[attr-defined]
    elif func.__class__ is ast.Name:
        summaries = _summaries(a)
        callee = summaries.callee(call, flow.enclosing_function(a, call))
        unit = summaries.analysis_of(callee) if callee is not None else None
    if position is None or unit is None or callee.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) \
            or callee.args.vararg is not None:  # type: ignore[union-attr]
        return False
    params = [p.arg for p in (*callee.args.posonlyargs, *callee.args.args)][skip:]  # type: ignore[union-attr]
    if position >= len(params):
        return False
    param = params[position]
    model = flow.safe_type(a, name)
    held = _weights.class_of_project(a, model) if model else None
    for c in flow.calls_in(unit, callee):
        f = c.func
        if f.__class__ is ast.Name and f.id == param:  # type: ignore[attr-defined]
            return True
        if f.__class__ is ast.Attribute and f.value.__class__ is ast.Name and f.value.id == param \
                and held is not None and _layers_run_by(held[0], held[1], f.attr):  # type: ignore[attr-defined]
            return True
    return False


def _inference_method_never_switched(ctx: Context) -> Iterator[Finding]:
    """A module class's own inference method (``predict``, ``_predict_one``, ``inference``)
    that runs ``self(...)`` under ``no_grad`` and sets no mode, for a class with dropout or
    batch norm (or a ``forward`` that tests ``self.training``), in a project none of whose
    code switches anything to eval mode: the model predicts in the training mode it was
    built or trained in (beta-team/beta-recsys#426's ``LightGCN.predict``, called after
    ``train_an_epoch``; tomaarsen/SpanMarkerNER#4). The fix calls ``self.eval()`` first."""
    a = ctx.analysis
    for cls in flow.iter_nodes(a, ast.ClassDef):
        methods = [m for m in cls.body if m.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)  # type: ignore[attr-defined]
                   and _modes.INFERENCE_METHOD.match(m.name)]
        runs = [(m, c) for m in methods for c in flow.calls_in(a, m)
                if (flow.dotted(c.func) in ("self", "self.forward")) and flow.under_grad_off(a, c)]
        if not runs or not _modes.left_in_training_mode(a, cls, lambda qualname: bool(
                _module_class_builds_mode_layer(a, qualname, 0)) or _family_builds_mode_layer(a, qualname)
                or _constructions_handed_mode_layers(a, cls)):
            continue
        for method, call in runs[:1]:
            first = method.body[0]  # type: ignore[attr-defined]
            if ast.get_docstring(method) is not None and len(method.body) > 1:  # type: ignore[arg-type, attr-defined]
                first = method.body[1]  # type: ignore[attr-defined]
            insert = fix_edits.insert_before(ctx, first, "self.eval()")
            yield ctx.finding(
                call,
                f"`{method.name}` runs the model under `no_grad` without switching it to eval mode, and no code "  # type: ignore[attr-defined]
                f"of this project calls `eval()`: modules start in training mode and training leaves them there, "
                f"so its dropout/batch norm behave as in training when it predicts; call `self.eval()` first",
                Fix("unsafe", "Call `self.eval()` first", (insert,)) if insert is not None else None,
            )


def _constructions_handed_mode_layers(a, cls: ast.ClassDef) -> bool:
    """A construction of the class, in the file or elsewhere in the project, hands it a module
    built with dropout or batch norm (thunlp/OpenNRE's ``get_model``: ``model.SoftmaxNN(
    sentence_encoder, ...)`` after ``sentence_encoder = encoder.CNNEncoder(..., dropout=0.5)``)."""
    sites = [(a, c) for c in flow.calls_named(a, cls.name) if c.func.__class__ is ast.Name]  # type: ignore[attr-defined]
    sites += _reach.callers_elsewhere(a, cls) or []
    return any(_handed_mode_dependent_module(unit, call, 0) for unit, call in sites)


def _inference_never_switched(ctx: Context, seen: set[int]) -> Iterator[Finding]:
    """A file that trains nothing (no backward, no optimizer) and switches no mode, and that
    loads trained weights into a model built with dropout or batch norm (``model =
    CompletionNetwork()``, ``model.load_state_dict(torch.load(path))``), then runs it: a
    prediction script, whose model runs in training mode (otenim/GLCIC-PyTorch#18's
    ``predict.py``, YAndrewL/CLAPE#1). The fix calls ``eval()`` after the weights are loaded."""
    a = ctx.analysis
    loads = [c for c in flow.calls_named(a, "load_state_dict") if c.func.__class__ is ast.Attribute
             and c.func.value.__class__ is ast.Name]  # type: ignore[attr-defined]
    if not loads or not _file_trains_nothing(ctx):
        return  # (the file trains: its loads may resume training)
    done: set[str] = set()
    for load in loads:
        name = load.func.value  # type: ignore[attr-defined]
        if name.id in done:
            continue
        value = flow.binding_value(a, name)
        if value is None or not _builds_mode_dependent_module(a, value):
            continue
        scope = flow.enclosing_function(a, load)
        run = next((c for c in flow.calls_named(a, name.id) if c.func.__class__ is ast.Name
                    and flow.enclosing_function(a, c) is scope and flow.before(load, c)
                    and (flow.binding_value(a, c.func) is value or _only_moved(a, scope, name.id, value))), None)  # type: ignore[arg-type]
        if run is None or id(run) in seen:
            continue
        done.add(name.id)
        seen.add(id(run))
        yield ctx.finding(
            run,
            f"`{name.id}` is never switched to eval mode and modules start in training mode, so the dropout/batch "
            f"norm of the trained model this file loads ({flow.line_ref(a, load.lineno)}) behave as in training "
            f"when it predicts; call `{name.id}.eval()` once its weights are loaded",
            fix_edits.insertion_fix(ctx, flow.statement_of(a, load), f"{name.id}.eval()",
                                    f"Call `{name.id}.eval()` after loading", after=True),
        )


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _file_trains_nothing(ctx: Context) -> bool:
    """The file calls no ``backward()`` and steps no optimizer: it predicts, if anything."""
    return not any(flow.is_backward_call(c) for c in flow.calls_named(ctx.analysis, "backward")) \
        and not _optimizer_steps(ctx)


def _family_builds_mode_layer(a, qualname: str) -> bool:
    """A method of the class or of a subclass of the file builds a dropout or batch norm, or a
    module that holds one (mead-ml/mead-baseline#680: ``ConvModel``'s ``init_pool`` returns
    ``WithDropout(...)`` for ``create_layers``, the base class's ``predict_batch`` runs it)."""
    for info in a.classes.values():
        if qualname not in a.mro(info.qualname)[:8]:
            continue
        for method in info.methods.values():
            if method.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or method.name == "forward":
                continue
            for n in flow.walk_local(a, method):
                if n.__class__ is ast.Call and (flow.safe_qualname(a, n.func) in _MODE_LAYERS
                                                or _builds_mode_dependent_module(a, n, 1)):  # type: ignore[arg-type]
                    return True
    return False


def _train_mode_prediction(ctx: Context) -> Iterator[Finding]:
    """A file that trains nothing (no backward, no optimizer step) and calls ``model.train()``
    before running the model once under ``no_grad``, reading its output, with no eval() in
    between: a prediction in training mode, batch norm normalising with the batch's own
    statistics (dbpprt/u-2-net-portrait#4's demo, fixed by writing ``model.eval()``). Not a
    loop over a loader whose outputs go unread (a pass that refreshes batch-norm statistics).
    The fix writes ``eval()`` for that ``train()``."""
    a = ctx.analysis
    switches = [c for c in flow.calls_named(a, "train") if (mc := effects.mode_call(c)) is not None
                and mc[1] == "train" and not c.args and not c.keywords and "." not in mc[0]]
    if not switches or not _file_trains_nothing(ctx):
        return
    for switch in switches:
        target = effects.mode_call(switch)[0]  # type: ignore[index]
        scope = flow.enclosing_function(a, switch)
        run = next((c for c in flow.calls_named(a, target) if c.func.__class__ is ast.Name
                    and flow.enclosing_function(a, c) is scope and flow.before(switch, c)
                    and flow.under_grad_off(a, c) and not flow.enclosing_loops(a, c)
                    and not any(up.__class__ in _COMPREHENSIONS for up in flow.ancestors(a, c))), None)
        if run is None or flow.enclosing_loops(a, switch):
            continue  # (sampled many times in training mode: Monte Carlo dropout)
        if any(effects.mode_call(c) is not None and effects.mode_call(c)[0] == target  # type: ignore[index]
               and flow.before(switch, c) and flow.before(c, run) and c is not switch
               for c in flow.calls_named(a, "eval", "train")):
            continue
        value = flow.binding_value(a, run.func)  # type: ignore[arg-type]
        if value is None or not _builds_mode_dependent_module(a, value):
            continue
        stmt = flow.statement_of(a, run)
        names = {t.id for t in getattr(stmt, "targets", []) for t in ast.walk(t) if t.__class__ is ast.Name}
        if not names or not any(n.__class__ is ast.Name and n.id in names and n.ctx.__class__ is ast.Load
                                and flow.before(run, n) for n in flow.walk_local(a, scope)):
            continue  # (its output unread: a pass that refreshes batch-norm statistics)
        yield ctx.finding(
            run,
            f"`{target}.train()` ({flow.line_ref(a, switch.lineno)}) puts `{target}` in training mode for this "
            f"prediction, in a file that trains nothing: its dropout/batch norm behave as in training; "
            f"call `{target}.eval()` instead",
            Fix("unsafe", f"Call `{target}.eval()` instead", (ctx.replace(switch.func, f"{target}.eval"),)),
        )


def _only_moved(a, scope: ast.AST, name: str, value: ast.AST) -> bool:
    """Every binding of ``name`` in ``scope`` is ``value`` or moves the module it holds
    (``D = D.cuda()`` under ``if torch.cuda.is_available():``: csinva/gan-vae-pretrained-pytorch#2):
    the same module, wherever it is."""
    for n in flow.walk_local(a, scope):
        if n.__class__ is ast.Assign and any(t.__class__ is ast.Name and t.id == name for t in n.targets):  # type: ignore[attr-defined]
            moved = effects.unmoved(n.value)  # type: ignore[attr-defined]
            if n.value is not value and not (n.value is not moved and moved.__class__ is ast.Name  # type: ignore[attr-defined]
                                             and moved.id == name):  # type: ignore[attr-defined]
                return False
        elif n.__class__ in (ast.AugAssign, ast.AnnAssign, ast.For, ast.With, ast.Import, ast.ImportFrom) and name in {
                x.id for x in ast.walk(n) if x.__class__ is ast.Name and x.ctx.__class__ is ast.Store}:  # type: ignore[attr-defined]
            return False
    return True


def _handed_model_never_switched(ctx: Context, seen: set[int]) -> Iterator[Finding]:
    """A trainer class (not a module) that trains ``self.model`` in one loop (a backward) and
    evaluates it under ``no_grad`` in a loop over held-out data, in a file that switches no
    mode: whatever model it is handed (its type unknown here), any dropout or batch norm it
    has runs as in training in the evaluation (giotto-ai/giotto-deep#40's ``Pipeline``,
    whose ``train`` alternates ``_train_loop`` and ``_val_loop``)."""
    a = ctx.analysis
    for cls in flow.iter_nodes(a, ast.ClassDef):
        info = a.classes.get(cls)
        if info is None or flow.is_subclass(a, info.qualname, MODULE):
            continue  # (a module's submodules follow its own mode)
        methods = [m for m in cls.body if m.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)]  # type: ignore[attr-defined]
        trained: set[str] = set()
        for method in methods:
            for loop in _local_for_loops(a, method):
                if loop.__class__ is ast.For and _has_backward(ctx, loop):
                    trained.update(t for c in flow.calls_in(a, loop) if (t := flow.dotted(c.func))
                                   and t.count(".") == 1 and t.startswith("self."))
        if not trained:
            continue
        for method in methods:
            for loop in _local_for_loops(a, method):
                if loop.__class__ is not ast.For or not flow.under_grad_off(a, loop) \
                        or not _over_held_out_data(a, loop) or _has_backward(ctx, loop) or _steps_in(ctx, loop):
                    continue
                for call in flow.calls_in(a, loop):
                    target = flow.dotted(call.func)
                    if target not in trained or id(call) in seen or flow.contains(loop.iter, call) \
                            or flow.safe_type(a, call.func) is not None:
                        continue
                    seen.add(id(call))
                    yield ctx.finding(
                        call,
                        f"`{target}` is trained by this class and evaluated in this loop, and nothing switches "
                        f"its mode: modules start in training mode, so whatever dropout or batch norm the model "
                        f"it is handed has behaves as in training here; call `{target}.eval()` before the loop "
                        f"and `{target}.train()` after it",
                        _eval_fix(ctx, _outermost_grad_off(a, loop, method), target, restore=True),
                    )
                    break


_CRITERION_NAME = lazy(r"loss|criterion|crit\b|metric", re.IGNORECASE)  # (what the loops call beside the model)


def _keyed_model_never_switched(ctx: Context, seen: set[int]) -> Iterator[Finding]:
    """Module-level functions of a file that switches no mode: one trains the model it takes
    from an argument's item (``attention_model = trainArgs['model']``, a loop that
    backpropagates), another evaluates the same item of its own argument (``testArgs['model']``)
    in a loop under ``no_grad``; nothing in the project calls ``eval()``, and some module of it
    builds dropout or batch norm: the evaluation runs in training mode (prokia/drugVQA#7)."""
    a = ctx.analysis
    trained: dict[str, ast.AST] = {}
    evaluated: list[tuple[str, ast.Call, ast.AST, ast.AST]] = []
    for func in a.tree.body:
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        items = _argument_items(a, func)
        if not items:
            continue
        for loop in _local_for_loops(a, func):
            if loop.__class__ is not ast.For:
                continue
            runs = [(items[c.func.id], c) for c in flow.calls_in(a, loop)  # type: ignore[attr-defined]
                    if c.func.__class__ is ast.Name and c.func.id in items  # type: ignore[attr-defined]
                    and not _CRITERION_NAME.search(c.func.id + " " + items[c.func.id])]  # type: ignore[attr-defined]
            if not runs:
                continue
            if _has_backward(ctx, loop):
                for key, call in runs:
                    trained.setdefault(key, call)
            elif flow.under_grad_off(a, loop) and not _steps_in(ctx, loop):
                evaluated += [(key, call, loop, func) for key, call in runs[:1]]
    found = [(key, call, loop, func) for key, call, loop, func in evaluated if key in trained and id(call) not in seen]
    if not found or not _modes.never_switched_to_eval(a) or not _modes.builds_mode_layers(a):
        return
    for key, call, loop, func in found:
        seen.add(id(call))
        target = call.func.id  # type: ignore[attr-defined]
        yield ctx.finding(
            call,
            f"`{target}` (the argument's `{key}`) is evaluated under `no_grad` and never switched to eval mode, "
            f"while this file trains the same item ({flow.line_ref(a, trained[key].lineno)}) and nothing in the "
            f"project calls `eval()`: the dropout/batch norm of the model it holds behave as in training here; "
            f"call `{target}.eval()` before the loop and `{target}.train()` after it",
            _eval_fix(ctx, _outermost_grad_off(a, loop, func), target, restore=True),
        )


def _argument_items(a, func: ast.AST) -> dict[str, str]:
    """Names ``func`` binds once to an item of one of its parameters by a string key
    (``attention_model = testArgs['model']``): name -> key."""
    params = {p.arg for p in (*func.args.posonlyargs, *func.args.args)}  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    counts: dict[str, int] = {}
    for n in flow.walk_local(a, func):
        if n.__class__ is ast.Assign:
            for t in n.targets:  # type: ignore[attr-defined]
                for e in ast.walk(t):
                    if e.__class__ is ast.Name and e.ctx.__class__ is ast.Store:  # type: ignore[attr-defined]
                        counts[e.id] = counts.get(e.id, 0) + 1  # type: ignore[attr-defined]
            value = n.value  # type: ignore[attr-defined]
            if len(n.targets) == 1 and n.targets[0].__class__ is ast.Name and value.__class__ is ast.Subscript \
                    and value.value.__class__ is ast.Name and value.value.id in params \
                    and value.slice.__class__ is ast.Constant and isinstance(value.slice.value, str):  # type: ignore[attr-defined]
                out[n.targets[0].id] = value.slice.value  # type: ignore[attr-defined]
    return {name: key for name, key in out.items() if counts.get(name) == 1}


def _outermost_grad_off(a, loop: ast.AST, func: ast.AST) -> ast.AST:
    """The ``with torch.no_grad():`` block around ``loop`` in ``func`` (the outermost), else the loop."""
    block = loop
    for anc in flow.ancestors(a, loop):
        if anc is func:
            break
        if anc.__class__ in (ast.With, ast.AsyncWith) and any(flow.is_grad_off_context(a, i.context_expr) for i in anc.items):  # type: ignore[attr-defined]
            block = anc
    return block


def _in_a_helper(ctx: Context, block: ast.AST) -> bool:
    """``block`` is in a function that trains nothing, outside any loop of it: the model it
    evaluates goes back to training elsewhere, in the mode the fix leaves it in (the fix
    then puts it back in train mode after the block)."""
    a = ctx.analysis
    func = flow.enclosing_function(a, block)
    return func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) and not flow.enclosing_loops(a, block) \
        and not _has_backward(ctx, func) and not _steps_in(ctx, func)  # (a stray ``zero_grad()`` trains nothing)


def _per_batch_evaluation(ctx: Context, block: ast.AST) -> bool:
    """A ``no_grad`` block holding no loop, in a loop over held-out data that trains
    nothing: each batch evaluated under its own ``with torch.no_grad():``
    (microsoft/robustdg's ``get_test_accuracy``)."""
    a = ctx.analysis
    loops = flow.enclosing_loops(a, block)
    if not loops:
        return False
    loop = loops[0]
    return loop.__class__ is ast.For and flow.enclosing_function(a, loop) is flow.enclosing_function(a, block) \
        and _over_held_out_data(a, loop) and not _has_backward(ctx, loop) and not _steps_in(ctx, loop)


# what a function that evaluates one batch is called: ``inference``, ``validate_step``, ``predict``
_EVALUATION_STEP = lazy(r"eval|valid|test|infer|predict", re.IGNORECASE)


def _evaluation_step(ctx: Context, block: ast.AST) -> bool:
    """A ``no_grad`` block holding no loop, a statement of a function named for an evaluation
    of one batch that trains nothing (facebookresearch/active-mri-acquisition's
    ``Trainer.inference``, which an evaluation engine runs on each batch)."""
    a = ctx.analysis
    func = flow.parent(a, block)
    return func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) and bool(_EVALUATION_STEP.search(func.name)) \
        and _trains_nothing(ctx, func)  # type: ignore[attr-defined]


def _held_construction(a, attr: ast.Attribute) -> ast.expr | None:
    """What ``self.<name>`` holds when its class assigns it once, the call that built it
    (moves dropped: ``self.phi = resnet18().to(device)``). None in a module class: a
    submodule's mode is its parent's, switched with it (ZJULiHongxin/HRNet-Hand-Pose-
    Estimation runs its frozen ``self.HRNet`` under no_grad inside ``forward``)."""
    if attr.value.__class__ is not ast.Name or attr.value.id != "self":  # type: ignore[attr-defined]
        return None
    owner = next((n for n in flow.ancestors(a, attr) if n.__class__ is ast.ClassDef), None)
    info = a.classes.get(owner) if owner is not None else None
    if info is not None and flow.is_subclass(a, info.qualname, MODULE):
        return None
    value = flow.assigned_value(a, attr)
    if value is None and info is not None:  # ``self.net = None`` first, ``self.net = DataParallel(self.net)`` after
        built = [effects.unmoved(v) for _, v in info.attributes.get(attr.attr, ())]
        built = [v for v in built if not (v.__class__ is ast.Constant and v.value is None)  # type: ignore[attr-defined]
                 and not _parallel_of_itself(a, v, attr.attr)]
        value = built[0] if len(built) == 1 else None
    if value is not None and value.__class__ is ast.Name:  # ``model = Model(...)``, then ``self.model = model``
        value = flow.binding_value(a, value)  # type: ignore[arg-type]  (facebookresearch/tacto's ``build_model``)
    return effects.unmoved(value) if value is not None else None


def _inherited_construction(a, attr: ast.Attribute) -> tuple[object, ast.expr | None]:
    """``self.<name>`` that the class never assigns and a base class of the project, in
    another module, assigns once: (that module's analysis, the call that built it, moves
    dropped): zh320/realtime-semantic-segmentation-pytorch's ``SegTrainer.predict`` runs the
    ``self.model`` its ``BaseTrainer`` built with ``get_model(config)``. Not in a module class."""
    if attr.value.__class__ is not ast.Name or attr.value.id != "self":  # type: ignore[attr-defined]
        return a, None
    owner = next((n for n in flow.ancestors(a, attr) if n.__class__ is ast.ClassDef), None)
    info = a.classes.get(owner) if owner is not None else None
    if info is None or attr.attr in info.attributes or flow.is_subclass(a, info.qualname, MODULE):
        return a, None
    for base in owner.bases:  # type: ignore[union-attr]
        qualname = flow.safe_qualname(a, base)
        found = _weights.class_of_project(a, qualname) if qualname else None
        if found is None or found[0] is a:
            continue
        unit, base_info = found
        values = base_info.attributes.get(attr.attr, ())
        if len(values) == 1:
            return unit, effects.unmoved(values[0][1])
    return a, None


def _decorated_held_out_loop(ctx: Context, loop: ast.AST) -> bool:
    """A ``for`` loop over held-out data (``for batch in tqdm(self.test_loader)``), training
    nothing, in a function decorated with ``@torch.no_grad()`` or ``@torch.inference_mode()``."""
    a = ctx.analysis
    func = flow.enclosing_function(a, loop)
    return loop.__class__ is ast.For and func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) \
        and any(flow.is_grad_off_context(a, d) for d in func.decorator_list) \
        and _over_held_out_data(a, loop) and not _has_backward(ctx, loop) and not _steps_in(ctx, loop)  # type: ignore[arg-type]


def _parallel_of_itself(a, value: ast.expr, attr: str) -> bool:
    """``nn.DataParallel(self.net)``: the attribute's own module, wrapped (and moved) in place."""
    return value.__class__ is ast.Call and flow.safe_qualname(a, value.func) in flow.PARALLEL_WRAPPERS \
        and bool(value.args) and flow.dotted(value.args[0]) == f"self.{attr}"  # type: ignore[attr-defined]


def _phases_never_switched(ctx: Context) -> Iterator[Finding]:
    """A loop over phases (``for phase in ["train", "val"]:``) that turns gradients on by the
    phase (``with torch.set_grad_enabled(phase == "train"):``) in a file that switches no mode:
    the model, built with dropout or batch norm, runs every phase in training mode (the
    transfer-learning tutorial's ``train_model`` less its ``model.train()``/``model.eval()``),
    and the evaluation phase even updates batch norm's running statistics with its data."""
    a = ctx.analysis
    blocks: list[tuple[ast.AST, str, ast.AST | None]] = []  # (block, held-out phase, its training arm)
    for block in flow.iter_nodes(a, ast.With, ast.AsyncWith):
        phase = next((p for item in block.items if (p := _phase_of_grad_switch(a, item.context_expr, block))), None)
        if phase is not None and _has_backward(ctx, phase[0]):  # (a loop that trains nothing: no phases)
            blocks.append((block, phase[1], None))
    blocks += _phase_loops_training_by_test(ctx)
    reported: set[int] = set()  # (a phase loop and the set_grad_enabled block inside it: one finding)
    for block, held_out, training_arm in blocks:
        done: set[str] = set()
        for call in flow.calls_in(a, block):
            f = call.func
            if f.__class__ is not ast.Name or f.id in done or id(call) in reported or training_arm is not None \
                    and any(flow.contains(stmt, call) for stmt in training_arm.body):  # type: ignore[attr-defined]
                continue
            built = _mode_dependent_model(a, f)  # type: ignore[arg-type]
            if built is None:
                continue
            target = f.id  # type: ignore[attr-defined]
            done.add(target)
            reported.add(id(call))
            yield ctx.finding(
                call,
                f"`{target}` is never switched between train and eval mode, and modules start in training "
                f"mode: in the `{held_out}` phase its dropout/batch norm behave as in training (batch norm "
                f"even updates its running statistics with that data); call `{target}.train()` or "
                f"`{target}.eval()` at the start of each phase",
            )


def _phase_loops_training_by_test(ctx: Context) -> list[tuple[ast.AST, str, ast.AST]]:
    """``for phase in ('train', 'val'):`` whose body trains only under ``if phase == 'train':``
    (as0791/ZOO_Attack_PyTorch's ``fit``, gradients on in both phases): (the loop, a phase it
    runs without training, that ``if``)."""
    a = ctx.analysis
    out = []
    for loop in flow.index(a).loops:
        if loop.__class__ is not ast.For or loop.target.__class__ is not ast.Name \
                or loop.iter.__class__ not in (ast.List, ast.Tuple):  # type: ignore[attr-defined]
            continue
        phases = loop.iter.elts  # type: ignore[attr-defined]
        if len(phases) < 2 or not all(p.__class__ is ast.Constant and isinstance(p.value, str) for p in phases):
            continue
        name = loop.target.id  # type: ignore[attr-defined]
        for arm in flow.walk_local(a, loop):
            test = arm.test if arm.__class__ is ast.If else None  # type: ignore[attr-defined]
            if test.__class__ is not ast.Compare or len(test.ops) != 1 or test.ops[0].__class__ is not ast.Eq \
                    or flow.dotted(test.left) != name or test.comparators[0].__class__ is not ast.Constant:  # type: ignore[union-attr]
                continue
            trained = test.comparators[0].value  # type: ignore[union-attr]
            off = [p.value for p in phases if p.value != trained]
            if trained in [p.value for p in phases] and off and _has_backward(ctx, arm) \
                    and not any(_has_backward(ctx, s) for s in loop.body if not flow.contains(s, arm)):  # type: ignore[attr-defined]
                out.append((loop, off[0], arm))
                break
    return out


def _phase_of_grad_switch(a, expr: ast.expr, block: ast.AST) -> tuple[ast.AST, str] | None:
    """For ``torch.set_grad_enabled(phase == "train")`` inside ``for phase in ["train", "val"]``:
    that loop and a phase it runs without gradients (``"val"``). None for anything else."""
    if expr.__class__ is not ast.Call or flow.last_name(expr.func) != "set_grad_enabled" or len(expr.args) != 1 \
            or flow.safe_qualname(a, expr.func) not in flow.SET_GRAD_ENABLED:
        return None
    test = expr.args[0]
    if test.__class__ is not ast.Compare or len(test.ops) != 1 or test.ops[0].__class__ not in (ast.Eq, ast.NotEq) \
            or test.left.__class__ is not ast.Name or test.comparators[0].__class__ is not ast.Constant:
        return None
    name, value = test.left.id, test.comparators[0].value
    for loop in flow.enclosing_loops(a, block):
        if loop.__class__ is not ast.For or loop.target.__class__ is not ast.Name or loop.target.id != name:
            continue
        phases = loop.iter.elts if loop.iter.__class__ in (ast.List, ast.Tuple) else ()
        if not phases or not all(p.__class__ is ast.Constant and isinstance(p.value, str) for p in phases):
            return None
        on = {p.value for p in phases if (p.value == value) == (test.ops[0].__class__ is ast.Eq)}
        off = [p.value for p in phases if p.value not in on]
        return (loop, off[0]) if on and off else None
    return None


def _mode_dependent_model(a, name: ast.Name) -> str | None:
    """Where the model a name holds was built with dropout or batch norm: the name's own
    construction, or for a parameter the construction every call of its function in the
    file passes (``model_ft = models.resnet18(...)``, then ``train_model(model_ft, ...)``);
    None where that is not certain."""
    value = flow.binding_value(a, name)
    if value is not None:
        return f"line {value.lineno}" if _builds_mode_dependent_module(a, value) else None
    func = flow.enclosing_function(a, name)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or flow.parent(a, func) is not a.tree:
        return None
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    if name.id not in params or name.id in flow.local_bindings(a, func):
        return None
    calls = [c for c in flow.calls_named(a, func.name) if c.func.__class__ is ast.Name]  # type: ignore[attr-defined]
    where = None
    for call in calls:
        arg = _passed(call, params.index(name.id), name.id)
        value = flow.binding_value(a, arg) if arg.__class__ is ast.Name else arg
        if value is None or not _builds_mode_dependent_module(a, value):
            return None
        where = where or f"line {value.lineno}"
    return where


# what a loader of held-out data is called: ``valid_loader``, ``val_dl``, ``test_loader``, ``dev_iter``
# (or the other way round: ``dataloader_val``, ``loader_test``)
_HELD_OUT = lazy(r"^(?:val|valid|validation|test|testing|eval|evaluation|dev)(?:_?(?:loader|dataloader|"
                 r"data_?loader|dl|iter|iterator|set|dataset|data|batches|gen|generator))?$"
                 r"|^(?:loader|dataloader|data_?loader|dl|iter|iterator|dataset|data|batches)_"
                 r"(?:val|valid|validation|test|testing|eval|evaluation|dev)$", re.IGNORECASE)


def _fetches_held_out(a, block: ast.AST) -> bool:
    """The block takes a batch of held-out data: ``next(iter(val_loader))``,
    ``next(enumerate(testdataloader, 0))``."""
    return any(_held_out_fetch(c) for c in flow.calls_in(a, block))


def _held_out_fetch(c: ast.Call) -> bool:
    if c.func.__class__ is not ast.Name or c.func.id != "next" or not c.args:  # type: ignore[attr-defined]
        return False
    it = c.args[0]
    if it.__class__ is ast.Call and it.func.__class__ is ast.Name and it.func.id in ("iter", "enumerate") \
            and it.args:  # type: ignore[attr-defined]
        it = it.args[0]  # type: ignore[attr-defined]
    return it.__class__ in (ast.Name, ast.Attribute) and bool(_HELD_OUT.match(flow.last_name(it)))


def _held_out_passes(ctx: Context) -> list[ast.AST]:
    """The ``if`` arms inside a training loop that take one held-out batch and train
    nothing, outside no_grad (fxia22/pointnet.pytorch: every 10 batches, ``if i % 10 == 0:``
    scores a batch of ``next(enumerate(testdataloader, 0))``): evaluations too."""
    a = ctx.analysis
    out = []
    for c in flow.calls_named(a, "next"):
        if not _held_out_fetch(c) or flow.under_grad_off(a, c):
            continue
        branch = next((x for x in flow.ancestors(a, c) if x.__class__ is ast.If or isinstance(x, flow.SCOPES)), None)
        if branch.__class__ is not ast.If or not flow.enclosing_loops(a, branch) or any(out_ is branch for out_ in out):
            continue
        if _trains_nothing(ctx, branch):
            out.append(branch)
    return out


def _validation_loop(ctx: Context, loop: ast.AST) -> bool:
    """A ``for`` loop over held-out data (``for data, target in valid_loader:``, also through
    ``enumerate``/``tqdm``) that trains nothing (no backward, step or clear) and runs outside
    ``no_grad``: an evaluation all the same (udacity's MNIST notebook validates so after
    each epoch's training loop, its dropout on)."""
    if loop.__class__ is not ast.For or not _over_held_out_data(ctx.analysis, loop, through_names=False):
        return False
    return not flow.under_grad_off(ctx.analysis, loop) and _trains_nothing(ctx, loop)


def _trains_nothing(ctx: Context, node: ast.AST) -> bool:
    """No backward, step or clearing in ``node``'s own code (or its helpers' backward)."""
    return not _has_backward(ctx, node) and not any(
        flow.method_name(c) in ("step", "zero_grad") for c in flow.calls_in(ctx.analysis, node))


# torchvision's classification builders whose models hold batch norm, dropout or stochastic
# depth as built by default (not the vision transformers: ``vit_b_16`` has dropout 0.0)
_TORCHVISION_MODE_BUILDERS = lazy(
    r"(resnet\d+|resnext\d+_\w+|wide_resnet\d+_2|vgg\d+(_bn)?|alexnet|densenet\d+|googlenet|inception_v3|"
    r"deeplabv3_(resnet50|resnet101|mobilenet_v3_large)|fcn_resnet(50|101)|lraspp_mobilenet_v3_large|"
    r"mobilenet_v2|mobilenet_v3_(large|small)|mnasnet\d_\d+|shufflenet_v2_x\d_\d|squeezenet1_[01]|"
    r"efficientnet_(b\d|v2_[sml])|regnet_[xy]_\w+|convnext_(tiny|small|base|large)|swin_(v2_)?[tsb]|maxvit_t)$")


def _builds_mode_dependent_module(a, value: ast.expr, depth: int = 0) -> bool:
    """``value`` builds a module with dropout or batch norm: such a layer, ``nn.Sequential``
    holding one, or a module class of the file or the project whose ``__init__`` builds one,
    itself or through a module class of the project it builds (deep-learning-with-pytorch's
    ``NetResDeep``, whose ``ResBlock``s hold the batch norms), a few classes deep."""
    value = effects.unmoved(value)  # (``models.DeepInfoAsLatent(...).to(device)``: the module itself)
    if value.__class__ is ast.Name and depth <= 3:  # (``net = net.to(device)``: what ``net`` was bound to)
        return _name_builds_mode_dependent_module(a, value, depth)  # type: ignore[arg-type]
    if not isinstance(value, ast.Call) or depth > 3:
        return False
    registry = _registry_classes(a, value.func)
    if registry:  # ``model_hub[config.model](num_class=...)``: one of the classes of a dict written out
        return any(bool(_module_class_builds_mode_layer(a, flow.safe_qualname(a, cls), depth)) for cls in registry)
    qualname = flow.safe_qualname(a, value.func)
    if qualname in _MODE_LAYERS:
        return True
    if qualname and qualname.startswith("torchvision.models.") and _TORCHVISION_MODE_BUILDERS.match(
            qualname.rsplit(".", 1)[-1]):
        return True  # (grskallen/Cassava-Leaf-Disease-Classification's ``models.resnet101(weights=None)``)
    if qualname == "torch.nn.Sequential":
        return any(isinstance(arg, ast.Call) and _builds_mode_dependent_module(a, arg, depth)
                   for arg in _sequence_items(value.args))
    verdict = _module_class_builds_mode_layer(a, qualname, depth, value)
    if verdict is False and _handed_mode_dependent_module(a, value, depth):
        return True  # (``AutoEncoder(encoder=_encoder, decoder=_decoder)``, the encoder built with batch norm)
    if verdict is not None:
        return verdict
    return any(_builds_mode_dependent_module(unit, built, depth + 1) for unit, built in _returned_builds(a, value))


def _name_builds_mode_dependent_module(a, name: ast.Name, depth: int) -> bool:
    """What ``name`` was last bound to before its use builds a module with dropout or batch
    norm: a plain assignment, or an item of the tuple a function of the project returns
    (``net, city_aug, _, weights = build_segmentation_model(...)``)."""
    try:
        binding = a.lookup(name.id, a.scope_of(name), name.lineno)
    except Exception:  # inference must never break a rule
        return False
    if binding is None or binding.kind != "assign" or binding.node.__class__ is not ast.Call \
            or binding.node is getattr(flow.statement_of(a, name), "value", None):
        return False  # (not a call, or the very statement that uses it: ``net = net.to(device)``)
    if binding.index is None:
        return _builds_mode_dependent_module(a, binding.node, depth + 1)
    return any(_builds_mode_dependent_module(unit, built, depth + 1)
               for unit, built in _returned_builds(a, binding.node, binding.index))


def _handed_mode_dependent_module(a, construction: ast.Call, depth: int) -> bool:
    """A module class's construction is handed a module with dropout or batch norm, built in
    the call or bound to a name just before, which its ``__init__`` keeps as an attribute
    (juanpablos/GNN-explain: ``AutoEncoder(encoder=_encoder, decoder=_decoder)``, its ``Encoder``
    an MLP built with ``use_batch_norm=True``)."""
    for arg in [*construction.args, *(k.value for k in construction.keywords)]:
        built = flow.binding_value(a, arg) if arg.__class__ is ast.Name else arg
        if built.__class__ is ast.Call and built is not construction \
                and _builds_mode_dependent_module(a, built, depth + 1):  # type: ignore[arg-type]
            return True
    return False


def _module_class_builds_mode_layer(a, qualname: str | None, depth: int,
                                    construction: ast.Call | None = None) -> bool | None:
    """Whether the class ``qualname``, of the file or of another module of the project, is a
    module whose ``__init__`` builds a dropout or batch norm layer (for ``construction``, on an
    arm its arguments take); None when it is neither's."""
    for info in a.classes_named(qualname)[:1] if qualname else ():  # (the first class of the name)
        if flow.is_subclass(a, qualname, "torch.nn.Module"):
            return _init_builds_mode_layer(a, info, depth, construction)
    found = _weights.class_of_project(a, qualname) if qualname and not qualname.startswith(LOCAL) else None
    if found is not None and found[0] is not a:  # a model class of another module of the project
        other, info = found
        return flow.is_subclass(other, info.qualname, "torch.nn.Module") \
            and _init_builds_mode_layer(other, info, depth, construction)
    return None


def _registry_classes(a, func: ast.expr) -> list[ast.expr]:
    """``model_hub[name]`` where ``model_hub`` is bound once to a dict written out whose
    values are names of classes (``{'erfnet': ERFNet, 'bisenet': BiSeNet}``): those values
    (zh320/realtime-semantic-segmentation-pytorch's ``get_model``)."""
    if func.__class__ is not ast.Subscript or func.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return []
    table = flow.binding_value(a, func.value)  # type: ignore[attr-defined, arg-type]
    if table.__class__ is not ast.Dict or not table.values:  # type: ignore[attr-defined]
        return []
    values = table.values  # type: ignore[attr-defined]
    return values if all(v.__class__ in (ast.Name, ast.Attribute) for v in values) else []


def _returned_builds(a, call: ast.Call, element: int | None = None) -> list[tuple[object, ast.expr]]:
    """The calls that build what a function or method of the project returns, each with
    its analysis: ``return phi``, ``phi`` bound on each arm of an ``if`` (moves dropped:
    ``phi = phi.to(device)``), or a call returned as such (microsoft/robustdg's
    ``self.phi = self.get_model()``, whose ``get_resnet(...)`` returns a torchvision
    ``resnet18`` or ``resnet50``). A model that one arm builds with dropout or batch norm is
    evaluated so whenever that arm runs. None from a function that switches a mode itself.
    ``element``: the item at that index of a tuple written out in the return
    (``return net, city_aug, input_sizes, weights``: voldemortX/pytorch-auto-drive)."""
    summaries = _summaries(a)
    unit = a
    try:
        callee = summaries.callee(call, flow.enclosing_function(a, call))
        if callee is not None:
            unit = summaries.analysis_of(callee) or a
        elif getattr(a, "env", None) is not None:  # a function of another module, effects or none
            qualname = flow.safe_qualname(a, call.func)
            found = a.env._function(a, qualname) if qualname and not qualname.startswith(LOCAL) else None
            if found is not None:
                unit, callee = found[0], found[1]
    except Exception:  # the project model must never break a rule
        return []
    if not isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    nodes = flow.walk_local(unit, callee)
    if any(n.__class__ is ast.Call and effects.mode_call(n) is not None for n in nodes):
        return []  # (``model.eval()`` before ``return model``: it hands back a model in a mode of its own)
    out: list[tuple[object, ast.expr]] = []
    for ret in nodes:
        if ret.__class__ is not ast.Return or ret.value is None:  # type: ignore[attr-defined]
            continue
        value = ret.value  # type: ignore[attr-defined]
        if element is not None:
            if value.__class__ is not ast.Tuple or element >= len(value.elts) \
                    or any(e.__class__ is ast.Starred for e in value.elts):  # type: ignore[attr-defined]
                continue
            value = value.elts[element]  # type: ignore[attr-defined]
        if value.__class__ is ast.Name:
            out += [(unit, effects.unmoved(n.value)) for n in nodes if n.__class__ is ast.Assign  # type: ignore[attr-defined]
                    and any(t.__class__ is ast.Name and t.id == value.id for t in n.targets)]  # type: ignore[attr-defined]
        else:
            out.append((unit, effects.unmoved(value)))
    return [(u, v) for u, v in out if v.__class__ is ast.Call]


def _sequence_items(args: list[ast.expr]) -> list[ast.expr]:
    """``nn.Sequential``'s layers as written: its arguments, and the items of a list it is
    handed unpacked (``*layers`` of ``[...]``, ``*(n_blocks * [ResBlock(n)])``)."""
    out: list[ast.expr] = []
    for arg in args:
        if arg.__class__ is ast.Starred:
            inner = arg.value  # type: ignore[attr-defined]
            if inner.__class__ is ast.BinOp and inner.op.__class__ is ast.Mult:  # type: ignore[attr-defined]
                inner = inner.left if inner.left.__class__ in (ast.List, ast.Tuple) else inner.right  # type: ignore[attr-defined]
            if inner.__class__ in (ast.List, ast.Tuple):
                out.extend(inner.elts)  # type: ignore[attr-defined]
            continue
        out.append(arg)
    return out


def _init_builds_mode_layer(a, info, depth: int, construction: ast.Call | None = None) -> bool:
    """The class's ``__init__`` builds a dropout or batch norm, or a module of the project
    that does (``_builds_mode_dependent_module``, one class deeper); for ``construction``,
    not on an arm of an ``if`` that its arguments (or the defaults) rule out (``ConvLayer(3,
    32, 9, 1)`` with ``norm="instance"``, whose ``BatchNorm2d`` is built only ``if norm ==
    "batch"``: rrmina/fast-neural-style-pytorch's style network, instance norm throughout)."""
    init = info.methods.get("__init__")
    if init is None:
        return False
    known = _constant_arguments(init, construction) if construction is not None else {}
    return _init_calls_mode_layer(a, info, init, known, depth)


def _init_calls_mode_layer(a, info, init: ast.AST, known: dict[str, object], depth: int) -> bool:
    """``init`` (of the class ``info``) builds a dropout or batch norm on an arm ``known``
    does not rule out, itself, through a module of the project it builds, or through its base
    class's ``__init__`` that it calls (``super().__init__(..., use_batch_norm=use_batch_norm)``:
    juanpablos/GNN-explain's ``Encoder``, whose base ``MLP`` builds the ``BatchNorm1d``)."""
    calls = [(n, flow.safe_qualname(a, n.func)) for n in flow.walk_local(a, init) if isinstance(n, ast.Call)
             and not (known and _arm_ruled_out(a, init, n, known))]
    if any(q in _MODE_LAYERS for _, q in calls) or any(
            _builds_mode_dependent_module(a, n, depth + 1) for n, q in calls
            if q is not None and (q.startswith(LOCAL) or _weights.class_of_project(a, q) is not None)):
        return True
    up = next((n for n, _ in calls if n.func.__class__ is ast.Attribute and n.func.attr == "__init__"  # type: ignore[attr-defined]
               and n.func.value.__class__ is ast.Call and flow.last_name(n.func.value.func) == "super"), None)  # type: ignore[attr-defined]
    if up is None or depth > 3 or not info.node.bases:
        return False
    base = flow.safe_qualname(a, info.node.bases[0])
    found = _weights.class_of_project(a, base) if base else None
    base_init = found[1].methods.get("__init__") if found is not None else None
    if base_init is None or any(x.__class__ is ast.Starred for x in up.args):
        return False
    params = [p.arg for p in (*base_init.args.posonlyargs, *base_init.args.args)][1:]
    handed = {**dict(zip(params, up.args)), **{k.arg: k.value for k in up.keywords if k.arg}}
    passed: dict[str, object] = dict((name, v.value) for name, v in parameter_defaults(base_init.args).items()
                                     if v.__class__ is ast.Constant)  # type: ignore[attr-defined]
    for name, v in handed.items():
        passed.pop(name, None)
        if v.__class__ is ast.Constant:
            passed[name] = v.value  # type: ignore[attr-defined]
        elif v.__class__ is ast.Name and v.id in known:  # type: ignore[attr-defined]
            passed[name] = known[v.id]  # type: ignore[attr-defined]
    return _init_calls_mode_layer(found[0], found[1], base_init, passed, depth + 1)  # type: ignore[index]


def _constant_arguments(init: ast.AST, call: ast.Call) -> dict[str, object]:
    """``__init__``'s parameters that ``call`` (a construction) binds to a constant, by its
    arguments or the defaults; none when it spreads ``*args``/``**kwargs``."""
    args = init.args  # type: ignore[attr-defined]
    params = [p.arg for p in (*args.posonlyargs, *args.args)][1:]
    if any(x.__class__ is ast.Starred for x in call.args) or any(k.arg is None for k in call.keywords):
        return {}
    values: dict[str, ast.expr] = dict(parameter_defaults(args))
    values.update(zip(params, call.args))
    values.update((k.arg, k.value) for k in call.keywords if k.arg)  # type: ignore[misc]
    return {name: v.value for name, v in values.items() if v.__class__ is ast.Constant}  # type: ignore[attr-defined]


def _arm_ruled_out(a, init: ast.AST, node: ast.AST, known: dict[str, object]) -> bool:
    """``node`` (in ``__init__``) sits on an arm of an ``if`` that tests a parameter against a
    constant (``norm == "batch"``, ``norm in ("bn", "batch")``) which the known value rules out."""
    child = node
    for up in flow.ancestors(a, node):
        if up is init:
            return False
        if up.__class__ is ast.If:
            verdict = _constant_test(up.test, known)  # type: ignore[attr-defined]
            in_body = any(s is child for s in up.body)  # type: ignore[attr-defined]
            if verdict is not None and verdict != in_body:
                return True
        child = up
    return False


def _constant_test(test: ast.expr, known: dict[str, object]) -> bool | None:
    if test.__class__ is ast.Name and test.id in known:  # type: ignore[attr-defined]
        return bool(known[test.id])  # type: ignore[attr-defined]  (``if use_batch_norm:``)
    if test.__class__ is ast.UnaryOp and test.op.__class__ is ast.Not and test.operand.__class__ is ast.Name \
            and test.operand.id in known:  # type: ignore[attr-defined]
        return not known[test.operand.id]  # type: ignore[attr-defined]
    if test.__class__ is not ast.Compare or len(test.ops) != 1 or test.left.__class__ is not ast.Name \
            or test.left.id not in known:  # type: ignore[attr-defined]
        return None
    value, op, right = known[test.left.id], test.ops[0].__class__, test.comparators[0]  # type: ignore[attr-defined]
    if op in (ast.Eq, ast.NotEq) and right.__class__ is ast.Constant:
        return (value == right.value) == (op is ast.Eq)  # type: ignore[attr-defined]
    if op in (ast.In, ast.NotIn) and right.__class__ in (ast.Tuple, ast.List, ast.Set) \
            and all(e.__class__ is ast.Constant for e in right.elts):  # type: ignore[attr-defined]
        return (value in [e.value for e in right.elts]) == (op is ast.In)  # type: ignore[attr-defined]
    return None


def _never_switched_by_callers(ctx: Context) -> Iterator[Finding]:
    """The same for a module-level helper that evaluates a model it is handed, in a loop
    under no_grad (a with block or a decorator), in a file that switches no mode: when
    every call of it in the project's other files hands it a model built there with
    dropout or batch norm, in a file that switches no mode either (ipolharvard/ethos-ares:
    ``@th.inference_mode() def estimate_loss(model, ...)``, its GPT-2 built from a config
    that sets dropout)."""
    a = ctx.analysis
    if getattr(a, "env", None) is None:
        return
    for func in a.tree.body:  # type: ignore[attr-defined]
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
        done: set[str] = set()
        for call in flow.calls_in(a, func):
            f = call.func
            if f.__class__ is not ast.Name or f.id not in params or f.id in done:  # type: ignore[attr-defined]
                continue
            loops = flow.enclosing_loops(a, call)
            if not loops or flow.binding_value(a, f) is not None or not (  # type: ignore[arg-type]
                    flow.under_grad_off(a, call) or _evaluation_helper(ctx, func)):
                continue
            outer = loops[-1]
            if _has_backward(ctx, outer) or _repeated_sampling(a, loops[0], call):
                continue
            target = f.id  # type: ignore[attr-defined]
            built = _built_by_callers(a, func, params.index(target), target)
            if built is None:
                continue
            done.add(target)
            yield ctx.finding(
                call,
                f"`{target}` is never switched to eval mode and modules start in training mode, so the "
                f"dropout/batch norm of the model its callers pass ({built}) behave as in training in "
                f"this evaluation loop; call `{target}.eval()` before it",
                _eval_fix(ctx, outer, target),
            )


# what an evaluation helper is called: ``evaluate_accuracy``, ``validate``, ``test_epoch``
_EVALUATION_NAME = lazy(r"eval|valid|test|accuracy", re.IGNORECASE)


def _evaluation_helper(ctx: Context, func: ast.AST) -> bool:
    """A function named for an evaluation that trains nothing (no backward, no step, no
    clearing): d2l's ``evaluate_accuracy(net, data_iter)``, outside no_grad as well."""
    return bool(_EVALUATION_NAME.search(func.name)) and _trains_nothing(ctx, func)  # type: ignore[attr-defined]


def _built_by_callers(a, func: ast.AST, index: int, name: str, depth: int = 0) -> str | None:
    """Where the model that every caller passes as parameter ``index`` of ``func`` is built,
    when each builds one with dropout or batch norm in a file that calls no
    ``train()``/``eval()`` (``run_training.py, line 40``); else None. A call in this file
    passes a model it builds, or a parameter of its own function (d2l's ``train_ch3`` hands
    its ``net`` to ``evaluate_accuracy``): then that function's callers are asked, once."""
    sites = _reach.callers_elsewhere(a, func)
    if sites is None and getattr(a, "cell_starts", None):
        sites = []  # a notebook: no other file imports it, its own cells are the callers
    if sites is None:
        return None
    local = [c for c in flow.calls_named(a, func.name) if c.func.__class__ is ast.Name]  # type: ignore[attr-defined]
    if not sites and not local:
        return None
    where = None
    for call in local:
        arg = _passed(call, index, name)
        outer = flow.enclosing_function(a, call)
        params = [p.arg for p in (*outer.args.posonlyargs, *outer.args.args)] \
            if outer.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) and flow.parent(a, outer) is a.tree else []  # type: ignore[attr-defined]
        if arg.__class__ is ast.Name and arg.id in params:  # type: ignore[union-attr]
            found = _built_by_callers(a, outer, params.index(arg.id), arg.id, depth + 1) if not depth else None  # type: ignore[union-attr]
        else:  # a model this file builds (deep-learning-with-pytorch's chapter 8 notebook: ``validate(model, ...)``
            built = _model_built(a, arg)  # after ``model = NetResDeep(...)``, batch norms in its blocks)
            found = flow.line_ref(a, built.lineno) if built is not None else None
        if found is None:
            return None
        where = where or found
    for caller, call in sites:
        calls = flow.index(caller).calls_by_name  # type: ignore[arg-type]
        if "train" in calls or "eval" in calls:
            return None  # the callers' file sets modes: missing-eval asks there
        arg = _passed(call, index, name)
        built = _model_built(caller, arg)
        if built is None:
            return None
        path = getattr(getattr(caller, "env", None), "path", None)
        where = where or (f"{path.name}, " if path is not None else "") + flow.line_ref(caller, built.lineno)  # type: ignore[arg-type]
    return where


def _passed(call: ast.Call, index: int, name: str) -> ast.expr | None:
    """What ``call`` passes for parameter ``index``, called ``name``: by position (no
    ``*args`` before it), else by keyword."""
    if index < len(call.args) and not any(x.__class__ is ast.Starred for x in call.args[: index + 1]):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == name), None)


# a constructor's keyword that sets a dropout rate: ``dropout=``, ``dropout_enc=``, ``attn_pdrop=``
_DROPOUT_ARG = lazy(r"dropout|pdrop|drop_rate|drop_prob|drop_path", re.IGNORECASE)
# what wraps a model as it is: ``torch.compile(raw_model)``, ``DataParallel(model)``, ``gpu_wrapper(model)``
_WRAPS_MODEL = lazy(r"compile|parallel|wrap|gpu|cuda|device|ddp|fsdp", re.IGNORECASE)


def _model_built(a, expr: ast.expr | None) -> ast.Call | None:
    """The construction of a module with dropout or batch norm that ``expr`` holds,
    through plain assignments and wrappers (a few steps); else None."""
    for _ in range(4):
        if expr is None:
            return None
        expr = effects.unmoved(expr)
        if expr.__class__ is ast.Name:
            expr = flow.binding_value(a, expr)  # type: ignore[arg-type]
            continue
        if expr.__class__ is not ast.Call:
            return None
        if _WRAPS_MODEL.search(flow.last_name(expr.func)) and expr.args:  # type: ignore[attr-defined]
            expr = expr.args[0]  # type: ignore[attr-defined]
            continue
        return expr if _builds_mode_dependent_module(a, expr) or _sets_dropout(a, expr) else None  # type: ignore[return-value]
    return None


def _sets_dropout(a, call: ast.Call) -> bool:
    """A construction given a dropout rate that is not a literal zero, itself or through a
    config built in the same function (``GPT2Config(resid_pdrop=cfg.dropout)``): whatever
    the class, its dropout depends on the mode."""
    def rated(c: ast.Call) -> bool:
        return any(k.arg is not None and _DROPOUT_ARG.search(k.arg) and not (
            k.value.__class__ is ast.Constant and not k.value.value) for k in c.keywords)  # type: ignore[attr-defined]
    if rated(call):
        return True
    for arg in (*call.args, *(k.value for k in call.keywords)):
        if arg.__class__ is ast.Name:
            value = flow.binding_value(a, arg)  # type: ignore[arg-type]
            if value.__class__ is ast.Call and rated(value):  # type: ignore[arg-type]
                return True
    return False


def _eval_fix(ctx: Context, block: ast.stmt, target: str, restore: bool = False) -> Fix | None:
    """``target.eval()`` before the evaluation block, and ``target.train()`` after it
    when training resumes in an enclosing loop that does not switch back itself, or
    (``restore``) in the callers that handed the model over in train mode."""
    before = fix_edits.insert_before(ctx, block, f"{target}.eval()")
    if before is None:
        return None
    edits = [before]
    a = ctx.analysis
    if restore and any(n.__class__ is ast.Return for n in flow.walk_local(a, block)):
        return None  # (a return inside the block: a ``train()`` after it would never run)
    if restore:
        after = fix_edits.insert_after(ctx, block, f"{target}.train()")
        if after is None:
            return None
        edits.append(after)
    for loop in [] if restore else flow.enclosing_loops(a, block):
        if not _has_backward(ctx, loop):
            continue
        func = flow.enclosing_function(a, loop)
        start, end = (loop.lineno, loop.col_offset), (loop.end_lineno, loop.end_col_offset)
        inside = [kind for position, kind in _mode_events(ctx, func).get(target, []) if start <= position <= end]
        if not {"train", "unknown", "pass", "new"} & set(inside):
            after = fix_edits.insert_after(ctx, block, f"{target}.train()")
            if after is None:
                return None
            edits.append(after)
        break
    title = f"Insert {target}.eval() before the evaluation loop" + (
        f" and {target}.train() after it" if len(edits) > 1 else "")
    return Fix("unsafe", title, tuple(edits))


def _misspelt_train_call(a, loop: ast.AST) -> bool:
    """The loop calls ``X.train()`` on a name bound nowhere (``mode.train()`` for
    ``model.train()``: Na-Z/attMPTI's pre-training script): its first iteration raises
    ``NameError`` there, so no iteration trains in eval mode (the typo is the bug)."""
    return any(c.func.__class__ is ast.Attribute and c.func.attr == "train" and c.func.value.__class__ is ast.Name  # type: ignore[attr-defined]
               and flow.misspelt(a, c.func.value) for c in flow.calls_in(a, loop))  # type: ignore[attr-defined]


def _built_from(a, name: str, at: ast.AST) -> set[str]:
    """The names a plain name's construction hands in, through nested calls
    (``TemporalAgent(Agents(env_agent, action_agent))``: env_agent, action_agent)."""
    scope = a.scopes.get(flow.enclosing_function(a, at), a.module_scope)
    try:
        binding = a.lookup(name, scope, at.lineno)  # type: ignore[attr-defined]
    except Exception:
        return set()
    value = binding.node if binding is not None and binding.kind == "assign" and binding.index is None else None
    names: set[str] = set()
    built = effects.unmoved(value) if value.__class__ is ast.Call else None  # (``.to(cfg.device)`` peeled)
    stack = [built] if built.__class__ is ast.Call else []  # (``model = model.to(device)``: no construction)
    while stack:
        call = stack.pop()
        for arg in [*call.args, *(k.value for k in call.keywords)]:  # type: ignore[attr-defined]
            if arg.__class__ is ast.Name:
                names.add(arg.id)  # type: ignore[attr-defined]
            elif arg.__class__ is ast.Call:
                stack.append(arg)  # (bare names only: ``cfg.device`` names no module)
    return names


def _shared_part_put_back(ctx: Context, func: ast.AST, loop: ast.AST, target: str) -> bool:
    """Another object built from a module ``target`` is built from is put in train mode in the
    loop: the shared module trains in train mode (facebookresearch/salina's validation agent
    and ``train_agent = Agents(action_agent, critic_agent)``, whose ``train()`` comes before
    every update)."""
    a = ctx.analysis
    if "." in target:
        return False
    shared = _built_from(a, target, loop)
    if not shared:
        return False
    _, calls = _mode_tables(ctx, func)
    for key, found in _mode_events(ctx, func).items():
        if key == target or "." in key:
            continue
        for position, kind in found:
            call = calls.get(position)
            if kind == "train" and call is not None and flow.contains(loop, call) \
                    and (key in shared or _built_from(a, key, call) & shared):
                return True
    return False


@rule(code="TW105", name="missing-train-mode", group="training", severity="warning",
      summary="model.eval() inside the epoch loop but model.train() only before it: later epochs train in eval mode.",
      fix="unsafe", runtime=True)
def missing_train_mode(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    reported: set[int] = set()  # one finding per loop, however many eval() calls reach it
    for call, target in _eval_switches(ctx):
        helper = effects.mode_call(call) is None
        if helper and _trains_itself(a, call):
            continue  # a helper that trains and then evaluates (pytorch/examples' GAT ``train_iter``)
        if not helper and _starts_a_phase(a, call, target):
            continue
        for loop in flow.enclosing_loops(a, call):
            if not _has_backward(ctx, loop) or not _steps_in(ctx, loop):
                continue  # backward without a step: saliency, Grad-CAM, attacks (no training)
            stop = _stops_after(a, call, loop)
            if stop == "break":
                continue  # this loop ends there; an outer one may go on training
            if stop:
                break  # the function or the program ends there: no later iteration at all
            func = flow.enclosing_function(a, loop)
            events = _mode_events(ctx, func).get(target, [])
            start = (loop.lineno, loop.col_offset)
            end = (loop.end_lineno, loop.end_col_offset)
            inside = [kind for position, kind in events if start <= position <= end]
            # train mode restored in the loop, or the model handed to helpers there (which
            # may restore it): fine
            # (a part of it put back in train mode there: ``train_model.model.train()`` after
            # ``train_model.eval()``, a wrapper's own eval method: uclanlp/visualbert)
            parts = [kind for key, found in _mode_events(ctx, func).items() if key.startswith(target + ".")
                     for position, kind in found if start <= position <= end]
            if any(kind in ("train", "unknown", "pass", "new") for kind in inside) or "train" in parts \
                    or _helper_sets_train_mode(ctx, loop, target) or _shared_part_put_back(ctx, func, loop, target) \
                    or _misspelt_train_call(a, loop) or _uncalled_in(a, loop, "train"):
                break
            # (not a switch on the other arm of an ``if`` that holds the loop: ML4SCI/CMS's
            # ``if model_type == 'autoencoder': tae.train() ... elif ...: tae.eval()`` per epoch)
            switches = _mode_tables(ctx, func)[1]
            earlier = [(position, kind) for position, kind in events if position < start
                       and not (position in switches and flow.other_arms(a, switches[position], loop))]
            if earlier and max(earlier)[1] == "eval":
                break  # put in eval mode right before the loop: a frozen model trained around, or
                # eval-mode training on purpose (manifold-contrastive's linear probe over a copy of
                # the backbone an earlier loop fine-tuned in train mode)
            trained_before = any(kind == "train" for position, kind in earlier)
            by_callers = False
            if not trained_before and not any(position < start for position, _ in events):
                # set in train mode by every caller of the loop's method, which sets no mode
                # before the loop (webis-de/small-text: ``_train_loop_epoch`` calls
                # ``self.model.train()``, then the batch loop's method, which validates mid-epoch)
                trained_before = by_callers = _mode_at_callers(ctx, loop, target, methods=True) == "train"
            if not trained_before and (_mode_before(ctx, loop, target) != "new"
                                       or not _runs_target(ctx, loop, target, with_grad=True)):
                # (built in train mode, it must also be run with gradients here: layumi's re-id
                # baseline runs its EMA teacher ``swa_model`` under no_grad only, in eval mode)
                break  # never put in train mode before the loop (nor built there, in train mode as
                # every module starts: the PyTorch quickstart's model): eval-mode training on purpose
            if not _runs_target(ctx, loop, target):
                break  # the model must be the one trained in this loop
            model_call = _calls_target(a, loop, target)
            forward = _calls_target(a, loop, target + ".forward") if model_call is None else None
            if id(loop) in reported or (model_call is not None and _mode_free(ctx, model_call)) \
                    or (forward is not None and _model_mode_free(ctx, forward.func.value)):  # type: ignore[attr-defined]
                break  # (a model only handed to helpers is reported mode-free or not: the PyTorch
                # quickstart's ``train()``/``test()``, a bug its maintainers fixed, pytorch/tutorials#1540)
            at = _mode_tables(ctx, func)[1]
            if any(_eval_before_each_step(a, at[p], loop, target) for p, kind in events
                   if kind == "eval" and start <= p <= end and p in at):
                break  # eval mode set at the top of every iteration: eval-mode training on purpose
                # (a later eval() of the iteration, the test's, changes nothing then: ReSSL)
            reported.add(id(loop))
            what = f"`{ctx.text(call.func)}()` switches `{target}` to eval mode" if helper \
                else f"`{target}.eval()` runs"
            # a batch loop inside the epoch loop that calls train() (ZhaoJ9014/face.evoLVe validates
            # every 2,000 batches): its iterations, not the epochs, must start in train mode
            batches = loop.__class__ in (ast.For, ast.AsyncFor) and _loader_batch(a, loop) is not None
            where = "each iteration of this loop" if flow.enclosing_loops(a, loop) or by_callers or batches \
                else "each epoch"
            # train mode set by a method of the model's holder (fartashf/vsepp's ``model.train_start()``,
            # which calls ``train()`` on each network it holds): that call is what to repeat
            switch = _train_helper_before(ctx, func, target, start) if trained_before and not by_callers else None
            restore = f"{ctx.text(switch.func)}()" if switch is not None else f"{target}.train()"
            before = f"`{restore}` is only called before the loop" + (
                f" (by the callers of `{func.name}`)" if by_callers else "") if trained_before \
                else f"nothing sets `{target}` back to train mode (the mode it was built in)"
            if _eval_first_in_iteration(a, call, flow.enclosing_loops(a, call)[0], target):
                # eval() first in each iteration (the model makes a discriminator's fakes, then trains:
                # FilipAndersson245/cartoon-gan): train() at the iteration's start would come before it
                yield ctx.finding(
                    call,
                    f"{what} at the start of each iteration of the training loop and nothing sets it back, "
                    f"so `{target}` trains in eval mode; call `{restore}` after its eval-mode use, before the "
                    "step that trains it",
                )
                break
            yield ctx.finding(
                call,
                f"{what} inside the training loop but {before}, so every later iteration trains in "
                f"eval mode; call `{restore}` at the start of {where}",
                _train_mode_fix(ctx, loop, call, target, restore),
            )
            break


_EXITS = frozenset({"exit", "quit", "sys.exit", "os._exit"})


def _stops_after(a, node: ast.AST, loop: ast.AST) -> str | None:
    """How a statement after ``node``'s, in its block or an enclosing one inside ``loop``,
    ends ``loop``'s iterations whatever happens: "break" (of ``loop`` itself), "exit"
    (``return``, ``raise``, ``exit()``: a debugging stop right after an evaluation,
    shawroad/NLP_pytorch_project's ``evaluate(); exit()``); None when the loop goes on."""
    current = flow.statement_of(a, node)
    while current is not None and current is not loop:
        place = flow.block_place(a, current)
        for stmt in place[0][place[1] + 1:] if place is not None else ():
            kind = stmt.__class__
            if kind is ast.Return or kind is ast.Raise:
                return "exit"
            if kind is ast.Expr and stmt.value.__class__ is ast.Call and flow.dotted(stmt.value.func) in _EXITS:
                return "exit"
            if kind is ast.Break:
                loops = flow.enclosing_loops(a, stmt)
                if loops and loops[0] is loop:
                    return "break"
        current = flow.parent(a, current)
    return None


def _train_helper_before(ctx: Context, func: ast.AST, target: str, start: tuple[int, int]) -> ast.Call | None:
    """The call, before ``start``, that last put ``target`` in train mode, when it is a
    call without arguments of a method of the object that holds ``target``
    (``model.train_start()`` for ``model.img_enc``), not a mode call of its own."""
    events = _mode_events(ctx, func).get(target, [])
    last = max((p for p, kind in events if p < start and kind == "train"), default=None)
    if last is None:
        return None
    calls = flow.calls_in(ctx.analysis, func)  # in source order: found by bisection
    at = bisect.bisect_left(calls, last, key=flow.BY_POSITION)
    if at == len(calls) or flow.BY_POSITION(calls[at]) != last:
        return None
    call = calls[at]
    f = call.func
    if effects.mode_call(call) is None and f.__class__ is ast.Attribute and not call.args \
            and not call.keywords and target.startswith(f"{flow.dotted(f.value)}."):
        return call
    return None


def _helper_sets_train_mode(ctx: Context, loop: ast.AST, target: str) -> bool:
    """A helper the loop calls that backpropagates and calls ``train()`` on ``target`` in
    its own code, whatever mode it leaves it in (a ``train_batch(data, model, ...)`` that
    starts with ``model.train()`` and ends scoring the batch through a method that calls
    ``model.eval()``: PacktPublishing's OCR notebooks): each batch trains in train mode.
    Or that calls ``eval()`` on it before it backpropagates: it trains in eval mode on
    purpose (MoCo's linear probe keeps the frozen backbone's batch-norm statistics), and
    the loop's own eval() changes nothing."""
    summaries = _summaries(ctx.analysis)
    for call, callee, inner in _backpropagating_helpers(ctx.analysis, loop):
        last_backward = None
        for n in ast.walk(callee):
            mc = effects.mode_call(n) if n.__class__ is ast.Call else None
            if mc is None or mc[1] not in ("train", "eval"):
                continue
            if mc[1] == "eval":
                if last_backward is None:
                    last_backward = max(((c.lineno, c.col_offset) for c in ast.walk(callee)
                                         if c.__class__ is ast.Call and (flow.is_backward_call(c) or (
                                             (h := summaries.callee(c, callee)) is not None
                                             and summaries.of(h).backward))), default=(0, 0))
                if (n.lineno, n.col_offset) > last_backward:
                    continue  # (evaluating after the training part: the mode is left as eval)
            root, _, rest = mc[0].partition(".")
            if root == "self":
                t = mc[0]  # (``self.net``: the receiver's, for a method)
            elif root in inner.params:
                t = f"#{inner.params.index(root)}" + (f".{rest}" if rest else "")
            elif mc[0] == target and _global_of_the_file(ctx.analysis, callee, root):
                return True  # (a script's global model: kevinzakka/pytorch-simclr's ``train_clf``)
            else:
                continue
            if summaries.map_target(t, call, inner.params) == target:
                return True
    return False


def _global_of_the_file(a, func: ast.AST, name: str) -> bool:
    """``name`` in ``func``, a function of the file, is the module's global: not one of its
    parameters nor bound in its own code."""
    if func not in flow.index(a).parents or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    args = func.args  # type: ignore[attr-defined]
    if name in {p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if p}:
        return False
    return not any(n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load  # type: ignore[attr-defined]
                   for n in flow.walk_local(a, func))


def _trains_itself(a, call: ast.Call) -> bool:
    """The helper ``call`` runs calls backward() itself: it runs its own training, in the
    mode it sets, and leaves the model in eval mode after evaluating."""
    summaries = _summaries(a)
    callee = summaries.callee(call, flow.enclosing_function(a, call))
    return callee is not None and summaries.of(callee).backward


def _starts_a_phase(a, call: ast.Call, target: str) -> bool:
    """``target.eval()`` in an arm of an ``if`` that also builds a new optimizer over the
    model's parameters: a training phase in eval mode begins there (google/sg2im's
    ``if t == args.eval_mode_after: model.eval(); optimizer = optim.Adam(model.parameters())``
    trains on in eval mode, which its docs explain), not an evaluation."""
    stmt = flow.statement_of(a, call)
    arm = flow.parent(a, stmt) if stmt is not None else None
    if arm.__class__ is not ast.If:
        return False
    block = arm.body if any(s is stmt for s in arm.body) else arm.orelse  # type: ignore[attr-defined]
    params = f"{target}.parameters"
    for s in block:
        if s.__class__ is ast.Assign and s.value.__class__ is ast.Call \
                and any(flow.is_optimizer(a, t) for t in s.targets) \
                and any(n.__class__ is ast.Call and flow.dotted(n.func) == params for n in ast.walk(s.value)):
            return True
    return False


def _steps_in(ctx: Context, loop: ast.AST) -> bool:
    """An optimizer step (or a helper's, at its call site) inside ``loop``."""
    a = ctx.analysis
    ordered = a.queries.get("optimizer_step_calls")
    if ordered is None:  # by position, for a bisect per loop
        ordered = a.queries["optimizer_step_calls"] = sorted(
            [*(c for c, _ in _optimizer_steps(ctx)), *_bound_steps(a)], key=flow.BY_POSITION)
    return flow.any_within(loop, ordered)


def _bound_steps(a) -> list[ast.Call]:
    """Calls of a method of another object that steps an optimizer the object holds
    (knazeri/edge-connect's ``self.edge_model.backward(gen_loss, dis_loss)``, which steps
    ``self.gen_optimizer``): typed in the method's own module."""
    summaries = _summaries(a)
    out = []
    for call, callee in _helper_callees(a):
        if summaries.is_bound(call):
            owner = summaries.analysis_of(callee)
            if any(t.startswith("self.") and flow.is_optimizer(owner, expr) for t, expr in summaries.of(callee).steps):
                out.append(call)
    return out



def _eval_switches(ctx: Context) -> list[tuple[ast.Call, str]]:
    """``target.eval()`` calls and calls of the file's helpers that leave a target in
    eval mode (``validate(model)``, ``self.evaluate()``), in source order."""
    a = ctx.analysis
    out = []
    for call in flow.calls_named(a, "eval", "train"):
        mc = effects.mode_call(call)
        if mc is not None and mc[1] == "eval":
            out.append((call, mc[0]))
    summaries = _summaries(a)
    targets = _mode_targets(ctx)
    for call, callee in _helper_callees(a):
        for target, mode in summaries.effects_at(call, flow.enclosing_function(a, call)):
            if mode == "eval" and target in targets:
                out.append((call, target))
    out.sort(key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    return out


def _runs_target(ctx: Context, loop: ast.AST, target: str, with_grad: bool = False) -> bool:
    """Whether ``loop`` runs the model ``target``: calls it (``with_grad``: outside
    no_grad), or calls a helper of the file that runs it and calls backward()."""
    a = ctx.analysis
    if any(flow.dotted(c.func) in (target, target + ".forward") and not (with_grad and flow.under_grad_off(a, c))
           for c in flow.calls_in(a, loop)):
        return True  # (``model.forward(x)`` runs it too: the Udacity image-classifier notebooks)
    summaries = _summaries(a)
    for call, _callee, inner in _backpropagating_helpers(a, loop):
        if any(summaries.map_target(t, call, inner.params) == target for t in inner.called):
            return True
        if summaries.is_bound(call) and flow.dotted(call.func.value) == target:  # type: ignore[attr-defined]
            return True  # a method of the model that backpropagates (knazeri/edge-connect's ``backward``)
    return _handed_to_loss(a, loop, target)


def _handed_to_loss(a, loop: ast.AST, target: str) -> bool:
    """The model is handed to the call that makes the loss the loop backpropagates
    (``loss = compute_loss(model, x); loss.backward()``: ncsn's ``anneal_dsm_score_estimation(score, ...)``
    in another module), outside no_grad: it runs with gradients there."""
    func = flow.enclosing_function(a, loop)
    bindings = flow.local_bindings(a, func)
    for bw in flow.calls_named(a, "backward"):
        if not flow.is_backward_call(bw) or not flow.contains(loop, bw):
            continue
        loss = flow.backward_target(bw)
        if loss is None:
            continue
        values = [loss]
        for n in ast.walk(loss):
            if n.__class__ is ast.Name:
                values += bindings.get(n.id) or ()
        for value in values:
            for c in ast.walk(value):
                if c.__class__ is ast.Call and flow.contains(loop, c) and not flow.under_grad_off(a, c) and any(
                        flow.dotted(arg) == target for arg in [*c.args, *(k.value for k in c.keywords)]):
                    return True
    return False


def _backpropagating_helpers(a, loop: ast.AST) -> Iterator[tuple[ast.Call, ast.AST, "effects.Effects"]]:
    """(call, helper, its summary) for each call in ``loop`` of a summarised helper that calls
    backward(), itself or through its own helpers."""
    summaries = _summaries(a)
    func = flow.enclosing_function(a, loop)
    for call in flow.calls_in(a, loop):
        callee = summaries.callee(call, func)
        if callee is not None:
            inner = summaries.of(callee)
            if inner.backward:
                yield call, callee, inner


def _train_mode_fix(ctx: Context, loop: ast.AST, eval_call: ast.Call, target: str,
                    restore: str | None = None) -> Fix | None:
    """``target.train()`` before the loop body's first statement that trains (calls the
    model or backward()), so every epoch starts its training part in train mode."""
    for stmt in loop.body:  # type: ignore[attr-defined]
        holds_eval = flow.contains(stmt, eval_call)
        trains = _calls_target(ctx.analysis, stmt, target) is not None or any(
            flow.is_backward_call(n) for n in flow.walk_local(ctx.analysis, stmt)) or _has_backward(ctx, stmt)
        if trains:
            if holds_eval:
                return None  # evaluation and training in one statement: unclear where to insert
            restore = restore or f"{target}.train()"
            edit = fix_edits.insert_before(ctx, stmt, restore)
            return Fix("unsafe", f"Insert {restore} where the epoch starts training", (edit,)) if edit else None
    return None


@rule(code="TW106", name="missing-no-grad", group="training", severity="warning",
      summary="An evaluation loop after model.eval() runs without torch.no_grad()/inference_mode().",
      fix="unsafe", module_wide=True, runtime=True)  # callers elsewhere in the file may run it under no_grad (_reach)
def missing_no_grad(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    reported: set[int] = set()  # one finding per loop, however many eval() calls reach it
    for call in flow.calls_named(a, "eval", "train"):
        mc = effects.mode_call(call)
        if mc is None or mc[1] != "eval":
            continue
        target = mc[0]
        func = flow.enclosing_function(a, call)
        if _grad_disabled_somewhere(ctx, func) or _module_forward(a, func) or flow.plain_object(a, call.func.value) \
                or _backpropagates_itself(a, func, target):
            continue
        found: list[ast.AST] = []  # this eval()'s evaluation loops, each reported once
        for loop in _local_for_loops(a, func):
            each = _switched_each_iteration(a, loop, call)
            if not each and not flow.before(call, loop):
                continue
            if not each and flow.contains(loop, call) and loop is not call or any(flow.contains(f, loop) for f in found):
                continue  # (a loop inside one reported: its fix wraps this one too)
            model_call = _calls_target(a, loop, target) or _calls_target(a, loop, target + ".forward") \
                or _calls_target_in_a_method(ctx, loop, target, func) or _calls_a_method_of(a, loop, target)
            wrapped = model_call is None  # (then the model runs inside a module built around it, if at all)
            if wrapped:
                model_call = _calls_a_wrapper_of(a, loop, target, func)
            if model_call is None or _called_before_the_loop(loop, model_call) \
                    or each and not flow.before(call, model_call):
                continue  # (a comprehension over one call's outputs runs the model once, before it loops)
            if id(model_call) in reported or id(loop) in reported:
                break  # (one finding per loop: two models evaluated in it share the fix)
            reported.add(id(model_call))
            # (then: a loop that trains on the other arm of a flag)
            on_one_arm = _looks_like_training(a, loop) and not _only_clears_beside_training(a, func, loop)
            if on_one_arm and not _trains_on_the_other_arm(a, loop, call, func):
                break
            if on_one_arm and (flag := _flag_arm(a, call, func)) is not None:
                # the model's call on the evaluation path: not one under ``if training:``, which runs
                # only on the other (facebookresearch/PoseDiffusion: its eval arm calls it under no_grad)
                model_call = next((c for c in flow.calls_in(a, loop) if _calls_of(c, target) and (
                    (arm := _flag_arm(a, c, func, flag[0])) is None or arm[1] == flag[1])), None)
                if model_call is None:
                    break
            if flow.under_grad_off(a, model_call) or _runs_once(loop) or _under_grad_switch(a, model_call) \
                    or _grad_handled(ctx, func, model_call, target) or _part_of_a_training_step(a, func, loop) \
                    or _exercises_the_model(a, loop, model_call, target) or _trains_through_helpers(a, loop):
                break  # (a helper the loop calls trains: Diffusion-Planner's rollout updates its explorer online)
            mode = _mode_before(ctx, model_call, target)
            if mode != "eval" or _called_under_grad_off_in_project(ctx, func) \
                    or _unknown_model_may_take_gradients(ctx, func, loop) or _model_takes_gradients(a, model_call, loop) \
                    or _callers_freeze_first(a, func, target):
                break
            if on_one_arm:  # (no fix: wrapping the loop would break its training arm)
                flag = _flag_arm(a, call, func)
                yield ctx.finding(
                    model_call,
                    f"`{target}` is evaluated without `torch.no_grad()` when `{flag[0]}` is "  # type: ignore[index]
                    f"{'true' if flag[1] else 'false'}: autograd records every operation of this loop, "  # type: ignore[index]
                    f"wasting memory and time; run the model under `torch.no_grad()` on that path "
                    f"(`with torch.set_grad_enabled({'not ' if flag[1] else ''}{flag[0]}):`)",  # type: ignore[index]
                )
            elif (test := _switched_by_a_test(a, call, target, func)) is not None:
                # ``if mode == 'train': model.train() else: model.train(False)``, the loop shared by both
                # passes, training after it (imatge-upc/rvos's ``runIter``): no_grad around it would break training
                yield ctx.finding(
                    model_call,
                    f"`{target}` is evaluated without `torch.no_grad()` when `{ctx.text(test)}` is false: "
                    "autograd records every operation of this loop, wasting memory and time; run it under "
                    f"`torch.set_grad_enabled({ctx.text(test)})` (not `no_grad`, which the training pass "
                    "through the same code cannot take)",
                )
            else:
                via = f" (through `{flow.dotted(model_call.func)}`, built around it)" if wrapped else ""
                yield _no_grad_finding(ctx, model_call, target, loop, func, via)
            reported.add(id(loop))
            found.append(loop)  # and on: a test loop after the validation loop records too (thunlp/OpenPrompt)
    yield from _evaluated_after_callers_eval(ctx, reported)
    yield from _global_evaluated_after_eval(ctx, reported)
    yield from _evaluated_after_helpers_eval(ctx, reported)
    yield from _evaluated_in_step_methods(ctx, reported)
    yield from _evaluated_by_a_shared_helper(ctx, reported)
    yield from _validated_without_no_grad(ctx, reported)
    yield from _evaluated_by_a_mode_flag(ctx, reported)
    yield from _inference_method_without_no_grad(ctx, reported)
    yield from _evaluated_once_per_training_iteration(ctx, reported)


def _evaluated_once_per_training_iteration(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A module-level evaluation function of the file that switches the model it is handed to
    eval mode and runs it once (a whole graph's or dataset's forward pass, no loop) outside
    ``no_grad``, taking no gradients, which another function's training loop calls in every
    iteration, outside ``no_grad`` too: each epoch's evaluation records a graph for nothing
    (TristCrocker/PopulationDisaggregationDiss's ``validate(model, data)``, a GCN's validation
    pass called from ``train_loop`` after ``train(...)``)."""
    a = ctx.analysis
    switches: dict[int, tuple[ast.AST, ast.Call, str]] = {}
    for func, c, target, mode in _parameter_switches(a):
        if mode == "eval" and flow.method_name(c) == "eval" and id(func) not in switches:
            switches[id(func)] = (func, c, target)
    for func, switch, target in switches.values():
        calls = flow.calls_in(a, func)
        run = next((c for c in calls if flow.before(switch, c) and _calls_of(c, target)), None)
        if run is None or id(run) in reported or flow.enclosing_loops(a, run) or flow.under_grad_off(a, run) \
                or any(flow.method_name(c) in ("train", "enable_grad", "set_grad_enabled") for c in calls):
            continue
        site = next((c for c in flow.calls_named(a, func.name)  # type: ignore[attr-defined]
                     if c.func.__class__ is ast.Name and flow.enclosing_loops(a, c)
                     and _runs_the_function(a, c, func)
                     and any(_looks_like_training(a, loop) or _trains_through_helpers(a, loop)
                             for loop in flow.enclosing_loops(a, c)[:1])), None)
        if site is None or flow.under_grad_off(a, site) \
                or _looks_like_training(a, func) or not _trains_nothing(ctx, func) \
                or _grad_disabled_somewhere(ctx, func) or _called_under_grad_off_in_project(ctx, func) \
                or _callers_switch_grad(ctx, func) or _grad_handled(ctx, func, run, target) \
                or _callers_freeze(ctx, func, target):  # type: ignore[arg-type]
            continue
        caller = flow.enclosing_function(a, site)
        reported.add(id(run))
        stmt = flow.statement_of(a, run)
        yield ctx.finding(
            run,
            f"`{target}` is evaluated without `torch.no_grad()`: `{func.name}` switches it to eval mode and runs "  # type: ignore[attr-defined]
            f"it, and {f'`{caller.name}`' if caller is not a.tree else 'the module'} calls `{func.name}` in every "  # type: ignore[attr-defined]
            "iteration of its training loop; autograd records each evaluation pass for nothing (memory and "
            "time): run it under `with torch.no_grad():`",
            _statement_no_grad_fix(ctx, stmt if stmt.__class__ is not ast.Return else None),
        )


def _statement_no_grad_fix(ctx: Context, stmt: ast.stmt | None) -> Fix | None:
    """Wrap the statement that runs the model in ``with torch.no_grad():``."""
    edits = fix_edits.wrap(ctx, stmt, stmt, "with torch.no_grad():") if stmt is not None else None
    return Fix("unsafe", "Run it under `torch.no_grad()`", edits) if edits else None


def _inference_method_without_no_grad(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A module class's own inference method (``_predict``, ``predict``, ``inference``) that
    switches it to eval mode (``self.eval()``) and then runs it (``self(x)``) outside
    ``no_grad``, taking no gradients, with no caller running it under ``no_grad``: each
    prediction records a graph, and the output it hands back keeps it
    (alan-turing-institute/autoemulate#558's ``PyTorchBackend._predict``)."""
    a = ctx.analysis
    for cls in flow.iter_nodes(a, ast.ClassDef):
        methods = [m for m in cls.body if m.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)  # type: ignore[attr-defined]
                   and _modes.INFERENCE_METHOD.match(m.name)]
        info = a.classes.get(cls) if methods else None
        if info is None or not flow.is_subclass(a, info.qualname, MODULE):
            continue
        forward = info.methods.get("forward")
        if isinstance(forward, (ast.FunctionDef, ast.AsyncFunctionDef)) and _takes_gradients(a, forward):
            continue
        for method in methods:
            calls = flow.calls_in(a, method)
            switch = next((c for c in calls if effects.mode_call(c) == ("self", "eval")), None)
            run = next((c for c in calls if switch is not None and flow.before(switch, c)
                        and flow.dotted(c.func) in ("self", "self.forward") and not flow.enclosing_loops(a, c)), None)
            if run is None or id(run) in reported or flow.under_grad_off(a, run) \
                    or any(flow.is_backward_call(c) or flow.method_name(c) in ("grad", "requires_grad_", "enable_grad")
                           for c in calls) \
                    or _grad_disabled_somewhere(ctx, method) or _called_under_grad_off_in_project(ctx, method):
                continue
            reported.add(id(run))
            yield ctx.finding(
                run,
                f"`{method.name}` switches the model to eval mode and runs it without `torch.no_grad()`: autograd "  # type: ignore[attr-defined]
                "records every prediction, and the output it hands back keeps that graph (memory and time); "
                "run it under `with torch.no_grad():`",
                _statement_no_grad_fix(ctx, flow.statement_of(a, run)),
            )


def _evaluated_by_a_mode_flag(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A loop shared by training and evaluation, the mode set by a parameter
    (``self.net.train(mode=train_model)``) and everything that trains under ``if
    train_model:``, which a call of the file runs with ``train_model=False`` outside no_grad:
    on that path autograd records every batch for nothing (DeepRank/deeprank#125's
    ``_epoch``)."""
    a = ctx.analysis
    for call in flow.calls_named(a, "train"):
        mc = effects.mode_call(call)
        flag = _mode_flag(call)
        func = flow.enclosing_function(a, call)
        if mc is None or flag is None or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) \
                or flag not in {p.arg for p in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)} \
                or _grad_disabled_somewhere(ctx, func) or _called_under_grad_off_in_project(ctx, func):  # type: ignore[attr-defined]
            continue
        target = mc[0]
        for loop in _local_for_loops(a, func):
            if not flow.before(call, loop):
                continue
            model_call = _calls_target(a, loop, target)
            if model_call is None or id(model_call) in reported or flow.under_grad_off(a, model_call) \
                    or _under_grad_switch(a, model_call) or _flag_arm(a, model_call, func, flag) is not None:
                continue  # (``with torch.set_grad_enabled(is_train):``: karpathy/minGPT's ``run_epoch``)
            nodes = list(_training_nodes(a, loop, clears=False))
            if not nodes or any(_flag_arm(a, n, func, flag) != (flag, True) for n in nodes):
                continue
            site = _passed_false(a, func, flag)
            if site is None:
                continue
            reported.add(id(model_call))
            yield ctx.finding(
                model_call,
                f"`{target}` is evaluated without `torch.no_grad()` when `{flag}` is false (as "
                f"`{ctx.text(site.func)}(...)` passes it, {flow.line_ref(a, site.lineno)}): autograd records "
                f"every operation of this loop, wasting memory and time; run the loop under "
                f"`torch.set_grad_enabled({flag})`",
            )
            break


def _mode_flag(call: ast.Call) -> str | None:
    """``m.train(flag)`` / ``m.train(mode=flag)``: the name of the flag."""
    args = list(call.args) + [k.value for k in call.keywords if k.arg == "mode"]
    return args[0].id if len(args) == 1 and len(call.args) + len(call.keywords) == 1 \
        and args[0].__class__ is ast.Name else None  # type: ignore[attr-defined]


def _passed_false(a, func, flag: str) -> ast.Call | None:
    """A call of the file that runs ``func`` with ``False`` for its parameter ``flag``, outside
    no_grad (``self._epoch(valid_loader, train_model=False)``)."""
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]
    method = bool(params) and params[0] == "self"
    for site in flow.calls_named(a, func.name):
        f = site.func
        if f.__class__ is ast.Attribute and not (method and flow.dotted(f.value) == "self"):  # type: ignore[attr-defined]
            continue
        if f.__class__ is ast.Name and method:
            continue
        position = params.index(flag) - (1 if method else 0) if flag in params else None
        value = argument(site, flag, position if position is not None and position >= 0 else None)
        if value.__class__ is ast.Constant and value.value is False and not flow.under_grad_off(a, site) \
                and not _reach.reached_under_grad_off(a, flow.enclosing_function(a, site)):  # type: ignore[union-attr]
            return site
    return None


# what a validation helper is called: ``validate``, ``_validate``, ``valid_epoch``, ``evaluate``, ``test``,
# ``testing`` (not ``test_*``: a test suite's function may run a model with gradients on purpose)
_VALIDATION_HELPER = lazy(r"^_*(?:validat|valid_|val_|evaluat|eval_|test$|testing$)", re.IGNORECASE)


def _validated_without_no_grad(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A validation helper (``Trainer._validate``) that loops over held-out data
    (``tqdm(self.val_dataset)``), runs a model on each batch, trains nothing, switches no mode
    and turns no gradients off anywhere: every batch records a graph that nothing uses
    (VITA-Group/DeblurGANv2, issue 15: its validation ran out of memory)."""
    a = ctx.analysis
    for walked in flow.index(a).loops:
        func = flow.enclosing_function(a, walked)
        # (a comprehension: the whole expression is the loop, ``[model(x) for [x] in val_loader]``)
        loop = flow.parent(a, walked) if walked.__class__ is ast.comprehension else walked
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or not _VALIDATION_HELPER.match(func.name) \
                or loop.__class__ not in (ast.For, *_COMPREHENSIONS) or loop.__class__ is not ast.For \
                and loop.generators[0] is not walked or not _over_held_out_data(a, walked) \
                or flow.under_grad_off(a, loop) or not _trains_nothing(ctx, func) \
                or _grad_disabled_somewhere(ctx, func) or _called_under_grad_off_in_project(ctx, func) \
                or any(flow.method_name(c) in ("eval", "train", "requires_grad_") for c in flow.calls_in(a, func)):
            continue
        if _under_an_unknown_context(a, loop, func):
            continue  # (notmahi/bet's ``with utils.eval_mode(*nets, no_grad=True):``)
        for call in flow.calls_in(a, loop):
            target = flow.dotted(call.func)
            model_type = flow.safe_type(a, call.func) if target else None
            if target and model_type is None and (owner := _runs_its_layers(a, call)) is not None:
                target, model_type = flow.dotted(call.func.value), owner  # type: ignore[attr-defined]  (``model.validation_step(batch)``)
            elif target and model_type is None:
                model_type = _duck_submodule(a, call)  # (``model.decoder1(...)``, ``model`` of an unknown type)
            if not target or id(call) in reported or flow.contains(walked.iter, call) or not (
                    model_type is not None and flow.is_subclass(a, model_type, MODULE)
                    or model_type is None and _global_trained_in_file(ctx, func, call.func)):
                continue
            if flow.under_grad_off(a, call) or _grad_handled(ctx, func, call, target) \
                    or _exercises_the_model(a, loop, call, target) or _model_takes_gradients(a, call, loop) \
                    or _unknown_model_may_take_gradients(ctx, func, loop) or _trains_through_helpers(a, loop):
                break
            reported.add(id(call))
            yield _no_grad_finding(ctx, call, target, loop, func)
            break


def _runs_its_layers(a, call: ast.Call) -> str | None:
    """``model.validation_step(batch)``: a method of a module class of the project, called on
    an instance, that runs the module's own layers (``self.encoder(batch)``, ``self(batch)``)
    and turns no gradients off itself (manigalati/usad's ``UsadModel.validation_step``): the
    class's qualified name. An instance of an unknown type counts when the classes of the
    file that have the method are all such module classes."""
    func = call.func
    if func.__class__ is not ast.Attribute or func.value.__class__ not in (ast.Name, ast.Attribute) \
            or func.attr in ("forward", "__call__"):  # type: ignore[attr-defined]
        return None
    qualname = flow.safe_type(a, func.value)  # type: ignore[attr-defined]
    if qualname:
        found = _weights.class_of_project(a, qualname)
        candidates = [found] if found is not None else []
    else:
        candidates = [(a, info) for info in a.classes.values() if func.attr in info.methods]  # type: ignore[attr-defined]
    if not candidates or not all(_layers_run_by(unit, info, func.attr) for unit, info in candidates):  # type: ignore[attr-defined]
        return None
    return candidates[0][1].qualname


def _duck_submodule(a, call: ast.Call) -> str | None:
    """``model.decoder1(x)`` where ``model``'s type is unknown and every module class of the
    file with an attribute ``decoder1`` assigns it one layer type (manigalati/usad's
    ``testing``, handed the ``UsadModel`` by a notebook): that type."""
    func = call.func
    if func.__class__ is not ast.Attribute or func.value.__class__ is not ast.Name \
            or flow.safe_type(a, func.value) is not None:  # type: ignore[attr-defined]
        return None
    found: set[str] = set()
    for info in a.classes.values():
        values = info.attributes.get(func.attr)  # type: ignore[attr-defined]
        if not values:
            continue
        if not flow.is_subclass(a, info.qualname, MODULE):
            return None
        for _, value in values:
            kind = flow.safe_type(a, value) if value.__class__ is ast.Call else None
            if kind is None or not flow.is_subclass(a, kind, MODULE):
                return None
            found.add(kind)
    return found.pop() if len(found) == 1 else None


def _layers_run_by(unit, info, name: str) -> bool:
    """The method ``name`` of the module class ``info`` runs the module's layers and turns
    no gradients off itself."""
    method = info.methods.get(name)
    if method is None or not flow.is_subclass(unit, info.qualname, MODULE) or any(
            flow.is_grad_off_context(unit, d) for d in method.decorator_list):
        return False  # (``@torch.no_grad()`` on the method: intro-to-dl-hse's ``CaptionRNN.inference``)
    nodes = flow.walk_local(unit, method)
    if any(n.__class__ in (ast.With, ast.AsyncWith) and any(flow.is_grad_off_context(unit, i.context_expr) for i in n.items)
           for n in nodes):
        return False
    return any(n.__class__ is ast.Call and (
        (n.func.__class__ is ast.Name and n.func.id == "self")  # type: ignore[attr-defined]
        or (n.func.__class__ is ast.Attribute and n.func.value.__class__ is ast.Name and n.func.value.id == "self"  # type: ignore[attr-defined]
            and (n.func.attr == "forward"  # type: ignore[attr-defined]
                 or (t := flow.safe_type(unit, n.func)) is not None and flow.is_subclass(unit, t, MODULE))))
        for n in nodes)


def _calls_a_method_of(a, loop: ast.AST, target: str) -> ast.Call | None:
    """The first call in ``loop`` of a method of ``target`` that runs the module's layers
    (``model.calculate_objective(data, label)``, which calls ``self.forward(X)``:
    AMLab-Amsterdam/AttentionDeepMIL#24's ``test``)."""
    for c in flow.calls_in(a, loop):
        if c.func.__class__ is ast.Attribute and flow.dotted(c.func.value) == target \
                and c.func.attr not in ("forward", "__call__") and _runs_its_layers(a, c) is not None:  # type: ignore[attr-defined]
            return c
    return None


def _global_trained_in_file(ctx: Context, func: ast.AST, model: ast.expr) -> bool:
    """``model``, a global of a type not known here (a library's: aiqm/torchani's
    ``model = torchani.nn.Sequential(aev_computer, nn)``), is what the file's training loop
    runs too, by the same global, and backpropagates through: it has weights that record."""
    a = ctx.analysis
    if model.__class__ is not ast.Name:
        return False
    name = model.id  # type: ignore[attr-defined]

    def global_binding(node: ast.expr):
        try:
            found = a.lookup(name, a.scope_of(node), node.lineno)
        except Exception:
            return None
        return found if found is not None and found is a.module_scope.bindings.get(name, [None])[-1] else None

    binding = global_binding(model)
    if binding is None or binding.kind != "assign":
        return False  # (a parameter or a local of the helper: not the script's global)
    for call in flow.index(a).calls_by_name.get(name, ()):
        outer = flow.enclosing_function(a, call)
        if call.func.__class__ is not ast.Name or outer is func or flow.under_grad_off(a, call) \
                or global_binding(call.func) is not binding:
            continue
        if any(_has_backward(ctx, loop) for loop in flow.enclosing_loops(a, call)):
            return True
    return False


def _under_an_unknown_context(a, loop: ast.AST, func: ast.AST) -> bool:
    """``loop`` sits in a ``with`` block of ``func`` whose context manager is not autocast:
    a helper of the project or of a library may switch modes or turn gradients off there."""
    for anc in flow.ancestors(a, loop):
        if anc is func:
            return False
        if anc.__class__ in (ast.With, ast.AsyncWith) and any(
                flow.last_name(item.context_expr.func if item.context_expr.__class__ is ast.Call else item.context_expr)
                != "autocast" for item in anc.items):  # type: ignore[attr-defined]
            return True
    return False


def _over_held_out_data(a, loop: ast.For, through_names: bool = True) -> bool:
    """The loop walks held-out data (``_HELD_OUT``), through ``enumerate``/``tqdm`` and
    (``through_names``) names bound to such a wrapper (``tq = tqdm.tqdm(self.val_dataset)``,
    then ``for data in tq``)."""
    it = loop.iter
    for _ in range(3):
        while it.__class__ is ast.Call and it.args:  # type: ignore[attr-defined]  (enumerate(...), tqdm(...))
            it = it.args[0]  # type: ignore[attr-defined]
        if through_names and it.__class__ is ast.Name:
            bound = flow.binding_value(a, it)  # type: ignore[arg-type]
            values = flow.local_bindings(a, flow.enclosing_function(a, loop)).get(it.id) or ()  # type: ignore[attr-defined]
            if len(values) > 1 and all(v.__class__ in (ast.Name, ast.Attribute) for v in values):
                # bound on each arm of an ``if`` (microsoft/robustdg's ``dataset = self.val_dataset``
                # or ``self.test_dataset`` by the case asked): held-out data on every one
                return all(_HELD_OUT.match(flow.last_name(v) or "") for v in values)
            if bound.__class__ is ast.Attribute and len(values) == 1:
                it = bound  # type: ignore[assignment]
                break
            if bound.__class__ is ast.Call:
                # (a method chain on the data: aiqm/torchani's ``validation = validation.collate(n).cache()``)
                while bound.__class__ is ast.Call and bound.func.__class__ is ast.Attribute \
                        and flow.last_name(bound.func) not in _ITERATION_WRAPPERS:  # type: ignore[attr-defined]
                    bound = bound.func.value  # type: ignore[attr-defined]
                if bound.__class__ is ast.Name and bound.id == it.id:  # type: ignore[attr-defined]
                    break  # (the same name, rebound from itself)
                it = bound  # type: ignore[assignment]
                continue
        break
    return it.__class__ in (ast.Name, ast.Attribute) and bool(_HELD_OUT.match(flow.last_name(it) or ""))


# calls that wrap what they iterate (their first argument), not methods of the data
_ITERATION_WRAPPERS = frozenset(("tqdm", "enumerate", "iter", "trange", "track", "progress_bar"))


def _backpropagates_itself(a, func: ast.AST, target: str) -> bool:
    """The function calls ``target.backward(grad)``: a model of a hand-written framework
    (a course's NumPy MLP: ``mlp.forward(x); mlp.backward(y); mlp.step()``, CMU 11-785's
    autograder), which ``nn.Module`` is not, and torch's ``no_grad`` does nothing for."""
    return any(c.args and flow.method_name(c) == "backward" and flow.dotted(c.func.value) == target  # type: ignore[attr-defined]
               for c in flow.calls_in(a, func))


def _only_clears_beside_training(a, func: ast.AST, loop: ast.AST) -> bool:
    """The loop's only gradient work is clearing them, and the function trains in another
    loop: a copy of the training loop's clearing, not gradients this loop computes
    (structural-probes' dev loop clears the optimizer, runs the probe and never calls
    backward, after the epoch's training loop)."""
    if next(_training_nodes(a, loop, clears=False), None) is not None:
        return False
    backwards = [c for c in flow.calls_in(a, func) if flow.is_backward_call(c)]
    # (or a function named for evaluation that backpropagates nothing anywhere: the clearing was
    # copied from the training loop, no backward is left to write; AidenDurrant/SimCLR-Pytorch#7's
    # ``evaluate``, whose loop clears both models' gradients "to compute none")
    return any(not flow.contains(loop, c) for c in backwards) or (
        not backwards and func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef)
        and _VALIDATION_HELPER.match(func.name) is not None)  # type: ignore[attr-defined]


def _switched_each_iteration(a, loop: ast.AST, call: ast.Call) -> bool:
    """``call`` (the ``eval()``) is a statement of the ``for`` loop's own body: each iteration starts
    by switching the model (john-hewitt/structural-probes' dev loop: ``for batch in dev:
    probe.eval(); ...; probe(x)``)."""
    stmt = flow.parent(a, call)
    return loop.__class__ in (ast.For, ast.AsyncFor) and stmt.__class__ is ast.Expr \
        and any(s is stmt for s in loop.body)  # type: ignore[attr-defined]


def _module_forward(a, func: ast.AST) -> bool:
    """A module's ``forward`` (or ``__call__``): what it computes may be a loss its callers
    backpropagate (NVlabs/imaginaire's ``PerceptualLoss.forward`` runs a frozen VGG in eval
    mode over scales and returns the loss the generator trains on); no_grad there would
    cut the graph."""
    return (func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) and func.name in ("forward", "__call__")  # type: ignore[attr-defined]
            and flow.parent(a, func).__class__ is ast.ClassDef)


def _switched_by_a_test(a, eval_call: ast.Call, target: str, func: ast.AST) -> ast.expr | None:
    """The test of the ``if`` whose ``else`` arm holds ``eval_call`` and whose body puts
    ``target`` in train mode, when the function also trains (calls ``backward()``) after that
    ``if``: one function for the training and the evaluation pass."""
    child = eval_call
    for anc in flow.ancestors(a, eval_call):
        if anc is func or isinstance(anc, flow.SCOPES):
            return None
        if anc.__class__ is ast.If and any(s is child for s in anc.orelse):  # type: ignore[attr-defined]
            if any(n.__class__ is ast.Call and effects.mode_call(n) == (target, "train")
                   for s in anc.body for n in ast.walk(s)) and any(  # type: ignore[attr-defined]
                    flow.is_backward_call(c) and flow.before(anc, c) and not flow.contains(anc, c)
                    for c in flow.calls_in(a, func)):
                return anc.test  # type: ignore[attr-defined]
            return None
        child = anc
    return None


def _no_grad_finding(ctx: Context, model_call: ast.Call, target: str, loop: ast.AST, func: ast.AST,
                     why: str = "") -> Finding:
    attack = _attack_in(ctx.analysis, loop)
    if attack is not None:  # (no_grad around the loop would break the attack: no fix)
        return ctx.finding(
            model_call,
            f"`{target}` is evaluated without `torch.no_grad()`{why}: autograd records every operation of this "
            f"call, wasting memory and time; run it under `with torch.no_grad():`, but not the loop's "
            f"`{ctx.text(attack.func)}(...)`, which may need gradients" + _volatile_note(ctx.analysis, func),
        )
    return ctx.finding(
        model_call,
        f"`{target}` is evaluated without `torch.no_grad()`{why}: autograd records every operation of this "
        "loop, wasting memory and time; wrap the loop in `with torch.no_grad():` (or `torch.inference_mode()`)"
        + _volatile_note(ctx.analysis, func),
        _no_grad_fix(ctx, loop),
    )


# what an adversarial attack's callable is named (``adversarial_args['attack'](**args)``, ``pgd(model, x, y)``)
_ATTACK = lazy(r"attack|adversar|pgd|fgsm|perturb", re.IGNORECASE)


def _attack_in(a, loop: ast.AST) -> ast.Call | None:
    """A call in the loop of something named for an adversarial attack, which takes input
    gradients (metehancekic/pytorch-tutorials' ``adversarial_args['attack'](**attack_args)``
    in its test loop, FGSM or PGD when asked for): the first, or None."""
    for c in flow.calls_in(a, loop):
        func = c.func
        name = flow.last_name(func) if func.__class__ in (ast.Name, ast.Attribute) else (
            func.slice.value if func.__class__ is ast.Subscript and func.slice.__class__ is ast.Constant  # type: ignore[attr-defined]
            and isinstance(func.slice.value, str) else None)  # type: ignore[attr-defined]
        if name and _ATTACK.search(name):
            return c
    return None


def _evaluated_after_callers_eval(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """An evaluation helper of the file whose callers switch the model to eval mode first
    (``model.eval(); evaluate(model, loader)``), its loop running the model with no
    ``no_grad`` anywhere: the helper sets no mode itself, every call site leaves the
    argument in eval mode (``_mode_at_callers``), none runs under no_grad or switches grad
    mode, and the loop trains nothing, itself or through the file's helpers."""
    a = ctx.analysis
    names = _called_after_eval(a)
    if not names:
        return
    for func in a.tree.body:
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or func.name not in names:
            continue
        params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]
        if not params:
            continue
        for loop in _local_for_loops(a, func):
            for param in params:
                model_call = site = _calls_target(a, loop, param)
                item_helper = None
                if model_call is None:  # handed to a helper of the file for each item
                    found = _item_helper_run(ctx, loop, param)
                    if found is None:
                        continue
                    site, item_helper, model_call = found
                if id(model_call) in reported or flow.under_grad_off(a, site):
                    continue
                if _mode_before(ctx, site, param) is not None or _mode_at_callers(ctx, site, param) != "eval":
                    continue
                if _helper_loop_excused(ctx, func, loop, site, param) or _called_under_grad_off_in_project(ctx, func):
                    break
                reported.add(id(model_call))
                if item_helper is not None:
                    yield ctx.finding(
                        model_call,
                        f"`{flow.dotted(model_call.func)}` is evaluated without `torch.no_grad()`: `{func.name}` hands "
                        f"it to `{item_helper.name}` for each item of its loop, after its callers switch it to eval "  # type: ignore[attr-defined]
                        f"mode; autograd records every call, wasting memory and time; run it under "
                        f"`torch.no_grad()` (or decorate `{item_helper.name}` with `@torch.no_grad()`)",  # type: ignore[attr-defined]
                    )
                    break
                yield _no_grad_finding(ctx, model_call, param, loop, func,
                                       f" (the callers of `{func.name}` switch it to eval mode first)")
                break


def _global_evaluated_after_eval(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A function of the script whose loop runs a module-level model by its global name
    (``model(img)``, neither a parameter nor a local), called only by module-level code that
    switches that model to eval mode first, with no ``no_grad`` anywhere: every batch records a
    graph (Jbarata98/remote-sensing-image-captioning's ``compute_acc``, defined in the main
    block after ``model.eval()`` and called on the train and test loaders)."""
    a = ctx.analysis
    module_evals = {mc[0] for c in flow.calls_named(a, "eval") if flow.enclosing_function(a, c) is a.tree
                    and (mc := effects.mode_call(c)) is not None and mc[1] == "eval" and "." not in mc[0]}
    if not module_evals:
        return
    runners: dict[int, tuple[ast.AST, set[str]]] = {}
    for name in sorted(module_evals):
        for c in flow.calls_named(a, name):
            if c.func.__class__ is ast.Name and (f := flow.enclosing_function(a, c)).__class__ is ast.FunctionDef:
                runners.setdefault(id(f), (f, set()))[1].add(name)
    for func, names in runners.values():  # (the functions that call one of those names)
        params = {p.arg for p in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}  # type: ignore[attr-defined]
        if not names - params or flow.parent(a, func).__class__ is ast.ClassDef \
                or flow.enclosing_function(a, func) is not a.tree:
            continue
        sites = [c for c in flow.calls_named(a, func.name) if c.func.__class__ is ast.Name  # type: ignore[attr-defined]
                 and flow.enclosing_function(a, c) is a.tree and _runs_the_function(a, c, func)]
        if not sites:
            continue
        own = params | {n.id for n in flow.walk_local(a, func) if n.__class__ is ast.Name and n.ctx.__class__ is ast.Store}  # type: ignore[attr-defined]
        if _grad_disabled_somewhere(ctx, func) or _called_under_grad_off_in_project(ctx, func) \
                or any(flow.under_grad_off(a, site) for site in sites):
            continue
        for loop in _local_for_loops(a, func):
            model_call = next((c for c in flow.calls_in(a, loop) if c.func.__class__ is ast.Name
                               and c.func.id in module_evals and c.func.id not in own), None)  # type: ignore[attr-defined]
            if model_call is None or id(model_call) in reported or flow.under_grad_off(a, model_call):
                continue
            target = model_call.func.id  # type: ignore[attr-defined]
            if any(_mode_before(ctx, site, target) != "eval" for site in sites) \
                    or _looks_like_training(a, loop) or _runs_once(loop) or _trains_through_helpers(a, loop) \
                    or _grad_handled(ctx, func, model_call, target):
                break
            reported.add(id(model_call))
            yield _no_grad_finding(ctx, model_call, target, loop, func,
                                   f" (the module switches it to eval mode before calling `{func.name}`)")  # type: ignore[attr-defined]
            break


def _item_helper_run(ctx: Context, loop: ast.AST, param: str) -> tuple[ast.Call, ast.AST, ast.Call] | None:
    """A call in ``loop`` of a module-level function of the file handed ``param``, whose own
    code runs what it is handed once, outside ``no_grad``, in no loop, training nothing:
    (the call in the loop, the helper, the helper's model call). dhimasryan/MOSA-Net-Cross-
    Domain#2: ``Extract_SSL_Feat(path, model, ...)`` for each file, the HuBERT model run inside."""
    a = ctx.analysis
    for site in flow.calls_in(a, loop):
        if site.func.__class__ is not ast.Name:
            continue
        helper = flow.index(a).functions.get(site.func.id)  # type: ignore[attr-defined]
        if helper is None or flow.parent(a, helper) is not a.tree or helper.decorator_list:
            continue
        params = [p.arg for p in (*helper.args.posonlyargs, *helper.args.args)]
        inner = next((params[i] for i, x in enumerate(site.args) if i < len(params)
                      and x.__class__ is ast.Name and x.id == param), None)  # type: ignore[attr-defined]
        if inner is None:
            inner = next((k.arg for k in site.keywords if k.arg in params and k.value.__class__ is ast.Name
                          and k.value.id == param), None)  # type: ignore[attr-defined]
        if inner is None:
            continue
        runs = [c for c in flow.calls_in(a, helper) if _calls_of(c, inner)]
        if len(runs) != 1 or flow.under_grad_off(a, runs[0]) or flow.enclosing_loops(a, runs[0]) \
                or next(_training_nodes(a, helper, clears=True), None) is not None \
                or _grad_disabled_somewhere(ctx, helper) or _called_under_grad_off_in_project(ctx, helper) \
                or any(n.__class__ is ast.Name and n.id == inner and n.ctx.__class__ is ast.Store
                       for n in flow.walk_local(a, helper)):
            continue
        return site, helper, runs[0]
    return None


def _eval_builders(ctx: Context) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The file's module-level functions that end by returning a model they switched to
    eval mode (``model.eval(); return model``, ``return model.eval()``), and return
    nothing else."""
    a = ctx.analysis
    found = a.queries.get("eval_builders")
    if found is None:
        found = a.queries["eval_builders"] = {}
        for call in flow.calls_named(a, "eval"):
            func = flow.enclosing_function(a, call)
            if call.args or call.keywords or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) \
                    or func.name in found or flow.parent(a, func) is not a.tree:
                continue
            last = func.body[-1]  # type: ignore[attr-defined]
            if last.__class__ is not ast.Return or sum(n.__class__ is ast.Return for n in flow.walk_local(a, func)) != 1:
                continue
            value = last.value  # type: ignore[attr-defined]
            mc = effects.mode_call(call)
            if value is call or (value.__class__ is ast.Name and mc is not None and mc == (value.id, "eval")
                                 and _mode_before(ctx, last, value.id) == "eval"):
                found[func.name] = func  # type: ignore[attr-defined]
    return found


def _evaluated_after_helpers_eval(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A model built by a helper of the file that switches it to eval mode and returns it
    (``model = load_model()``, the ``eval()`` inside), then evaluated in a loop with no
    ``no_grad`` anywhere; nothing between the call and the loop takes the model or sets
    its mode (CSAILVision/places365's ``demo_pytorch_CAM.py``: ``model = load_model()``,
    then ``model.forward(img)`` for every image it serves)."""
    a = ctx.analysis
    builders = _eval_builders(ctx)
    if not builders:
        return
    for call in flow.calls_named(a, *builders):
        assign = flow.parent(a, call)
        if call.func.__class__ is not ast.Name or assign.__class__ is not ast.Assign \
                or len(assign.targets) != 1 or assign.targets[0].__class__ is not ast.Name:  # type: ignore[attr-defined]
            continue
        if flow.safe_qualname(a, call.func) != LOCAL + call.func.id:  # type: ignore[attr-defined]
            continue  # another function of that name
        target = assign.targets[0].id  # type: ignore[attr-defined]
        func = flow.enclosing_function(a, call)
        if _grad_disabled_somewhere(ctx, func) or _builds_parameterless(a, builders[call.func.id]):  # type: ignore[attr-defined]
            continue
        for loop in _local_for_loops(a, func):
            if not flow.before(assign, loop):
                continue
            model_call = _calls_target(a, loop, target) or _calls_target(a, loop, target + ".forward")
            if model_call is None or id(model_call) in reported:
                continue
            if flow.under_grad_off(a, model_call) or _looks_like_training(a, loop) or _runs_once(loop) \
                    or _trains_through_helpers(a, loop) or _touched_between(a, func, target, assign, model_call) \
                    or _grad_handled(ctx, func, model_call, target) or _called_under_grad_off_in_project(ctx, func):
                break
            reported.add(id(model_call))
            yield _no_grad_finding(ctx, model_call, target, loop, func,
                                   f" (`{call.func.id}` switched it to eval mode)")  # type: ignore[attr-defined]
            break


def _helper_loop_excused(ctx: Context, func: ast.AST, loop: ast.AST, model_call: ast.Call, param: str) -> bool:
    """The loop of a helper that runs its parameter ``param`` needs no ``no_grad`` from this
    rule: it trains (itself or through helpers), runs once, or gradients are handled in the
    helper or by its callers (switched, frozen)."""
    a = ctx.analysis
    return _looks_like_training(a, loop) or _runs_once(loop) or _trains_through_helpers(a, loop) \
        or _grad_disabled_somewhere(ctx, func) or _callers_switch_grad(ctx, func) \
        or _grad_handled(ctx, func, model_call, param) or _callers_freeze(ctx, func, param) \
        or _handed_a_model_that_may_take_gradients(a, func, param)


def _handed_a_model_that_may_take_gradients(a, func: ast.AST, param: str) -> bool:
    """Every call of the helper in the file hands it, for ``param``, a model of a class picked
    at run time, in a project where module classes take gradients in ``forward``
    (``_unknown_model_may_take_gradients``; zju3dv/InvRender's ``relit_with_light(model, ...)``)."""
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    index = params.index(param) if param in params else None
    passed = []
    for site in flow.calls_named(a, func.name):  # type: ignore[attr-defined]
        if site.func.__class__ is not ast.Name or not _runs_the_function(a, site, func):
            continue
        value = argument(site, param, index)
        passed.append(flow.dotted(value) if value is not None else None)
    return bool(passed) and all(p is not None and _class_picked_at_run_time(a, p) for p in passed) \
        and _modules_take_gradients(a)


def _runs_the_function(a, site: ast.Call, func: ast.AST) -> bool:
    """``site`` (a call by name) runs the module-level ``func``, not a function of the same
    name defined where it is called (intel/neural-compressor's tests define their own
    ``run_fn`` inside a test beside the module's)."""
    try:
        binding = a.lookup(site.func.id, a.scope_of(site.func), site.lineno)  # type: ignore[attr-defined]
    except Exception:
        return True
    return binding is None or binding.kind != "def" or binding.node is func


def _evaluated_by_a_shared_helper(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A helper of the file that runs a model it is handed for every batch of its loop,
    trains nothing there and turns no gradients off, called both in train mode and, after
    ``model.eval()``, to evaluate: the evaluating call is reported where it is made, with
    no ``no_grad`` around it (henryhungle/MTN's ``run_epoch``, shared by training and
    validation: its validation pass recorded graphs, and even ran backward)."""
    a = ctx.analysis
    names = _called_after_eval(a)
    if not names:
        return
    for func in a.tree.body:  # type: ignore[attr-defined]
        if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or func.name not in names:
            continue
        params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]
        # the calls made in eval mode, with no no_grad around them: (call, parameter index, target)
        sites = []
        for site in flow.calls_named(a, func.name):
            if site.func.__class__ is not ast.Name or flow.under_grad_off(a, site) or id(site) in reported \
                    or not _runs_the_function(a, site, func):
                continue
            caller = flow.enclosing_function(a, site)
            for index, arg in enumerate(site.args[: len(params)]):
                if arg.__class__ is ast.Starred:
                    break
                target = flow.dotted(arg)
                if target is not None and caller is not func and _mode_before(ctx, site, target) == "eval" \
                        and not _grad_disabled_somewhere(ctx, caller):
                    sites.append((site, index, target))
        if not sites:
            continue
        for index in sorted({i for _, i, _ in sites}):
            param = params[index]
            for loop in _local_for_loops(a, func):
                model_call = _calls_target(a, loop, param) or _calls_target(a, loop, param + ".forward")
                if model_call is None or id(model_call) in reported or flow.under_grad_off(a, model_call) \
                        or _mode_before(ctx, model_call, param) is not None \
                        or _mode_at_callers(ctx, model_call, param) == "eval":
                    continue  # (all callers in eval mode: reported in the helper, above)
                if _helper_loop_excused(ctx, func, loop, model_call, param):
                    break
                for site, i, target in sites:
                    if i != index or id(site) in reported:
                        continue
                    reported.add(id(site))
                    handed = _handed_a_backpropagating_callable(ctx, func, loop, site, params)
                    if handed is not None:  # the real mistake: backward in evaluation (no_grad would raise)
                        yield ctx.finding(
                            site,
                            f"`{target}` is evaluated with backward(): `{func.name}` runs it for every batch of its "
                            f"loop ({flow.line_ref(a, loop.lineno)}), and the `{handed[1]}` this call hands it as "
                            f"`{handed[0]}` runs `backward()` even in evaluation: every batch computes gradients, "
                            "kept in `.grad` and added to the next training step's unless cleared first; skip the "
                            "backward when evaluating, then wrap the call in `with torch.no_grad():`",
                        )
                        continue
                    yield ctx.finding(
                        site,
                        f"`{target}` is evaluated without `torch.no_grad()`: `{func.name}` runs it for every "
                        f"batch of its loop ({flow.line_ref(a, loop.lineno)}), and this call, in eval mode, "
                        "turns no gradients off; autograd records every operation, wasting memory and time: "
                        "wrap the call in `with torch.no_grad():` (or `torch.inference_mode()`)",
                    )  # (no fix: what the helper calls besides the model may need gradients)
                break


def _handed_a_backpropagating_callable(ctx: Context, func: ast.AST, loop: ast.AST, site: ast.Call,
                                       params: list[str]) -> tuple[str, str] | None:
    """(parameter, class) when ``site`` hands ``func`` an object of a class of the project
    whose ``__call__`` runs backward() and the loop calls that parameter: the Annotated
    Transformer's ``run_epoch(data, model, SimpleLossCompute(generator, criterion, None))``,
    whose loss object backpropagates whether or not it is given an optimizer."""
    a = ctx.analysis
    called = {c.func.id for c in flow.calls_in(a, loop) if c.func.__class__ is ast.Name}  # type: ignore[attr-defined]
    for index, param in enumerate(params):
        if param not in called:
            continue
        value = argument(site, param, index)
        qualname = flow.safe_type(a, value) if value is not None else None
        found = _weights.project_function(a, qualname + ".__call__") if qualname else None
        if found is not None and _backward_on_every_call(found[1]):
            return param, qualname.rsplit(".", 1)[-1]
    return None


def _backward_on_every_call(method: ast.AST) -> bool:
    """A statement of ``method``'s own body (or of a ``with`` block in it), not one under an
    ``if``, calls backward(): it runs whatever the object was given (not ``if self.opt is
    not None: loss.backward()``)."""
    statements = list(method.body)  # type: ignore[attr-defined]
    while statements:
        stmt = statements.pop()
        if stmt.__class__ in (ast.With, ast.AsyncWith):
            statements.extend(stmt.body)  # type: ignore[attr-defined]
        elif stmt.__class__ in (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return) and any(
                n.__class__ is ast.Call and flow.is_backward_call(n) for n in ast.walk(stmt)):
            return True
    return False


def _evaluated_in_step_methods(ctx: Context, reported: set[int]) -> Iterator[Finding]:
    """A method that switches one of its object's models to eval mode and runs it (itself
    or through a method of the class), training nothing, with no ``no_grad`` anywhere: a
    step of evaluation, which another method of the class calls batch after batch in a
    loop that trains nothing either (skorch's ``validation_step``, called for every
    validation batch by ``fit_loop``: the graphs it kept ran GPUs out of memory)."""
    a = ctx.analysis
    summaries = None
    for call in flow.calls_named(a, "eval"):
        mc = effects.mode_call(call)
        if mc is None or mc[1] != "eval" or not mc[0].startswith("self."):
            continue
        target, method = mc[0], flow.enclosing_function(a, call)
        owner = flow.parent(a, method)
        if owner.__class__ is not ast.ClassDef or flow.parent(a, call) not in method.body:  # type: ignore[attr-defined]
            continue  # (a statement of the method's own body, not in a branch)
        if _module_forward(a, method) or _looks_like_training(a, method) or _grad_disabled_somewhere(ctx, method):
            continue
        summaries = summaries or _summaries(a)
        run = next((c for c in flow.calls_in(a, method) if flow.before(call, c) and (
            flow.dotted(c.func) == target or _runs_through_method(summaries, c, method, target))), None)
        if run is None or id(run) in reported or flow.under_grad_off(a, run) or _trains_through_helpers(a, method):
            continue
        found = _step_loop(ctx, owner, method.name)  # type: ignore[attr-defined]
        if _called_under_grad_off_in_project(ctx, method):
            continue
        if found is None:
            if _VALIDATION_STEP.search(method.name) and not _lightning_module(a, owner):  # type: ignore[attr-defined]
                reported.add(id(run))  # (run for each batch by a framework: NVIDIA/NVFlare's split learning)
                yield ctx.finding(
                    run,
                    f"`{target}` is evaluated without `torch.no_grad()` in `{method.name}`, a step its caller "  # type: ignore[attr-defined]
                    "runs for each validation batch: autograd records every operation of each call, wasting "
                    "memory and time (and what the step keeps of the output holds its graph); run it under "
                    "`with torch.no_grad():` (or `torch.inference_mode()`)",
                )
            continue
        loop, site = found
        reported.add(id(run))
        caller = flow.enclosing_function(a, loop)
        # (a call under an ``if`` of the loop, ``if batch_i == 0:``, runs for some batches only)
        how = "for every batch of"
        for anc in flow.ancestors(a, site):
            if anc is loop or isinstance(anc, flow.SCOPES):
                break
            if anc.__class__ is ast.If:
                how = "in"
                break
        yield ctx.finding(
            run,
            f"`{target}` is evaluated without `torch.no_grad()`: `{caller.name}` calls `{method.name}` "  # type: ignore[attr-defined]
            f"{how} its loop ({flow.line_ref(a, loop.lineno)}), and autograd records every "
            "operation of each call, wasting memory and time; run it under `with torch.no_grad():` "
            "(or `torch.inference_mode()`)",
        )


# a method a framework runs for each evaluation batch: ``_val_step_label_side``, ``eval_step``
_VALIDATION_STEP = lazy(r"(?:val|valid|validation|eval|evaluation|test)_?step", re.IGNORECASE)


def _lightning_module(a, cls: ast.ClassDef) -> bool:
    """A subclass of Lightning's ``LightningModule``, whose evaluation steps Lightning runs
    under ``no_grad`` itself."""
    return any((q := flow.safe_qualname(a, base)) and q.rsplit(".", 1)[-1] == "LightningModule"
               and q.split(".", 1)[0] in ("pytorch_lightning", "lightning") for base in cls.bases)


def _runs_through_method(summaries, call: ast.Call, method: ast.AST, target: str) -> bool:
    """``self.infer(x)``: a method of the class that runs ``target`` (``self.module_``)."""
    f = call.func
    if f.__class__ is not ast.Attribute or f.value.__class__ is not ast.Name or f.value.id != "self":  # type: ignore[attr-defined]
        return False
    callee = summaries.callee(call, method)
    if callee is None or target not in summaries.of(callee).called:
        return False
    a = summaries.analysis
    if a is None or callee not in flow.index(a).parents:
        return True  # (another module's method: its summary says it runs the model)
    # a method of the file: it runs the model outside no_grad (TabSurvey's DANet
    # ``_predict_batch`` runs it under ``with torch.no_grad():``)
    return _runs_with_grad(a, callee, target)


def _step_loop(ctx: Context, owner: ast.AST, name: str) -> tuple[ast.AST, ast.Call] | None:
    """A ``for`` loop of another method of the class that calls ``self.<name>(...)`` in its
    body, outside no_grad, and trains nothing: (the loop, the call)."""
    a = ctx.analysis
    for other in owner.body:  # type: ignore[attr-defined]
        if other.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or other.name == name:
            continue
        for c in flow.calls_in(a, other):
            f = c.func
            if f.__class__ is not ast.Attribute or f.attr != name or f.value.__class__ is not ast.Name \
                    or f.value.id != "self" or flow.under_grad_off(a, c):  # type: ignore[attr-defined]
                continue
            loops = [x for x in flow.enclosing_loops(a, c) if x.__class__ in (ast.For, ast.AsyncFor)]
            if loops and not _looks_like_training(a, loops[0]) and not _trains_through_helpers(a, loops[0]):
                return loops[0], c
    return None


def _builds_parameterless(a, builder: ast.AST) -> bool:
    """The helper returns an instance of a class it defines itself, one with no
    parameters (open-mmlab/mmyolo's demo: ``class PreProcess(nn.Module)`` normalising
    an image, ``return PreProcess().eval()``): its output records nothing."""
    value = effects.unmoved(builder.body[-1].value, also=("eval",))  # type: ignore[attr-defined]  (a final return)
    if value.__class__ is not ast.Call or value.func.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return False
    nested = next((s for s in ast.walk(builder) if s.__class__ is ast.ClassDef and s.name == value.func.id), None)  # type: ignore[attr-defined]
    info = a.classes.get(nested) if nested is not None else None
    forward = info.methods.get("forward") if info is not None else None
    if not isinstance(forward, ast.FunctionDef) or _weights.holds_parameters(a, info.qualname):  # type: ignore[union-attr]
        return False
    me = forward.args.args[0].arg if forward.args.args else "self"
    return not any(n.__class__ is ast.Attribute and n.value.__class__ is ast.Name and n.value.id == me  # type: ignore[attr-defined]
                   for n in ast.walk(forward))  # (its forward reads nothing of its own: no layer to fill in later)


def _touched_between(a, func: ast.AST, target: str, start: ast.AST, end: ast.AST) -> bool:
    """Between ``start`` and ``end`` in ``func``: ``target`` is passed to a call, has a
    method called that may change its mode or return another model (``train()``,
    ``to()``, ...; not ``parameters()`` and the like, ``_READS``) or is bound again."""
    for call in flow.calls_in(a, func):
        if not flow.before(start, call) or call is start:
            continue
        if not flow.before(call, end) or call is end:
            break
        func_of = call.func
        if func_of.__class__ is ast.Attribute and flow.dotted(func_of.value) == target \
                and func_of.attr not in _READS:  # type: ignore[attr-defined]
            return True
        if any(flow.dotted(x) == target for x in (*call.args, *(k.value for k in call.keywords))):
            return True
    for assign in _target_assigns_in(a, func, target):
        if flow.before(start, assign) and assign is not start and flow.before(assign, end):
            return True
    return False


# a module's methods that read it, or add hooks, and leave its mode alone
_READS = frozenset(("parameters", "named_parameters", "buffers", "named_buffers", "modules", "named_modules",
                    "children", "named_children", "state_dict", "register_forward_hook",
                    "register_forward_pre_hook", "forward"))


def _target_assigns_in(a, func: ast.AST, target: str) -> list[ast.AST]:
    return [n for n in flow.walk_local(a, func) if n.__class__ in (ast.Assign, ast.AugAssign, ast.AnnAssign)
            and any(t.__class__ is ast.Name and t.id == target  # type: ignore[attr-defined]
                    for t in (n.targets if n.__class__ is ast.Assign else [n.target]))]  # type: ignore[attr-defined]


def _callers_freeze_first(a, func: ast.AST, param: str) -> bool:
    """Every call of the file's ``func``, in the file and in the other modules of its
    workspace folder (``_project_call_sites``), passes, as ``param``, a model whose parameters its
    own function froze just before, in a loop (``for params in model.parameters():
    params.requires_grad = False``) or with ``model.requires_grad_(False)``, and set no layer
    of it after (a new head trains): Kthyeon/FINE_official's ``extract_cleanidx`` before
    ``get_features(model, loader)``. Asked last."""
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    index = params.index(param) if param in params else -1
    if index < 0:
        return False
    sites = [(a, site) for site in flow.calls_named(a, func.name)  # type: ignore[attr-defined]
             if site.func.__class__ is ast.Name]
    project_sites = _project_call_sites(a, func)
    if project_sites is None:
        return False  # callers elsewhere unknown: one of them may not freeze
    sites += project_sites
    return bool(sites) and all(index < len(site.args) and _frozen_before(caller, site, flow.dotted(site.args[index]))
                               for caller, site in sites)


def _project_call_sites(a, func: ast.AST) -> list[tuple[object, ast.Call]] | None:
    """The calls of the file's module-level ``func`` in the other files of its
    workspace folder (``from .util import *`` then ``cleansing_loss(teacher, loader)``:
    Kthyeon/FINE_official's ``svd_classifier.py``), each with its file's analysis; [] for
    a file outside a project or a function not at the module's top; None when they cannot
    all be found (too many modules to parse)."""
    env = getattr(a, "env", None)
    if env is None or env.module is None or not isinstance(flow.parent(a, func), ast.Module):
        return []
    from torchwise.analysis import LOCAL, Value
    from torchwise.project.callers import Incomplete, call_sites
    from torchwise.project.inference import canonical

    own = getattr(env, "path", None)
    found: list[tuple[object, ast.Call]] = []
    try:
        with env.project.lock:  # call sites load other modules' units
            for caller, _, call, _ in call_sites(env, a, func.name, canonical(Value("symbol", LOCAL + func.name), env.module),  # type: ignore[attr-defined]
                                                 same_folder=True):
                if caller is a or (own is not None and getattr(caller.env, "path", None) == own):
                    continue  # this file's calls: asked already
                found.append((caller, call))  # (``cleansing_loss(...)`` or ``util.cleansing_loss(...)``)
    except Incomplete:
        return None
    except Exception:  # the project model must never break a rule
        return None
    return found


def _frozen_before(a, site: ast.Call, base: str | None) -> bool:
    """``site``'s function froze every parameter of ``base`` before it (itself, or through a
    helper of the file that freezes the model it is handed first), and set no layer of it between."""
    if base is None:
        return False
    caller = flow.enclosing_function(a, site)
    for n in flow.walk_local(a, caller):
        if not (_freezes_model(n, base) or n.__class__ is ast.Call and n.func.__class__ is ast.Name  # type: ignore[attr-defined]
                and n.args and flow.dotted(n.args[0]) == base and _freezing_helper(a, n)):  # type: ignore[attr-defined]
            continue
        if flow.before(n, site) and not _layer_set_between(a, caller, base, n, site):
            return True
    return False


def _freezes_model(n: ast.AST, model: str) -> bool:
    """``n`` freezes every parameter of ``model``: a loop over them that freezes each
    (``for p in model.parameters(): p.requires_grad = False``), or ``model.requires_grad_(False)``."""
    if n.__class__ is ast.For:
        over = _over_parameters(n)
        return over is not None and over[0] == model and _freezes_each(ast.walk(n), over[1])
    return n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr == "requires_grad_" \
        and bool(n.args) and is_false(n.args[0]) and flow.dotted(n.func.value) == model  # type: ignore[attr-defined]


def _freezing_helper(a, call: ast.Call) -> bool:
    """``call`` runs a function of the file that freezes every parameter of the model it is
    handed first (``def freeze_model(model): for p in model.parameters(): p.requires_grad = False``:
    dvgodoy/PyTorchStepByStep), by its loop over them or ``model.requires_grad_(False)``."""
    func = flow.index(a).functions.get(call.func.id)  # type: ignore[attr-defined]
    if func is None or not call.args:
        return False
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    # (the model is what it is handed first)
    return bool(params) and any(_freezes_model(n, params[0]) for n in flow.walk_local(a, func))


def _callers_freeze(ctx: Context, func: ast.FunctionDef | ast.AsyncFunctionDef, param: str) -> bool:
    """A call site of the file's ``func`` passes, as ``param``, a model whose parameters
    it froze first (``model.requires_grad_(False); model.eval(); evaluate_coco(ids, model)``
    in zylo117/Yet-Another-EfficientDet-Pytorch's ``coco_eval.py``; see ``_grad_handled``)."""
    a = ctx.analysis
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]
    index = params.index(param) if param in params else -1
    for site in flow.calls_named(a, func.name):
        if site.func.__class__ is not ast.Name or not 0 <= index < len(site.args):
            continue
        base = flow.dotted(site.args[index])
        if base is not None and _grad_handled(ctx, flow.enclosing_function(a, site), site, base):
            return True
    return False


_CHAINED = ("eval", "train", "to", "cuda", "cpu", "float", "half", "double", "requires_grad_")


def _grad_handled(ctx: Context, func: ast.AST, model_call: ast.Call, target: str) -> bool:
    """Autograd has nothing to record, the model turns it off itself, or it needs it: its
    parameters were frozen in the function before the call (``sampler.eval().requires_grad_(False)``
    in NVlabs/stylegan3's PPL metric, ``for p in model.parameters(): p.requires_grad =
    False``, Lightning's ``model.freeze()``), or its class (of the file or of the project) runs ``forward`` under no_grad
    somewhere (NVlabs/SPADE's ``Pix2PixModel.forward(data, mode="inference")``) or takes
    gradients in it (``_takes_gradients``), or shows no parameter (``_weights.class_has_parameters``)."""
    a = ctx.analysis
    for call in flow.calls_in(a, func):
        if not flow.before(call, model_call):
            break
        if flow.method_name(call) == "freeze" and not call.args and not call.keywords \
                and call.func.__class__ is ast.Attribute and flow.dotted(call.func.value) == target:  # type: ignore[attr-defined]
            return True  # Lightning's ``model.freeze()``: every parameter frozen, eval mode (a Kaggle Lyft notebook)
        if call.func.__class__ in (ast.Name, ast.Attribute) and _freezes_through_helper(ctx, func, call, target) \
                and not _layer_set_between(a, func, target, call, model_call):
            return True
        if flow.method_name(call) == "requires_grad_" and call.args and is_false(call.args[0]) \
                and call.func.__class__ is ast.Attribute:
            receiver = call.func.value  # type: ignore[attr-defined]
            while receiver.__class__ is ast.Call and receiver.func.__class__ is ast.Attribute \
                    and flow.method_name(receiver) in _CHAINED:  # type: ignore[attr-defined]
                receiver = receiver.func.value  # type: ignore[attr-defined]
            if flow.dotted(receiver) == target and not _layer_set_between(a, func, target, call, model_call):
                return True
    for loop in _local_for_loops(a, func):
        over = _over_parameters(loop)
        if over is None or over[0] != target or not flow.before(loop, model_call):
            continue
        if _layer_set_between(a, func, target, loop, model_call):
            continue
        if _freezes_each(flow.walk_local(a, loop), over[1]):
            return True
    if target.startswith("self.") and _frozen_in_init(a, func, target):
        return True
    if _own_grad_switch(a, func, model_call, target):
        return True
    if "." not in target and target in _frozen_globals(a) and not any(
            n.__class__ is ast.Name and n.id == target and n.ctx.__class__ is ast.Store for n in flow.walk_local(a, func)):
        return True
    qualname = flow.safe_type(a, model_call.func) or ""
    if not qualname or qualname in _MODEL_WRAPPERS or (qualname.partition(".")[0] != "torch" and any(
            base in _MODEL_WRAPPERS for base in a.mro(qualname)[1:4])):
        # (a wrapper the project subclasses: OASIS's ``DataParallelWithCallback``)
        qualname = _wrapped_project_class(a, model_call.func) or qualname
    found = _weights.class_of_project(a, qualname)
    # a module built around the model (``_calls_a_wrapper_of``: a name other than the model's)
    wrapper = model_call.func.__class__ is ast.Name and model_call.func.id != target  # type: ignore[attr-defined]
    if found is not None and not wrapper and not _weights.holds_parameters(a, qualname) and not _unfinished(*found):
        return True  # a module of the project with no parameters (facebookresearch/pytorch3d's NeRFRaysampler)
    if found is not None and _frozen_by_default(found[1]):
        return True
    forward = found[1].methods.get("forward") if found is not None else None
    if isinstance(forward, (ast.FunctionDef, ast.AsyncFunctionDef)):
        owner = found[0]  # type: ignore[index]
        if any(flow.is_grad_off_context(owner, d) or _grad_off_decorator(owner, d) for d in forward.decorator_list):
            return True
        if _takes_gradients(owner, forward):
            return True  # the model needs autograd itself: no_grad would break it
        if wrapper:  # what it wraps runs with gradients there (not only a frozen head under no_grad)
            return not any(c.func.__class__ is ast.Attribute and (flow.dotted(c.func) or "").startswith("self.")
                           and not flow.under_grad_off(owner, c) for c in flow.calls_in(owner, forward))
        if _computes_without_grad(owner, forward):
            return True
        # or in a method of its own that ``forward`` calls (NVlabs/few-shot-vid2vid's
        # ``forward`` hands its test-time pass to ``self.inference()``, which runs under no_grad),
        # a few calls down (wenhaomin/DiffSTG: ``forward`` -> ``evaluate`` -> ``p_sample_loop``)
        return _hands_pass_to_grad_off(owner, forward)
    return False


def _hands_pass_to_grad_off(owner, forward: ast.AST, depth: int = 3) -> bool:
    """A method of the class (or a function of its module) that ``forward`` calls, up to
    ``depth`` calls down through the class's methods, runs its work in a no_grad block of its own."""
    seen = {id(forward)}
    frontier = [forward]
    functions = flow.index(owner).functions
    for _ in range(depth):
        following = []
        for func in frontier:
            for call in flow.calls_in(owner, func):
                found = _called_method(owner, func, call)
                callee = found[1] if found is not None and found[0] is owner else (
                    functions.get(call.func.id) if call.func.__class__ is ast.Name else None)  # type: ignore[attr-defined]
                if callee is None or id(callee) in seen:
                    continue
                seen.add(id(callee))
                if _computes_without_grad(owner, callee):
                    return True
                if found is not None:  # (the class's own methods are followed further)
                    following.append(callee)
        frontier = following
    return False


def _own_grad_switch(a, func: ast.AST, model_call: ast.Call, target: str) -> bool:
    """The model has a gradient switch of its own, set here: the function assigns an
    attribute of it named for gradients before the call (``self.model.no_grad = True``), or
    the model was built with such a keyword (``nets.ResNet18(..., no_grad=True)``):
    PatrickZH/DeepCore's networks run ``forward`` under ``set_grad_enabled(not self.no_grad)``."""
    for n in flow.walk_local(a, func):
        if n.__class__ is ast.Assign and any(
                t.__class__ is ast.Attribute and "grad" in t.attr.lower() and flow.dotted(t.value) == target
                for t in n.targets) and flow.before(n, model_call):  # type: ignore[attr-defined]
            return True
    if "." in target:
        return False
    built = next((n.value for n in flow.walk_local(a, func) if n.__class__ is ast.Assign and len(n.targets) == 1
                  and n.targets[0].__class__ is ast.Name and n.targets[0].id == target  # type: ignore[attr-defined]
                  and flow.before(n, model_call)), None)  # type: ignore[attr-defined]
    built = effects.unmoved(built) if built is not None else None
    return built.__class__ is ast.Call and any(
        k.arg and "grad" in k.arg.lower() and k.arg != "requires_grad" for k in built.keywords)  # type: ignore[union-attr]


def _freezes_each(nodes, name: str) -> bool:
    """The body of a loop over a model's parameters (``name`` each one) freezes them:
    ``name.requires_grad = False``, ``name.requires_grad_(False)``, or ``name.detach_()``
    (a leaf detached in place stops requiring grad: sunfanyunn/InfoGraph's mean teacher)."""
    nodes = list(nodes)
    return _sets_requires_grad(nodes, name, is_false) or any(
        n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and flow.dotted(n.func.value) == name  # type: ignore[attr-defined]
        and ((n.func.attr == "requires_grad_" and n.args and is_false(n.args[0]))  # type: ignore[attr-defined]
             or (n.func.attr == "detach_" and not n.args)) for n in nodes)  # type: ignore[attr-defined]


def _frozen_globals(a) -> frozenset[str]:
    """Module-level models (at the top level or in the main guard) whose parameters the
    module's own top-level code freezes, and that nothing in the module thaws: ``teacher =
    Net(); for p in teacher.parameters(): p.detach_()`` under ``if __name__ ==
    "__main__":``, the functions evaluating ``teacher`` as a global. Once per module."""
    def compute() -> frozenset[str]:
        frozen, thawed = set(), set()
        statements = list(a.tree.body)
        for stmt in a.tree.body:
            if stmt.__class__ is ast.If and flow.is_main_guard(stmt):
                statements.extend(stmt.body)
        for stmt in statements:
            if stmt.__class__ is ast.For and (over := _over_parameters(stmt)) is not None and "." not in over[0]:
                if _freezes_each(ast.walk(stmt), over[1]):
                    frozen.add(over[0])
            elif stmt.__class__ is ast.Expr and flow.method_name(stmt.value) == "requires_grad_" \
                    and stmt.value.func.__class__ is ast.Attribute \
                    and stmt.value.func.value.__class__ is ast.Name and stmt.value.args \
                    and is_false(stmt.value.args[0]):  # type: ignore[attr-defined]
                frozen.add(stmt.value.func.value.id)  # type: ignore[attr-defined]
        if not frozen:
            return frozenset()
        for call in flow.calls_named(a, "requires_grad_"):
            held = flow.dotted(call.func.value) if call.func.__class__ is ast.Attribute else None  # type: ignore[attr-defined]
            if held in frozen and not (call.args and is_false(call.args[0])):
                thawed.add(held)
        for loop in flow.index(a).loops:
            over = _over_parameters(loop)
            if over is not None and over[0] in frozen and _sets_requires_grad(
                    ast.walk(loop), over[1], lambda v: not is_false(v)):
                thawed.add(over[0])
        return frozenset(frozen - thawed)

    found = a.queries.get("frozen_globals")
    if found is None:
        found = a.queries["frozen_globals"] = compute()
    return found


def _freezes_through_helper(ctx: Context, func: ast.AST, call: ast.Call, target: str) -> bool:
    """``call`` runs a helper of the file or the project that freezes ``target``'s parameters:
    a loop of it sets each one's ``requires_grad`` to False, or to a parameter passed False
    (or left at a False default). The loop runs over a parameter's ``parameters()``
    (rosinality/stylegan2-pytorch's ``requires_grad(generator, False)``), over each model of
    a list parameter (CycleGAN's ``set_requires_grad([net_d], False)``), or over a parameter
    passed the parameters themselves (aharley/simple_bev's ``requires_grad(list(model.parameters()), False)``)."""
    a = ctx.analysis
    helper = _summaries(a).callee(call, func)
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) or helper.args.vararg is not None:
        return False
    names = [p.arg for p in helper.args.posonlyargs + helper.args.args]
    if call.func.__class__ is ast.Attribute and names[:1] in (["self"], ["cls"]):
        names = names[1:]  # ``self.set_requires_grad(self.net_d, False)``: a method
    defaults = parameter_defaults(helper.args)

    def passed(name: str) -> ast.expr | None:
        return argument(call, name, names.index(name)) if name in names else None

    def off(value: ast.expr) -> bool:
        if is_false(value):
            return True
        if value.__class__ is not ast.Name or value.id not in names:  # type: ignore[attr-defined]
            return False
        given = passed(value.id)  # type: ignore[attr-defined]
        given = defaults.get(value.id) if given is None else given  # type: ignore[attr-defined]
        return given is not None and is_false(given)

    def holds_target(expr: ast.expr | None) -> bool:  # the model, or a list or tuple that holds it
        if expr.__class__ in (ast.List, ast.Tuple):
            return any(flow.dotted(e) == target for e in expr.elts)  # type: ignore[union-attr]
        return expr is not None and flow.dotted(expr) == target

    def parameters_of_target(expr: ast.expr | None) -> bool:  # target.parameters(), list(...) of it, or a name bound so
        if expr.__class__ is ast.Name:
            expr = flow.binding_value(a, expr)  # type: ignore[arg-type]
        if expr.__class__ is ast.Call and flow.last_name(expr.func) == "list" and len(expr.args) == 1:  # type: ignore[union-attr]
            expr = expr.args[0]  # type: ignore[union-attr]
        return expr.__class__ is ast.Call and flow.method_name(expr) == "parameters" \
            and flow.dotted(expr.func.value) == target  # type: ignore[union-attr]

    for loop in ast.walk(helper):
        if loop.__class__ is not ast.For:
            continue
        each = _parameter_name(loop) if flow.method_name(loop.iter) == "named_parameters" else (
            loop.target.id if loop.target.__class__ is ast.Name else None)  # type: ignore[attr-defined]
        if each is None or not (_sets_requires_grad(ast.walk(loop), each, off) or any(
                n.__class__ is ast.Call and flow.method_name(n) == "requires_grad_" and n.args and off(n.args[0])
                and flow.dotted(n.func.value) == each for n in ast.walk(loop))):  # type: ignore[attr-defined]
            continue
        over = loop.iter
        if over.__class__ is ast.Name and over.id in names and parameters_of_target(passed(over.id)):  # type: ignore[attr-defined]
            return True
        if over.__class__ is not ast.Call or flow.method_name(over) not in ("parameters", "named_parameters"):
            continue
        owner = over.func.value  # type: ignore[attr-defined]
        if owner.__class__ is not ast.Name:
            continue
        if owner.id in names and holds_target(passed(owner.id)):
            return True
        outer = next((o for o in ast.walk(helper) if o.__class__ is ast.For and o.target.__class__ is ast.Name
                      and o.target.id == owner.id and o.iter.__class__ is ast.Name and o.iter.id in names), None)  # type: ignore[attr-defined]
        if outer is not None and holds_target(passed(outer.iter.id)):  # type: ignore[attr-defined]
            return True  # ``for net in nets: for p in net.parameters(): ...``
    return False


def _computes_without_grad(a, func: ast.AST) -> bool:
    """``func`` runs its model's work in a no_grad block of its own (``_computes_under``)."""
    return any(isinstance(n, (ast.With, ast.AsyncWith)) and any(
        flow.is_grad_off_context(a, item.context_expr) for item in n.items)
        and _computes_under(a, n, func) for n in flow.walk_local(a, func))


def _sets_requires_grad(nodes, name: str | None, off) -> bool:
    """``name.requires_grad = <value>`` among ``nodes`` with ``off(value)``: a loop over a
    model's parameters (``name`` its variable) that freezes them."""
    return any(isinstance(n, ast.Assign) and off(n.value) and any(
        isinstance(t, ast.Attribute) and t.attr == "requires_grad" and flow.dotted(t.value) == name for t in n.targets)
        for n in nodes)


def _frozen_in_init(a, method: ast.AST, target: str) -> bool:
    """``self.X``, run in a method, had every parameter frozen by its class's ``__init__``
    (``for p in self.sv_encoder.parameters(): p.requires_grad = False``, or
    ``self.sv_encoder.requires_grad_(False)``), and no method of the class sets
    ``requires_grad`` back on: autograd has nothing of it to record (jasonwu0731/ToD-BERT's
    slot-value encoder, run over token ids)."""
    init = flow.owner_init(a, method)
    if init is None:
        return False
    owner = flow.parent(a, method)
    frozen = flow.memo(a, owner, "frozen_in_init", lambda: _attributes_frozen_in_init(owner, init))
    if target in frozen:
        return True
    # ``self.sv_encoder.bert`` frozen, where the encoder's class of the file holds that one layer
    # (thu-coai/ConvLab-2's SUMBT: ``BertForUtteranceEncoding`` keeps only ``self.bert``)
    inner = {f[len(target) + 1:] for f in frozen if f.startswith(target + ".") and "." not in f[len(target) + 1:]}
    return bool(inner) and _sole_layer(a, init, target) in inner


def _sole_layer(a, init: ast.FunctionDef, target: str) -> str | None:
    """The one attribute that ``target``'s class sets to a module in its ``__init__``, where
    ``init`` builds ``target`` from a class of the file (``C(...)`` or ``C.from_pretrained(...)``)
    whose bases add no layer of their own (``nn.Module``, a library's ``PreTrainedModel``)."""
    built = next((n.value for n in ast.walk(init) if n.__class__ is ast.Assign and len(n.targets) == 1
                  and flow.dotted(n.targets[0]) == target and n.value.__class__ is ast.Call), None)  # type: ignore[attr-defined]
    if built is None:
        return None
    func = built.func  # type: ignore[attr-defined]
    if func.__class__ is ast.Attribute and func.attr == "from_pretrained":
        func = func.value
    if func.__class__ is not ast.Name:
        return None
    node = next((n for n in flow.index(a).of(ast.ClassDef) if n.name == func.id), None)  # type: ignore[attr-defined]
    if node is None or not all(flow.last_name(b) in ("Module", "PreTrainedModel") or (flow.last_name(b) or "").endswith(
            "PreTrainedModel") for b in node.bases):  # type: ignore[attr-defined]
        return None
    own_init = next((m for m in node.body if m.__class__ is ast.FunctionDef and m.name == "__init__"), None)  # type: ignore[attr-defined]
    if own_init is None:
        return None
    layers = {t.attr for n in ast.walk(own_init) if n.__class__ is ast.Assign and n.value.__class__ is ast.Call  # type: ignore[attr-defined]
              and (flow.last_name(n.value.func) or "")[:1].isupper()  # type: ignore[attr-defined]
              for t in n.targets if t.__class__ is ast.Attribute and flow.dotted(t.value) == "self"}  # type: ignore[attr-defined]
    return next(iter(layers)) if len(layers) == 1 else None


def _attributes_frozen_in_init(owner: ast.ClassDef, init: ast.FunctionDef) -> frozenset[str]:
    """The ``self.X`` that ``init`` freezes and no method thaws; once per class."""
    frozen, thawed = set(), set()
    for node in ast.walk(owner):
        if node.__class__ is ast.For:
            over = _over_parameters(node)
            if over is None or not over[0].startswith("self."):
                continue
            held, name = over
            nodes = list(ast.walk(node))
            if _sets_requires_grad(nodes, name, lambda v: not is_false(v)):
                thawed.add(held)
            elif _sets_requires_grad(nodes, name, is_false) and flow.contains(init, node):
                frozen.add(held)
        elif node.__class__ is ast.Call and flow.method_name(node) == "requires_grad_" \
                and node.func.__class__ is ast.Attribute:  # type: ignore[attr-defined]
            held = flow.dotted(node.func.value)  # type: ignore[attr-defined]
            if not held or not held.startswith("self."):
                continue
            if not (node.args and is_false(node.args[0])):  # type: ignore[attr-defined]
                thawed.add(held)
            elif flow.contains(init, node):
                frozen.add(held)
    return frozenset(frozen - thawed)


def _frozen_by_default(info) -> bool:
    """The class's ``__init__`` freezes its own parameters: ``for p in self.parameters():
    p.requires_grad = False``, or ``= requires_grad``, a parameter whose default is False
    (the FID code's ``InceptionV3(output_blocks, requires_grad=False)`` in OFA-Sys/OFA and
    yuvalkirstain/PickScore)."""
    init = info.methods.get("__init__")
    if not isinstance(init, ast.FunctionDef):
        return False
    defaults = parameter_defaults(init.args)

    def off(value: ast.expr) -> bool:
        return is_false(value) or (isinstance(value, ast.Name) and value.id in defaults and is_false(defaults[value.id]))

    return any(isinstance(loop, ast.For) and flow.method_name(loop.iter) in ("parameters", "named_parameters")
               and _sets_requires_grad(ast.walk(loop), _parameter_name(loop), off) for loop in ast.walk(init))


def _unfinished(owner, info) -> bool:
    """An exercise's stub, whose layers the student adds (udacity/deep-learning-v2-pytorch:
    ``# TODO build convolutional neural network``): no evidence that it will hold no
    parameters. Its ``__init__`` does nothing but call its base's, or its ``forward`` reads
    a name bound nowhere (``return sig_out, hidden``, the layers left to write)."""
    init = info.methods.get("__init__")
    if not isinstance(init, ast.FunctionDef) or all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and (
            isinstance(s.value, ast.Constant) or flow.method_name(s.value) == "__init__")) for s in init.body):
        return True
    forward = info.methods.get("forward")
    if not isinstance(forward, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    import builtins

    for n in ast.walk(forward):
        if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load and not hasattr(builtins, n.id):  # type: ignore[attr-defined]
            try:
                if owner.lookup(n.id, owner.scope_of(n), n.lineno) is None:  # type: ignore[attr-defined]
                    return True
            except Exception:  # the analysis must never break a rule
                return False
    return False


# wrappers that run the module they are handed (its forward is the model's)
_MODEL_WRAPPERS = frozenset({"torch.nn.parallel.DistributedDataParallel", "torch.nn.DataParallel",
                             "torch.nn.parallel.DataParallel", "torch.nn.parallel.data_parallel.DataParallel",
                             "torch.nn.parallel.distributed.DistributedDataParallel", "torch.jit.ScriptModule"})


def _wrapped_project_class(a, func: ast.expr) -> str | None:
    """The class of the project a ``self.<attr>`` is built from, when its class assigns it
    one such construction and otherwise only wrappers of the attribute itself
    (dptech-corp/deepmd-pytorch: ``self.wrapper = ModelWrapper(...)``, then
    ``torch.jit.script(self.wrapper)`` or ``DDP(self.wrapper, ...)``): its type is no single
    one, its model that class."""
    if func.__class__ is ast.Name:  # ``net = torch.nn.DataParallel(CMT(...))``: wzk1015/video-bgm-generation
        built = effects.unmoved(flow.binding_value(a, func))  # type: ignore[arg-type]
        if built.__class__ is ast.Call and built.args and built.args[0].__class__ is ast.Name \
                and built.args[0].id == func.id and flow.safe_qualname(a, built.func) not in _MODEL_WRAPPERS:  # type: ignore[union-attr]
            # ``model = models.put_on_multi_gpus(model, opt)`` (boschresearch/OASIS): a helper handed
            # the model returns it, or a wrapper of it: the model is what was bound before
            earlier = _earlier_value(a, func, built)  # type: ignore[arg-type]
            if earlier.__class__ is ast.Call:
                qualname = flow.safe_qualname(a, earlier.func)  # type: ignore[union-attr]
                return qualname if qualname and _weights.class_of_project(a, qualname) is not None else None
            return None
        if built.__class__ is ast.Call and built.args and flow.safe_qualname(a, built.func) in _MODEL_WRAPPERS:  # type: ignore[union-attr]
            inner = effects.unmoved(built.args[0])  # type: ignore[union-attr]
            qualname = flow.safe_qualname(a, inner.func) if inner.__class__ is ast.Call else None  # type: ignore[union-attr]
            return qualname if qualname and _weights.class_of_project(a, qualname) is not None else None
        return None
    target = flow.dotted(func)
    found = None
    for _, value in flow.attribute_assignments(a, func):
        value = effects.unmoved(value)
        if value.__class__ is not ast.Call:
            return None
        if any(flow.dotted(x) == target for x in value.args):  # type: ignore[attr-defined]
            continue  # a wrapper of the attribute itself
        qualname = flow.safe_qualname(a, value.func)  # type: ignore[attr-defined]
        if not qualname or _weights.class_of_project(a, qualname) is None or (found and found != qualname):
            return None
        found = qualname
    return found


def _earlier_value(a, name: ast.Name, value: ast.Call) -> ast.expr | None:
    """The value ``name`` was bound to before the assignment of ``value`` (one statement up the
    chain of its bindings), moves peeled."""
    try:
        scope = a.scope_of(name)
        binding = a.lookup(name.id, scope, value.lineno - 1)
    except Exception:
        return None
    if binding is None or binding.kind != "assign" or binding.node is None or binding.node is value \
            or binding.index is not None:
        return None
    return effects.unmoved(binding.node)


def _takes_gradients(a, func: ast.FunctionDef | ast.AsyncFunctionDef, depth: int = 0) -> bool:
    """A model's ``forward`` takes gradients, itself or in what it calls, two calls down
    (a function of its file, a method of its class, a method of a layer whose class the
    project defines): Trusted-AI/adversarial-robustness-toolbox's gradient-matching model
    returns the cosine of ``torch.autograd.grad(..., create_graph=True)``;
    facebookresearch/higher's examples step an unrolled optimizer inside ``forward``;
    lioryariv/idr's renderer asks ``self.implicit_network.gradient(points)`` for normals."""
    if _looks_like_training(a, func) if depth == 0 else _asks_autograd(a, func):
        return True
    if depth >= 2:
        return False
    functions = flow.index(a).functions
    unknown = False  # an element of a container of ``self`` called (``self.model[key](x)``): its class unknown
    for call in flow.calls_in(a, func):
        if call.func.__class__ is ast.Name:
            callee = functions.get(call.func.id)  # type: ignore[attr-defined]
            if callee is not None and callee is not func and (
                    _looks_like_training(a, callee) if depth == 0 else _asks_autograd(a, callee)):
                return True
            continue
        found = _called_method(a, func, call)
        if found is None:
            found = _called_layer(a, call)
            if found is None and call.func.__class__ is ast.Subscript and _held_by_self(call.func) \
                    and _holds_handed_in(a, func, call.func.value.attr):  # type: ignore[attr-defined]
                unknown = True  # (an element of ``self.model``, a ModuleDict of models handed in)
        if found is not None and found[1] is not func and _takes_gradients(found[0], found[1], depth + 1):
            return True
    # (dptech-corp/deepmd-pytorch's ``ModelWrapper`` runs ``self.model[task_key](...)``, an
    # energy model whose forward takes the forces' gradients: where some module class of the
    # project asks autograd, such a layer may be one)
    return unknown and depth == 0 and _modules_take_gradients(a)


def _holds_handed_in(a, method: ast.AST, attr: str) -> bool:
    """``self.<attr>`` holds what the class's ``__init__`` is handed (``self.model =
    nn.ModuleDict({"Default": model})``, ``self.model[key] = model[key]``): models built
    elsewhere, of unknown class; not layers the class builds (``self.embeds[key]``)."""
    init = flow.owner_init(a, method)
    if init is None:
        return False
    params = {p.arg for p in (*init.args.args[1:], *init.args.kwonlyargs)}  # type: ignore[attr-defined]
    for n in flow.walk_local(a, init):
        if n.__class__ is not ast.Assign:
            continue
        for t in n.targets:  # type: ignore[attr-defined]
            held = t.value if t.__class__ is ast.Subscript else t
            if held.__class__ is ast.Attribute and held.attr == attr and held.value.__class__ is ast.Name \
                    and held.value.id == "self" and _handed(n.value, params):  # type: ignore[attr-defined]
                return True
    return False


def _handed(value: ast.expr, params: set[str]) -> bool:
    """``value`` is a parameter, an item of one, or a container (a dict, a call such as
    ``ModuleDict({...})``) of those: what the caller handed, not something built from it."""
    kind = value.__class__
    if kind is ast.Name:
        return value.id in params  # type: ignore[attr-defined]
    if kind is ast.Subscript:
        return value.value.__class__ is ast.Name and value.value.id in params  # type: ignore[attr-defined]
    if kind is ast.Dict:
        return bool(value.values) and all(v is not None and _handed(v, params) for v in value.values)  # type: ignore[attr-defined]
    if kind is ast.Call:
        return bool(value.args) and all(_handed(x, params) for x in value.args)  # type: ignore[attr-defined]
    return False


def _held_by_self(f: ast.expr) -> bool:
    """``self.x`` or ``self.x[k]`` (a layer ``self`` holds), called."""
    if f.__class__ is ast.Subscript:
        f = f.value  # type: ignore[attr-defined]
    return f.__class__ is ast.Attribute and f.value.__class__ is ast.Name and f.value.id == "self"  # type: ignore[attr-defined]


def _called_layer(a, call: ast.Call):
    """(analysis, forward) of the layer ``self.x(...)`` runs, when the project defines its
    class (``self.net = EnergyModel()``)."""
    f = call.func
    if not _held_by_self(f) or f.__class__ is not ast.Attribute:
        return None
    found = _weights.class_of_project(a, flow.safe_type(a, f) or "")
    if found is None:
        return None
    forward = found[1].methods.get("forward")  # type: ignore[attr-defined]
    return (found[0], forward) if isinstance(forward, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _asks_autograd(a, func: ast.AST) -> bool:
    """``func`` calls ``torch.autograd.grad`` or ``backward()`` itself (a method a model's
    ``forward`` reaches: stricter than ``_looks_like_training``, which reading a
    ``requires_grad`` flag satisfies)."""
    return any(n.__class__ is ast.Call and (_is_autograd_grad(n) or flow.is_backward_call(n))
               for n in flow.walk_local(a, func))


def _is_autograd_grad(call: ast.Call) -> bool:
    return (flow.dotted(call.func) or "").endswith("autograd.grad")


def _model_takes_gradients(a, model_call: ast.Call, loop: ast.AST) -> bool:
    """The model asks autograd for gradients when it runs (``_class_takes_gradients``): its
    class, of the project; or, where its type is unknown (a parameter, ``torch.load``), a
    class of the file that the loop's uses of it fit (jmtomczak/intro_dgm's EBM notebook:
    ``evaluation(loader, model_best)``): no_grad would break it. Asked only before a finding."""
    func = model_call.func
    if func.__class__ is ast.Attribute and func.attr == "forward":  # type: ignore[attr-defined]
        func = func.value  # type: ignore[attr-defined]
    qualname = flow.safe_type(a, func)
    if not qualname:
        return any(_class_takes_gradients(a, info) for info in _duck_classes(a, loop, flow.dotted(func) or ""))
    found = _weights.class_of_project(a, qualname)
    return found is not None and _class_takes_gradients(found[0], found[1])


def _duck_classes(a, loop: ast.AST, target: str) -> list:
    """The classes of the file that have every method and attribute the loop uses on
    ``target`` (of an unknown type), one at least besides ``forward``: the EBM loop calls
    ``model_best.classify(x)``, ``model_best.gen_loss(...)`` and ``model_best.energy_net(x)``."""
    used = {n.attr for n in flow.walk_local(a, loop) if n.__class__ is ast.Attribute  # type: ignore[attr-defined]
            and flow.dotted(n.value) == target}  # type: ignore[attr-defined]
    if not target or not used - {"forward"}:
        return []
    return [info for info in a.classes.values() if used <= (info.methods.keys() | info.attributes.keys())]


def _class_takes_gradients(owner, info, depth: int = 4) -> bool:
    """The class's ``forward`` calls ``torch.autograd.grad``, itself or through the class's
    own methods (``self.m()``) up to ``depth`` calls deep (the EBM's ``forward`` ->
    ``gen_loss`` -> ``sample`` -> ``langevine_dynamics_step`` -> ``energy_gradient``)."""
    frontier, seen = ["forward"], {"forward"}
    for _ in range(depth + 1):
        following = []
        for name in frontier:
            method = info.methods.get(name)
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for c in flow.calls_in(owner, method):
                if _is_autograd_grad(c):
                    return True
                f = c.func
                if f.__class__ is ast.Attribute and f.value.__class__ is ast.Name and f.value.id == "self" \
                        and f.attr not in seen:  # type: ignore[attr-defined]
                    seen.add(f.attr)  # type: ignore[attr-defined]
                    following.append(f.attr)  # type: ignore[attr-defined]
        frontier = following
    return False


def _unknown_model_may_take_gradients(ctx: Context, func: ast.AST, loop: ast.AST) -> bool:
    """The loop runs a model ``func`` switches to eval mode whose type is unknown
    (lioryariv/idr builds it from a class named in its config), in a project where some
    module class asks autograd for gradients (IDR's ``ImplicitNetwork.gradient``, the
    normals its renderer needs): ``no_grad`` may break that model's forward. Asked only
    before a finding."""
    a = ctx.analysis
    if not _modules_take_gradients(a):
        return False
    for call in flow.calls_named(a, "eval"):
        mc = effects.mode_call(call)
        if mc is None or mc[1] != "eval" or flow.enclosing_function(a, call) is not func:
            continue
        model_call = _calls_target(a, loop, mc[0])
        if model_call is None:
            continue
        kind = flow.safe_type(a, model_call.func)
        if (kind is None or kind in _MODEL_WRAPPERS) and _class_picked_at_run_time(a, mc[0]):
            return True  # (unknown, or wrapped: ``DistributedDataParallel(self.model, ...)``, autonomousvision/monosdf)
    return False


def _class_picked_at_run_time(a, target: str) -> bool:
    """``target`` is assigned an instance of a class chosen while the program runs:
    ``utils.get_class(conf.get_string("train.model_class"))(conf=...)`` (IDR), or picked from
    a table by a setting, not a class's factory (fairseq's ``LSTMModel.build_model(args, task)``)."""
    for stmt in flow.index(a).assigns:
        if stmt.__class__ is not ast.Assign or not any(flow.dotted(t) == target for t in stmt.targets):
            continue
        value = effects.unmoved(stmt.value)  # ``...(conf=conf).cuda()``
        if value.__class__ is ast.Call and value.func.__class__ is ast.Call:
            return True
        if value.__class__ is ast.Call and value.func.__class__ is ast.Subscript \
                and value.func.slice.__class__ is not ast.Constant:  # type: ignore[attr-defined]
            return True  # a table of classes picked by a setting (mboudiaf/Few-shot-histology's
            # ``method = all_methods[args.method](args=args)``: MAML, fine-tuning, TIM...)
    return False


def _modules_take_gradients(a) -> bool:
    """Some ``nn.Module`` class of the file, or of a module of its project that mentions
    ``autograd.grad``, takes gradients in its ``forward``. Once per file and project
    revision (the project's modules: once per revision)."""
    def compute(project) -> bool:
        if _classes_take_gradients(a):
            return True
        if project is None or a.env.module is None:
            return False
        from torchwise.project.callers import Incomplete, _mentioning

        try:
            with project.lock:
                memo = project.memo.get(("modules_take_gradients",))
                if memo is None:
                    memo = project.memo[("modules_take_gradients",)] = any(
                        unit is not None and _classes_take_gradients(unit.analysis)
                        for unit in (project.unit_at(path) for path in _mentioning(project, "autograd.grad", None)))
                return memo
        except Incomplete:  # many modules take gradients: some model may
            return True
        except Exception:  # the project model must never break a rule
            return False

    return flow.per_revision(a, "modules_take_gradients", compute)  # type: ignore[return-value]


def _classes_take_gradients(a) -> bool:
    """A module class of the file whose ``forward`` calls ``torch.autograd.grad``, or calls
    by name a function or method of the file that does (IDR's ``self.implicit_network.gradient(x)``):
    not a gradient penalty a training helper computes."""
    holders = [flow.enclosing_function(a, c) for c in flow.calls_named(a, "grad") if _is_autograd_grad(c)]
    if not holders:
        return False
    names = {h.name for h in holders if isinstance(h, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for info in a.classes.values():
        forward = info.methods.get("forward")
        if not isinstance(forward, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if (any(h is forward for h in holders) or any(flow.method_name(c) in names for c in flow.calls_in(a, forward))) \
                and flow.is_subclass(a, info.qualname, MODULE):
            return True
    return False


def _called_method(a, func: ast.AST, call: ast.Call):
    """(analysis, definition) of the method ``call`` runs, when known: ``self.m()`` of
    ``func``'s own class, ``self.layer.m()`` of the class the project defines for the layer."""
    f = call.func
    if f.__class__ is not ast.Attribute:
        return None
    receiver = f.value  # type: ignore[attr-defined]
    params = func.args.posonlyargs + func.args.args  # type: ignore[attr-defined]
    owner = flow.parent(a, func)
    if receiver.__class__ is ast.Name and params and receiver.id == params[0].arg and owner.__class__ is ast.ClassDef:
        method = next((s for s in owner.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))  # type: ignore[attr-defined]
                       and s.name == f.attr), None)  # type: ignore[attr-defined]
        return (a, method) if method is not None else None
    if receiver.__class__ is not ast.Attribute:
        return None
    found = _weights.class_of_project(a, flow.safe_type(a, receiver) or "")
    if found is None:
        return None
    method = found[1].methods.get(f.attr)  # type: ignore[attr-defined]
    return (found[0], method) if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _computes_under(a, block: ast.With | ast.AsyncWith, forward: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The ``no_grad`` block of a ``forward`` runs the model's own work: it calls a method
    or layer of ``self`` or returns (SPADE's ``self.generate_fake(...)``), not only updates
    buffers (ptrblck's manual BatchNorm: ``self.running_mean = ...`` under ``no_grad``,
    its output still recorded; batch 20's review)."""
    params = forward.args.posonlyargs + forward.args.args
    me = params[0].arg if params else None
    for n in flow.walk_local(a, block):
        if n.__class__ is ast.Return:
            return True
        if n.__class__ is ast.Call:
            func = n.func  # type: ignore[attr-defined]
            if func.__class__ is ast.Attribute and func.value.__class__ is ast.Name and func.value.id == me:
                return True
    return False


def _over_parameters(loop: ast.AST) -> tuple[str, str] | None:
    """(the model, each parameter's name) of ``for p in model.parameters():`` (or
    ``for k, p in model.named_parameters():``); None for any other loop."""
    if loop.__class__ is not ast.For or flow.method_name(loop.iter) not in ("parameters", "named_parameters") \
            or loop.iter.func.__class__ is not ast.Attribute:  # type: ignore[attr-defined]
        return None
    held, name = flow.dotted(loop.iter.func.value), _parameter_name(loop)  # type: ignore[arg-type,attr-defined]
    return (held, name) if held and name is not None else None


def _parameter_name(loop: ast.For) -> str | None:
    """The name a loop over ``m.parameters()`` binds each parameter to; of
    ``m.named_parameters()``, the second of the pair (``for k, v in ...``: cszn/KAIR's
    test scripts freeze every parameter so)."""
    target = loop.target
    if flow.method_name(loop.iter) == "named_parameters":
        if target.__class__ is not ast.Tuple or len(target.elts) != 2:  # type: ignore[attr-defined]
            return None
        target = target.elts[1]  # type: ignore[attr-defined]
    return target.id if target.__class__ is ast.Name else None  # type: ignore[attr-defined]


def _layer_set_between(a, func: ast.AST, target: str, start: ast.AST, end: ast.AST) -> bool:
    """A layer of ``target`` is set between ``start`` and ``end`` (``model.fc = nn.Linear(...)``
    after freezing the rest: a fixed feature extractor whose new head trains; L1aoXingyu's
    ``fix_train.py``; also an item, ``model.classifier._modules['6'] = nn.Linear(4096, 2)``
    in dataflowr/notebooks)."""
    prefix = target + "."

    def held(t: ast.AST) -> str:  # ``model.classifier._modules['6']``: what the item is set on
        while t.__class__ is ast.Subscript:
            t = t.value  # type: ignore[attr-defined]
        return flow.dotted(t) or ""

    last: dict[str, ast.Assign] = {}  # each layer's last setting between them
    for n in flow.walk_local(a, func):
        if n.__class__ is ast.Assign and flow.before(start, n) and flow.before(n, end):
            for t in n.targets:  # type: ignore[attr-defined]
                if held(t).startswith(prefix):
                    key = ast.dump(t)
                    if key not in last or flow.before(last[key], n):
                        last[key] = n  # type: ignore[assignment]
    # a layer set to one without parameters (``alex.classifier[6] = nn.Identity()``, the trained
    # head taken off again: dvgodoy/PyTorchStepByStep) thaws nothing
    return any(not _parameter_free_layer(a, n.value) for n in last.values())


# layers that hold no parameters: setting one in place of a frozen model's layer makes nothing trainable
_PARAMETER_FREE = frozenset(f"torch.nn.{name}" for name in (
    "Identity", "ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "ELU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
    "Dropout", "Dropout2d", "Dropout3d", "Flatten", "Unflatten", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d", "AdaptiveMaxPool2d", "AvgPool2d", "MaxPool2d", "Upsample"))


def _parameter_free_layer(a, value: ast.expr) -> bool:
    return value.__class__ is ast.Call and flow.safe_qualname(a, value.func) in _PARAMETER_FREE  # type: ignore[attr-defined]


def _volatile_note(a, func: ast.AST) -> str:
    """What 0.3 code that meant to turn autograd off (``Variable(x, volatile=True)``, in
    the loop or before it) needs told."""
    return " (`volatile=True` has turned nothing off since PyTorch 0.4)" if _makes_volatile(a, func) else ""


def _makes_volatile(a, func: ast.AST) -> bool:
    """A call of the function's own code passes ``volatile=True`` (``Variable(x, volatile=True)``)."""
    return any(k.arg == "volatile" and is_true(k.value) for c in flow.calls_in(a, func) for k in c.keywords)


def _called_after_eval(a) -> set[str]:
    """Names of the functions called by name, after an ``x.eval()`` in the same function,
    with ``x`` among their arguments: the candidates of ``_evaluated_after_callers_eval``
    (not every function of the file and its loops). Memoized: two rules ask."""
    names = a.queries.get("called_after_eval")
    if names is None:
        names = a.queries["called_after_eval"] = _compute_called_after_eval(a)
    return names


def _compute_called_after_eval(a) -> set[str]:
    first: dict[int, tuple[ast.AST, dict[str, ast.Call]]] = {}  # function -> target -> its first eval()
    for call in flow.calls_named(a, "eval"):  # (in source order)
        mc = effects.mode_call(call)
        if mc is not None and mc[1] == "eval":
            func = flow.enclosing_function(a, call)
            first.setdefault(id(func), (func, {}))[1].setdefault(mc[0], call)
    names: set[str] = set()
    for func, evals in first.values():
        calls = flow.calls_in(a, func)  # (in source order: those after the first eval())
        start = bisect.bisect_left(calls, min(flow.BY_POSITION(e) for e in evals.values()), key=flow.BY_POSITION)
        for c in itertools.islice(calls, start, None):
            if c.func.__class__ is ast.Name and c.func.id not in names and any(  # type: ignore[attr-defined]
                    (e := evals.get(flow.dotted(x) or "")) is not None and flow.before(e, c) for x in c.args):
                names.add(c.func.id)  # type: ignore[attr-defined]
    return names


def _trains_through_helpers(a, loop: ast.AST) -> bool:
    """The loop calls a helper (summarised: this file's or another module's) that runs
    backward, steps or clears gradients, or asks ``torch.autograd.grad`` (zhichunguo/Meta-MGNN's
    ``self.update_params(loss)`` adapts on the support loss its inner loop sums): the loop trains."""
    summaries = _summaries(a)
    func = flow.enclosing_function(a, loop)
    for call in flow.calls_in(a, loop):
        callee = summaries.callee(call, func)
        if callee is not None:
            inner = summaries.of(callee)
            if inner.backward or inner.steps or inner.clears or any(
                    n.__class__ is ast.Call and _is_autograd_grad(n) for n in ast.walk(callee)):
                return True
    return False


def _callers_switch_grad(ctx: Context, func: ast.AST) -> bool:
    """A function calling ``func`` (by name, in the file) switches grad mode itself."""
    a = ctx.analysis
    return any(_grad_disabled_somewhere(ctx, flow.enclosing_function(a, site))
               for site in flow.calls_named(a, func.name))  # type: ignore[attr-defined]


_MOVES_AND_MODES = frozenset({"eval", "train", "forward", "to", "cuda", "cpu", "half", "float", "double"})


def _exercises_the_model(a, loop: ast.AST, model_call: ast.Call, target: str) -> bool:
    """The loop throws the model's output away and calls other methods of the model: it
    changes the model and checks that a forward pass still runs (a test resizing the
    embeddings layer by layer: jxhe/unify-parameter-efficient-tuning's transfo-xl test),
    no evaluation; the graph of each pass is dropped at once."""
    if flow.parent(a, model_call).__class__ is not ast.Expr:
        return False
    return any(c.func.__class__ is ast.Attribute and c.func.attr not in _MOVES_AND_MODES  # type: ignore[attr-defined]
               and flow.dotted(c.func.value) == target for c in flow.calls_in(a, loop))  # type: ignore[attr-defined]


def _runs_once(loop: ast.AST) -> bool:
    """A ``for`` loop whose body ends in a plain ``break``: it takes one batch (to look at
    a model's output: rasbt/deeplearning-models' autoencoder notebooks), not an
    evaluation loop; or in a ``try`` whose body ends so, a retry until the first success
    (open-mmlab/mmrazor's channel analyzer tries its forward modes in turn)."""
    body = getattr(loop, "body", None)
    if not isinstance(loop, (ast.For, ast.AsyncFor)) or not body:
        return False
    last = body[-1]
    return isinstance(last, ast.Break) or (isinstance(last, ast.Try) and bool(last.body)
                                           and isinstance(last.body[-1], ast.Break))


_STEP_FUNCTION = lazy(r"^(?:train|training)_(?:step|iter|batch)$")


def _part_of_a_training_step(a, func: ast.AST, loop: ast.AST) -> bool:
    """The loop runs in a function named for one training step, which updates parameters
    after it (``optim_wrapper.update_params(loss)``, ``loss.backward()``, a step): the
    outputs feed that update (open-mmlab/mmrazor's data-free distillation trains its
    generator through the eval-mode teachers)."""
    if not _STEP_FUNCTION.match(getattr(func, "name", "")):
        return False
    return any(n.__class__ is ast.Call and flow.before(loop, n) and not flow.contains(loop, n)
               and (flow.is_backward_call(n) or flow.method_name(n) in ("step", "update_params"))
               for n in flow.walk_local(a, func))


def _called_before_the_loop(loop: ast.AST, model_call: ast.AST) -> bool:
    """A comprehension whose model call is its first iterable, evaluated once before it
    loops (alibaba/FederatedScope: ``[t.detach().cpu().numpy() for t in self._policy_net(x)]``):
    no loop runs the model (an enclosing loop may)."""
    if not isinstance(loop, _COMPREHENSIONS):
        return False
    first = loop.generators[0].iter  # type: ignore[attr-defined]
    return first is model_call or any(n is model_call for n in ast.walk(first))


def _grad_off_name(ctx: Context) -> str:
    """``options.grad_off_context`` once per rule run (a ``Context`` is one rule on one
    file): it looks for the file's pyproject.toml, a walk up the folders per finding."""
    names = _GRAD_OFF_NAMES.get(ctx)
    if names is None:
        names = _GRAD_OFF_NAMES[ctx] = options.grad_off_context(ctx.path)
    return names


_GRAD_OFF_NAMES: "weakref.WeakKeyDictionary[Context, str]" = weakref.WeakKeyDictionary()


def _no_grad_fix(ctx: Context, loop: ast.AST) -> Fix | None:
    """Wrap the evaluation loop in ``with torch.no_grad():`` (``torch.inference_mode()``
    when the settings ask for it, see ``options.grad_off_context``); a comprehension's
    whole statement is wrapped."""
    if isinstance(loop, _COMPREHENSIONS):
        for anc in flow.ancestors(ctx.analysis, loop):
            if isinstance(anc, ast.stmt):
                if isinstance(anc, (ast.Return, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    return None  # wrapping a return would need the value kept: left to the author
                loop = anc
                break
        else:
            return None
    name = _grad_off_name(ctx)
    manager = module_reference(ctx, loop, f"torch.{name}")
    if manager is None:
        return None
    edits = fix_edits.wrap(ctx, loop, loop, f"with {manager}():")
    return Fix("unsafe", f"Wrap the loop in with {manager}()", edits) if edits else None


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _local_for_loops(a, func: ast.AST) -> list[ast.AST]:
    """The for loops and comprehensions of a function's own code, in source order
    (``[model(x) for x in loader]`` evaluates just like a loop)."""
    def compute():
        loops = [n for n in flow.walk_local(a, func) if isinstance(n, (ast.For, ast.AsyncFor, *_COMPREHENSIONS))]
        loops.sort(key=flow._position)
        return loops

    return flow.memo(a, func, "local_for_loops", compute)


# the words of an adversarial attack's call (``adversary.perturb(x, y)`` in advertorch,
# ``pgd_attack(model, x)``, ``fgsm(...)``): it takes gradients of the input inside
_ATTACK_WORDS = lazy(r"attack|adversar|pgd|fgsm|perturb")
# and a function named with ``adv`` as a word (DSE-MSU/DeepRobust's defenses test on
# ``self.adv_data(...)``, which runs a PGD attack; not ``advance``, nor ``x_adv.argmax``)
_ADV_FUNCTION = lazy(r"(?:^|_)adv(?:$|_)")


def _looks_like_training(a, node: ast.AST) -> bool:
    """The loop needs autograd: it runs backward, steps, clears or asks for gradients, or crafts
    adversarial examples (a library's attack runs backward itself: jindongwang/transferlearning's
    ReMoS ``eval_robustness.py`` calls advertorch's ``adversary.perturb`` per batch)."""
    return next(_training_nodes(a, node), None) is not None


def _training_nodes(a, node: ast.AST, clears: bool = True) -> Iterator[ast.AST]:
    """The nodes that make ``_looks_like_training`` say yes, in walk order; with ``clears``,
    clearing gradients too (``model.zero_grad()`` per batch: Memory Aware Synapses'
    importance loop in ML2022Spring HW14, whose skeleton leaves the backward as a TODO)."""
    for n in flow.walk_local(a, node):
        if flow.is_backward_call(n):
            yield n
        elif clears and n.__class__ is ast.Call and flow.is_zero_grad_call(n):
            yield n
        elif isinstance(n, ast.Call) and flow.method_name(n) in ("grad", "step", "requires_grad_", "backward") \
                and not _metric_step(n):
            yield n
        elif isinstance(n, ast.Call) and (_ATTACK_WORDS.search((flow.dotted(n.func) or "").lower())
                                          or _ADV_FUNCTION.search(flow.last_name(n.func).lower())):
            yield n
        elif isinstance(n, ast.keyword) and n.arg in ("requires_grad", "create_graph") \
                and not (n.value.__class__ is ast.Constant and n.value.value is False):  # type: ignore[attr-defined]
            yield n  # (``Variable(x, requires_grad=False)`` asks for none: end2end-asr-pytorch's validation)
        elif isinstance(n, ast.Attribute) and n.attr in ("grad", "requires_grad"):
            yield n


def _flag_arm(a, node: ast.AST, func: ast.AST, flag: str | None = None) -> tuple[str, bool] | None:
    """(flag, value) when ``node`` runs only where a parameter ``flag`` of ``func`` has that
    truth value: inside ``if flag:`` (True), ``if not flag:`` (False) or their ``else``; the
    innermost such ``if``, or, given ``flag``, the innermost one testing it."""
    params = {p.arg for p in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)} \
        if func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) else set()  # type: ignore[attr-defined]
    child = node
    for anc in flow.ancestors(a, node):
        if anc is func:
            return None
        if anc.__class__ is ast.If:
            test, value = anc.test, True  # type: ignore[attr-defined]
            if test.__class__ is ast.UnaryOp and test.op.__class__ is ast.Not:  # type: ignore[attr-defined]
                test, value = test.operand, False  # type: ignore[attr-defined]
            if test.__class__ is ast.Name and test.id in params and child is not anc.test \
                    and (flag is None or test.id == flag):  # type: ignore[attr-defined]
                in_body = any(child is x for x in anc.body)  # type: ignore[attr-defined]
                return test.id, value if in_body else not value  # type: ignore[attr-defined]
        child = anc
    return None


def _trains_on_the_other_arm(a, loop: ast.AST, eval_call: ast.AST, func: ast.AST) -> bool:
    """The model is switched to eval mode on one arm of a flag of the function (``if is_train:
    model.train() else: model.eval()``) and everything in the loop that trains runs only on
    the other arm of the same flag (``if is_train: loss.backward()``): on the evaluation path
    the loop trains nothing (jpata/particleflow's ``train_and_valid``)."""
    arm = _flag_arm(a, eval_call, func)
    if arm is None:
        return False
    nodes = list(_training_nodes(a, loop, clears=False))  # (a clearing on both arms trains nothing)
    return bool(nodes) and all(_flag_arm(a, n, func, arm[0]) == (arm[0], not arm[1]) for n in nodes)


def _metric_step(call: ast.Call) -> bool:
    """``ap_calculator.step(predictions, ground_truths)``: a ``step`` handed two values or
    more is a metric's accumulation (facebookresearch/votenet's evaluation loop), not an
    optimizer's step (no argument, or a closure) nor a scheduler's (an epoch or a metric)."""
    return flow.method_name(call) == "step" and len(call.args) >= 2


def _grad_disabled_somewhere(ctx: Context, func: ast.AST) -> bool:
    return flow.memo(ctx.analysis, func, "grad_disabled", lambda: _compute_grad_disabled(ctx, func))


def _grad_off_decorator(a, decorator: ast.expr) -> bool:
    """A project's own wrapper of inference mode (``@smart_inference_mode()``), or a
    decorator of the file or of another module of the project whose wrapper calls the
    function it wraps under ``no_grad`` (``@nograd`` in chenyuntc/simple-faster-rcnn-pytorch)."""
    name = flow.last_name(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
    if name.endswith(("inference_mode", "no_grad")):
        return True
    if decorator.__class__ is not ast.Name:
        return False
    owner = a
    defs = [b.node for b in a.module_scope.bindings.get(decorator.id, ()) if b.kind == "def"]
    if not defs:  # another module's (xy-guo/Learning-Monocular-Depth-by-Stereo's ``@make_nograd_func``)
        qualname = flow.safe_qualname(a, decorator)
        found = _weights.project_function(a, qualname) if qualname else None
        if found is not None:
            owner, defs = found[0], [found[1]]
    if len(defs) != 1 or not isinstance(defs[0], ast.FunctionDef) or len(defs[0].args.args) != 1:
        return False
    wrapped = defs[0].args.args[0].arg
    return flow.memo(owner, defs[0], "grad_off_wrapper", lambda: any(
        isinstance(n, ast.With) and any(flow.is_grad_off_context(owner, i.context_expr) for i in n.items)
        and any(c.__class__ is ast.Call and c.func.__class__ is ast.Name and c.func.id == wrapped
                for stmt in n.body for c in ast.walk(stmt))
        for n in ast.walk(defs[0])))


def _called_under_grad_off_in_project(ctx: Context, func: ast.AST) -> bool:
    """Whether a caller anywhere in the project's workspace folder (a module or a
    notebook), directly or a few calls up, runs ``func`` under ``no_grad``: like a caller
    in the same file, the helper is then an evaluation step its callers wrap. Asked only
    before a finding (see ``_reach``)."""
    return _reach.reached_under_grad_off(ctx.analysis, func, project=True)


def _compute_grad_disabled(ctx: Context, func: ast.AST) -> bool:
    a = ctx.analysis
    if _grad_off_for_the_script(a):
        return True
    if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if any(flow.is_grad_off_context(a, d) or _grad_off_decorator(a, d) for d in func.decorator_list):
            return True
        if _reach.reached_under_grad_off(a, func):  # a caller in the file, perhaps a few calls up
            return True
    for n in flow.calls_in(a, func):  # any order: a yes or no
        name = flow.method_name(n)
        if name in ("set_grad_enabled", "inference_mode", "no_grad") and not isinstance(
                flow.parent(a, n), (ast.withitem,)):
            if name != "set_grad_enabled" and isinstance(flow.parent(a, n), ast.Expr):
                continue  # a bare `torch.no_grad()` statement does nothing (TW107 reports it)
            return True  # grad mode switched by a statement or passed around: unsure
    if id(func) in _holding_grad_contexts(a):
        return True
    return _volatile_before_0_4(ctx, func)


def _holding_grad_contexts(a) -> set[int]:
    """The functions (ids) that hold or pass grad mode's context manager itself rather than
    enter it (``grad_context = enable_grad if is_train else no_grad``: karfly/learnable-
    triangulation-pytorch): which mode their code runs in is chosen at run time. Once per file."""
    found = a.queries.get("holding_grad_contexts")
    if found is None:
        idx = flow.index(a)
        found = a.queries["holding_grad_contexts"] = {
            id(flow.enclosing_function(a, ref)) for name in ("no_grad", "inference_mode")
            for ref in idx.refs_by_name.get(name, ())
            if not ((call := idx.parents.get(ref)).__class__ is ast.Call and call.func is ref)  # type: ignore[union-attr]
            and flow.safe_qualname(a, ref) in flow.GRAD_MODE_OFF}  # (torch's: not a flag named no_grad, as in ART)
    return found


def _volatile_before_0_4(ctx: Context, func: ast.AST) -> bool:
    """``Variable(x, volatile=True)`` in code that runs only on torch before 0.4 (its project
    pins one, or its scripts import what 0.4 renamed: RNAN's ``DataLoaderIter``), where a
    volatile input turns autograd off for everything computed from it."""
    return _makes_volatile(ctx.analysis, func) and options.predates(ctx, "0.4")


def _under_grad_switch(a, node: ast.AST) -> bool:
    """Inside ``with torch.set_grad_enabled(<a flag>):``: gradients chosen on purpose, off
    but for models that need them (kgcnn-torch's evaluation: on only for force models,
    which call ``torch.autograd.grad`` in their forward)."""
    for anc in flow.ancestors(a, node):
        if anc.__class__ in (ast.With, ast.AsyncWith) and any(
                item.context_expr.__class__ is ast.Call and flow.method_name(item.context_expr) == "set_grad_enabled"
                and item.context_expr.args and item.context_expr.args[0].__class__ is not ast.Constant
                for item in anc.items):
            return True
        if isinstance(anc, flow.SCOPES):
            return False
    return False


def _grad_off_for_the_script(a) -> bool:
    """``torch.set_grad_enabled(False)`` as a statement of the module (or of its main
    guard), never set back: autograd is off for the rest of the thread, every function of
    the file included (hendrycks/outlier-exposure's OOD evaluation scripts). Once per file."""
    found = a.queries.get("grad_off_script")
    if found is None:
        body = list(a.tree.body)
        body += [s for stmt in a.tree.body if isinstance(stmt, ast.If) and flow.is_main_guard(stmt) for s in stmt.body]
        modes = [regions.region_change(stmt.value) for stmt in body if isinstance(stmt, ast.Expr)
                 and isinstance(stmt.value, ast.Call) and flow.last_name(stmt.value.func) == "set_grad_enabled"]
        found = a.queries["grad_off_script"] = bool(modes) and all(m == (regions.NO_GRAD, True) for m in modes)
    return found


# ------------------------------------------------------------------ TW107
_GRAD_CONTEXTS = {
    "torch.no_grad": "no_grad", "torch.autograd.no_grad": "no_grad", "torch.autograd.grad_mode.no_grad": "no_grad",
    "torch.enable_grad": "enable_grad", "torch.autograd.enable_grad": "enable_grad",
    "torch.autograd.grad_mode.enable_grad": "enable_grad",
    "torch.inference_mode": "inference_mode", "torch.autograd.inference_mode": "inference_mode",
    "torch.autograd.grad_mode.inference_mode": "inference_mode",
}


@rule(code="TW107", name="no-grad-not-entered", group="training", severity="error",
      summary="torch.no_grad() called as a statement does nothing; it must be used with `with`.", runtime=True)
def no_grad_not_entered(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for stmt in flow.iter_nodes(a, ast.Expr):
        call = stmt.value
        if not isinstance(call, ast.Call) or flow.last_name(call.func) not in ("no_grad", "enable_grad",
                                                                               "inference_mode"):
            continue
        qualname = flow.safe_qualname(a, call.func)
        short = _GRAD_CONTEXTS.get(qualname or "")
        if short is None:
            continue
        yield ctx.finding(
            call,
            f"`{ctx.text(call)}` on its own line creates a context manager and throws it away, so "
            f"gradient tracking is unchanged; write `with {ctx.text(call)}:` around the code it should "
            "cover (or use it as a decorator)",
        )


# ------------------------------------------------------------------ TW113
# methods of training code written without ``()``: what the statement fails to do
_UNCALLED_EFFECTS = {
    "zero_grad": "the gradients are never cleared",
    "backward": "no gradients are computed",
    "step": "no step is taken",
    "eval": "the model is not switched to eval mode",
    "train": "the model is not switched to train mode",
}
# last names that hold a model: ``model``, ``self.net``, ``netG``, ``model_ft``, ``resnet``
_MODEL_NAME = lazy(r"(?:^|_)(?:model|net)|(?:model|net)$", re.IGNORECASE)


@rule(code="TW113", name="method-not-called", group="training", severity="error",
      summary="`optimizer.zero_grad` (or `step`, `backward`, `eval`, `train`) without `()`: the method is never called.",
      fix="unsafe", runtime=True)
def method_not_called(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for stmt in flow.iter_nodes(a, ast.Expr):
        attr = stmt.value
        if attr.__class__ is not ast.Attribute or attr.attr not in _UNCALLED_EFFECTS:  # type: ignore[attr-defined]
            continue
        name = attr.attr  # type: ignore[attr-defined]
        recv = attr.value  # type: ignore[attr-defined]
        effect = _UNCALLED_EFFECTS[name]
        if name == "step":
            if flow.is_scheduler(a, recv):
                effect = "the schedule does not advance"
            elif not flow.is_optimizer(a, recv) or flow.is_scaler(a, recv):
                continue  # (``self.step``: a counter perhaps; a scaler's step needs the optimizer)
        elif name in ("eval", "train") and not (flow.is_module_instance(a, recv)
                                                or _MODEL_NAME.search(flow.last_name(recv))):
            continue  # (``data.train``: a dataset's split, looked at)
        if _probed(a, stmt):
            continue
        written = ctx.text(attr)
        end_line = attr.end_lineno or attr.lineno  # type: ignore[attr-defined]
        end_col = a.char_col(end_line, attr.end_col_offset or 0)  # type: ignore[attr-defined]
        yield ctx.finding(
            attr,
            f"`{written}` names the method without calling it, so {effect}; write `{written}()`",
            Fix("unsafe", f"Call `{written}()`", (Edit(end_line, end_col, end_line, end_col, "()"),)),
        )


def _uncalled_in(a, node: ast.AST, name: str) -> bool:
    """``node`` holds ``x.<name>`` as a statement, without ``()`` (``optimizer.zero_grad``):
    the clear or the switch is written and never runs; method-not-called reports that line,
    and its fix calls it, so the rules that miss the call leave the loop to it."""
    return any(n.__class__ is ast.Expr and n.value.__class__ is ast.Attribute and n.value.attr == name  # type: ignore[attr-defined]
               for n in flow.walk_local(a, node))


def _probed(a, stmt: ast.stmt) -> bool:
    """The statement sits in the body of a ``try`` that catches ``AttributeError`` (or any
    exception): it probes whether the attribute exists, on purpose."""
    owner = flow.parent(a, stmt)
    if owner.__class__ not in _TRY_KINDS or not any(s is stmt for s in owner.body):  # type: ignore[attr-defined]
        return False
    for handler in owner.handlers:  # type: ignore[attr-defined]
        kinds = handler.type.elts if handler.type.__class__ is ast.Tuple else [handler.type]  # type: ignore[union-attr]
        if any(k is None or flow.last_name(k) in ("AttributeError", "Exception", "BaseException") for k in kinds):
            return True
    return False


# ------------------------------------------------------------------ TW114
_CLIPS = ("clip_grad_norm_", "clip_grad_norm", "clip_grad_value_")


@rule(code="TW114", name="clip-grad-misplaced", group="training", severity="warning",
      summary="Gradients are clipped before backward() or after optimizer.step(): the step applies unclipped gradients.",
      runtime=True)
def clip_grad_misplaced(ctx: Context) -> Iterator[Finding]:
    if not flow.calls_named(ctx.analysis, *_CLIPS):
        return
    yield from _joined(_clipped_out_of_order(ctx), _clipped_before_accumulated_step(ctx))


def _clipped_out_of_order(ctx: Context) -> Iterator[Finding]:
    """A clip after the iteration's step, or before its backward (see the rule's doc)."""
    a = ctx.analysis
    clips = flow.calls_named(a, *_CLIPS)
    steps = _by_innermost_loop(a, [s for s, _ in _optimizer_steps(ctx)])
    backwards = _by_innermost_loop(a, [c for c in flow.calls_named(a, "backward") if flow.is_backward_call(c)])
    for clip in clips:
        loops = flow.enclosing_loops(a, clip)
        if not loops and not _clips_nothing(clip) and _before_lightnings_backward(a, clip):
            yield ctx.finding(
                clip,
                f"`{ctx.text(clip.func)}(...)` runs inside `training_step`, before the backward pass Lightning runs "
                "on the loss it returns: it clips the previous step's gradients (or none), and the optimizer steps "
                "on unclipped ones; clip with the Trainer's `gradient_clip_val` (or in `configure_gradient_clipping`)",
            )
            continue
        if not loops or id(loops[0]) not in steps or id(loops[0]) not in backwards or _clips_nothing(clip):
            continue
        loop = loops[0]  # the iteration: the calls whose innermost loop is the clip's own
        here = (clip.lineno, clip.col_offset)
        mine = [c for c in backwards[id(loop)] if not flow.other_arms(a, clip, c)]
        stepped = [s for s in steps[id(loop)] if not flow.other_arms(a, clip, s)]
        if not mine or not stepped:
            continue
        before = [s for s in stepped if (s.lineno, s.col_offset) < here]
        if before and not any((c.lineno, c.col_offset) > here for c in mine + stepped):
            step = before[-1]
            if any(flow.before(c, step) for c in mine):  # backward, step, then the clip
                yield ctx.finding(
                    clip,
                    f"`{ctx.text(clip.func)}(...)` runs after `{ctx.text(step)}` "
                    f"({flow.line_ref(a, step.lineno)}): the step has already applied the unclipped gradients, "
                    "and clipping them afterwards changes nothing it did; clip between backward() and the step",
                )
            continue
        if any((c.lineno, c.col_offset) < here for c in mine):
            continue  # (a backward before it in the iteration: clipped after that one)
        backward = min(mine, key=flow.BY_POSITION)
        later = [s for s in stepped if flow.before(backward, s)]
        if later and not before:  # the clip, then backward, then the step
            yield ctx.finding(
                clip,
                f"`{ctx.text(clip.func)}(...)` runs before this iteration's `{ctx.text(backward)}` "
                f"({flow.line_ref(a, backward.lineno)}): it clips the gradients left from before (or none), and "
                f"`{ctx.text(later[0])}` applies the new ones unclipped; clip between backward() and the step",
            )


def _before_lightnings_backward(a, clip: ast.Call) -> bool:
    """``clip`` is in the ``training_step`` of a ``LightningModule`` with automatic optimization,
    which calls no backward itself: Lightning runs the backward after the method returns
    (simchowitzlabpublic/nano-world-model#22; R1ck29's cassava classifier)."""
    func = flow.enclosing_function(a, clip)
    if getattr(func, "name", None) != "training_step":
        return False
    owner = flow.parent(a, func)
    return owner.__class__ is ast.ClassDef and _lightning_module(a, owner) \
        and _lightning_runs_backward(a, owner, func)  # type: ignore[arg-type]


def _by_innermost_loop(a, calls: list[ast.Call]) -> dict[int, list[ast.Call]]:
    """id(loop) -> the calls whose innermost loop it is, in the order given."""
    out: dict[int, list[ast.Call]] = {}
    for c in calls:
        loops = flow.enclosing_loops(a, c)
        if loops:
            out.setdefault(id(loops[0]), []).append(c)
    return out


def _clipped_before_accumulated_step(ctx: Context) -> Iterator[Finding]:
    """A clip after every backward, while the optimizer steps only at the end of a gradient
    accumulation window, under an ``if`` after it: each clip cuts a partial sum of the
    accumulated gradients, not the gradients the step applies (and a ``GradScaler``'s
    ``unscale_`` before it runs several times per step, which raises). frgfm/holocron's
    ``Trainer._backprop_step``, fixed by moving the clip into the window's ``if``."""
    a = ctx.analysis
    if not _all_accumulation_guards(ctx):
        return
    for clip in flow.calls_named(a, *_CLIPS):
        func = flow.enclosing_function(a, clip)
        if _clips_nothing(clip) or _in_accumulation_guard(ctx, clip):
            continue
        loops = flow.enclosing_loops(a, clip)[:1]
        guard = next((g for g in _accumulation_guards(ctx, func) if flow.before(clip, g)
                      and not flow.other_arms(a, clip, g) and flow.enclosing_loops(a, g)[:1] == loops), None)
        if guard is None:
            continue
        backward = next((c for c in flow.calls_in(a, func) if flow.is_backward_call(c) and flow.before(c, clip)
                         and not flow.other_arms(a, c, clip) and not _in_accumulation_guard(ctx, c)), None)
        if backward is None:
            continue
        step = next(c for stmt in guard.body for c in ast.walk(stmt)
                    if c.__class__ is ast.Call and flow.method_name(c) == "step")
        yield ctx.finding(
            clip,
            f"`{ctx.text(clip.func)}(...)` runs after every `{ctx.text(backward)}`, but `{ctx.text(step)}` runs only "
            f"when `{ctx.text(guard.test)}` (gradient accumulation): it clips partial sums of the accumulating "
            "gradients, not the ones the step applies; clip inside that `if`, right before the step",
        )


def _clips_nothing(call: ast.Call) -> bool:
    """``clip_grad_norm_(params, float("inf"))``: only the norm is wanted (for a log), nothing
    is clipped, wherever it runs."""
    limit = argument(call, "max_norm", 1) if flow.last_name(call.func) != "clip_grad_value_" \
        else argument(call, "clip_value", 1)
    if limit is None:
        return False
    kind = limit.__class__
    if kind is ast.Constant:
        return isinstance(limit.value, (int, float)) and limit.value >= 1e6  # type: ignore[attr-defined]
    if kind is ast.Call:  # ``float("inf")``
        return limit.func.__class__ is ast.Name and limit.func.id == "float" and len(limit.args) == 1 \
            and limit.args[0].__class__ is ast.Constant and str(limit.args[0].value).lower() in ("inf", "+inf")  # type: ignore[attr-defined]
    return flow.last_name(limit) == "inf"  # ``math.inf``, ``np.inf``, ``torch.inf``


# ------------------------------------------------------------------ TW108
@rule(code="TW108", name="loss-accumulated-without-item", group="training", severity="warning",
      summary="`total += loss` keeps the autograd graph of every iteration alive; add loss.item() instead.",
      fix="unsafe", runtime=True)
def loss_accumulated_without_item(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for aug in flow.iter_nodes(a, ast.AugAssign):
        if not isinstance(aug.op, ast.Add):
            continue
        added = aug.value
        if added.__class__ is ast.BinOp and added.op.__class__ in (ast.Mult, ast.Div) \
                and added.left.__class__ in (ast.Name, ast.Attribute):  # type: ignore[attr-defined]
            added = added.left  # ``loss_all += loss * num_graphs``: the loss weighted by the batch's size
        written = added  # (what the fix replaces)
        if added.__class__ is ast.Call and added.func.__class__ is ast.Attribute and not added.args \
                and not added.keywords and added.func.attr in _SAME_GRAPH \
                and added.func.value.__class__ in (ast.Name, ast.Attribute):  # type: ignore[attr-defined]
            added = added.func.value  # type: ignore[attr-defined]  # ``loss_f += loss.float()``: the same tensor, graph and all
        elif added.__class__ is ast.Call:
            found = _returned_backpropagated(ctx, aug, added)  # type: ignore[arg-type]
            if found is not None:
                yield found
            continue
        if not isinstance(added, (ast.Name, ast.Attribute)):
            continue
        if added.__class__ is ast.Name and aug.target.__class__ is ast.Subscript:
            found = _returned_loss_terms(ctx, aug, added, written)  # type: ignore[arg-type]
            if found is not None:
                yield found
                continue
        value = flow.dotted(added)
        target = flow.dotted(aug.target) if not isinstance(aug.target, ast.Subscript) else None
        if not value or value == target:
            continue
        if not _live_loss(a, aug, value, target):
            if added.__class__ is ast.Name and target and not flow.under_grad_off(a, aug) \
                    and (bound := _bound_to_backpropagated_return(ctx, aug, value)) is not None \
                    and not _total_excused(a, aug, flow.enclosing_loops(a, aug), target):
                call, loss = bound
                name = flow.last_name(call.func)
                yield ctx.finding(
                    aug,
                    f"`{ctx.text(aug)}` adds the loss tensor `{name}()` returns as `{value}` (it ran "
                    f"`{loss}.backward()` on it), so the total joins the autograd graph: each iteration's graph "
                    f"stays chained to it (memory that grows for as long as the total lives); add "
                    f"`{value}.item()`, or return `{loss}.item()` from `{name}`",
                    Fix("unsafe", f"Add `{value}.item()`", (ctx.replace(written, f"{ctx.text(added)}.item()"),)),
                )
            continue
        yield _sum_finding(ctx, aug, added, written, value)
    yield from _losses_summed_by_assignment(ctx)
    yield from _losses_kept_by_meters(ctx)
    yield from _losses_written_into_tensors(ctx)
    yield from _losses_appended(ctx)
    yield from _losses_kept_by_lightning_steps(ctx)


def _losses_summed_by_assignment(ctx: Context) -> Iterator[Finding]:
    """``tot_loss = tot_loss + batch_loss``: the same sum as ``tot_loss += batch_loss``
    (by2101/OpenASR#12, whose epoch total of the model's summed losses kept every batch's graph)."""
    a = ctx.analysis
    for node in flow.index(a).assigns:
        value = node.value
        if node.__class__ is not ast.Assign or len(node.targets) != 1 or value.__class__ is not ast.BinOp \
                or value.op.__class__ is not ast.Add:  # type: ignore[attr-defined]
            continue
        target = flow.dotted(node.targets[0])  # type: ignore[attr-defined]
        if not target or flow.dotted(value.left) != target:  # type: ignore[attr-defined]
            continue
        added = value.right  # type: ignore[attr-defined]
        if added.__class__ is ast.BinOp and added.op.__class__ in (ast.Mult, ast.Div) \
                and added.left.__class__ in (ast.Name, ast.Attribute):  # type: ignore[attr-defined]
            added = added.left  # type: ignore[attr-defined]
        name = flow.dotted(added) if added.__class__ in (ast.Name, ast.Attribute) else None
        if not name or name == target or not _live_loss(a, node, name, target):
            continue
        yield _sum_finding(ctx, node, added, added, name)


def _sum_finding(ctx: Context, node: ast.stmt, added: ast.expr, written: ast.expr, value: str) -> Finding:
    """The finding on a sum (``total += loss``, ``total = total + loss``) of the loss tensor
    ``added`` (read as ``value``); the fix writes ``.item()`` after it where ``written`` stands."""
    return ctx.finding(
        node,
        f"`{ctx.text(node)}` adds the loss tensor itself, so the total joins the autograd graph: "
        f"each iteration's graph stays chained to it (memory that grows for as long as the total "
        f"lives); add `{value}.item()` (or `{value}.detach()`)",
        Fix("unsafe", f"Add `{value}.item()`", (ctx.replace(written, f"{ctx.text(added)}.item()"),)),
    )


def _reduced_model_output(a, loop: ast.AST, value: str) -> bool:
    """``value`` is the sum or mean of a module's output, bound once in the loop
    (``batch_loss = torch.sum(this_loss)``, ``this_loss = self.model(...)``: a model that returns
    its loss), the model run with gradients on at least one of its calls there."""
    nodes = flow.walk_local(a, loop)
    bound = [n.value for n in nodes if n.__class__ is ast.Assign  # type: ignore[attr-defined]
             and [flow.dotted(t) for t in n.targets] == [value]]  # type: ignore[attr-defined]
    if len(bound) != 1 or bound[0].__class__ is not ast.Call:
        return False
    call = bound[0]
    if flow.safe_qualname(a, call.func) in ("torch.sum", "torch.mean") and call.args:  # type: ignore[attr-defined]
        inner = call.args[0]  # type: ignore[attr-defined]
    elif call.func.__class__ is ast.Attribute and call.func.attr in ("sum", "mean") and not call.args:  # type: ignore[attr-defined]
        inner = call.func.value  # type: ignore[attr-defined]
    else:
        return False
    if inner.__class__ is not ast.Name:
        return False
    outputs = [n.value for n in nodes if n.__class__ is ast.Assign  # type: ignore[attr-defined]
               and [flow.dotted(t) for t in n.targets] == [inner.id]]  # type: ignore[attr-defined]
    return bool(outputs) and all(o.__class__ is ast.Call and flow.is_module_instance(a, o.func) for o in outputs) \
        and any(not flow.under_grad_off(a, o) for o in outputs)


def _a_dict_keyed_by_step(a, node: ast.Assign, built: ast.AST | None) -> bool:
    """``log[step] = value`` in a loop, ``log`` an empty dict (``{}``, ``dict()``) bound before
    that loop, ``step`` a counter the loop increments or a target of the loop: a new
    item every iteration, as ``log.append(value)`` adds (caikit/caikit-nlp#258's
    ``step_loss_log[step_count] = loss``)."""
    loops = flow.enclosing_loops(a, node)
    if not loops or not ((built.__class__ is ast.Dict and not built.keys) or (  # type: ignore[union-attr]
            built.__class__ is ast.Call and flow.dotted(built.func) == "dict" and not built.args  # type: ignore[union-attr]
            and not built.keywords)) or flow.contains(loops[0], built):  # type: ignore[union-attr]
        return False
    key = node.targets[0].slice  # type: ignore[attr-defined]
    if key.__class__ is not ast.Name:
        return False
    loop = loops[0]
    if loop.__class__ in (ast.For, ast.AsyncFor) and key.id in {  # type: ignore[attr-defined]
            n.id for n in ast.walk(loop.target) if n.__class__ is ast.Name}:  # type: ignore[attr-defined]
        return True
    return any(n.__class__ is ast.AugAssign and n.op.__class__ is ast.Add and flow.dotted(n.target) == key.id  # type: ignore[attr-defined]
               for n in flow.walk_local(a, loop))


def _losses_kept_by_lightning_steps(ctx: Context) -> Iterator[Finding]:
    """A ``LightningModule``'s ``training_step`` (automatic optimization: Lightning runs the
    backward on the loss it returns) that appends that loss tensor to a list held on ``self``
    which no other method empties: every step's graph stays referenced for the whole run
    (sailordiary/m3f.pytorch's LR range test kept ``self.history['loss'].append(loss)``, and
    smoothed the next loss with it, chaining the graphs; the fix appends ``loss.item()``)."""
    a = ctx.analysis
    for cls in flow.iter_nodes(a, ast.ClassDef):
        step = next((m for m in cls.body if m.__class__ is ast.FunctionDef and m.name == "training_step"), None)  # type: ignore[attr-defined]
        if step is None or not _lightning_module(a, cls) or not _lightning_runs_backward(a, cls, step):  # type: ignore[arg-type]
            continue
        returned = set()
        for n in flow.walk_local(a, step):
            if n.__class__ is ast.Return and n.value is not None:  # type: ignore[attr-defined]
                v = n.value  # type: ignore[attr-defined]
                if v.__class__ is ast.Name:
                    returned.add(v.id)
                elif v.__class__ is ast.Dict:
                    returned.update(x.id for k, x in zip(v.keys, v.values) if k.__class__ is ast.Constant
                                    and k.value == "loss" and x.__class__ is ast.Name)
        for call in flow.calls_in(a, step):
            arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
            if flow.method_name(call) != "append" or call.func.__class__ is not ast.Attribute \
                    or arg.__class__ is not ast.Name or arg.id not in returned:  # type: ignore[union-attr]
                continue
            holder = call.func.value  # type: ignore[attr-defined]
            while holder.__class__ is ast.Subscript:
                holder = holder.value  # type: ignore[attr-defined]
            root = flow.dotted(holder)
            if not root or not root.startswith("self.") or root.count(".") != 1 or _emptied_by_a_method(a, cls, root):  # type: ignore[arg-type]
                continue
            last = max((n for n in flow.walk_local(a, step) if n.__class__ is ast.Assign and flow.before(n, call)
                        and any(t.__class__ is ast.Name and t.id == arg.id for t in n.targets)),  # type: ignore[attr-defined]
                       key=flow.BY_POSITION, default=None)
            if last is None or not _keeps_graph(last.value):  # type: ignore[attr-defined]
                continue
            yield ctx.finding(
                call,
                f"`{ctx.text(call)}` keeps the loss tensor `training_step` returns (Lightning runs backward on it) "
                f"in `{root}`, which nothing empties: every step's autograd graph stays referenced by it (memory "
                f"that grows for the whole run); append `{arg.id}.item()` (or `{arg.id}.detach()`)",  # type: ignore[union-attr]
                Fix("unsafe", f"Append `{arg.id}.item()`", (ctx.replace(arg, f"{arg.id}.item()"),)),  # type: ignore[union-attr]
            )


def _lightning_runs_backward(a, cls: ast.ClassDef, step: ast.AST) -> bool:
    """The ``training_step`` of a ``LightningModule`` with automatic optimization: it calls no
    backward itself, and Lightning runs one on the loss it returns."""
    if any(flow.is_backward_call(c) or flow.method_name(c) == "manual_backward" for c in flow.calls_in(a, step)):
        return False
    return not any(n.__class__ in (ast.Assign, ast.FunctionDef) and "automatic_optimization" in ast.unparse(n)
                   for n in ast.walk(cls))  # (manual optimization: the method runs the backward itself)


def _emptied_by_a_method(a, cls: ast.ClassDef, root: str) -> bool:
    """A method of the class other than ``__init__`` empties or rebinds ``root`` (``self.outputs
    .clear()``, ``self.history = {...}``, ``del self.outputs[:]``), or its items."""
    for method in cls.body:
        if method.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or method.name == "__init__":  # type: ignore[attr-defined]
            continue
        for n in flow.walk_local(a, method):
            targets = n.targets if n.__class__ in (ast.Assign, ast.Delete) else [n.target] \
                if n.__class__ in (ast.AnnAssign, ast.AugAssign) else []  # type: ignore[attr-defined]
            if n.__class__ is ast.Call and flow.method_name(n) in ("clear", "pop", "popleft", "remove") \
                    and n.func.__class__ is ast.Attribute:  # type: ignore[attr-defined]
                targets = [n.func.value]  # type: ignore[attr-defined]
            if any(_within(t, root) for t in targets):
                return True
    return False


def _within(expr: ast.expr, root: str) -> bool:
    """``expr`` is ``root`` or a part of it (``self.history['loss']`` within ``self.history``)."""
    while expr.__class__ in (ast.Subscript, ast.Attribute) and flow.dotted(expr) != root:
        expr = expr.value  # type: ignore[attr-defined]
    return flow.dotted(expr) == root


def _losses_appended(ctx: Context) -> Iterator[Finding]:
    """``outputs.append(output)`` in a training loop, ``output`` the loss it backpropagates (or
    a dict whose item it does: ``output['loss'].backward()``, TRI-ML/packnet-sfm#51), or a term
    of it (``loss, loss_chords, kl = compute_loss(data)``, the helper summing the terms it
    returns beside the total: jacbz/Lofi#14), into a list started before the loop, in a loop
    that steps an optimizer or updates parameters by hand (each iteration a training step):
    the list keeps every iteration's graph, as a ``total += loss`` would."""
    a = ctx.analysis
    for call in flow.calls_named(a, "append"):
        if len(call.args) != 1 or call.keywords or call.func.__class__ is not ast.Attribute \
                or flow.parent(a, call).__class__ is not ast.Expr:
            continue
        target = flow.dotted(call.func.value)  # type: ignore[attr-defined]
        loops = flow.enclosing_loops(a, call)
        if not loops or not (_steps_in(ctx, loops[0]) or _updates_by_hand(a, loops[0])):
            continue  # (a loop of tasks whose losses one step after it backpropagates: MAML's meta-batch)
        if call.args[0].__class__ in (ast.Subscript, ast.Attribute) and target \
                and (same := _backpropagated_before(ctx, loops[0], call)) is not None \
                and _outlives_the_step(a, loops[0], target, call):
            text = ctx.text(call.args[0])
            yield ctx.finding(  # (``losses.append(output[self.train_metric])`` after its backward: pnnl/neuromancer#292)
                call,
                f"`{ctx.text(call)}` keeps the loss tensor the loop backpropagates (line {same.lineno}) in "
                f"`{target}`, which outlives the iteration: each iteration's autograd graph stays referenced by "
                f"it (memory that grows for as long as `{target}` lives); append `{text}.detach()` (or its `.item()`)",
                Fix("unsafe", f"Append `{text}.detach()`", (ctx.replace(call.args[0], f"{text}.detach()"),)),
            )
            continue
        if call.args[0].__class__ is not ast.Name:
            last = _last_backpropagated(a, loops[0], target) if target and loops else None
            if last is not None and _outlives_the_step(a, loops[0], target, call) \
                    and not any(n.__class__ is ast.Assign and target in [flow.dotted(t) for t in n.targets]  # type: ignore[attr-defined]
                                for n in flow.walk_local(a, loops[0])):
                yield ctx.finding(
                    call,
                    f"`{ctx.text(call)}` keeps each iteration's loss in `{target}`, and the loop backpropagates "
                    f"`{ctx.text(last)}`: every loss in `{target}` keeps its autograd graph (memory that grows for "
                    f"as long as `{target}` lives); backpropagate the loss itself and keep its `.item()`",
                )
            continue
        value = call.args[0].id  # type: ignore[attr-defined]
        if not target or not loops or _list_emptied(a, loops[0], target) \
                or not _live_loss(a, call, value, target, items=True):
            continue
        if _a_loss_tensor(a, call, value):
            yield ctx.finding(
                call,
                f"`{ctx.text(call)}` keeps the loss tensor itself in `{target}`, which outlives the iteration: "
                f"each iteration's autograd graph stays referenced by it (memory that grows for as long as "
                f"`{target}` lives); append `{value}.item()` (or `{value}.detach()`)",
                Fix("unsafe", f"Append `{value}.item()`", (ctx.replace(call.args[0], f"{value}.item()"),)),
            )
            continue
        item = next((ctx.text(t) for n in flow.walk_local(a, loops[0]) if flow.is_backward_call(n)
                     and (t := flow.backward_target(n)).__class__ is ast.Subscript and flow.dotted(t.value) == value), value)
        yield ctx.finding(
            call,
            f"`{ctx.text(call)}` keeps `{value}`, whose `{item}` is the loss tensor the loop backpropagates, in "
            f"`{target}`, which outlives the iteration: each iteration's autograd graph stays referenced by it "
            f"(memory that grows for as long as `{target}` lives); detach it first (`{item} = {item}.detach()`)",
        )


def _outlives_the_step(a, loop: ast.AST, target: str, append: ast.Call) -> bool:
    """The list ``target`` that ``append`` fills keeps its items past the iteration: not
    emptied in the loop, not filled under ``no_grad``, not differentiated after the loop
    (a sum of the losses backpropagated once, on purpose)."""
    return not _list_emptied(a, loop, target) and not flow.under_grad_off(a, append) \
        and not _differentiated_after(a, loop, target)


def _backpropagated_before(ctx: Context, loop: ast.AST, append: ast.Call) -> ast.Call | None:
    """The ``backward()`` of ``loop``, before ``append``, of the very expression appended
    (``output[self.train_metric].backward()``, then ``losses.append(output[self.train_metric])``),
    nothing the expression reads rebound in between."""
    a = ctx.analysis
    text = ctx.text(append.args[0])
    names = {n.id for n in ast.walk(append.args[0]) if n.__class__ is ast.Name}  # type: ignore[attr-defined]
    for n in flow.walk_local(a, loop):
        if flow.is_backward_call(n) and flow.before(n, append) and (t := flow.backward_target(n)) is not None \
                and ctx.text(t) == text:
            func = flow.enclosing_function(a, append)
            stores = flow.stores_between(a, func, n.lineno, append.lineno)  # type: ignore[attr-defined]
            if not any(name.split(".", 1)[0] in names for name in stores):
                return n  # type: ignore[return-value]
    return None


def _updates_by_hand(a, loop: ast.AST) -> bool:
    """The loop applies gradients itself: it reads a ``.grad`` and writes in place (``w.data
    = w.data - lr * w.grad.data``, ``w -= lr * w.grad``, ``p.sub_(...)``): a training step
    without an optimizer (a course's linear regression by hand)."""
    nodes = flow.walk_local(a, loop)
    if not any(n.__class__ is ast.Attribute and n.attr == "grad" for n in nodes):  # type: ignore[attr-defined]
        return False
    return any(n.__class__ is ast.AugAssign
               or (n.__class__ is ast.Assign and any(t.__class__ is ast.Attribute and t.attr == "data"  # type: ignore[attr-defined]
                                                     for t in n.targets))  # type: ignore[attr-defined]
               or (n.__class__ is ast.Call and flow.method_name(n) in ("sub_", "add_", "copy_"))  # type: ignore[arg-type]
               for n in nodes)


def _last_backpropagated(a, loop: ast.AST, target: str) -> ast.expr | None:
    """The loop's ``target[-1].backward()`` target (rballester/tntorch#19: ``losses.append(...)``,
    then ``losses[-1].backward(retain_graph=True)``), if any."""
    for n in flow.walk_local(a, loop):
        if flow.is_backward_call(n):
            t = flow.backward_target(n)
            if t.__class__ is ast.Subscript and flow.dotted(t.value) == target \
                    and t.slice.__class__ is ast.UnaryOp and t.slice.operand.__class__ is ast.Constant \
                    and t.slice.operand.value == 1:  # type: ignore[union-attr]
                return t
    return None


def _list_emptied(a, loop: ast.AST, target: str) -> bool:
    """The loop empties or trims the list (``losses.clear()``, ``losses.pop(0)``, ``del
    losses[:]``): it keeps a bounded window, not every iteration."""
    for n in flow.walk_local(a, loop):
        if n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr in ("clear", "pop") \
                and flow.dotted(n.func.value) == target:  # type: ignore[attr-defined]
            return True
        if n.__class__ is ast.Delete and any(t.__class__ is ast.Subscript and flow.dotted(t.value) == target
                                             for t in n.targets):  # type: ignore[attr-defined]
            return True
    return False


def _a_loss_tensor(a, node: ast.AST, value: str) -> bool:
    """``value`` is itself backpropagated or a term of what is (not a dict of losses, whose
    ``.item()`` would not be a number)."""
    loop = flow.enclosing_loops(a, node)[0]
    return any(flow.is_backward_call(n) and flow.dotted(flow.backward_target(n)) == value
               for n in flow.walk_local(a, loop)) or _term_of_backwarded(a, loop, value, None)


_TENSOR_FACTORIES = frozenset({"torch.zeros", "torch.ones", "torch.empty", "torch.full", "torch.zeros_like",
                               "torch.ones_like", "torch.empty_like", "torch.full_like", "torch.tensor", "torch.Tensor"})


def _losses_written_into_tensors(ctx: Context) -> Iterator[Finding]:
    """``losses[epochi] = loss`` in the training loop, ``losses`` a tensor the function built
    (``torch.zeros(numepochs)``): autograd records the write, so ``losses`` holds every
    iteration's graph (the DUDL course's training loops, copied in SebinSong's study notes)."""
    a = ctx.analysis
    backwarded: set[str] | None = None  # the names the file calls backward() on, found once
    for node in flow.index(a).assigns:
        if node.__class__ is not ast.Assign or len(node.targets) != 1 or node.targets[0].__class__ is not ast.Subscript \
                or node.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
            continue
        if backwarded is None:
            backwarded = {flow.dotted(flow.backward_target(c)) or "" for c in flow.calls_named(a, "backward")
                          if flow.is_backward_call(c)}
        base = node.targets[0].value  # type: ignore[attr-defined]
        if base.__class__ is not ast.Name:
            continue
        built = flow.binding_value(a, base)
        by_step = _a_dict_keyed_by_step(a, node, built)
        if node.value.id not in backwarded and not by_step:  # type: ignore[attr-defined]
            continue  # (a dict by step may keep a loss a method backpropagated and returned: ``history[step] = step_loss``)
        if by_step:
            value = node.value.id  # type: ignore[attr-defined]
            if (_live_loss(a, node, value, base.id) or _bound_to_backpropagated_return(ctx, node, value) is not None) \
                    and not flow.under_grad_off(a, node) \
                    and not _differentiated_after(a, flow.enclosing_loops(a, node)[0], base.id):
                yield ctx.finding(
                    node,
                    f"`{ctx.text(node)}` keeps the loss tensor itself in `{base.id}`, under a new key every "
                    f"iteration: each iteration's autograd graph stays referenced by it (memory that grows for as "
                    f"long as `{base.id}` lives); store `{value}.item()`",
                    Fix("unsafe", f"Store `{value}.item()`", (ctx.replace(node.value, f"{value}.item()"),)),
                )
            continue
        if built.__class__ is not ast.Call or flow.safe_qualname(a, built.func) not in _TENSOR_FACTORIES:  # type: ignore[attr-defined]
            continue
        value = node.value.id  # type: ignore[attr-defined]
        if not _live_loss(a, node, value, base.id):
            continue
        yield ctx.finding(
            node,
            f"`{ctx.text(node)}` writes the loss tensor itself into `{base.id}`, a tensor: autograd records "
            f"the write, so `{base.id}` keeps each iteration's graph (memory that grows for as long as it "
            f"lives); write `{value}.item()`",
            Fix("unsafe", f"Write `{value}.item()`", (ctx.replace(node.value, f"{value}.item()"),)),
        )


# tensor methods that hand back the tensor with its graph (``loss.float()`` on a float32 loss:
# say4n/pytorch-segnet's epoch total)
_SAME_GRAPH = frozenset({"float", "double", "clone", "squeeze", "cpu", "cuda", "mean", "sum"})


def _returned_backpropagated(ctx: Context, aug: ast.AugAssign, call: ast.Call) -> Finding | None:
    """``epoch_loss += self.train_batch(x, y)`` in a loop, where the helper (a function or
    method of the project) runs ``loss.backward()`` and returns ``loss`` itself: the total
    chains every batch's graph as surely as ``total += loss`` does (shayeree96's CMU 11-785
    language-model trainer)."""
    a = ctx.analysis
    target = flow.dotted(aug.target) if aug.target.__class__ is not ast.Subscript else None
    loops = flow.enclosing_loops(a, aug)
    if not loops or not target or flow.under_grad_off(a, aug):
        return None
    loss = _backpropagated_return(ctx, call, flow.enclosing_function(a, aug))
    if loss is None or _total_excused(a, aug, loops, target):
        return None
    text = ctx.text(call)
    name = flow.last_name(call.func)
    return ctx.finding(
        aug,
        f"`{ctx.text(aug)}` adds the loss tensor `{name}()` returns (it ran `{loss}.backward()` on it), so "
        f"the total joins the autograd graph: each iteration's graph stays chained to it (memory that grows "
        f"for as long as the total lives); add `{text}.item()`, or return `{loss}.item()` from `{name}`",
        Fix("unsafe", "Add `.item()`", (ctx.replace(call, f"{text}.item()"),)),
    )


def _total_excused(a, aug: ast.stmt, loops: list[ast.AST], target: str) -> bool:
    """The total is reset in the innermost loop, a window's or one per model, or differentiated later."""
    loop = loops[0]
    return any(n.__class__ is ast.Assign and n is not aug and _starts_total_again(a, loop, n, target)
               for n in flow.walk_local(a, loop)) or _window_total(a, aug, loop, target) \
        or _per_model_total(a, loops, target) or _differentiated_after(a, loop, target)


def _starts_total_again(a, loop: ast.AST, assign: ast.Assign, target: str) -> bool:
    """``assign`` (in ``loop``) binds the total ``target`` again (also as an item of a tuple:
    ``step_time, loss = 0.0, 0.0``) where that bounds its history: on every iteration, or
    under an ``if`` whose block also steps (one gradient-accumulation window, pytorch/torchtune's
    recipes). Not under an ``if`` that only reports (``if step % 50 == 0: print(loss); loss =
    0.0``): until then the total keeps every step's graph (ULTR-Community/ULTRA_pytorch#6)."""
    names = [flow.dotted(e) for t in assign.targets
             for e in (t.elts if t.__class__ in (ast.Tuple, ast.List) else [t])]  # type: ignore[attr-defined]
    if target not in names:
        return False
    branch = None
    for up in flow.ancestors(a, assign):
        if up is loop:
            break
        if up.__class__ is ast.If:
            branch = up
            break
    return branch is None or any(flow.method_name(c) == "step" for c in flow.calls_in(a, branch))


def _backpropagated_return(ctx: Context, call: ast.Call, caller: ast.AST, position: int | None = None) -> str | None:
    """The loss (as written, ``loss`` or ``self.loss``) that the function or method ``call``
    runs (of the project) backpropagates and returns, scaled or not (``return loss * world_size``:
    adriansahlman/stylegan2_pytorch's ``_backward``), at ``position`` of the tuple it returns
    if given (``return self.loss, None, summary``, the backward in another method of its class
    that it calls: ULTR-Community/ULTRA_pytorch#6); constant early returns aside. None when it
    returns anything else, or rebinds the loss to a number or a detached tensor."""
    summaries = _summaries(ctx.analysis)
    # (a method named like a container's or a module's, ``model.train(feed)``: by the receiver's class)
    callee = summaries.callee(call, caller) or summaries.bound_method(call)
    if callee is None or not isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    unit = summaries.analysis_of(callee) or ctx.analysis
    nodes = list(flow.walk_local(unit, callee))
    names = set()
    for n in nodes:
        if n.__class__ is not ast.Return or n.value is None or n.value.__class__ is ast.Constant:  # type: ignore[attr-defined]
            continue
        value = n.value  # type: ignore[attr-defined]
        if position is not None:
            if value.__class__ is not ast.Tuple or len(value.elts) <= position:  # type: ignore[attr-defined]
                return None
            value = value.elts[position]  # type: ignore[attr-defined]
        while value.__class__ is ast.BinOp and value.op.__class__ in (ast.Mult, ast.Div):  # type: ignore[attr-defined]
            value = value.left  # type: ignore[attr-defined]
        name = flow.dotted(value) if value.__class__ in (ast.Name, ast.Attribute) else None
        if not name:
            return None
        names.add(name)
    if len(names) != 1:
        return None
    (loss,) = names
    owner = flow.parent(unit, callee)
    if loss.startswith("self.") and owner.__class__ is ast.ClassDef:  # its class's own methods it calls
        methods = {m.name: m for m in owner.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}  # type: ignore[attr-defined]
        called = {c.func.attr for c in nodes if c.__class__ is ast.Call and c.func.__class__ is ast.Attribute  # type: ignore[attr-defined]
                  and flow.dotted(c.func.value) == "self"}  # type: ignore[attr-defined]
        nodes += [n for m in sorted(called & methods.keys()) for n in flow.walk_local(unit, methods[m])]
    if not any(flow.is_backward_call(n) and flow.dotted(flow.backward_target(n)) == loss for n in nodes) or any(
            n.__class__ is ast.Assign and any(flow.dotted(t) == loss for t in n.targets)  # type: ignore[attr-defined]
            and not _keeps_graph(n.value) for n in nodes):  # type: ignore[attr-defined]
        return None
    return loss


def _bound_to_backpropagated_return(ctx: Context, aug: ast.stmt, name: str) -> tuple[ast.Call, str] | None:
    """``step_loss, _, summary = model.train(input_feed)`` in the innermost loop around ``aug``
    (once, before it), where the method backpropagates and returns the loss it hands back
    there: (the call, the loss as the callee writes it)."""
    a = ctx.analysis
    loops = flow.enclosing_loops(a, aug)
    if not loops:
        return None
    found = None
    for n in flow.walk_local(a, loops[0]):
        if n.__class__ not in (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For):
            continue
        targets = n.targets if n.__class__ is ast.Assign else [n.target]  # type: ignore[attr-defined]
        for t in targets:
            elts = t.elts if t.__class__ in (ast.Tuple, ast.List) else [t]  # type: ignore[attr-defined]
            for i, e in enumerate(elts):
                if e.__class__ is ast.Name and e.id == name:  # type: ignore[attr-defined]
                    if found is not None or n.__class__ is not ast.Assign or n.value.__class__ is not ast.Call \
                            or not flow.before(n, aug):  # type: ignore[attr-defined]
                        return None
                    found = (n.value, i if t.__class__ in (ast.Tuple, ast.List) else None)  # type: ignore[attr-defined]
    if found is None:
        return None
    loss = _backpropagated_return(ctx, found[0], flow.enclosing_function(a, aug), found[1])
    return (found[0], loss) if loss is not None else None


def _returned_loss_terms(ctx: Context, aug: ast.AugAssign, added: ast.Name, written: ast.expr) -> Finding | None:
    """``total_loss[name] += loss_val * batch_size`` for ``name, loss_val in loss_each.items()``
    (or ``loss_val in loss_each.values()``), where ``loss_each = self.train_one_batch(...)``
    in the batch loop: the helper backpropagates ``loss`` and returns ``loss_item``, both from
    ``loss, loss_item = self.loss_fn(...)``, and the loss object's ``__call__`` (``forward``)
    returns ``loss_sum, loss_dict`` with ``loss_sum`` computed from ``loss_dict``: each value
    is a term of the backpropagated loss, graph and all (MultimediaTechLab/YOLO#83)."""
    a = ctx.analysis
    loops = flow.enclosing_loops(a, aug)
    terms = next((lp for lp in loops if lp.__class__ in (ast.For, ast.AsyncFor)
                  and added.id in _loop_value_names(lp)), None)  # type: ignore[attr-defined]
    if terms is None or flow.under_grad_off(a, aug):
        return None
    returned = terms.iter.func.value  # type: ignore[attr-defined]
    call = flow.binding_value(a, returned)
    batches = next((lp for lp in flow.enclosing_loops(a, terms) if call is not None and flow.contains(lp, call)), None)
    if call.__class__ is not ast.Call or batches is None:
        return None
    summaries = _summaries(a)
    helper = summaries.callee(call, flow.enclosing_function(a, aug))  # type: ignore[arg-type]
    if not isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    unit = summaries.analysis_of(helper) or a
    nodes = flow.walk_local(unit, helper)
    returns = [n for n in nodes if n.__class__ is ast.Return]
    names = {n.value.id for n in returns if n.value.__class__ is ast.Name}  # type: ignore[attr-defined]
    if len(names) != 1 or len(returns) != len([n for n in returns if n.value.__class__ is ast.Name]):  # type: ignore[attr-defined]
        return None
    (kept,) = names
    backwarded = {flow.dotted(flow.backward_target(n)) for n in nodes if flow.is_backward_call(n)}
    pair = None
    for n in nodes:
        if n.__class__ is ast.Assign and len(n.targets) == 1 and n.targets[0].__class__ is ast.Tuple \
                and n.value.__class__ is ast.Call:  # type: ignore[attr-defined]
            elts = [flow.dotted(e) for e in n.targets[0].elts]  # type: ignore[attr-defined]
            if kept in elts and any(e in backwarded for e in elts if e != kept):
                pair = (n, elts.index(kept), next(i for i, e in enumerate(elts) if e != kept and e in backwarded))
        elif n.__class__ is ast.Assign and kept in [flow.dotted(t) for t in n.targets]:  # type: ignore[attr-defined]
            return None  # bound again in the helper: another value
    if pair is None or not _sums_its_terms(unit, pair[0].value, pair[1], pair[2]):  # type: ignore[attr-defined]
        return None
    base = aug.target.value  # type: ignore[attr-defined]
    target = flow.dotted(base)
    if not target or any(n.__class__ is ast.Assign and target in [flow.dotted(t) for t in n.targets]  # type: ignore[attr-defined]
                         for n in flow.walk_local(a, batches)) \
            or _differentiated_after(a, batches, target) or _per_model_total(a, [batches], target):
        return None
    value = added.id
    return ctx.finding(
        aug,
        f"`{ctx.text(aug)}` adds a term of the loss that `{flow.last_name(call.func)}()` backpropagated "
        f"(its `{kept}` holds the terms `{flow.dotted(pair[0].targets[0].elts[pair[2]])}` sums), so the total "  # type: ignore[attr-defined]
        f"joins the autograd graph: each iteration's graph stays chained to it (memory that grows for as long "
        f"as the total lives); add `{value}.item()` (or `{value}.detach()`)",
        Fix("unsafe", f"Add `{value}.item()`", (ctx.replace(written, f"{value}.item()"),)),
    )


def _loop_value_names(loop: ast.For | ast.AsyncFor) -> tuple[str, ...]:
    """The name a ``for`` binds to each value of ``d.items()`` (``for k, v in ...``) or
    ``d.values()``, ``d`` a name; else none."""
    it, target = loop.iter, loop.target
    if it.__class__ is not ast.Call or it.func.__class__ is not ast.Attribute or it.args \
            or it.func.value.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return ()
    if it.func.attr == "items" and target.__class__ is ast.Tuple and len(target.elts) == 2 \
            and target.elts[1].__class__ is ast.Name:  # type: ignore[attr-defined]
        return (target.elts[1].id,)  # type: ignore[attr-defined]
    if it.func.attr == "values" and target.__class__ is ast.Name:  # type: ignore[attr-defined]
        return (target.id,)  # type: ignore[attr-defined]
    return ()


def _sums_its_terms(a, call: ast.Call, terms: int, total: int) -> bool:
    """``call`` runs a loss object of the project (its ``__call__``, or ``forward`` for a
    module) that returns a tuple whose element ``total`` is computed from its element
    ``terms``, a dict it builds (``loss_sum = sum(list(loss_dict.values())) / len(loss_dict)``;
    ``return loss_sum, loss_dict``)."""
    qualname = flow.safe_type(a, call.func)
    found = _weights.class_of_project(a, qualname) if qualname else None
    if found is None:
        return False
    unit, info = found
    method = info.methods.get("__call__") or info.methods.get("forward")
    if method is None:
        return False
    nodes = flow.walk_local(unit, method)
    returns = [n for n in nodes if n.__class__ is ast.Return]
    if not returns:
        return False
    for ret in returns:
        value = ret.value
        if value.__class__ is not ast.Tuple or len(value.elts) <= max(terms, total) \
                or value.elts[terms].__class__ is not ast.Name or value.elts[total].__class__ is not ast.Name:  # type: ignore[attr-defined]
            return False
        dict_name, total_name = value.elts[terms].id, value.elts[total].id  # type: ignore[attr-defined]
        built = [n.value for n in nodes if n.__class__ is ast.Assign  # type: ignore[attr-defined]
                 and [flow.dotted(t) for t in n.targets] == [dict_name]]  # type: ignore[attr-defined]
        sums = [n.value for n in nodes if n.__class__ is ast.Assign  # type: ignore[attr-defined]
                and [flow.dotted(t) for t in n.targets] == [total_name]]  # type: ignore[attr-defined]
        if len(built) != 1 or built[0].__class__ is not ast.Dict or len(sums) != 1 \
                or not any(n.__class__ is ast.Name and n.id == dict_name for n in ast.walk(sums[0])):  # type: ignore[attr-defined]
            return False
        if any(v.__class__ is ast.Call and (flow.method_name(v) in ("item", "detach", "tolist")  # type: ignore[attr-defined]
                                            or flow.dotted(v.func) in ("float", "int"))  # type: ignore[attr-defined]
               for v in built[0].values):  # type: ignore[attr-defined]
            return False  # numbers, or terms cut from the graph
    return True


def _live_loss(a, node: ast.AST, value: str, target: str | None, items: bool = False) -> bool:
    """Whether ``value`` at ``node`` is the loss tensor its loop runs backward on, its graph
    still attached: not detached or rebound to another value after its backward, the
    total (``target``) not started again in the loop nor one backward itself, no window
    total, not under ``no_grad``. ``items``: an item of ``value`` backpropagated counts
    (a dict of losses, ``loss["total"].backward()``)."""
    loops = flow.enclosing_loops(a, node)
    if not loops:
        return False
    loop = loops[0]
    backwarded = set()
    detached = reset = False
    last_backward, rebinds = None, []
    for n in flow.walk_local(a, loop):
        if flow.is_backward_call(n):
            t = flow.backward_target(n)
            while items and t.__class__ is ast.Subscript:  # ``loss["total"].backward()``: the dict's
                t = t.value  # type: ignore[union-attr]
            if t is not None:
                backwarded.add(flow.dotted(t))
                if flow.dotted(t) == value and flow.before(n, node):
                    last_backward = n if last_backward is None or flow.before(last_backward, n) else last_backward
        elif isinstance(n, ast.Assign):
            names = [flow.dotted(t) for t in n.targets]
            if value in names:
                if not _keeps_graph(n.value):
                    detached = True
                rebinds.append(n)
            if target and n is not node and _starts_total_again(a, loop, n, target):
                reset = True
    # bound again after its backward, before the sum: another value (a metric of numpy
    # predictions in jeffheaton/app_deep_learning's ensemble: ``loss = mlogloss(...)``)
    if last_backward is not None and any(flow.before(last_backward, r) and flow.before(r, node) for r in rebinds):
        return False
    if value not in backwarded and len(loops) > 1:
        backwarded = backwarded | _summed_into_outer_backward(a, loops)
    # ``reset``: the total starts again inside the loop (the loss of one gradient
    # accumulation window, pytorch/torchtune's recipes): its history does not grow
    # with the training loop, and it may have to stay a tensor (all_reduce)
    if (value not in backwarded and not _term_of_backwarded(a, loop, value, backwarded)
            and not (backwarded and _reduced_model_output(a, loop, value))) or detached or reset \
            or _window_total(a, node, loop, target) or _per_model_total(a, loops, target):
        return False
    if target and (target in backwarded or _differentiated_after(a, loop, target)):
        return False  # summing losses to backward once: intended
    return not flow.under_grad_off(a, node)


def _summed_into_outer_backward(a, loops: list[ast.AST]) -> set[str]:
    """The names the innermost loop adds into a total that a loop around it backpropagates
    (``loss_sum += loss`` over the steps of a rollout, then ``loss_sum.backward()``:
    qbx2/PAAC.pytorch#1): each is part of what is backpropagated."""
    outer = {flow.dotted(flow.backward_target(n)) for n in flow.walk_local(a, loops[1]) if flow.is_backward_call(n)}
    outer.discard(None)
    return {flow.dotted(n.value) for n in flow.walk_local(a, loops[0])  # type: ignore[attr-defined]
            if n.__class__ is ast.AugAssign and n.op.__class__ is ast.Add  # type: ignore[attr-defined]
            and flow.dotted(n.target) in outer and n.value.__class__ is ast.Name}  # type: ignore[attr-defined]


def _term_of_backwarded(a, loop: ast.AST, value: str, backwarded: set | None) -> bool:
    """``value`` is a term of a loss the loop backpropagates: both come from one call of a
    helper of the project (``loss, loss_chords, kl = compute_loss(data)``) whose returned
    total is computed from the term it returns beside it (``loss_total = loss_chords +
    loss_kl``; ``return loss_total, loss_chords, loss_kl``). ``backwarded``: the names the
    loop backpropagates (None: find them)."""
    if backwarded is None:
        backwarded = {flow.dotted(flow.backward_target(n)) for n in flow.walk_local(a, loop) if flow.is_backward_call(n)}
    for n in flow.walk_local(a, loop):
        if n.__class__ is not ast.Assign or len(n.targets) != 1 or n.targets[0].__class__ is not ast.Tuple \
                or n.value.__class__ is not ast.Call:  # type: ignore[attr-defined]
            continue
        names = [flow.dotted(e) for e in n.targets[0].elts]  # type: ignore[attr-defined]
        if value not in names or not any(x in backwarded for x in names if x != value):
            continue
        found = _function_run(a, n.value)  # type: ignore[arg-type]
        if found is None:
            return False
        unit, helper = found
        nodes = flow.walk_local(unit, helper)
        returns = [r for r in nodes if r.__class__ is ast.Return]
        term = names.index(value)
        totals = [i for i, x in enumerate(names) if x != value and x in backwarded]
        if not returns:
            return False
        for ret in returns:
            elts = ret.value.elts if ret.value.__class__ is ast.Tuple else None  # type: ignore[attr-defined]
            if elts is None or len(elts) != len(names) or elts[term].__class__ is not ast.Name:
                return False
            term_name = elts[term].id
            sums = [elts[i].id for i in totals if elts[i].__class__ is ast.Name]
            bound = [m.value for m in nodes if m.__class__ is ast.Assign and len(m.targets) == 1  # type: ignore[attr-defined]
                     and flow.dotted(m.targets[0]) in sums]  # type: ignore[attr-defined]
            if len(bound) != 1 or not any(x.__class__ is ast.Name and x.id == term_name for x in ast.walk(bound[0])):
                return False
        return True
    return False


def _function_run(a, call: ast.Call) -> tuple[Analysis, ast.AST] | None:
    """The function of the project a call runs, with its module's analysis, whether or not
    its module names an effect (the summaries follow only those): a helper of the file or
    of another module, also through a name bound to it once (``loss_fn = my_loss``,
    samuelyu2002/ImVisible's training script, with ``my_loss`` in its ``loss`` module)."""
    summaries = _summaries(a)
    helper = summaries.callee(call, flow.enclosing_function(a, call))
    if isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return summaries.analysis_of(helper) or a, helper
    qualname = flow.safe_qualname(a, call.func)
    found = _weights.project_function(a, qualname) if qualname else None
    if found is None or found[1].__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return None
    return found


def _differentiated_after(a, loop: ast.AST, total: str) -> bool:
    """After ``loop``, its function backpropagates an expression of ``total`` or hands it to
    ``torch.autograd.grad`` (ycq091044/ManyDG's MLDG step: ``autograd.grad(meta_train_loss, ...,
    create_graph=True)``, then ``(meta_train_loss + meta_val_loss).backward()``): the sum keeps
    its graph on purpose."""
    func = flow.enclosing_function(a, loop)
    return any(total in names and not flow.contains(loop, call) and flow.before(loop, call)
               for call, names in _differentiated(a).get(id(func), ()))


def _differentiated(a) -> dict[int, list[tuple[ast.Call, frozenset[str]]]]:
    """id(function) -> its ``backward()`` and ``torch.autograd.grad`` calls, each with the
    names (dotted) in what it differentiates: every function's from one pass over the calls."""
    found = a.queries.get("differentiated")
    if found is not None:
        return found
    out: dict[int, list[tuple[ast.Call, frozenset[str]]]] = {}
    for n in flow.calls_named(a, "backward", "grad"):
        if flow.is_backward_call(n):
            t = flow.backward_target(n)
        elif n.args and n.func.__class__ is ast.Attribute and n.func.attr == "grad" and _is_autograd_grad(n):  # type: ignore[attr-defined]
            t = n.args[0]  # type: ignore[attr-defined]
        else:
            continue
        if t is not None:
            out.setdefault(id(flow.enclosing_function(a, n)), []).append(
                (n, frozenset(d for x in ast.walk(t) if (d := flow.dotted(x)))))  # type: ignore[arg-type]
    a.queries["differentiated"] = out
    return out


def _losses_kept_by_meters(ctx: Context) -> Iterator[Finding]:
    """``losses.update(loss, n)`` in a training loop, where ``update`` (a method of a class
    of the file or of the project, found by the receiver's type) adds the value it is handed
    to an attribute (``self.sum += val * n``, the ``AverageMeter`` of many training scripts;
    ``self.train_losses[key] += loss[key]`` for a dict of losses, jokester-zzz/SSA-SC's
    ``LossesTrackEpoch``): the meter's total joins the graph as a ``total += loss`` would.
    Only calls handed a name the file runs backward on (or on an item of) are asked."""
    a = ctx.analysis
    backwarded = set()
    for b in flow.calls_named(a, "backward"):
        t = flow.backward_target(b) if flow.is_backward_call(b) else None
        while t.__class__ is ast.Subscript:
            t = t.value  # type: ignore[union-attr]
        if t.__class__ is ast.Name:
            backwarded.add(t.id)  # type: ignore[union-attr]
    if not backwarded:
        return
    refs = flow.index(a).refs_by_name
    summaries = None
    for name in sorted(backwarded):
        for ref in refs.get(name, ()):
            call = flow.parent(a, ref)
            if call.__class__ is not ast.Call or not call.args or call.args[0] is not ref \
                    or call.func.__class__ is not ast.Attribute or not flow.enclosing_loops(a, call):  # type: ignore[attr-defined]
                continue
            summaries = summaries or _summaries(a)
            method = summaries.bound_method(call)  # type: ignore[arg-type]
            if method is None or not summaries.is_bound(call):  # type: ignore[arg-type]
                continue
            kept = _kept_by_method(summaries.analysis_of(method), method)
            if kept is None or not _live_loss(a, call, name, None, items=True):
                continue
            yield _meter_finding(ctx, call, ref, method, kept, summaries)  # type: ignore[arg-type]


def _meter_finding(ctx: Context, call: ast.Call, arg: ast.Name, method: ast.AST, kept: str, summaries) -> Finding:
    value = arg.id
    meter = ctx.text(call.func.value)  # type: ignore[attr-defined]
    owner = flow.parent(summaries.analysis_of(method), method)
    where = f"{owner.name}.{method.name}" if owner.__class__ is ast.ClassDef else method.name  # type: ignore[attr-defined]
    if kept.endswith("[item]"):  # a dict of losses: each item is added
        return ctx.finding(
            call,
            f"`{ctx.text(call)}` hands the loss tensors of `{value}` to `{where}`, which adds each to "
            f"`{kept[:-6]}[...]`: `{meter}`'s totals join the autograd graph, and each iteration's graph stays "
            f"chained to them (memory that grows for as long as `{meter}` lives); pass their `.item()` values",
        )
    fix = Fix("unsafe", f"Pass `{value}.item()`", (ctx.replace(arg, f"{value}.item()"),))
    return ctx.finding(
        call,
        f"`{ctx.text(call)}` hands the loss tensor itself to `{where}`, which adds it to "
        f"`{kept}`: `{meter}`'s total joins the autograd graph, and each iteration's graph stays "
        f"chained to it (memory that grows for as long as `{meter}` lives); pass `{value}.item()`",
        fix,
    )


def _kept_by_method(analysis, method: ast.AST) -> str | None:
    """The ``self.<attr>`` a method adds its first argument to (``self.sum += val * n``,
    ``self._sum[idx] += val``) when that argument is used for nothing else but being kept
    (``self.val = val``): no conversion (``val.item()``, ``float(val)``), no type test, no
    rebinding. Its text (``self.sum``), else None."""
    def compute():
        args = method.args.args  # type: ignore[attr-defined]
        if len(args) < 2 or method.args.posonlyargs or method.args.vararg:  # type: ignore[attr-defined]
            return None
        param = args[1].arg
        kept, uses = None, 0
        for n in flow.walk_local(analysis, method):
            if n.__class__ is ast.Name and n.id == param:  # type: ignore[attr-defined]
                uses += 1
                if n.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined]
                    return None
        allowed = 0
        for n in flow.walk_local(analysis, method):
            if n.__class__ is ast.AugAssign and n.op.__class__ is ast.Add and _held_by_self(n.target) \
                    and _is_param_or_scaled(n.value, param):  # type: ignore[attr-defined]
                kept = kept or ast.unparse(n.target)  # type: ignore[attr-defined]
                allowed += 1
            elif n.__class__ is ast.AugAssign and n.op.__class__ is ast.Add and _held_by_self(n.target) \
                    and n.value.__class__ is ast.Subscript and n.value.value.__class__ is ast.Name \
                    and n.value.value.id == param and n.target.__class__ is ast.Subscript:  # type: ignore[attr-defined]
                # ``for key in loss: self.train_losses[key] += loss[key]``: each item of a dict
                kept = kept or ast.unparse(n.target.value) + "[item]"  # type: ignore[attr-defined]
                allowed += 1
            elif n.__class__ is ast.Assign and len(n.targets) == 1 and _held_by_self(n.targets[0]) \
                    and n.value.__class__ is ast.Name and n.value.id == param:  # type: ignore[attr-defined]
                allowed += 1
            elif n.__class__ in (ast.For, ast.comprehension) and n.iter.__class__ is ast.Name \
                    and n.iter.id == param:  # type: ignore[attr-defined]
                allowed += 1  # (its keys, iterated)
        return kept if kept is not None and allowed == uses else None

    return flow.memo(analysis, method, "kept_by_method", compute)


def _is_param_or_scaled(value: ast.expr, param: str) -> bool:
    """``val`` or ``val * n`` (``n * val``), ``n`` a plain name or constant."""
    if value.__class__ is ast.Name:
        return value.id == param  # type: ignore[attr-defined]
    if value.__class__ is not ast.BinOp or value.op.__class__ is not ast.Mult:  # type: ignore[attr-defined]
        return False
    sides = (value.left, value.right)  # type: ignore[attr-defined]
    return any(s.__class__ is ast.Name and s.id == param for s in sides) \
        and all(s.__class__ in (ast.Name, ast.Constant, ast.Attribute) for s in sides)


def _window_total(a, aug: ast.AugAssign, loop: ast.AST, target: str | None) -> bool:
    """The total is a local the function starts at a constant before a loop over one
    gradient-accumulation window (``for _ in range(self.gradient_accumulate_every)``): it
    lives for one window, as a total reset in the loop does (lucidrains/deep-daze's
    ``train_step``)."""
    if not target or "." in target or loop.__class__ is not ast.For:
        return False
    it = loop.iter  # type: ignore[attr-defined]
    if it.__class__ is not ast.Call or flow.last_name(it.func) != "range" or len(it.args) != 1:
        return False
    outer = flow.enclosing_loops(a, loop)
    if "accum" not in (flow.dotted(it.args[0]) or "").lower() and not (
            outer and not any(flow.method_name(c) == "step" for c in flow.calls_in(a, loop))
            and any(flow.method_name(c) == "step" and flow.before(loop, c) and not flow.contains(loop, c)
                    for c in flow.calls_in(a, outer[0]))):
        return False  # (a window by its name, or a loop of forward passes whose steps the loop around makes:
        # lrjconan/GRAN's ``for ff in range(self.dataset_conf.num_fwd_pass)`` then ``optimizer.step()``)
    func = flow.enclosing_function(a, loop)
    # started before the window: in the function, or, for a window inside a loop over training
    # steps, in that loop's body, each step (yuanzhi-zhu/mini_edm's script: ``batch_loss =
    # torch.tensor(0.0, device=device)`` before ``for _ in range(config.accumulation_steps):``)
    if not outer and func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    scope = outer[0] if outer else func
    return any(n.__class__ is ast.Assign and _a_zero(n.value) and flow.before(n, loop)  # type: ignore[attr-defined]
               and any(t.__class__ is ast.Name and t.id == target for t in n.targets)  # type: ignore[attr-defined]
               for n in flow.walk_local(a, scope))


def _a_zero(value: ast.expr) -> bool:
    """A constant, an empty list, or a tensor made of one (``torch.tensor(0.0, device=device)``,
    ``torch.zeros(1)``)."""
    if value.__class__ is ast.Constant or (value.__class__ is ast.List and not value.elts):  # type: ignore[attr-defined]
        return True
    return value.__class__ is ast.Call and flow.last_name(value.func) in ("tensor", "zeros", "as_tensor") \
        and bool(value.args) and value.args[0].__class__ is ast.Constant  # type: ignore[attr-defined]


def _per_model_total(a, loops: list, target: str | None) -> bool:
    """The total sums one loss per model of a loop over several models, each stepping its
    own optimizer (``optimizersD[i].step()``), and the loop around it starts the total
    again before it: it lives for one training step (taoxugit/AttnGAN's ``errD_total``
    over its discriminators)."""
    if not target or len(loops) < 2 or loops[0].__class__ is not ast.For:
        return False
    loop, outer = loops[0], loops[1]
    index = flow.dotted(loop.target) if loop.target.__class__ is ast.Name else None  # type: ignore[attr-defined]
    if index is None or not any(
            flow.method_name(c) == "step" and c.func.value.__class__ is ast.Subscript  # type: ignore[attr-defined]
            and flow.dotted(c.func.value.slice) == index for c in flow.calls_in(a, loop)):  # type: ignore[attr-defined]
        return False
    return any(n.__class__ is ast.Assign and n.value.__class__ is ast.Constant and flow.before(n, loop)
               and flow.enclosing_loops(a, n)[:1] == [outer] and flow.dotted(n.targets[0]) == target
               for n in flow.walk_local(a, outer))


def _keeps_graph(expr: ast.expr) -> bool:
    """False for ``loss.item()``, ``float(loss)``, ``loss.detach()``, constants."""
    if isinstance(expr, ast.Constant):
        return False
    if isinstance(expr, ast.Call):
        name = flow.method_name(expr)
        if name in ("item", "detach", "float", "int", "tolist", "numpy") and (
                isinstance(expr.func, ast.Name) or name in ("item", "detach", "tolist", "numpy")):
            return False
    return True


# ------------------------------------------------------------------ TW109
_MOVES = {"to", "cuda", "half", "float", "double", "bfloat16", "long", "int", "bool", "short",
          "byte", "char", "pin_memory", "xpu", "mps"}


@rule(code="TW109", name="tensor-to-discarded", group="training", severity="error",
      summary="`x.to(device)` on a tensor with the result thrown away: tensors are not moved in place.",
      fix="unsafe", runtime=True)
def tensor_to_discarded(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for stmt in flow.iter_nodes(a, ast.Expr):
        call = stmt.value
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        if call.func.attr not in _MOVES:
            continue
        recv = call.func.value
        if not isinstance(recv, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            continue
        if flow.is_module_instance(a, recv):
            continue
        if isinstance(recv, ast.Call) and (call.func.attr != "to" or not isinstance(recv.func, ast.Attribute)
                                           or flow.safe_qualname(a, recv.func.value) is not None
                                           or _to_host(call)):
            # only `obj.method(...).to(device)`: `model(x).cpu()` is a deliberate sync, and a
            # tensor just made (`torch.zeros(1).to(device)`: skorch's CUDA warm-up) is no one's
            continue
        element = False
        if not (flow.is_tensor(a, recv) or _batch_tensor(a, stmt, recv) or _used_as_tensor(a, stmt, recv)
                or _tokenizer_tensor(recv) or _batch_parameter_item(a, stmt, recv)):
            element = _element_of_annotated_tensors(a, stmt, recv)
            if not element:
                continue
        if isinstance(recv, ast.Attribute) and _reassigned_unknown(a, stmt, recv):
            continue
        if _graph_batch(a, stmt, recv):
            continue
        if flow.displayed(a, stmt):
            continue  # a notebook cell's last line: Jupyter shows the copy
        if _expected_to_raise(a, stmt) or _own_method(a, recv, call.func.attr) or _passed_through(a, recv) \
                or _shown_assigned_next(a, stmt, recv) or _already_moved(ctx, recv, call) or _bound_to_a_module(a, recv):
            continue
        text = ctx.text(recv)
        fix = None
        written = f"{text} = {ctx.text(call)}"
        if isinstance(recv, ast.Attribute) and flow.is_subclass(a, flow.safe_type(a, recv), "torch.nn.Parameter"):
            # a registered parameter takes no plain tensor (``layer.dt_bias = ...`` raises TypeError):
            # its data is what moves (fla-org/flash-linear-attention's benchmark)
            written = f"{text}.data = {text}.data{ctx.text(call)[len(text):]}"
        if isinstance(recv, (ast.Name, ast.Attribute)):
            fix = Fix("unsafe", f"Assign the result back to `{written.split(' = ')[0]}`", (ctx.replace(call, written),))
        moved = call.func.attr in ("to", "cuda", "cpu", "xpu", "mps", "pin_memory")  # else a dtype conversion
        if element:  # (assigning the loop's variable back would change nothing the sequence holds: no fix)
            loop = next(l for l in flow.enclosing_loops(a, stmt) if l.__class__ is ast.For)
            yield ctx.finding(
                call,
                f"`{ctx.text(call)}` returns its result and leaves `{text}`, a tensor of "
                f"`{ctx.text(loop.iter)}`, where it was (only modules move in place): build the moved "  # type: ignore[attr-defined]
                f"sequence instead (`tuple({text}{ctx.text(call)[len(text):]} for {text} in {ctx.text(loop.iter)})`)",  # type: ignore[attr-defined]
            )
            continue
        yield ctx.finding(
            call,
            f"`{ctx.text(call)}` returns its result and leaves `{text}` "
            + ("where it was (only modules move in place)" if moved else "as it was (only modules convert in place)")
            + ("; assign the result to a name to use it" if isinstance(recv, ast.Call)  # (a call: nothing to assign back to)
               else f"; write `{written}`"),
            fix,
        )


def _bound_to_a_module(a, recv: ast.expr) -> bool:
    """A name some assignment binds to a new module (``MORAN = MORAN(nc, nclass, ...)`` on each arm
    of an ``if``, the class's own name reused for its instance: FudanVI/benchmarking-chinese-text-
    recognition): it may hold that module, which moves in place."""
    if recv.__class__ is not ast.Name:
        return False
    try:
        scope = a.binding_scope(recv.id, a.scope_of(recv))  # type: ignore[attr-defined]
    except Exception:
        return False
    if scope is None:
        return False
    name = recv.id  # type: ignore[attr-defined]
    return flow.memo(a, scope.node, "bound_to_a_module:" + name, lambda: any(  # (once per scope and name)
        binding.kind == "assign" and binding.node.__class__ is ast.Call
        and flow.is_subclass(a, flow.safe_qualname(a, binding.node.func) or "", MODULE)  # type: ignore[attr-defined]
        for binding in scope.bindings[name]))


def _already_moved(ctx: Context, recv: ast.expr, call: ast.Call) -> bool:
    """``recv`` names a tensor last bound to the same move (``proj_dist = torch.zeros(n).to(self.device)``,
    then ``proj_dist.to(self.device)``: wenhao-gao/mol_opt's MolDQN agent), or built there
    (``torch.zeros(n, device=self.device)``), in the same notebook cell: the discarded copy would
    change nothing."""
    if recv.__class__ is not ast.Name:
        return False
    bound = flow.binding_value(ctx.analysis, recv)  # type: ignore[arg-type]
    if bound.__class__ is not ast.Call or flow.cell_of(ctx.analysis, bound.lineno) != flow.cell_of(ctx.analysis, recv.lineno):
        return False  # (a notebook's other cell may not have run, or run again: joe-papa/pytorch-book's lesson)
    wanted = [ctx.text(x) for x in call.args] + [f"{k.arg}={ctx.text(k.value)}" for k in call.keywords]
    if bound.func.__class__ is ast.Attribute and bound.func.attr == call.func.attr:  # type: ignore[union-attr, attr-defined]
        return wanted == [ctx.text(x) for x in bound.args] + [f"{k.arg}={ctx.text(k.value)}" for k in bound.keywords]  # type: ignore[union-attr]
    if call.func.attr == "to" and len(call.args) == 1 and not call.keywords:  # type: ignore[attr-defined]
        device = next((k.value for k in bound.keywords if k.arg == "device"), None)  # type: ignore[union-attr]
        return device is not None and ctx.text(device) == wanted[0] and not any(
            k.arg == "dtype" for k in bound.keywords)  # type: ignore[union-attr]
    return False


def _to_host(call: ast.Call) -> bool:
    """``.to("cpu")`` (or ``.to(torch.device("cpu"))``): a ``.cpu()``, which on a value just
    computed waits for the device (meta-pytorch/torchrec's TPU benchmark flushes pending
    work so before reading its clock)."""
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "device"), None)
    if arg.__class__ is ast.Call and flow.last_name(arg.func) == "device" and arg.args:  # type: ignore[union-attr]
        arg = arg.args[0]  # type: ignore[union-attr]
    return arg.__class__ is ast.Constant and arg.value == "cpu"  # type: ignore[union-attr]


# what a tokenizer's (or processor's) output holds tensors under: a ``.to()`` there is a tensor's
_TOKENIZER_KEYS = frozenset({"input_ids", "attention_mask", "token_type_ids", "position_ids", "pixel_values",
                             "decoder_input_ids", "decoder_attention_mask", "input_features", "input_values"})


def _tokenizer_tensor(recv: ast.expr) -> bool:
    """``inputs["input_ids"]``: a tensor of a tokenizer's batch (``BatchEncoding.to`` moves in
    place, its items do not: dhcode-cpp/X-R1's generation arm)."""
    return recv.__class__ is ast.Subscript and recv.slice.__class__ is ast.Constant \
        and recv.slice.value in _TOKENIZER_KEYS  # type: ignore[attr-defined]


_BATCH_PARAMETERS = frozenset({"batch", "minibatch", "mini_batch", "data_batch"})


def _batch_parameter_item(a, stmt: ast.stmt, recv: ast.expr) -> bool:
    """``recv`` is an item of the function's ``batch`` parameter, or a name bound to one
    (``x = batch[0]``), the parameter never rebound: a collated batch's tensor, as a
    training step handed the batch gets it (an ignite process function ``(engine, batch)``,
    Michedev/VAE_anomaly_detection's ``TrainStep.__call__``)."""
    item = flow.binding_value(a, recv, element=True) if recv.__class__ is ast.Name else recv
    if item.__class__ is not ast.Subscript or item.value.__class__ is not ast.Name:  # type: ignore[union-attr]
        return False
    name = item.value.id  # type: ignore[union-attr]
    func = flow.enclosing_function(a, stmt)
    if name not in _BATCH_PARAMETERS or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    args = func.args  # type: ignore[attr-defined]
    if name not in {p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)}:
        return False
    return not any(n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load  # type: ignore[attr-defined]
                   for n in flow.walk_local(a, func))


# Attributes of the graph batches of DGL and PyTorch Geometric that a tensor lacks: a name
# read so is a graph, whatever loader made it (DGL <= 0.4 and PyG move a graph in place)
_GRAPH_ATTRS = ("ndata", "edata", "gdata", "srcdata", "dstdata", "edge_index", "num_graphs",
                "batch_num_nodes", "batch_num_edges")


def _graph_batch(a, stmt: ast.stmt, recv: ast.expr) -> bool:
    """``recv`` is a name its function also reads a graph's attribute of (``g.gdata['std']``,
    ``data.edge_index``), or a name not known to be a tensor in a module that imports DGL:
    a batched graph, perhaps (priba/graph_metric.pytorch's ``g1.to(device)`` on DGL graphs
    from a ``dgl.batch`` collate function)."""
    if recv.__class__ is not ast.Name:
        return False
    if "dgl" in flow.imported_packages(a) and not flow.is_tensor(a, recv):
        return True  # a batch element in a module of DGL code: a graph as likely as a tensor
    refs_by_name = flow.index(a).refs_by_name
    func = flow.enclosing_function(a, stmt)
    return any(ref.__class__ is ast.Attribute and ref.value.__class__ is ast.Name  # type: ignore[attr-defined]
               and ref.value.id == recv.id  # type: ignore[attr-defined]
               and flow.enclosing_function(a, ref) is func
               for attr in _GRAPH_ATTRS for ref in refs_by_name.get(attr, ()))


def _used_as_tensor(a, stmt: ast.stmt, recv: ast.expr) -> bool:
    """``recv`` is a parameter of the function, never rebound there, that the function
    both sizes (``x1.size(0)``: numpy's ``size`` is no method, a module has none) and
    slices (``x1[batch_idx, :]``): a tensor (Michaelvll/DeepCCA's ``Solver.fit``)."""
    if recv.__class__ is not ast.Name:
        return False
    func = flow.enclosing_function(a, stmt)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    name = recv.id  # type: ignore[attr-defined]
    args = func.args  # type: ignore[attr-defined]
    if name not in {p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)}:
        return False
    sized = sliced = False
    for n in flow.walk_local(a, func):
        kind = n.__class__
        if kind is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined]
            return False  # rebound: may be anything
        if kind is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr == "size" \
                and n.func.value.__class__ is ast.Name and n.func.value.id == name:  # type: ignore[attr-defined]
            sized = True
        elif kind is ast.Subscript and n.value.__class__ is ast.Name and n.value.id == name:  # type: ignore[attr-defined]
            index = n.slice  # type: ignore[attr-defined]
            parts = index.elts if index.__class__ is ast.Tuple else (index,)  # type: ignore[attr-defined]
            sliced = sliced or any(p.__class__ is ast.Slice for p in parts)
    return sized and sliced


def _shown_assigned_next(a, stmt: ast.stmt, recv: ast.expr) -> bool:
    """The very next statement assigns the same call back (``w.int()`` then ``w = w.int()``):
    a lesson showing the difference (joe-papa/pytorch-book's tensors notebook)."""
    place = flow.block_place(a, stmt)
    if place is None:
        return False
    block, at = place
    following = block[at + 1] if at + 1 < len(block) else None
    return following.__class__ is ast.Assign and len(following.targets) == 1 \
        and ast.dump(following.targets[0]).replace("Store", "Load") == ast.dump(recv) \
        and ast.dump(following.value) == ast.dump(stmt.value)  # type: ignore[attr-defined]


def _passed_through(a, recv: ast.expr) -> bool:
    """``recv`` is bound to a call of a module of the project whose ``forward`` may return
    one of its arguments (facebookresearch/ppuda: ``model = ghn(model)``, the network it
    was given with predicted parameters): not certainly a tensor."""
    value = flow.binding_value(a, recv) if recv.__class__ is ast.Name else None
    if value.__class__ is not ast.Call:
        return False
    found = _weights.class_of_project(a, flow.safe_type(a, value.func) or "")  # type: ignore[union-attr]
    forward = found[1].methods.get("forward") if found is not None else None
    if not isinstance(forward, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    params = {p.arg for p in (*forward.args.posonlyargs, *forward.args.args)[1:]}
    for ret in ast.walk(forward):
        if ret.__class__ is ast.Return and ret.value is not None:  # type: ignore[attr-defined]
            if any(n.__class__ is ast.Name and n.id in params for n in _returned_values(ret.value)):  # type: ignore[attr-defined]
                return True
    return False


def _returned_values(expr: ast.expr) -> list[ast.expr]:
    """The values a return may give: both arms of ``x if c else y``, a tuple's elements."""
    if expr.__class__ is ast.IfExp:
        return _returned_values(expr.body) + _returned_values(expr.orelse)  # type: ignore[attr-defined]
    if expr.__class__ is ast.Tuple:
        return [v for e in expr.elts for v in _returned_values(e)]  # type: ignore[attr-defined]
    return [expr]


def _expected_to_raise(a, stmt: ast.stmt) -> bool:
    """``stmt`` runs inside ``with pytest.raises(...)`` (or ``self.assertRaises(...)``): it is
    there to fail, its result is not wanted (microsoft/DeepSpeed's quantized parameter test)."""
    for anc in flow.ancestors(a, stmt):
        if isinstance(anc, flow.SCOPES):
            return False
        if isinstance(anc, (ast.With, ast.AsyncWith)) and any(
                isinstance(item.context_expr, ast.Call)
                and flow.last_name(item.context_expr.func) in ("raises", "assertRaises", "assertRaisesRegex")
                for item in anc.items):
            return True
    return False


def _own_method(a, recv: ast.expr, method: str) -> bool:
    """The value's class, of the file or of the project (or a base there), defines ``method``
    itself, or ``__torch_dispatch__`` (a tensor subclass that runs every op its own way):
    what it does is its own (DeepSpeed's ``QuantizedParameter.to`` quantizes; torchrec's
    test of its ``UInt4Tensor`` calls ``.to("cuda")`` to run its dispatch)."""
    qualname = flow.safe_type(a, recv)
    found = _weights.class_of_project(a, qualname) if qualname else None
    if found is None:
        return False
    owner = found[0]
    return any((klass := _weights.class_of_project(owner, base)) is not None
               and (method in klass[1].methods or "__torch_dispatch__" in klass[1].methods)
               for base in owner.mro(found[1].qualname)[:8])


def _reassigned_unknown(a, stmt: ast.stmt, recv: ast.Attribute) -> bool:
    """The attribute was last assigned, earlier in the function, something not known to
    be a tensor: its class's declared type no longer tells (Lightning-AI/litgpt's
    ``self.linear.weight = bnb.nn.Params4bit(...)``, whose ``.cuda()`` quantizes in place)."""
    name = flow.dotted(recv)
    last = flow.last_assignment(a, name, stmt) if name else None
    return last is not None and not flow.is_tensor(a, last.value)


_SEQUENCES = frozenset({"Tuple", "tuple", "List", "list", "Sequence", "Iterable", "Iterator", "Collection"})


def _element_of_annotated_tensors(a, stmt: ast.stmt, recv: ast.expr) -> bool:
    """``recv`` is the variable of a loop around ``stmt`` over a parameter or attribute
    annotated as a sequence of tensors (``train_inputs: Optional[Tuple[torch.Tensor]]``,
    ``self._train_inputs`` declared so in the class body), not bound again in the loop:
    each element is a tensor (facebookresearch/aepsych#672, "move in place")."""
    if recv.__class__ is not ast.Name:
        return False
    for loop in flow.enclosing_loops(a, stmt):
        if loop.__class__ is not ast.For or loop.target.__class__ is not ast.Name \
                or loop.target.id != recv.id:  # type: ignore[attr-defined]
            continue
        if _rebound(a, loop, recv.id, stmt):  # type: ignore[attr-defined]
            return False
        annotation = _annotation_of(a, loop.iter)  # type: ignore[attr-defined]
        return annotation is not None and _tensor_sequence(a, annotation)
    return False


def _annotation_of(a, expr: ast.expr) -> ast.expr | None:
    """The annotation of a parameter (``expr`` a name the function never binds again) or
    of ``self.x`` (declared in its class's body, or annotated where ``__init__`` binds it)."""
    func = flow.enclosing_function(a, expr)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return None
    if expr.__class__ is ast.Name:
        args = func.args  # type: ignore[attr-defined]
        param = next((p for p in (*args.posonlyargs, *args.args, *args.kwonlyargs) if p.arg == expr.id), None)  # type: ignore[attr-defined]
        if param is None or any(n.__class__ is ast.Name and n.id == expr.id and n.ctx.__class__ is ast.Store  # type: ignore[attr-defined]
                                for n in flow.walk_local(a, func)):
            return None
        return param.annotation
    if expr.__class__ is ast.Attribute and flow.dotted(expr.value) == "self":  # type: ignore[attr-defined]
        owner = flow.parent(a, func)
        if owner.__class__ is not ast.ClassDef:
            return None
        for n in owner.body:  # type: ignore[attr-defined]
            if n.__class__ is ast.AnnAssign and n.target.__class__ is ast.Name and n.target.id == expr.attr:  # type: ignore[attr-defined]
                return n.annotation  # type: ignore[attr-defined]
        init = next((m for m in owner.body if m.__class__ is ast.FunctionDef and m.name == "__init__"), None)  # type: ignore[attr-defined]
        for n in flow.walk_local(a, init) if init is not None else ():
            if n.__class__ is ast.AnnAssign and flow.dotted(n.target) == "self." + expr.attr:  # type: ignore[attr-defined]
                return n.annotation  # type: ignore[attr-defined]
    return None


def _tensor_sequence(a, annotation: ast.expr) -> bool:
    """``Tuple[torch.Tensor]``, ``List[Tensor]``, ``tuple[Tensor, ...]``, ``Sequence[Tensor]``,
    also inside ``Optional[...]`` or ``... | None``."""
    if annotation.__class__ is ast.BinOp and annotation.op.__class__ is ast.BitOr:  # type: ignore[attr-defined]
        sides = [annotation.left, annotation.right]  # type: ignore[attr-defined]
        rest = [x for x in sides if not (x.__class__ is ast.Constant and x.value is None)]
        return len(rest) == 1 and _tensor_sequence(a, rest[0])
    if annotation.__class__ is not ast.Subscript:
        return False
    head = flow.last_name(annotation.value)  # type: ignore[attr-defined]
    inner = annotation.slice  # type: ignore[attr-defined]
    if head == "Optional":
        return _tensor_sequence(a, inner)
    if head not in _SEQUENCES:
        return False
    items = [x for x in (inner.elts if inner.__class__ is ast.Tuple else [inner])  # type: ignore[attr-defined]
             if not (x.__class__ is ast.Constant and x.value is Ellipsis)]
    return bool(items) and all(flow.safe_qualname(a, x) == "torch.Tensor" for x in items)


def _batch_tensor(a, stmt: ast.stmt, recv: ast.expr) -> bool:
    """``recv`` is a tensor a data loader produced: an element unpacked from a batch
    (``for x, y in loader: x.to(device)``) or an item of a batch
    (``for batch in loader: batch["x"].to(device)``). A whole batch is not: collated
    batch objects (e.g. a tokenizer's) may move in place."""
    if isinstance(recv, ast.Name):
        item = flow.binding_value(a, recv, element=True)  # ``X, y = t["X"], t["y"]``: kitzeslab/opensoundscape
        if item.__class__ is ast.Subscript and item.value.__class__ is ast.Name:  # type: ignore[union-attr]
            recv = item  # type: ignore[assignment]
    if isinstance(recv, ast.Subscript):
        base, unpacked = recv.value, False
    elif isinstance(recv, ast.Name):
        base, unpacked = recv, True
    else:
        return False
    if not isinstance(base, ast.Name):
        return False
    for loop in flow.enclosing_loops(a, stmt):
        batch = _loader_batch(a, loop) if isinstance(loop, (ast.For, ast.AsyncFor)) else None
        if batch is None:
            continue
        elements = list(batch.elts) if isinstance(batch, (ast.Tuple, ast.List)) else []
        # unpacked: a name among the batch's elements (``for x, y in loader``); an item:
        # of the batch or of one of its elements (``batch["x"]``, ``x[0]``)
        names = elements if unpacked else [batch] + elements
        if any(isinstance(n, ast.Name) and n.id == base.id for n in names) and not _rebound(a, loop, base.id, stmt):
            return True
    return False


def _loader_batch(a, loop: ast.For | ast.AsyncFor) -> ast.expr | None:
    """What each batch is bound to when the loop iterates a DataLoader, or a name like
    ``train_loader``, possibly inside enumerate/tqdm/iter: the loop's target less
    ``enumerate``'s counter (``for i, (x, y) in enumerate(loader)``: ``(x, y)``; ``for i,
    batch in ...``: ``batch``, a whole batch). None for other loops, or a target that
    does not take enumerate's pair apart."""
    target, expr = loop.target, loop.iter
    while isinstance(expr, ast.Call) and flow.last_name(expr.func) in ("enumerate", "tqdm", "iter") and expr.args:
        if flow.last_name(expr.func) == "enumerate":
            if not isinstance(target, (ast.Tuple, ast.List)) or len(target.elts) != 2:
                return None
            target = target.elts[1]
        expr = expr.args[0]
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    kind = flow.safe_type(a, expr)
    if kind is not None:
        return target if flow.is_subclass(a, kind, "torch.utils.data.DataLoader") else None
    return target if "loader" in flow.last_name(expr).lower() else None


def _rebound(a, loop: ast.AST, name: str, stmt: ast.stmt) -> bool:
    """``name`` is assigned in the loop before ``stmt`` (then it may be anything)."""
    for n in flow.walk_local(a, loop):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) and n is not getattr(loop, "target", None) \
                and flow.before(n, stmt) and not (isinstance(loop.target, (ast.Tuple, ast.List)) and flow.contains(loop.target, n)):
            return True
    return False


# ------------------------------------------------------------------ TW110
_KEEPS_GRAD = {"cpu", "to", "cuda", "float", "double", "half", "squeeze", "unsqueeze", "view", "reshape",
               "flatten", "contiguous", "clone", "permute", "transpose", "t", "__getitem__", "exp", "sigmoid",
               "softmax", "log_softmax", "mean", "sum", "abs", "relu", "tanh", "argmax"}


def _requires_grad_source(ctx: Context, expr: ast.expr, depth: int = 0) -> str | None:
    """A description when ``expr`` certainly holds a tensor that requires grad."""
    a = ctx.analysis
    if depth > 4:
        return None
    if isinstance(expr, ast.Subscript):
        return _requires_grad_source(ctx, expr.value, depth + 1)
    if isinstance(expr, ast.Name):
        value = flow.binding_value(a, expr)
        if value is None or flow.under_grad_off(a, value):
            return None
        return _requires_grad_source(ctx, value, depth + 1)
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in _KEEPS_GRAD:
            if expr.func.attr == "argmax":
                return None  # integer result: no grad
            return _requires_grad_source(ctx, expr.func.value, depth + 1)
        if any(k.arg == "requires_grad" and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in expr.keywords):
            return "a tensor created with requires_grad=True"
        if flow.is_module_instance(ctx.analysis, expr.func):
            if _frozen_in_its_module(a, expr.func) or _base_from_elsewhere(a, flow.safe_type(a, expr.func)):
                return None
            if flow.safe_type(a, expr.func) == MODULE and not _MODEL_NAME.search(flow.last_name(expr.func)):
                return None  # any module at all (``conversion: nn.Module``): not certainly one with parameters
            if _parameterless(a, expr.func) or _traced_function(a, expr.func) or not _weights.class_has_parameters(
                    a, flow.safe_type(a, expr.func) or ""):  # grad only from its input (a module handed to
                # it is not asked: a test's wrapper around a dummy model, Trusted-AI/adversarial-robustness-toolbox)
                return next((found for arg in expr.args
                             if (found := _requires_grad_source(ctx, arg, depth + 1)) is not None), None)
            return f"the output of `{ctx.text(expr.func)}`"
    return _weights.weight_source(a, expr)


_TRACERS = frozenset({"torch.jit.trace", "torch.jit._trace.trace", "torch.jit.script", "torch.jit._script.script"})


def _traced_function(a, func: ast.expr) -> bool:
    """``jit_f = torch.jit.trace(f, inputs)`` of a plain function (a ``def``, an imported
    function or a lambda):
    a ScriptFunction, whose output requires grad only through its inputs (modules the
    function builds inside are traced into constants: v0lta/PyTorch-Wavelet-Toolbox's
    ``test_jit.py``)."""
    if func.__class__ is not ast.Name:
        return False
    built = flow.binding_value(a, func)  # type: ignore[arg-type]
    if built.__class__ is not ast.Call or not built.args or flow.safe_qualname(a, built.func) not in _TRACERS:  # type: ignore[union-attr]
        return False
    traced = built.args[0]  # type: ignore[union-attr]
    if traced.__class__ is ast.Lambda:
        return True
    if traced.__class__ is not ast.Name:
        return False
    try:
        binding = a.lookup(traced.id, a.scope_of(traced), traced.lineno)  # type: ignore[attr-defined]
    except Exception:
        return False
    if binding is None:
        return False
    # a function imported from the project or a library (ptwt's ``waverec``); not a module
    return binding.kind == "def" or (binding.kind == "import" and not flow.is_module_instance(a, traced))


# what a module typed only ``nn.Module`` is called when it is a model with parameters; pyannote's
# ``conversion: nn.Module`` (an ``Identity`` or a buffers-only ``Powerset``) and lhotse's resampler
# (from a helper typed ``-> torch.nn.Module``) are not
_MODEL_NAME = lazy(r"(?:^|_)(?:model|net|network|encoder|decoder|classifier|backbone|generator|discriminator"
                   r"|critic|actor|policy|head|layer)s?(?:$|_|\d)", re.IGNORECASE)


def _base_from_elsewhere(a, qualname: str | None) -> bool:
    """A class of the file whose base is an optional library's class: a name imported from
    it, or else bound to a fallback class of the file when the import fails. What the file
    sees is the fallback; the real base may freeze its parameters (Lightning-AI/torchmetrics'
    ``NoTrainInceptionV3`` on torch_fidelity's feature extractor, which turns requires_grad off)."""
    found = _weights.class_of_project(a, qualname) if qualname else None
    if found is None:
        return False
    a, info = found  # (the class's own module: its names)
    env = a.env
    for base in info.node.bases:
        if base.__class__ is not ast.Name:
            continue
        bindings = a.module_scope.bindings.get(base.id, ())
        if not any(b.kind == "class" for b in bindings):
            continue
        for binding in bindings:
            q = binding.qualname or ""
            if binding.kind == "import" and q and not q.startswith(("torch.", "torchvision.")) \
                    and not (env is not None and env.owns(env.imported(q))):
                return True
    return False


def _frozen_in_its_module(a, module: ast.expr) -> bool:
    """A module of a class from another module of the project, one that turns gradients
    off on parameters (fairseq's SpkrEmbedder: ``set_requires_grad(self.embedder, False)``)."""
    qualname = flow.safe_type(a, module)
    if not qualname or a.env is None or a.local_class(qualname) is not None:
        return False
    try:
        found = a.env.class_unit(qualname)
    except Exception:  # the project model must never stop a rule
        return False
    return found is not None and found[0] is not a and _weights.freezes_parameters(found[0])


def _parameterless(a, module: ast.expr) -> bool:
    """A module certainly without parameters: a parameterless torch.nn layer, a loss built
    without a tensor, an ``nn.Sequential`` of such (MONAI's tests: ``Sequential(ReLU(),
    Sigmoid())``), or a class of the file derived from ``nn.Module`` alone whose methods
    store nothing on ``self`` (``class Swish(nn.Module): def forward(self, x): return x *
    torch.sigmoid(x)``: pytorch/ignite's EfficientNet notebook)."""
    qualname = flow.safe_type(a, module)
    if qualname in _weights.PARAMETERLESS or (qualname or "").startswith("torchvision.transforms."):
        return True  # (torchvision's transforms are modules without parameters)
    if qualname == "torch.nn.Sequential" or (qualname or "").endswith("Loss") or qualname in _AFFINE_DEFAULTS:
        built = module if module.__class__ is ast.Call else \
            flow.binding_value(a, module) if module.__class__ is ast.Name else None
        for _ in range(3):  # ``loss_f = loss_f.to(device)``: the construction before the move
            moved_from = effects.unmoved(built) if built is not None else None
            if moved_from is built or moved_from.__class__ is not ast.Name:
                break
            built = flow.binding_value(a, moved_from)
        if built is not None and _built_parameterless(a, built):
            return True
    info = a.local_class(qualname) if qualname else None
    if info is None or info.attributes or a.bases(qualname) != ["torch.nn.Module"]:
        return False
    return not any(n.__class__ is ast.Call and flow.last_name(n.func) in
                   ("register_parameter", "register_buffer", "add_module", "register_module", "setattr")
                   for n in flow.subtree(info.node))


def _built_parameterless(a, built: ast.expr) -> bool:
    """``built`` constructs a module without parameters (see ``_parameterless``)."""
    if built.__class__ is not ast.Call:
        return False
    qualname = flow.safe_qualname(a, built.func) or ""
    if qualname == "torch.nn.Sequential":
        return bool(built.args) and not built.keywords and all(_built_parameterless(a, x) for x in built.args)
    if qualname in _AFFINE_DEFAULTS:  # ``nn.InstanceNorm1d(80)``: affine is off by default
        keyword, default = _AFFINE_DEFAULTS[qualname]
        given = next((k.value for k in built.keywords if k.arg == keyword), None)  # type: ignore[attr-defined]
        if given is None:
            return not default and not any(k.arg is None for k in built.keywords)  # type: ignore[attr-defined]
        return given.__class__ is ast.Constant and given.value is False  # type: ignore[attr-defined]
    return qualname in _weights.PARAMETERLESS or flow.unweighted_loss(a, built) or _loss_with_buffers(qualname, built)


def _loss_with_buffers(qualname: str, built: ast.Call) -> bool:
    """A torch.nn loss given tensors (``CrossEntropyLoss(weight=torch.tensor(w))``): it keeps
    them as buffers, not parameters, and its output needs grad only through its inputs
    (iarai/NeurIPS2022-traffic4cast's scoring). Not when a tensor handed in is a Parameter
    or asks for gradients."""
    if not (qualname.startswith("torch.nn.") and qualname.endswith("Loss")) or qualname == "torch.nn.AdaptiveLogSoftmaxWithLoss":
        return False
    return not any(n.__class__ is ast.Call and flow.last_name(n.func) == "Parameter"
                   or n.__class__ is ast.keyword and n.arg == "requires_grad"
                   for n in ast.walk(built))


# normalization layers whose learnable weights a keyword turns off: (the keyword, its default)
_AFFINE_DEFAULTS = {
    **{f"torch.nn.InstanceNorm{d}d": ("affine", False) for d in (1, 2, 3)},
    **{f"torch.nn.BatchNorm{d}d": ("affine", True) for d in (1, 2, 3)},
    "torch.nn.GroupNorm": ("affine", True), "torch.nn.LayerNorm": ("elementwise_affine", True),
}


@rule(code="TW110", name="numpy-without-detach", group="training", severity="error",
      summary="`.numpy()` on a tensor that requires grad raises; call `.detach()` first.", fix="safe",
      module_wide=True, runtime=True)  # callers elsewhere in the file may run it under no_grad (_reach)
def numpy_without_detach(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for call in flow.calls_named(a, "numpy"):
        if not isinstance(call.func, ast.Attribute) or call.args:
            continue
        if any(k.arg == "force" and not is_false(k.value) for k in call.keywords):
            continue  # ``.numpy(force=True)`` detaches (and copies to the CPU) itself (jmschrei/bpnet-lite)
        recv = call.func.value
        if flow.under_grad_off(a, call):
            continue
        func = flow.enclosing_function(a, call)
        if _grad_disabled_somewhere(ctx, func):
            continue
        source = _requires_grad_source(ctx, recv)
        if source is None:
            continue
        if not source.startswith("a tensor created") and _weights.freezes_parameters(a):
            continue
        if _called_under_grad_off_in_project(ctx, func):
            continue  # ctallec/world-models' rollout(), run under no_grad by both its callers
        end_line = recv.end_lineno or recv.lineno
        end_col = a.char_col(end_line, recv.end_col_offset or 0)
        fix = Fix("safe", "Insert `.detach()` before `.numpy()`", (Edit(end_line, end_col, end_line, end_col, ".detach()"),))
        yield ctx.finding(
            call,
            f"`{ctx.text(call)}` is called on {source}, which requires grad: this raises a "
            "RuntimeError; call `.detach()` first (or compute it under `torch.no_grad()`)",
            fix,
        )


# ------------------------------------------------------------------ TW111
@rule(code="TW111", name="layer-replaced-after-optimizer", group="training", severity="error",
      summary="A layer is replaced after the optimizer was built from the model's parameters: the new one never trains.",
      module_wide=True, runtime=True)  # another function may take the new layer's parameters (_parameters_handed_over)
def layer_replaced_after_optimizer(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    builds = _optimizer_builds(ctx)
    if not builds:
        return
    by_name: dict[tuple[str, int], list[ast.Call]] = {}  # (optimizer, id(scope)) -> its steps
    for c, o in _optimizer_steps(ctx):
        by_name.setdefault((flow.dotted(o) or "", id(flow.enclosing_function(a, c))), []).append(c)
    # each list in source order, with its positions: the steps after a build found by bisection
    # (a script's module scope may build and step the same name hundreds of times)
    placed = {}
    for key, calls in by_name.items():
        calls.sort(key=flow.BY_POSITION)
        placed[key] = (calls, [(c.lineno, c.col_offset) for c in calls])
    for build, opt, covered in builds:
        scope = flow.enclosing_function(a, build)
        calls, positions = placed.get((opt, id(scope)), ((), ()))
        steps = calls[bisect.bisect_right(positions, (build.lineno, build.col_offset)):] if calls else []
        if not steps or any(flow.dotted(c.func.value) == opt and flow.enclosing_function(a, c) is scope
                            for c in flow.calls_named(a, "add_param_group") if isinstance(c.func, ast.Attribute)):
            continue
        for node, held, target in _attribute_assigns(a).get((id(scope), covered.partition(".")[0]), ()):
            if not flow.before(build, node):
                continue
            if not (target == covered or target.startswith(covered + ".")):
                continue
            if not _builds_trainable_layer(ctx, node.value) or _parameters_handed_over(a, held, node, scope) \
                    or _wraps_itself(ctx, node.value, target):
                continue
            later = [c for c in steps if flow.before(node, c) and not _rebound_between(a, opt, node, c)]
            if not later:
                continue
            yield ctx.finding(
                node.targets[0],
                f"`{ctx.text(node.targets[0])}` is replaced after `{opt}` was built from `{covered}.parameters()` "
                f"({flow.line_ref(a, build.lineno)}): the new layer's parameters are not in the optimizer, so "
                f"`{ctx.text(later[0])}` never updates them; build the optimizer after replacing the layer "
                f"(or add them with `{opt}.add_param_group(...)`)",
            )


# ------------------------------------------------------------------ TW112
@rule(code="TW112", name="scheduler-on-replaced-optimizer", group="training", severity="error",
      summary="The optimizer a scheduler was built on is replaced by a new one: the scheduler keeps changing the old one.",
      module_wide=True, runtime=True)  # the steps of both may sit in other functions of the file (a script's globals)
def scheduler_on_replaced_optimizer(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    builds = _scheduler_builds(a)
    stepped = {flow.dotted(opt) for _, opt in _optimizer_steps(ctx)} if builds else set()
    if not stepped:
        return
    for built, scheduler, optimizer in builds:
        scope = flow.enclosing_function(a, built)
        # the later plain assignments of the optimizer's or the scheduler's name (by name, once per
        # scope: a script's module scope holds thousands of assignments)
        by_name = flow.memo(a, scope, "assigns_by_name", lambda: _assigns_by_name(a, scope))
        later = [n for n in sorted([*by_name.get(optimizer, ()), *by_name.get(scheduler, ())],
                                   key=lambda n: (n.lineno, n.col_offset))
                 if flow.before(built, n) and not flow.other_arms(a, built, n)]
        for n in later:
            if not (len(n.targets) == 1 and n.targets[0].__class__ is ast.Name and n.targets[0].id == optimizer):  # type: ignore[attr-defined]
                continue
            value = n.value  # type: ignore[attr-defined]
            qualname = flow.safe_qualname(a, value.func) if value.__class__ is ast.Call else None
            if not qualname or not flow.is_subclass(a, qualname, OPTIMIZER) or any(
                    m.__class__ is ast.Name and m.id == optimizer for m in ast.walk(value)):
                break  # (anything else, or a wrapper of the same optimizer: ``DistributedOptimizer(optimizer)``)
            if optimizer not in stepped or not _stepped_after(a, scheduler, n, scope) or any(
                    m.__class__ is ast.Assign and flow.before(n, m) and any(
                        flow.dotted(t) == scheduler for t in m.targets) for m in later):  # type: ignore[attr-defined]
                break  # (the scheduler built again on the new optimizer, or not stepped after the new one:
                # Candy-CY's HyLiOSR demo trains a second phase with a new optimizer and no scheduler)
            yield ctx.finding(
                n.targets[0],  # type: ignore[attr-defined]
                f"`{optimizer}` is bound to a new optimizer after `{scheduler}` was built on the old one "
                f"({flow.line_ref(a, built.lineno)}): `{scheduler}.step()` keeps changing the old optimizer's "
                f"learning rate, and this one trains at a constant rate; build `{scheduler}` after this optimizer",
            )
            break


def _assigns_by_name(a, scope: ast.AST) -> dict[str, list[ast.Assign]]:
    """The scope's plain assignments by the names they bind."""
    found: dict[str, list[ast.Assign]] = {}
    for n in flow.walk_local(a, scope):
        if n.__class__ is ast.Assign:
            for t in n.targets:  # type: ignore[attr-defined]
                if t.__class__ is ast.Name:
                    found.setdefault(t.id, []).append(n)  # type: ignore[arg-type]
    return found


def _stepped_after(a, scheduler: str, node: ast.AST, scope: ast.AST) -> bool:
    """``scheduler.step()`` runs after ``node``: later in ``scope``, or in a function of the
    file that ``scope`` calls later (a script's ``train_epoch()``, which steps the globals).
    Where that function's ``scheduler`` is its own parameter, only a call that hands it the
    scheduler counts (juansensio/blog's ``fit(model, dl, optimizer)`` after the new optimizer,
    whose ``scheduler=None`` steps nothing)."""
    elsewhere: set[str] = set()  # the functions of the file that step it (the global)
    handed: set[str] = set()  # ... that step a parameter of that name
    root = scheduler.partition(".")[0]
    for c in _steps_by_receiver(a).get(scheduler, ()):
        func = flow.enclosing_function(a, c)
        if func is scope:
            if flow.before(node, c) and not _steps_only_before(a, node, c):
                return True
        elif getattr(func, "name", None):
            if root in _parameter_names(func):
                handed.add(func.name)  # type: ignore[attr-defined]
            elif root not in flow.local_bindings(a, func):
                elsewhere.add(func.name)  # type: ignore[attr-defined]
    if not elsewhere and not handed:
        return False
    for c in flow.calls_named(a, *elsewhere, *handed):
        if flow.enclosing_function(a, c) is not scope or not flow.before(node, c):
            continue
        name = flow.last_name(c.func)
        if name in elsewhere or any(flow.dotted(x) == scheduler or (x.__class__ is ast.Name and x.id == root)
                                    for x in call_arguments(c)):
            return True
    return False


def _steps_by_receiver(a) -> dict[str, list[ast.Call]]:
    """The ``x.step()`` calls by their receiver, dotted (``scheduler``, ``self.sched``), in
    source order: once per file, not a pass over every step for each scheduler asked."""
    found = a.queries.get("steps_by_receiver")
    if found is None:
        found = a.queries["steps_by_receiver"] = {}
        for c in flow.calls_named(a, "step"):
            if c.func.__class__ is ast.Attribute:
                receiver = flow.dotted(c.func.value)  # type: ignore[attr-defined]
                if receiver is not None:
                    found.setdefault(receiver, []).append(c)
    return found


def _parameter_names(func: ast.AST) -> set[str]:
    """Every parameter name of a function (``*args`` and ``**kwargs`` too); none for a module."""
    args = getattr(func, "args", None)
    if args is None:
        return set()
    return {p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)} | {
        p.arg for p in (args.vararg, args.kwarg) if p is not None}


_FLIPPED = {ast.Lt: ast.Gt, ast.Gt: ast.Lt, ast.LtE: ast.GtE, ast.GtE: ast.LtE, ast.Eq: ast.Eq}


def _guards(a, node: ast.AST) -> list[tuple[str, type, str]]:
    """The ``if`` tests whose body holds ``node`` that compare a name with something:
    (the name, the comparison as ``name <op> other``, the other side as a dump)."""
    out, child = [], node
    for anc in flow.ancestors(a, node):
        if anc.__class__ is ast.If and any(s is child for s in anc.body):  # type: ignore[attr-defined]
            test = anc.test  # type: ignore[attr-defined]
            if test.__class__ is ast.Compare and len(test.ops) == 1 and test.ops[0].__class__ in _FLIPPED:
                left, right, op = test.left, test.comparators[0], test.ops[0].__class__
                if left.__class__ is ast.Name:
                    out.append((left.id, op, ast.dump(right)))
                elif right.__class__ is ast.Name:
                    out.append((right.id, _FLIPPED[op], ast.dump(left)))
        child = anc
    return out


def _steps_only_before(a, replaced: ast.AST, step: ast.AST) -> bool:
    """The optimizer is replaced under ``if epoch == K:`` (or ``>=``) and the scheduler
    stepped under ``if epoch < K:``, in one ``for epoch in range(...)`` loop: the step never
    runs once the new optimizer is bound (cics-nd/ar-pde-cnn's SWAG phase, which trains at
    a constant rate on purpose)."""
    for var, op, bound in _guards(a, replaced):
        if op not in (ast.Eq, ast.GtE):
            continue
        if (var, ast.Lt, bound) not in _guards(a, step):
            continue
        for loop in flow.ancestors(a, replaced):
            if loop.__class__ is ast.For and loop.target.__class__ is ast.Name and loop.target.id == var:  # type: ignore[attr-defined]
                it = loop.iter  # type: ignore[attr-defined]
                counting_up = it.__class__ is ast.Call and flow.last_name(it.func) == "range" and len(it.args) in (1, 2) \
                    and not it.keywords  # type: ignore[attr-defined]
                return counting_up and flow.contains(loop, step)
    return False


# what builds a scheduler is called: torch's ``StepLR``, ``ReduceLROnPlateau``, ``OneCycleLR``,
# ``CosineAnnealingWarmRestarts``, ``SequentialLR``, ``ChainedScheduler``, a factory ``get_scheduler``
_SCHEDULER_BUILDER = lazy(r"LR$|LR[A-Z]|Plateau|Restarts|[Ss]chedul")


def _scheduler_builds(a) -> list[tuple[ast.Assign, str, str]]:
    """``scheduler = StepLR(optimizer, ...)`` (or ``get_scheduler(..., optimizer=optimizer)``,
    a known LR scheduler's class or a factory named ``get_*schedul*``) with plain names: (the
    assignment, the scheduler's name, the optimizer's name). Once per file."""
    found = a.queries.get("scheduler_builds")
    if found is None:
        found = a.queries["scheduler_builds"] = []
        for node in flow.index(a).assigns:
            if node.__class__ is not ast.Assign or len(node.targets) != 1 or node.targets[0].__class__ is not ast.Name \
                    or node.value.__class__ is not ast.Call:
                continue
            value = node.value
            name = flow.last_name(value.func) or ""
            if not _SCHEDULER_BUILDER.search(name):
                continue  # (named like none: no type asked of the file's many other calls)
            qualname = flow.safe_qualname(a, value.func)
            if not ((qualname and flow.is_subclass(a, qualname, LR_SCHEDULER))
                    or (name.startswith("get_") and "schedul" in name)):
                continue
            given = next((k.value for k in value.keywords if k.arg == "optimizer"), value.args[0] if value.args else None)
            if given.__class__ is ast.Name:
                found.append((node, node.targets[0].id, given.id))  # type: ignore[union-attr]
    return found


def _attribute_assigns(a) -> dict[tuple[int, str], list[tuple[ast.Assign, ast.expr, str]]]:
    """``x.attr = call(...)`` and ``x.attr[i] = call(...)`` by their scope and root name ``x``:
    (the assignment, the attribute assigned, its dotted name). Once per file."""
    found = a.queries.get("attribute_assigns")
    if found is None:
        found = a.queries["attribute_assigns"] = {}
        for node in flow.index(a).assigns:
            if node.__class__ is not ast.Assign or len(node.targets) != 1 or not isinstance(node.value, ast.Call):
                continue
            held = node.targets[0]
            while held.__class__ is ast.Subscript:  # ``model.classifier[6] = nn.Linear(...)``
                held = held.value
            if held.__class__ is not ast.Attribute:
                continue
            target = flow.dotted(held)
            if target:
                key = (id(flow.enclosing_function(a, node)), target.partition(".")[0])
                found.setdefault(key, []).append((node, held, target))
    return found


def _optimizer_builds(ctx: Context) -> list[tuple[ast.Assign, str, str]]:
    """``opt = torch.optim.X(model.parameters(), ...)`` (also through
    ``filter(lambda p: p.requires_grad, model.parameters())``): (the assignment, the
    optimizer's name, the module whose parameters it holds)."""
    a = ctx.analysis
    out = []
    for call in flow.calls_named(a, "parameters"):
        if not isinstance(call.func, ast.Attribute) or call.args or call.keywords:
            continue
        covered = flow.dotted(call.func.value)
        holder = flow.parent(a, call)
        if isinstance(holder, ast.Call) and flow.last_name(holder.func) in ("filter", "list"):
            holder = flow.parent(a, holder)
        statement = flow.parent(a, holder)
        if not covered or not isinstance(holder, ast.Call) or not isinstance(statement, ast.Assign) \
                or statement.value is not holder or len(statement.targets) != 1:
            continue
        qualname = flow.safe_qualname(a, holder.func)
        opt = flow.dotted(statement.targets[0])
        if opt and qualname and flow.is_subclass(a, qualname, OPTIMIZER):
            out.append((statement, opt, covered))
    return out


def _wraps_itself(ctx: Context, value: ast.expr, target: str) -> bool:
    """``model.bot_l = DDP(model.bot_l)``: the same layer wrapped (its parameters, the ones
    the optimizer holds), with no other trainable layer built beside it (intel/neural-compressor's
    DLRM example); ``nn.Sequential(model.fc, nn.Linear(...))`` adds one."""
    if value.__class__ is not ast.Call:
        return False
    args = [*value.args, *(k.value for k in value.keywords)]  # type: ignore[attr-defined]
    return any(flow.dotted(x) == target for x in args) and not any(
        _builds_trainable_layer(ctx, x) for x in args if flow.dotted(x) != target)


def _builds_trainable_layer(ctx: Context, value: ast.expr) -> bool:
    """``value`` builds a module that has parameters of its own: a torch layer (not a
    parameterless one), an ``nn.Sequential`` holding one, or a class of the file or project
    with evidence of parameters."""
    a = ctx.analysis
    if not isinstance(value, ast.Call):
        return False
    qualname = flow.safe_qualname(a, value.func)
    if not qualname or qualname in _weights.PARAMETERLESS or flow.unweighted_loss(a, value):
        return False
    if qualname == "torch.nn.Sequential":
        return any(_builds_trainable_layer(ctx, x) or (isinstance(x, ast.Starred) and _fills_with_layers(ctx, x.value))
                   for x in value.args)
    if not flow.is_subclass(a, qualname, MODULE):
        return False
    if qualname.startswith("torch.nn."):
        return True
    return _weights.class_of_project(a, qualname) is not None and _weights.class_has_parameters(a, qualname)


def _parameters_handed_over(a, held: ast.expr, replaced: ast.AST, scope: ast.AST) -> bool:
    """The replaced layer is asked for its parameters after the replacement (``model.top_layer.
    parameters()``), where it is replaced or in a function called there: another optimizer
    trains it (facebookresearch/deepcluster builds one for its new top layer in ``train()``)."""
    if held.__class__ is not ast.Attribute:
        return False
    called_after = {flow.last_name(c.func) for c in flow.calls_in(a, scope) if flow.before(replaced, c)}
    for c in flow.calls_named(a, "parameters"):
        if not (isinstance(c.func, ast.Attribute) and c.func.value.__class__ is ast.Attribute
                and c.func.value.attr == held.attr):
            continue
        where = flow.enclosing_function(a, c)
        if (where is scope and flow.before(replaced, c)) or getattr(where, "name", None) in called_after:
            return True
    return False


def _fills_with_layers(ctx: Context, held: ast.expr) -> bool:
    """A list put into ``nn.Sequential(*features)`` that the same function extends with a
    new layer with parameters (``features.extend([nn.Linear(num_ftrs, 3)])``: a Packt book's
    new VGG head)."""
    a = ctx.analysis
    if not isinstance(held, ast.Name):
        return False
    scope = flow.enclosing_function(a, held)
    for call in flow.calls_named(a, "append", "extend", "insert"):
        if not (isinstance(call.func, ast.Attribute) and flow.dotted(call.func.value) == held.id and call.args
                and flow.enclosing_function(a, call) is scope):
            continue
        items = call.args[-1].elts if isinstance(call.args[-1], (ast.List, ast.Tuple)) else [call.args[-1]]
        if any(_builds_trainable_layer(ctx, x) for x in items):
            return True
    return False


def _rebound_between(a, name: str, first: ast.AST, last: ast.AST) -> bool:
    """``name`` is assigned again between ``first`` and ``last``: a new optimizer."""
    scope = flow.enclosing_function(a, first)
    rebound = [node for node, held, target in _attribute_assigns(a).get((id(scope), name.partition(".")[0]), ())
               if target == name and node.targets[0] is held]
    rebound += [node for node in _target_assigns_in(a, scope, name) if node.__class__ is ast.Assign]
    return any(flow.before(first, node) and flow.before(node, last) for node in rebound)
