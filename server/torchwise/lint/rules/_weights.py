"""Layer weights reached directly or through helpers (``model.fc.weight``,
``get_weights(model)``, a property returning ``self.fc.weight``): parameters that require
grad, for numpy-without-detach; and whether a module class may hold parameters at all
(``class_has_parameters``), for it and unregistered-submodules.

Only the ``weight`` of torch layers that always create it as a trainable parameter
counts (not ``bias``, which ``bias=False`` removes, nor embeddings, which
``from_pretrained`` freezes, nor norms, whose ``affine=False`` removes it). A helper
counts when every ``return`` of it gives such a weight, outside any ``no_grad`` and
without ``.detach()``/``.data``; helpers are followed a few calls deep, in the file or,
with a project, in its other modules.
"""

from __future__ import annotations

import ast
import builtins
import sys

from torchwise.analysis import LOCAL, MODULE, Analysis, Value
from torchwise.lint import flow
from torchwise.project.inference import _returns as own_returns

MAX_DEPTH = 6
_LAYERS = frozenset({"Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d",
                     "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "PReLU"})
# results that still require grad when their input does
_KEEPS = frozenset({"cpu", "to", "cuda", "float", "double", "half", "squeeze", "unsqueeze", "view", "reshape",
                    "flatten", "contiguous", "clone", "permute", "transpose", "t"})

Args = dict[str, tuple[Analysis, ast.expr]]  # a helper's parameter -> (caller's analysis, argument)


def weight_source(analysis: Analysis, expr: ast.expr) -> str | None:
    """A description when ``expr`` certainly holds a torch layer's trainable weight."""
    try:
        return _source(analysis, expr, {}, 0)
    except Exception:  # inference must never break a rule (nor drop its other findings)
        return None


def _source(a: Analysis, expr: ast.expr, args: Args, depth: int) -> str | None:
    if depth > MAX_DEPTH or flow.under_grad_off(a, expr):
        return None
    if isinstance(expr, ast.Subscript):
        return _source(a, expr.value, args, depth + 1)
    if isinstance(expr, ast.Name):
        if expr.id in args:
            return None  # a parameter of a helper: its caller's value is not traced here
        value = flow.binding_value(a, expr)
        return _source(a, value, args, depth + 1) if value is not None else None
    if isinstance(expr, ast.Attribute):
        if expr.attr == "weight":
            owner = _value(a, expr.value, args)
            if owner is not None and _is_layer(owner[1]):
                return f"the trainable parameter `{ast.unparse(expr)}`"
            return None
        found = _callee(a, expr, args, prop=True)
        return _returned(found, depth, prop=True) if found is not None else None
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _KEEPS:
            return _source(a, func.value, args, depth + 1)
        found = _callee(a, expr, args, prop=False)
        return _returned(found, depth, prop=False) if found is not None else None
    return None


def _returned(found: tuple[Analysis, ast.AST, Args], depth: int, *, prop: bool) -> str | None:
    """What every return of the helper gives, described from the caller's side."""
    a, func, args = found
    returns = _returns(func)
    if not returns or freezes_parameters(a):
        return None
    described = None
    for ret in returns:
        inner = _source(a, ret.value, args, depth + 1) if ret.value is not None else None
        if inner is None:
            return None
        described = described or inner
    by = f"the property `{func.name}`" if prop else f"`{func.name}()`"  # type: ignore[attr-defined]
    return f"{described} returned by {by}"


def freezes_parameters(a: Analysis) -> bool:
    """Whether a file turns gradients off on parameters (``requires_grad_(False)``,
    ``p.requires_grad = False``): a frozen model's weights do not require grad."""
    def compute() -> bool:
        if flow.calls_named(a, "requires_grad_"):
            return True
        return any(isinstance(t, ast.Attribute) and t.attr == "requires_grad"
                   for n in flow.iter_nodes(a, ast.Assign) for t in n.targets)

    known = a.queries.get("freezes_parameters")
    if known is None:
        known = a.queries["freezes_parameters"] = compute()
    return known


def _returns(func: ast.AST) -> list[ast.Return]:
    return own_returns(func, generators=False)  # a generator's call gives no weight


def _is_layer(value: Value) -> bool:
    if value.kind != "instance" or not value.qualname.startswith("torch.nn."):
        return False
    if any(w in value.qualname for w in ("quantized", "qat", "intrinsic", "Lazy")):
        return False
    return value.qualname.rsplit(".", 1)[-1] in _LAYERS


def _value(a: Analysis, expr: ast.expr, args: Args) -> tuple[Analysis, Value] | None:
    """What ``expr`` denotes; a helper's parameter is what its caller passes."""
    value = a.resolve(expr)
    if value is not None:
        return a, value
    if isinstance(expr, ast.Name) and expr.id in args:
        binding = a.lookup(expr.id, a.scope_of(expr), expr.lineno)
        if binding is None or binding.kind != "param":
            return None
        caller, argument = args[expr.id]
        value = caller.resolve(argument)
        return (caller, value) if value is not None else None
    if isinstance(expr, ast.Attribute):
        base = _value(a, expr.value, args)
        if base is None:
            return None
        value = base[0].member(base[1], expr.attr)
        return (base[0], value) if value is not None else None
    return None


def _callee(a: Analysis, expr: ast.expr, args: Args, *, prop: bool) -> tuple[Analysis, ast.AST, Args] | None:
    """The helper a call (or, with ``prop``, a property access) runs: its analysis, its
    node, and what the call passes for its parameters."""
    target = expr if prop else expr.func  # type: ignore[attr-defined]
    value = _value(a, target, args)
    if value is None or value[1].kind != "symbol":
        return None
    owner_analysis, symbol = value
    found = project_function(owner_analysis, symbol.qualname)
    if found is None:
        return None
    unit, func = found
    is_property = any(flow.last_name(d) == "property" for d in func.decorator_list)  # type: ignore[attr-defined]
    if is_property != prop:
        return None
    params = [p.arg for p in (*func.args.posonlyargs, *func.args.args)]  # type: ignore[attr-defined]
    if any(flow.last_name(d) == "classmethod" for d in func.decorator_list):  # type: ignore[attr-defined]
        params = params[1:]  # ``cls`` is never an argument of the call
    receiver = target.value if isinstance(target, ast.Attribute) else None
    passed: Args = {}
    method = receiver is not None and params[:1] == ["self"] and isinstance(flow.parent(unit, func), ast.ClassDef)
    bound = _value(a, receiver, args) if method else None
    if method and (bound is None or bound[1].kind != "instance"):
        method = False  # ``Net.weights(net)``: the instance is the call's first argument
    if prop and not method:
        return None  # a property read on its class is the property object
    if method:
        passed["self"] = (a, receiver)
        params = params[1:]
    if not prop:
        call = expr
        for name, argument in zip(params, call.args):  # type: ignore[attr-defined]
            if isinstance(argument, ast.Starred):
                break
            passed[name] = (a, argument)
        for keyword in call.keywords:  # type: ignore[attr-defined]
            if keyword.arg in params:
                passed[keyword.arg] = (a, keyword.value)
    return unit, func, passed


def project_function(a: Analysis, qualname: str) -> tuple[Analysis, ast.AST] | None:
    """A function or method of this file, or (with a project) of another module."""
    from torchwise.project.inference import function_node

    if qualname.startswith(LOCAL):
        node = function_node(a, qualname[len(LOCAL):])
        return (a, node) if node is not None else None
    env = a.env
    if env is None or not env.owns(qualname):
        return None
    found = env._function(a, qualname)
    if found is None:
        return None
    return found[0], found[1]


# torch.nn layers without parameters: their output requires grad only when the input does
PARAMETERLESS = frozenset(f"torch.nn.{name}" for name in (
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Softmax", "LogSoftmax", "Softmin", "Softplus", "Softsign", "Hardtanh", "Hardswish", "Hardsigmoid",
    "Hardshrink", "Softshrink", "Tanhshrink", "Threshold", "LogSigmoid", "Dropout", "Dropout1d", "Dropout2d",
    "Dropout3d", "AlphaDropout", "Identity", "Flatten", "Unflatten", "MaxPool1d", "MaxPool2d", "MaxPool3d",
    "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample", "PixelShuffle", "PixelUnshuffle",
    "UpsamplingNearest2d", "UpsamplingBilinear2d", "ChannelShuffle", "Fold", "Unfold",
    "CosineSimilarity", "PairwiseDistance", "Softmax2d", "GLU", "RReLU", "LPPool1d", "LPPool2d", "LPPool3d",
    "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d",
    "LocalResponseNorm", "CrossMapLRN2d",
    # padding (kan-bayashi/ParallelWaveGAN's tests pad plain tensors, then call .numpy())
    *(f"{kind}Pad{n}d" for kind in ("Constant", "Zero", "Reflection", "Replication", "Circular") for n in (1, 2, 3))))


# of those, the ones train()/eval() leave alone too: nothing a container must register
STATELESS = PARAMETERLESS - {f"torch.nn.{name}" for name in (
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "RReLU")}  # (RReLU: a random slope in training)


REGISTERS = ("register_parameter", "add_module", "register_module", "Parameter")  # (not setattr: pytorch3d's
# TensorProperties sets plain tensors so)


def class_has_parameters(a, qualname: str, depth: int = 0) -> bool:
    """Whether a class may hold parameters: torch's layers and other libraries' classes are
    assumed to; a class of the file or of the project needs evidence, in its own code or
    its bases' there: a layer or ``nn.Parameter`` built (not one that starts frozen), a
    parameter or module registered, an attribute set from a function's result (which may
    build layers); allenai/allennlp's ``CosineAttention`` stores a flag only, and its tests
    call ``.numpy()`` on its output. Memoized per analysis."""
    known = a.queries.setdefault("class_has_parameters", {})
    if qualname not in known:
        known[qualname] = _compute_class_has_parameters(a, qualname, depth)
    return known[qualname]  # type: ignore[no-any-return]


def _compute_class_has_parameters(a, qualname: str, depth: int) -> bool:
    found = class_of_project(a, qualname)
    if found is None:
        return True  # torch's layers, other libraries' classes: assumed to have some
    if depth > 3:
        return False  # no evidence found within reach
    owner, info = found
    for base in owner.bases(info.qualname):
        if base != MODULE and flow.public_name(base) == MODULE:
            continue  # ``from torch.nn.modules.module import Module`` (jwyang/lr-gan.pytorch's STNM)
        if base != MODULE and flow.is_subclass(owner, base, MODULE) and (
                (base not in PARAMETERLESS and not base.startswith("torchvision.transforms."))  # (thuml's Denormalize)
                if class_of_project(owner, base) is None  # torch's layer, another library's
                else class_has_parameters(owner, base, depth + 1)):  # (ptrblck's MyBatchNorm2d(nn.BatchNorm2d))
            return True
        if _library_class(owner, base):
            return True  # another library's base, unknown here: may hold parameters (gpytorch's ExactGP under botorch's GPs)
    # the class's body (not its decorators: ``@MODELS.register_module()`` registers the class
    # in a registry, no module in it; open-mmlab/mmagic's ``CharbonnierLoss``)
    calls = [n for stmt in info.node.body for n in flow.subtree(stmt) if n.__class__ is ast.Call]
    built = [n for n in calls if flow.last_name(n.func) == "Parameter"]
    # ``Parameter(sigma, requires_grad=requires_grad)``: off unless asked (MONAI's filters,
    # which then register them): parameters that all start frozen are no evidence
    frozen = bool(built) and all(any(k.arg == "requires_grad" and not _is_true(k.value) for k in n.keywords)
                                 for n in built)
    for n in calls:
        name = flow.last_name(n.func)
        if frozen and name in ("ParameterList", "ParameterDict") and n.args and not n.keywords and all(
                any(m in built for m in ast.walk(arg)) for arg in n.args):
            continue  # a container of frozen parameters built here (funcwj/aps's ``SpeedPerturbTransform``:
            # ``nn.ParameterList([nn.Parameter(f, requires_grad=False) for ...])``)
        if name in REGISTERS:
            if frozen and name in ("Parameter", "register_parameter"):
                continue
            if name == "Parameter" and _never_read(owner, n):
                continue  # a dummy (facebookresearch/ReAgent's ``dummy_param``, kept for DDP)
            return True
        value = flow.safe_qualname(owner, n.func)
        if value is None:
            root = n.func
            while root.__class__ in (ast.Attribute, ast.Call, ast.Subscript):
                root = root.func if root.__class__ is ast.Call else root.value  # type: ignore[attr-defined]
            parent = flow.parent(owner, n)
            if parent.__class__ is ast.Assign and any(t.__class__ is ast.Attribute for t in parent.targets) \
                    and not (root.__class__ is ast.Name and root.id == "self") \
                    and flow.last_name(n.func)[:1].islower() and not _plain_local(owner, n, root) \
                    and not (n.func.__class__ is ast.Name and hasattr(builtins, n.func.id)):  # type: ignore[attr-defined]
                # (a builtin's value, ``self.pad_amount = int(filter_length / 2)``: RVC's STFT, no layer)
                return True  # ``self.layers = make_layers(cfg)``: unknown, may build layers (not
            continue  # ``self.rasterizer = self.rasterizer.to(device)`` nor an extension's object,
            # ``self._renderer = _C.PulsarRenderer(...)``: pytorch3d's renderers)
        if flow.unweighted_loss(owner, n):
            continue  # ``self.mse_loss = nn.MSELoss(reduction="none")``: no parameter, no buffer (cvpods' YOLOHead)
        result = owner.call_result(Value("symbol", value))
        if result is not None and result.kind == "instance" and result.qualname == qualname:
            continue  # an instance of itself is no evidence (HumanCompatibleAI/imitation's ``PreferenceModel``
            # builds one per ensemble member, each around a module registered elsewhere)
        if result is not None and result.kind == "instance" and flow.is_subclass(owner, result.qualname, MODULE) \
                and result.qualname not in PARAMETERLESS and class_has_parameters(owner, result.qualname, depth + 1):
            return True
        if result is None and (value.startswith(LOCAL) or (owner.env is not None and owner.env.owns(value))):
            parent = flow.parent(owner, n)
            if parent.__class__ is ast.Assign and any(t.__class__ is ast.Attribute for t in parent.targets) \
                    and not _returns_no_layers(owner, value):
                return True  # a function of the project stored on self: may return layers
    return False


def holds_parameters(a, qualname: str) -> bool:
    """Whether calling an instance may run parameters: its own (``class_has_parameters``)
    or those of a module handed to it (``_calls_a_module_handed_in``). For the rules about
    what autograd records; registration (``unregistered-submodules``) asks only of its own,
    as a module handed in is registered by its owner."""
    if class_has_parameters(a, qualname):
        return True
    found = class_of_project(a, qualname)
    if found is None:
        return True
    known = found[0].queries.setdefault("calls_a_module_handed_in", {})
    if qualname not in known:
        info = found[1]
        known[qualname] = _calls_a_module_handed_in(
            info.node, [n for stmt in info.node.body for n in flow.subtree(stmt) if n.__class__ is ast.Call])
    return known[qualname]  # type: ignore[no-any-return]


def _calls_a_module_handed_in(cls: ast.ClassDef, calls: list[ast.Call]) -> bool:
    """A method stores one of its parameters on ``self`` and the class calls it
    (``self.clf = clf`` then ``self.clf(x)``: Trusted-AI/adversarial-robustness-toolbox's
    ``BackdoorModel`` around a classifier): a module handed in, with its parameters. A
    stored flag that is never called (allennlp's ``CosineAttention``) is none."""
    called = {n.func.attr for n in calls if n.func.__class__ is ast.Attribute  # type: ignore[attr-defined]
              and n.func.value.__class__ is ast.Name and n.func.value.id == "self"}  # type: ignore[attr-defined]
    if not called:
        return False
    for method in cls.body:
        if method.__class__ not in (ast.FunctionDef, ast.AsyncFunctionDef):
            continue
        params = {p.arg for p in (*method.args.posonlyargs, *method.args.args, *method.args.kwonlyargs)}  # type: ignore[attr-defined]
        for n in ast.walk(method):
            if n.__class__ is ast.Assign and n.value.__class__ is ast.Name and n.value.id in params \
                    and any(t.__class__ is ast.Attribute and t.value.__class__ is ast.Name and t.value.id == "self"
                            and t.attr in called for t in n.targets):  # type: ignore[attr-defined]
                return True
    return False


def _never_read(a: Analysis, built: ast.Call) -> bool:
    """``self.<attr> = nn.Parameter(...)`` whose attribute no code of the module reads: a
    parameter no output depends on."""
    parent = flow.parent(a, built)
    if parent.__class__ is not ast.Assign or len(parent.targets) != 1:  # type: ignore[attr-defined]
        return False
    target = parent.targets[0]  # type: ignore[attr-defined]
    if target.__class__ is not ast.Attribute or target.value.__class__ is not ast.Name or target.value.id != "self":
        return False
    return not any(r.__class__ is ast.Attribute and r.ctx.__class__ is ast.Load and r is not target  # type: ignore[attr-defined]
                   for r in flow.index(a).refs_by_name.get(target.attr, ()))


def _library_class(a: Analysis, qualname: str) -> bool:
    """A class of another library than torch, the standard library or numpy: nothing is
    known of it (``gpytorch.models.exact_gp.ExactGP``)."""
    top = qualname.partition(".")[0]
    if "." not in qualname or top.startswith("<") or top in _KNOWN_TOPS or top in sys.stdlib_module_names:
        return False
    return class_of_project(a, qualname) is None and not (a.env is not None and a.env.owns(qualname))


_KNOWN_TOPS = frozenset({"torch", "torchvision", "torchaudio", "numpy", "scipy", "builtins", "typing_extensions"})


def _plain_local(a: Analysis, node: ast.AST, root: ast.AST) -> bool:
    """``root`` is a local name of the function around ``node`` bound only to what numpy,
    scipy or a function building no layer returns (s4's ``A, B = transition(method, N)``,
    then ``self.B = B.squeeze(-1)``)."""
    if root.__class__ is not ast.Name:
        return False
    func = flow.enclosing_function(a, node)
    values = []
    for n in flow.walk_local(a, func):
        if n.__class__ is ast.Assign:
            for t in n.targets:  # type: ignore[attr-defined]
                names = t.elts if t.__class__ is ast.Tuple else (t,)  # type: ignore[attr-defined]
                if any(e.__class__ is ast.Name and e.id == root.id for e in names):  # type: ignore[attr-defined]
                    values.append(n.value)  # type: ignore[attr-defined]
        elif n.__class__ in (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor) and any(
                e.__class__ is ast.Name and e.id == root.id for e in ast.walk(n.target)):  # type: ignore[attr-defined]
            return False  # bound some other way too
    if not values:
        return False
    for value in values:
        called = flow.safe_qualname(a, value.func) if value.__class__ is ast.Call else None  # type: ignore[attr-defined]
        if called is None:
            return False
        if called.split(".")[0] not in ("numpy", "scipy", "math") and not _returns_no_layers(a, called):
            return False
    return True


def _returns_no_layers(a: Analysis, qualname: str, depth: int = 0) -> bool:
    """The function builds no layer: every call it makes is numpy's, scipy's, math's, a
    builtin, a torch function, a method of a value, or another such function of the
    project (state-spaces/s4's HiPPO stores ``self.measure_fn = measure(method)``, a
    lambda, and ``basis(...)``, a numpy array)."""
    found = project_function(a, qualname)
    if found is None or depth > 2:
        return False
    owner, func = found
    nodes = list(ast.walk(func))
    bound = {t.id for n in nodes if n.__class__ is ast.Assign for t in n.targets  # type: ignore[attr-defined]
             if t.__class__ is ast.Name}  # (their values' calls are checked here too)
    holder = flow.parent(owner, func)
    info = owner.classes.get(holder) if holder.__class__ is ast.ClassDef else None
    params = func.args.posonlyargs + func.args.args  # type: ignore[attr-defined]
    if info is not None and params and params[0].arg == "cls" and not flow.is_subclass(owner, info.qualname, MODULE):
        bound.add("cls")  # a classmethod building its own class, no module (fast-transformers' EventDispatcher.get)
    for n in nodes:
        if n.__class__ is not ast.Call:
            continue
        if any(k.arg == "requires_grad" for k in n.keywords):  # type: ignore[attr-defined]
            return False
        called = flow.safe_qualname(owner, n.func)  # type: ignore[attr-defined]
        if called is None:
            if n.func.__class__ is ast.Name and not hasattr(builtins, n.func.id) \
                    and n.func.id not in bound:  # type: ignore[attr-defined]
                return False  # unknown
            continue  # a builtin, or a method of a value (``.T``, ``.squeeze(-1)``)
        if called.split(".")[0] in ("numpy", "scipy", "math", "builtins", "einops"):
            continue
        if called.startswith("torch."):
            if flow.is_subclass(owner, called, MODULE) or called.rsplit(".", 1)[-1] in REGISTERS:
                return False
            continue
        klass = class_of_project(owner, called)
        if klass is not None:
            if flow.is_subclass(klass[0], klass[1].qualname, MODULE):
                return False
            continue  # a plain class of the project
        if not _returns_no_layers(owner, called, depth + 1):
            return False  # another library's class or function, or one of the project that may build layers
    return True


def _is_true(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def class_of_project(a, qualname: str):
    """(its analysis, ClassInfo) of a class of the file or of the project, else None."""
    info = a.local_class(qualname)
    if info is not None:
        return a, info
    if a.env is None:
        return None
    try:
        found = a.env.class_unit(qualname)
    except Exception:  # the project model must never stop a rule
        return None
    return (found[0], found[1]) if found is not None else None
