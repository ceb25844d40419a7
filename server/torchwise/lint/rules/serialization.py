"""TW5xx: saving, loading and exporting models."""

from __future__ import annotations

import ast

from torchwise.lint import fix_edits, flow, options
from torchwise.lint.base import Context, Fix, rule
from torchwise.lint.rules._calls import (
    add_keyword, argument, call_name, calls, fallback_of, has_star_kwargs, index, is_module_instance,
    keyword, may_pass, type_of,
)
from torchwise.project import effects


# ---------------------------------------------------------------- TW501
@rule(code="TW501", name="torch-load-without-weights-only", group="serialization", severity="warning",
      summary="`torch.load` without an explicit `weights_only`: unpickling can run arbitrary code.",
      fix="unsafe")
def torch_load_without_weights_only(ctx: Context):
    for call in calls(ctx, {"load"}):
        if call_name(ctx, call, {"load"}) != "torch.load":
            continue
        if keyword(call, "weights_only") is not None or has_star_kwargs(call):
            continue
        if fallback_of(ctx.analysis, call, lambda n: flow.last_name(n.func) == "load"
                       and keyword(n, "weights_only") is not None):
            continue  # (``except TypeError:`` after a load that passes it: a torch before 1.13 only)
        fix = None
        # With a custom pickle module the caller wants full unpickling: no automatic choice;
        # nor where every torch the project allows predates the argument (1.13: a TypeError there)
        if not may_pass(call, "pickle_module", 2) and not options.predates(ctx, "1.13"):
            edit = add_keyword(ctx, call, "weights_only=True")
            if edit is not None:
                fix = Fix("unsafe", "Add `weights_only=True`", (edit,))
        yield ctx.finding(
            call,
            "`torch.load` without `weights_only`: loading a full pickle can execute arbitrary "
            "code. Pass `weights_only=True` (tensors and plain containers only), or "
            "`weights_only=False` only for files you trust.",
            fix,
        )


# ---------------------------------------------------------------- TW502
@rule(code="TW502", name="save-whole-model", group="serialization", severity="warning",
      summary="`torch.save(model)` pickles the whole module; save its `state_dict()` instead.",
      fix="unsafe")
def save_whole_model(ctx: Context):
    for call in calls(ctx, {"save"}):
        if call_name(ctx, call, {"save"}) != "torch.save":
            continue
        obj = argument(call, "obj", 0)
        if obj.__class__ is ast.Attribute and obj.attr == "state_dict":  # type: ignore[union-attr]
            # ``torch.save(self.model.state_dict, path)``: the bound method, not the dict it
            # returns (krisrs1128/glacier_mapping): pickling it pickles its whole object
            if _state_dict_property(ctx, obj.value):  # type: ignore[union-attr]
                continue
            name = ctx.text(obj)
            yield ctx.finding(
                call,
                f"`{name}` is not called: `torch.save` pickles the bound method, and with it the whole "
                f"object it belongs to, not its state dict; write `{name}()`",
                Fix("unsafe", f"Call `{name}()`", (ctx.replace(obj, f"{name}()"),)),
            )
            continue
        if obj is None or not (is_module_instance(ctx, obj) or _built_or_loaded(ctx, obj) or _wrapped_module(ctx, obj)):
            continue
        cls = type_of(ctx, obj) or ""
        if cls.startswith("torch.jit."):
            continue  # scripted modules are meant to be saved whole (with torch.jit.save)
        name = ctx.text(obj) or "model"
        yield ctx.finding(
            call,
            f"`torch.save({name}, ...)` pickles the whole module object: the file then needs the "
            f"exact class at the same import path to load, and `torch.load` refuses it under "
            f"its default `weights_only=True`. Save `{name}.state_dict()` instead and load it "
            f"with `load_state_dict` into a freshly built model.",
        )


def _wrapped_module(ctx: Context, obj: ast.expr) -> bool:
    """``model.module`` where ``model`` is a ``DataParallel`` or ``DistributedDataParallel``
    wrapper: the module it wraps, pickled whole all the same (``torch.save(model.module, path)``
    saves the network without the wrapper, still not its state dict)."""
    if obj.__class__ is not ast.Attribute or obj.attr != "module":  # type: ignore[attr-defined]
        return False
    cls = type_of(ctx, obj.value)  # type: ignore[attr-defined]
    if cls is None:
        return False
    try:
        return any(ctx.analysis.is_subclass(cls, wrapper) for wrapper in flow.PARALLEL_WRAPPERS)
    except Exception:
        return False


def _state_dict_property(ctx: Context, receiver: ast.expr) -> bool:
    """The receiver's class (of the file or the project) reads ``state_dict`` as a property
    (learningmatter-mit/NeuralForceField's ``Trainer``, a plain class whose ``state_dict``
    property returns the dict to save): ``torch.save(self.state_dict, path)`` saves that dict."""
    from torchwise.lint.rules._weights import class_of_project

    a = ctx.analysis
    qualname = flow.safe_type(a, receiver)
    if not qualname or qualname.startswith("torch."):
        return False
    for cls in a.mro(qualname)[:6]:
        found = class_of_project(a, cls)
        method = found[1].methods.get("state_dict") if found is not None else None
        if method is not None:
            return any(flow.last_name(d) in ("property", "cached_property", "setter", "getter")
                       for d in method.decorator_list)
    return False


def _built_or_loaded(ctx: Context, obj: ast.expr) -> bool:
    """A name its function binds only to modules it builds and to what ``torch.load``
    reads back, at least one built (``net = WSDDN()`` or, resuming, ``net = torch.load(path)``:
    adursun/wsddn.pytorch): the loaded value is the module a run saved whole."""
    if obj.__class__ is not ast.Name:
        return False
    a = ctx.analysis
    scope = flow.enclosing_function(a, obj)
    built = False
    for node in flow.walk_local(a, scope):
        if node.__class__ is not ast.Assign or not any(t.__class__ is ast.Name and t.id == obj.id for t in node.targets):  # type: ignore[attr-defined]
            continue
        if len(node.targets) != 1:  # type: ignore[attr-defined]
            return False
        value = node.value  # type: ignore[attr-defined]
        if value.__class__ is ast.Call and call_name(ctx, value, {"load"}) == "torch.load":
            continue
        if not is_module_instance(ctx, value):
            return False
        built = True
    return built


# ---------------------------------------------------------------- TW503
# Layers that behave differently in train and eval mode.
MODE_DEPENDENT_LAYERS = frozenset(
    f"torch.nn.{name}" for name in (
        "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
        "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm",
        "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
    )
) | frozenset(
    f"torch.nn.modules.{path}" for path in (
        "dropout.Dropout", "dropout.Dropout1d", "dropout.Dropout2d", "dropout.Dropout3d",
        "dropout.AlphaDropout", "dropout.FeatureAlphaDropout",
        "batchnorm.BatchNorm1d", "batchnorm.BatchNorm2d", "batchnorm.BatchNorm3d", "batchnorm.SyncBatchNorm",
    )
)
_LAYER_LAST = frozenset(q.rsplit(".", 1)[-1] for q in MODE_DEPENDENT_LAYERS)
# Functional forms that follow the module's mode only when told to.
_FUNCTIONAL_MODE = {"torch.nn.functional.dropout": "training", "torch.nn.functional.batch_norm": "training",
                    "torch.nn.functional.dropout1d": "training", "torch.nn.functional.dropout2d": "training",
                    "torch.nn.functional.dropout3d": "training", "torch.nn.functional.alpha_dropout": "training"}
_FUNCTIONAL_LAST = frozenset(q.rsplit(".", 1)[-1] for q in _FUNCTIONAL_MODE)

# export function -> (parameter name of the model, what it does with a train-mode model)
EXPORTERS = {
    "torch.jit.trace": "model",
    "torch.jit.trace_module": "model",
    "torch.jit.script": "model",
    "torch.onnx.export": "model",
    "torch.export.export": "model",
}
_EXPORTER_LAST = frozenset(q.rsplit(".", 1)[-1] for q in EXPORTERS)


def _has_mode_dependent_layers(ctx: Context, subtree: ast.AST) -> bool:
    for node in ast.walk(subtree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(ctx, node, _LAYER_LAST | _FUNCTIONAL_LAST)
        if name in MODE_DEPENDENT_LAYERS:
            return True
        if name in _FUNCTIONAL_MODE:
            flag = keyword(node, _FUNCTIONAL_MODE[name])
            if flag is not None and isinstance(flag.value, ast.Attribute) and flag.value.attr == "training":
                return True
    return False


def _class_has_mode_dependent_layers(ctx: Context, qualname: str) -> bool:
    cache = index(ctx).cache.setdefault("mode-layers", {})
    if qualname not in cache:
        cache[qualname] = _class_has_mode_dependent_layers_uncached(ctx, qualname)
    return cache[qualname]


def _class_has_mode_dependent_layers_uncached(ctx: Context, qualname: str) -> bool:
    analysis = ctx.analysis
    try:
        mro = analysis.mro(qualname)
    except Exception:
        return False
    for klass in mro:
        info = analysis.local_class(klass)
        if info is not None and _has_mode_dependent_layers(ctx, info.node):
            return True
    return False


def _fresh_model(ctx: Context, expr: ast.AST, call: ast.Call) -> ast.Call | None:
    """The constructor call that built the model ``expr`` denotes, when ``expr`` is that
    call itself or a name assigned from it earlier in the same scope."""
    if isinstance(expr, ast.Call):
        return expr
    if not isinstance(expr, ast.Name):
        return None
    analysis = ctx.analysis
    scope = analysis.scope_of(expr)
    binding = analysis.lookup(expr.id, scope, expr.lineno)
    if binding is None or binding.kind != "assign" or binding.index is not None:
        return None
    if not isinstance(binding.node, ast.Call):
        return None
    # the name must be bound in the very scope of the export call (not a global or parameter)
    if binding not in scope.bindings.get(expr.id, []):
        return None
    return binding.node


def _constructs_mode_dependent_model(ctx: Context, constructor: ast.Call) -> bool:
    value = ctx.analysis.resolve(constructor)
    if value is None or value.kind != "instance":
        return False
    if value.is_local:
        return _class_has_mode_dependent_layers(ctx, value.qualname)
    if value.qualname in ("torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"):
        return _has_mode_dependent_layers(ctx, constructor)
    if value.qualname in MODE_DEPENDENT_LAYERS:
        return True
    return _built_by_project_factory(ctx, constructor, value.qualname)


def _built_by_project_factory(ctx: Context, built: ast.Call, qualname: str) -> bool:
    """``built`` (moves dropped) calls a function of the project that returns a module class
    of the project whose own code builds dropout or batch norm, switching no mode itself
    (BloodAxe/Kaggle-2024-CryoET's ``model_from_checkpoint(path)``, which builds the HRNet with
    its ``BatchNorm3d`` layers and loads its weights)."""
    from torchwise.lint.rules import _weights

    a = ctx.analysis
    built = effects.unmoved(built)  # type: ignore[assignment]  (``model_from_checkpoint(path).cuda()``)
    function = a.resolve(built.func) if a.env is not None and built.__class__ is ast.Call else None
    if function is None or function.kind != "symbol" or function.is_local:
        return False
    try:
        defined = a.env._function(a, function.qualname)
    except Exception:  # the project model must never stop a rule
        return False
    found = _weights.class_of_project(a, qualname)
    if defined is None or found is None or found[0] is a or defined[1].__class__ is not ast.FunctionDef:
        return False
    unit, factory = defined[0], defined[1]
    if any(flow.method_name(c) in ("eval", "train") for c in flow.calls_in(unit, factory)):
        return False  # (a loader that switches the model it returns)
    other, info = found
    for klass in other.mro(info.qualname)[:6]:
        local = other.local_class(klass)
        if local is not None and any(n.__class__ is ast.Call and flow.safe_qualname(other, n.func) in MODE_DEPENDENT_LAYERS
                                     for n in ast.walk(local.node)):
            return True
    return False


def _binding_scope(ctx: Context, name: str, scope):
    """The scope that binds ``name`` as seen from ``scope`` (None: unbound)."""
    current = scope
    while current is not None:
        if name in current.bindings:
            return current
        current = current.parent
    return None


def _mode_may_change(ctx: Context, model: ast.Name, export_call: ast.Call) -> bool:
    """Whether anything in the file may switch the model named ``name`` to eval mode:
    ``name.eval()``/``name.train(...)``/``name.training = ...``, a mode call on any
    receiver we cannot tell apart from it, or ``name`` handed to a function that is
    not known to leave the mode alone."""
    name = model.id
    analysis = ctx.analysis
    home = _binding_scope(ctx, name, analysis.scope_of(model))

    def same(expr: ast.AST) -> bool:
        return (isinstance(expr, ast.Name) and expr.id == name
                and _binding_scope(ctx, name, analysis.scope_of(expr)) is home)

    idx = index(ctx)
    for node in idx.calls_named(("eval", "train")):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("eval", "train"):
            receiver = func.value
            if isinstance(receiver, ast.Name) and not same(receiver):
                continue  # another model
            return True
    if "training" in idx.attribute_names and any(
            isinstance(t, ast.Attribute) and t.attr == "training"
            for a in idx.assigns for t in (a.targets if isinstance(a, ast.Assign) else [a.target])):
        return True
    passing = idx.cache.get("passing")
    if passing is None:
        passing = {}
        for call in idx.calls:
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(arg, ast.Name):
                    passing.setdefault(arg.id, []).append(call)
        idx.cache["passing"] = passing
    for node in passing.get(name, ()):
        if True:
            if node is export_call:
                continue
            passes_model = any(same(a) for a in node.args) or any(same(k.value) for k in node.keywords)
            if not passes_model:
                continue
            target = call_name(ctx, node)
            if target in EXPORTERS or target in ("torch.save", "print", "len", "isinstance", "repr", "str"):
                continue
            if target is not None and target.startswith("<local>."):
                func_node = index(ctx).functions.get(target[len("<local>."):])
                if func_node is not None and not _switches_mode(func_node):
                    continue
            return True
    return False


def _switches_mode(func: ast.AST) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("eval", "train"):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "training" and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Call) and not isinstance(node.func, (ast.Name, ast.Attribute)):
            return True  # calls something we cannot follow
    return False


@rule(code="TW503", name="export-in-train-mode", group="serialization", severity="warning",
      summary="A model with dropout/batch norm is traced, scripted or exported without `model.eval()`.",
      fix="unsafe", module_wide=True)  # mode calls and calls passing the model anywhere in the file (_mode_may_change)
def export_in_train_mode(ctx: Context):
    for call in calls(ctx, _EXPORTER_LAST):
        exporter = call_name(ctx, call, _EXPORTER_LAST)
        if exporter not in EXPORTERS:
            continue
        if exporter == "torch.onnx.export" and (
                keyword(call, "training") is not None
                or (keyword(call, "dynamo") is not None and not _is_true_kw(call, "dynamo"))):
            continue  # the TorchScript-based exporter switches to eval mode itself (training=EVAL)
        model = argument(call, EXPORTERS[exporter], 0)
        if model is None:
            continue
        if model.__class__ is ast.Name and model.id == "self":  # type: ignore[attr-defined]
            found = _self_exported_in_train_mode(ctx, call, exporter)
            if found is not None:
                yield found
            continue
        constructor = _fresh_model(ctx, model, call)
        if constructor is None or not _constructs_mode_dependent_model(ctx, constructor):
            continue
        if isinstance(model, ast.Name) and _mode_may_change(ctx, model, call):
            continue
        if isinstance(model, ast.Name) and exporter == "torch.jit.script" and _script_result_switched(ctx, call):
            continue
        shown = ctx.text(model) if isinstance(model, ast.Name) else "the model"
        verb = {"torch.jit.script": "scripted", "torch.onnx.export": "exported to ONNX",
                "torch.export.export": "exported"}.get(exporter, "traced")
        yield ctx.finding(
            call,
            f"`{shown}` is {verb} while still in training mode: its dropout/batch-norm layers are "
            f"captured with training behaviour (random dropout, batch statistics). Call "
            f"`{shown}.eval()` before `{exporter.split('.', 1)[1]}`."
            if isinstance(model, ast.Name) else
            f"A freshly built model is {verb} in training mode: its dropout/batch-norm layers are "
            f"captured with training behaviour. Build it first, call `.eval()` on it, then export it.",
        )
    yield from _frozen_in_train_mode(ctx)


# what a chain from a loaded or built model to the module frozen may go through: moves, and
# the scripting or tracing that makes the ScriptModule ``freeze`` wants
_SCRIPTING = frozenset({"script", "trace", "to", "cuda", "cpu", "float", "half", "double"})
# (not ``torch.jit.load``: a TorchScript file is mostly written for deployment, in eval mode,
# as mir-group/nequip's compiled models are)
_LOADS = frozenset({"torch.load"})


def _frozen_in_train_mode(ctx: Context):
    """``torch.jit.freeze(model)`` of a module that was built or unpickled (``torch.load``)
    in the same function and that nothing there switches to eval mode:
    ``freeze`` raises a RuntimeError for a module in training mode, the mode a module is
    built in and that a training checkpoint keeps (mir-group/nequip's ``deploy build``,
    fixed by "Ensure eval mode"). Any layers: the mode check does not look at them."""
    a = ctx.analysis
    for call in calls(ctx, {"freeze"}):
        if call_name(ctx, call, {"freeze"}) != "torch.jit.freeze":
            continue
        model = argument(call, "mod", 0)
        if model.__class__ is not ast.Name:
            continue
        origin = _frozen_origin(ctx, model)  # type: ignore[arg-type]
        if origin is None or _switched_before(ctx, model, call):  # type: ignore[arg-type]
            continue
        name = model.id  # type: ignore[attr-defined]
        loaded = call_name(ctx, origin) in _LOADS
        yield ctx.finding(
            call,
            f"`torch.jit.freeze` raises a RuntimeError for a module in training mode, and nothing here switches "
            f"`{name}` to eval mode: it was {'loaded' if loaded else 'built'} on line {origin.lineno}, and "
            + ("a loaded module keeps the mode it was saved in (a training checkpoint's: training)" if loaded
               else "a module starts in training mode")
            + f"; call `{name}.eval()` before freezing",
            fix_edits.insertion_fix(ctx, flow.statement_of(a, call), f"{name}.eval()",
                                    f"Call `{name}.eval()` before freezing"),
        )


def _switched_before(ctx: Context, model: ast.Name, freeze: ast.Call) -> bool:
    """Code of the freezing function before ``freeze`` may switch a module's mode: a mode
    call or a ``.training`` store on anything, or ``model``'s name handed to a call other
    than a move, a scripting or tracing, or a print or log."""
    a = ctx.analysis
    func = flow.enclosing_function(a, freeze)
    for n in flow.walk_local(a, func):
        if n.__class__ not in (ast.Call, ast.Attribute) or not flow.before(n, freeze):
            continue
        if n.__class__ is ast.Call:
            last = flow.last_name(n.func)
            if last in ("eval", "train"):
                return True
            if n is not freeze and last not in _SCRIPTING and last not in _READS_ONLY and any(
                    x.__class__ is ast.Name and x.id == model.id for x in [*n.args, *(k.value for k in n.keywords)]):  # type: ignore[attr-defined]
                return True
        elif n.__class__ is ast.Attribute and n.attr == "training" and n.ctx.__class__ is ast.Store:  # type: ignore[attr-defined]
            return True
    return False


# calls that only read or show what they are handed
_READS_ONLY = frozenset({"print", "info", "debug", "warning", "log", "len", "repr", "str", "isinstance", "type"})


def _frozen_origin(ctx: Context, model: ast.Name, depth: int = 0) -> ast.Call | None:
    """The call that loaded or built the module ``model`` names, followed back through the
    assignments of its function that move, script or trace it (``model = script(model)``,
    ``model = model.to(device)``); None where it came from elsewhere or was switched."""
    a = ctx.analysis
    scope = a.scope_of(model)
    stmt = flow.statement_of(a, model)
    binding = a.lookup(model.id, scope, (stmt.lineno if stmt is not None else model.lineno) - 1)
    if binding is None or binding.kind != "assign" or binding.index is not None or depth > 6 \
            or binding not in scope.bindings.get(model.id, []) or binding.node.__class__ is not ast.Call:
        return None
    value = binding.node
    while True:
        if flow.last_name(value.func) in ("eval", "train"):
            return None  # (``torch.jit.script(Net().eval())``)
        if call_name(ctx, value) in _LOADS:
            return value
        built = a.resolve(value)
        made_by = a.resolve(value.func) if built is not None else None
        if built is not None and built.kind == "instance" and flow.is_subclass(a, built.qualname, "torch.nn.Module") \
                and made_by is not None and made_by.qualname == built.qualname:
            return value  # (a class's construction: not ``torch.jit.load(path)``, which hands back a ScriptModule)
        last = flow.last_name(value.func)
        if last not in _SCRIPTING:
            return None  # (``model.eval()``, or a call that may hand back anything)
        inner = value.func.value if value.func.__class__ is ast.Attribute and last not in ("script", "trace") \
            else (value.args[0] if value.args else None)
        if inner.__class__ is ast.Name:
            return _frozen_origin(ctx, inner, depth + 1)  # type: ignore[arg-type]
        if inner.__class__ is not ast.Call:
            return None
        value = inner


def _self_exported_in_train_mode(ctx: Context, call: ast.Call, exporter: str):
    """A module class's method that exports ``self`` (``export_onnx``), setting no mode, for a
    class with dropout or batch norm, in a project none of whose code switches anything to
    eval mode: whoever calls it exports the model in training mode (luxonis/luxonis-train#45,
    whose ``Exporter`` builds the model, loads its weights and calls ``export_onnx``)."""
    from torchwise.lint.rules import _modes

    a = ctx.analysis
    method = flow.enclosing_function(a, call)
    cls = flow.parent(a, method) if method is not None else None
    if cls.__class__ is not ast.ClassDef or not _modes.left_in_training_mode(
            a, cls, lambda qualname: _class_has_mode_dependent_layers(ctx, qualname)):  # type: ignore[arg-type]
        return None
    verb = {"torch.jit.script": "scripts", "torch.onnx.export": "exports to ONNX",
            "torch.export.export": "exports"}.get(exporter, "traces")
    return ctx.finding(
        call,
        f"`{method.name}` {verb} the model (`self`) without switching it to eval mode, and no code of this "  # type: ignore[union-attr]
        f"project calls `eval()`: modules start in training mode, so its dropout/batch-norm layers are captured "
        f"with training behaviour; call `self.eval()` first (and `self.train()` after, if it trains on)",
    )


def _is_true_kw(call: ast.Call, name: str) -> bool:
    kw = keyword(call, name)
    return kw is not None and isinstance(kw.value, ast.Constant) and kw.value.value is True


def _script_result_switched(ctx: Context, call: ast.Call) -> bool:
    """``scripted = torch.jit.script(model)`` followed by ``scripted.eval()``."""
    parent = index(ctx).parent(call)
    if isinstance(parent, ast.Attribute) and parent.attr in ("eval", "train"):
        return True
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        for node in index(ctx).calls_named(("eval", "train")):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("eval", "train") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == name):
                return True
    return False
