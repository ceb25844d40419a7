"""``nn.Module`` subclasses (TW3xx): construction and calling conventions."""

from __future__ import annotations

import ast
from typing import Iterator

from torchwise.analysis import MODULE
from torchwise.lint import flow
from torchwise.lint.base import Context, Edit, Finding, Fix, rule
from torchwise.lint.rules import _weights
from torchwise.lint.rules._calls import arguments, is_false
from torchwise.project.effects import unmoved


def _module_classes(ctx: Context):
    """The file's classes deriving from ``nn.Module``, each by its own bases: a notebook's
    ``class DropoutModel(object)`` is no module because a later cell defines a
    ``DropoutModel(nn.Module)`` (jianli-Alex/d2l_pytorch)."""
    a = ctx.analysis
    for node, info in a.classes.items():
        if info.qualname == MODULE or not flow.is_subclass(a, info.qualname, MODULE):
            continue
        # (``local_class``: the last class statement of the name, what the name holds)
        if a.local_class(info.qualname) is not info and not _own_bases_reach_module(a, info):
            continue  # (an earlier class of the name, whose own bases are other)
        yield node, info


def _own_bases_reach_module(a, info) -> bool:
    for base in info.node.bases:
        if base.__class__ is ast.Subscript:
            base = base.value
        value = a.resolve(base, info.scope)
        if value is not None and value.kind == "symbol" and (value.qualname == MODULE or flow.is_subclass(a, value.qualname, MODULE)):
            return True
    return False


def _calls_base_init(a, func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for n in flow.calls_in(a, func):  # any order: a yes or no
        if isinstance(n.func, ast.Attribute) and n.func.attr == "__init__":
            if _one_argument_super(n) is None:
                return True  # super().__init__(), super(C, self).__init__(), Base.__init__(self)
    return False


def _one_argument_super(call: ast.Call) -> ast.Call | None:
    """The ``super(C)`` of ``super(C).__init__()``: an unbound super object, whose
    ``__init__`` re-initialises the super object itself — nn.Module's never runs."""
    value = call.func.value if isinstance(call.func, ast.Attribute) else None
    if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"
            and len(value.args) == 1 and not value.keywords):
        return value
    return None


def _def_span(ctx: Context, func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int, int, int]:
    line = func.lineno
    text = ctx.lines[line - 1] if line <= len(ctx.lines) else ""
    start = ctx.analysis.char_col(line, func.col_offset)
    name_at = text.find(func.name, start)
    end = name_at + len(func.name) if name_at >= 0 else len(text)
    return line, start, line, end


@rule(code="TW301", name="missing-super-init", group="modules", severity="error",
      summary="An nn.Module subclass defines __init__ without calling super().__init__().", fix="safe")
def missing_super_init(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis


    for node, info in _module_classes(ctx):
        init = info.methods.get("__init__")
        if init is None or _calls_base_init(a, init):
            continue
        one_arg = [n for n in flow.walk_local(a, init) if isinstance(n, ast.Call)
                   and isinstance(n.func, ast.Attribute) and n.func.attr == "__init__" and _one_argument_super(n)]
        if one_arg:
            sup = _one_argument_super(one_arg[0])
            yield ctx.finding(
                one_arg[0],
                f"`super({ctx.text(sup.args[0])}).__init__()` has one argument: it makes an unbound super "
                "object and initialises that, so nn.Module's setup never runs (assigning a layer then raises "
                "an AttributeError); write `super().__init__()`",
                Fix("unsafe", "Call `super().__init__()`", (ctx.replace(sup, "super()"),)),
            )
            continue
        if any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in init.decorator_list):
            continue
        direct = [b for b in a.bases(info.qualname)]
        fix = None
        body = init.body
        first = body[0]
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str) and len(body) > 1):
            first = body[1]
        if isinstance(first, ast.Raise):
            continue  # a class that cannot be built (botorch's removed qMultiObjectiveMaxValueEntropy)
        if direct == [MODULE] and first.lineno > init.lineno and first.col_offset < len(ctx.lines[first.lineno - 1]):
            indent = ctx.lines[first.lineno - 1][: first.col_offset]
            if not indent.strip():
                fix = Fix("safe", "Call `super().__init__()` first",
                          (Edit(first.lineno, 0, first.lineno, 0, f"{indent}super().__init__()\n"),))
        line, col, end_line, end_col = _def_span(ctx, init)
        yield Finding(
            rule=ctx.rule, line=line, col=col, end_line=end_line, end_col=end_col,  # type: ignore[arg-type]
            message=(f"`{info.name}.__init__` never calls `super().__init__()`: nn.Module's own setup "
                     "does not run, so assigning a layer or parameter raises an AttributeError and hooks, "
                     "state_dict and .to() break; call `super().__init__()` first"),
            fix=fix,
        )


def _module_elements(ctx: Context, value: ast.expr) -> tuple[str, ast.AST] | None:
    """("list"|"dict", node) when ``value`` is a list/dict display or comprehension of modules."""
    a = ctx.analysis
    # only modules constructed right here: `self.teacher = [teacher]` is the usual way to keep
    # a module *out* of the parameters on purpose
    if isinstance(value, (ast.List, ast.Tuple)) and value.elts:
        if all(_is_module_call(ctx, e) for e in value.elts):
            return ("list" if isinstance(value, ast.List) else "tuple"), value
        if all(_is_module_list(ctx, e) for e in value.elts):
            return "nested list", value
    if isinstance(value, ast.ListComp) and _is_module_call(ctx, value.elt):
        return "list", value
    if isinstance(value, ast.ListComp) and _is_module_list(ctx, value.elt):
        return "nested list", value
    if isinstance(value, ast.Dict) and value.values and all(k is not None for k in value.keys):
        if all(_is_module_call(ctx, v) for v in value.values):
            return "dict", value
    if isinstance(value, ast.DictComp) and _is_module_call(ctx, value.value):
        return "dict", value
    return None


def _elements(value: ast.expr) -> list[ast.expr]:
    """What a container display or comprehension holds: a dict's values, a list's or
    tuple's elements, a comprehension's element."""
    if isinstance(value, ast.Dict):
        return list(value.values)
    if isinstance(value, (ast.List, ast.Tuple)):
        return list(value.elts)
    element = getattr(value, "elt", None) or getattr(value, "value", None)
    return [element] if element is not None else []


def _nothing_to_register(ctx: Context, elements: list[ast.expr]) -> bool:
    """Every element has nothing to register, move or switch: a torch.nn loss built
    without a tensor (no ``weight``/``pos_weight``, no positional argument; transformers'
    LXMERT keeps ``{"ce": CrossEntropyLoss(), ...}`` so; a weighted loss holds a buffer
    ``.to()`` must move), or a module class of the file or of the project that shows no
    parameter (``_weights.class_has_parameters``) and never reads its mode (pytorch3d's
    ``RayPointRefiner``s, picked by evaluation mode), or one of torch's layers with no
    parameter, buffer or mode (``_weights.STATELESS``); or a mix (ZhengPeng7/BiRefNet's
    ``{"bce": nn.BCELoss(), "iou": IoULoss()}``)."""
    a = ctx.analysis
    for element in elements:
        if flow.unweighted_loss(a, element):
            continue
        if element.__class__ is ast.Call and not element.args and not element.keywords \
                and flow.safe_qualname(a, element.func) == MODULE:
            continue  # a bare ``nn.Module()``: nothing in it (torchrec's test of its lookups' train())
        qualname = flow.safe_type(a, element) if isinstance(element, ast.Call) else None
        if qualname in _weights.STATELESS:
            continue  # torch's pooling, activations, padding (NVIDIA/flownet2-pytorch's list of AvgPool2d)
        found = _weights.class_of_project(a, qualname) if qualname else None
        if found is None or _weights.class_has_parameters(a, qualname):  # type: ignore[arg-type]
            return False
        if any(n.__class__ is ast.Attribute and n.attr == "training" for n in flow.subtree(found[1].node)):
            return False  # a mode of its own (fairseq's FairseqDropout): train()/eval() must reach it
    return bool(elements)


def _only_a_mode(ctx: Context, elements: list[ast.expr]) -> bool:
    """Every element holds no parameter and no buffer, only a mode: torch's dropout layers,
    or a class of the project that shows no parameter and reads ``self.training``
    (``FairseqDropout`` in I-BERT's speech encoder): the finding is about ``train()/eval()``."""
    a = ctx.analysis
    for element in elements:
        qualname = flow.safe_type(a, element) if isinstance(element, ast.Call) else None
        if not qualname:
            return False
        if qualname.startswith("torch.nn.") and qualname.rsplit(".", 1)[-1].endswith("Dropout") \
                or qualname.rsplit(".", 1)[-1] in ("Dropout1d", "Dropout2d", "Dropout3d"):
            continue
        found = _weights.class_of_project(a, qualname)
        if found is None or _weights.class_has_parameters(a, qualname) or not any(
                n.__class__ is ast.Attribute and n.attr == "training" for n in flow.subtree(found[1].node)):
            return False
    return bool(elements)


def _is_module_list(ctx: Context, expr: ast.expr) -> bool:
    """A list/tuple display or comprehension of module constructions (one level of a
    list of lists)."""
    if isinstance(expr, (ast.List, ast.Tuple)):
        return bool(expr.elts) and all(_is_module_call(ctx, e) for e in expr.elts)
    return isinstance(expr, ast.ListComp) and _is_module_call(ctx, expr.elt)


def _is_module_call(ctx: Context, expr: ast.expr) -> bool:
    """Construction of a module (``nn.Linear(...)``, ``Block(...)``): comprehension
    variables have no scope the analysis can resolve, so look at the callee only."""
    if not isinstance(expr, ast.Call):
        return False
    a = ctx.analysis
    qualname = flow.safe_qualname(a, expr.func)
    if qualname is None:
        return False
    try:
        result = a.call_result(a.resolve(expr.func, flow.scope_for(a, expr.func)))  # type: ignore[arg-type]
    except Exception:
        return False
    return (result is not None and result.kind == "instance" and flow.is_subclass(a, result.qualname, MODULE)
            and not result.qualname.startswith("torchvision.transforms."))  # (no parameters, no buffers, no mode:
    # huggingface/lerobot keeps its v2 transforms in a dict, as v2.Compose keeps them in a list)


def _tested_module(a, call: ast.Call, item: ast.expr) -> bool:
    """``item`` is a name an enclosing ``if isinstance(item, nn.Module):`` lets through
    (asyml/texar-pytorch's ``MergeLayer``: ``if isinstance(layer, nn.Module):
    self._layers.append(layer)``)."""
    if item.__class__ is not ast.Name:
        return False
    child: ast.AST = call
    for anc in flow.ancestors(a, call):
        if isinstance(anc, flow.SCOPES):
            return False
        if anc.__class__ is ast.If and any(s is child or flow.contains(s, call) for s in anc.body):  # type: ignore[attr-defined]
            test = anc.test  # type: ignore[attr-defined]
            if test.__class__ is ast.Call and flow.last_name(test.func) == "isinstance" and len(test.args) == 2 \
                    and test.args[0].__class__ is ast.Name and test.args[0].id == item.id \
                    and flow.safe_qualname(a, test.args[1]) == MODULE:  # type: ignore[attr-defined]
                return True
        child = anc
    return False


def _moved_by_hand(ctx: Context, info, attr: str, item: ast.expr) -> bool:
    """``item`` builds an object of a class the linter cannot see (its module is not in the
    project), and the class moves the list's items to the GPU one by one in a ``cuda``/``to``
    method of its own: the author's workaround for modules the list does not register
    (ikostrikov/pytorch-meta-optimizer's ``LayerNormLSTMCell``s in ``self.lstms``)."""
    if item.__class__ is not ast.Call or not flow.last_name(item.func)[:1].isupper():  # type: ignore[attr-defined]
        return False
    a = ctx.analysis
    qualname = flow.safe_qualname(a, item.func)  # type: ignore[attr-defined]
    if qualname is None or qualname.startswith("torch") or _weights.class_of_project(a, qualname) is not None:
        return False
    try:
        if a.call_result(a.resolve(item.func, flow.scope_for(a, item.func))) is not None:  # type: ignore[attr-defined]
            return False  # a class something is known of
    except Exception:
        return False
    held = f"self.{attr}"
    for name in ("cuda", "to"):
        method = info.methods.get(name)
        if isinstance(method, ast.FunctionDef) and any(
                n.__class__ is ast.Call and flow.method_name(n) == name and n.func.value.__class__ is ast.Subscript  # type: ignore[attr-defined]
                and flow.dotted(n.func.value.value) == held for n in flow.walk_local(a, method)):  # type: ignore[attr-defined]
            return True
    return False


@rule(code="TW302", name="unregistered-submodules", group="modules", severity="error",
      summary="Layers kept in a plain list or dict attribute are invisible to parameters(), .to() and state_dict.",
      fix="unsafe", module_wide=True)  # the class's instances anywhere in the file (_only_called)
def unregistered_submodules(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    nn_name: str | None | bool = False
    for node, info in _module_classes(ctx):
        for attr, assignments in info.attributes.items():
            nones = [v for _, v in assignments if isinstance(v, ast.Constant) and v.value is None]
            if any(not isinstance(v, (ast.List, ast.Tuple, ast.Dict, ast.ListComp, ast.DictComp))
                   for _, v in assignments if not any(v is x for x in nones)):
                continue  # also assigned a container (`self.x = nn.ModuleList(self.x)`) or anything else
            if nones and any(not isinstance(v, ast.List) or v.elts for _, v in assignments if not any(v is x for x in nones)):
                continue  # None, then filled: texar's ``self._layers = None``, then ``= []`` when given (not
                # Megatron-LM's ``self._fused_ops = (self._make_fused_ops(),)``, built lazily, hidden in a tuple)
            if nones:
                assignments = [(m, v) for m, v in assignments if not any(v is x for x in nones)]
            for method_scope, value in assignments:
                found = _module_elements(ctx, value)
                container = None
                elements = _elements(value)
                if found is None and isinstance(value, (ast.List, ast.Dict)) and not (
                        value.elts if isinstance(value, ast.List) else value.keys):
                    filled, elements = _filled_with_modules(ctx, info, attr)
                    if filled:
                        container = "list" if isinstance(value, ast.List) else "dict"
                        found = ("nested list" if filled == "nested" and container == "list" else container, value)
                if found is None or _registered_apart(ctx, info, attr) or _nothing_to_register(ctx, elements) \
                        or _only_read_where_built(ctx, info, attr, method_scope) or _kept_by_hand(ctx, info, attr) \
                        or _deleted_where_built(ctx, attr, method_scope) or _frozen_apart(ctx, info, attr) \
                        or _switched_to_eval_where_built(ctx, info, attr) or _only_called(ctx, info):
                    continue
                kind, shown = found
                wrapper = "ModuleDict" if kind == "dict" else "ModuleList"
                if nn_name is False:
                    nn_name = flow.names_of_nn(a)
                fix = None
                if kind == "nested list":  # needs a ModuleList of ModuleLists: left to the author
                    yield ctx.finding(
                        value,
                        f"`self.{attr}` holds modules in a plain list of lists: their parameters are not "
                        "registered, so `parameters()`, `.to(device)`, `state_dict()` and `train()/eval()` all "
                        "skip them; use `nn.ModuleList` of `nn.ModuleList`s",
                    )
                    continue
                if nn_name and kind != "tuple":
                    fix = Fix("unsafe", f"Wrap in `{nn_name}.{wrapper}`",
                              (ctx.replace(value, f"{nn_name}.{wrapper}({ctx.text(value)})"),))
                if _only_a_mode(ctx, elements):
                    yield ctx.finding(
                        value,
                        f"`self.{attr}` holds modules in a plain {kind}: they have no parameters, but they "
                        f"read their train/eval mode, which `train()/eval()` never set: they stay in training "
                        f"mode through evaluation; use `nn.{wrapper}`",
                        fix,
                    )
                    continue
                yield ctx.finding(
                    value,
                    f"`self.{attr}` holds modules in a plain {kind}: their parameters are not registered, so "
                    f"`parameters()`, `.to(device)`, `state_dict()` and `train()/eval()` all skip them; "
                    f"use `nn.{wrapper}`",
                    fix,
                )


def _only_called(ctx: Context, info) -> bool:
    """Every instance of the class that the file and its project build is bound to a plain
    name and only called (``loss_func = Loss(args)``, then ``loss_func(sketches, targets)``):
    nothing moves, saves, switches or lists its parameters, nor holds it in a module that
    would, so what its plain container keeps out of them is never missed (yael-vinker/CLIPasso's
    loss mapper: a dict of CLIP losses, each moved and put in eval mode by its own constructor).
    Once per class and project revision."""
    a = ctx.analysis

    def compute(project) -> bool:
        analyses = [a]
        if project is not None:
            from torchwise.project.callers import Incomplete, _mentioning

            try:
                with project.lock:
                    units = [project.unit_at(path) for path in _mentioning(project, info.name + "(", None)]
            except Incomplete:
                return False
            except Exception:  # the project model must never break a rule
                return False
            analyses += [u.analysis for u in units if u is not None and u.analysis is not a]
        built = False
        for other in analyses:
            for call in flow.calls_named(other, info.name):
                if other is a and (flow.safe_qualname(a, call.func) != info.qualname or _under_main_guard(a, call)):
                    continue  # (the class's own module trying it out under its main guard: a layer's
                    # demo, its users are its importers: rish-16/tokenlearner-pytorch#5's TokenLearner)
                if not _bound_and_only_called(other, call):
                    return False
                built = True
        return built

    return flow.per_revision(a, f"only_called:{id(info.node)}", compute)  # type: ignore[return-value]


def _under_main_guard(a, node: ast.AST) -> bool:
    """``node`` sits in a top-level ``if __name__ == "__main__":`` block."""
    top = next((anc for anc in flow.ancestors(a, node) if flow.parent(a, anc) is a.tree), None)
    return top.__class__ is ast.If and flow.is_main_guard(top)  # type: ignore[arg-type]


def _bound_and_only_called(a, call: ast.Call) -> bool:
    """``name = call`` whose every read of ``name`` (in its function, or in the file where it
    is a module's global) calls it."""
    stmt = flow.parent(a, call)
    if stmt.__class__ is not ast.Assign or len(stmt.targets) != 1 or stmt.targets[0].__class__ is not ast.Name:  # type: ignore[attr-defined]
        return False
    name = stmt.targets[0].id  # type: ignore[attr-defined]
    scope = flow.enclosing_function(a, call)
    reads = [n for n in (flow.walk_local(a, scope) if scope is not a.tree else flow.index(a).refs_by_name.get(name, ()))
             if n.__class__ is ast.Name and n.id == name and n.ctx.__class__ is ast.Load]  # type: ignore[attr-defined]
    return all(flow.parent(a, n).__class__ is ast.Call and flow.parent(a, n).func is n for n in reads)  # type: ignore[attr-defined]


# what a module does for its registered children's parameters, which a class may do by hand
_PARAMETER_WALKS = frozenset({"state_dict", "named_parameters", "parameters"})


def _switched_to_eval_where_built(ctx: Context, info, attr: str) -> bool:
    """``__init__`` puts every module of ``self.attr`` in eval mode itself (``[m.eval() for m
    in self.models]``, a loop doing so): an ensemble of trained models kept for inference, its
    modes set by hand (bamps53/kaggle-nfl2022-4th-place-solution's ``Models`` wrapper). Or a
    method appends each module right after switching it to eval (yoxu515/aot-benchmark's
    ``AOTInferEngine``: ``new_engine.eval(); self.aot_engines.append(new_engine)``, engines
    over the model the class registers itself)."""
    return attr in flow.memo(ctx.analysis, info.node, "evaluated_where_built", lambda: _kept_in_eval_mode(ctx.analysis, info))


def _appends_by_class(a) -> dict[int, list[ast.Call]]:
    """id(class statement) -> the ``append`` calls inside it (nested classes' too), in the
    index's order: once per file, not a pass over every ``append`` for each class."""
    found = a.queries.get("appends_by_class")
    if found is None:
        found = a.queries["appends_by_class"] = {}
        for call in flow.index(a).calls_by_name.get("append", ()):
            for anc in flow.ancestors(a, call):
                if anc.__class__ is ast.ClassDef:
                    found.setdefault(id(anc), []).append(call)
    return found


def _kept_in_eval_mode(a, info) -> frozenset[str]:
    """The attributes whose modules ``__init__`` switches to eval mode one by one, or a
    method appends once switched to eval; once per class."""
    init = next((m for m in info.node.body if m.__class__ is ast.FunctionDef and m.name == "__init__"), None)
    out, plain = set(), set()  # (plain: also appended a module not switched to eval)
    for call in _appends_by_class(a).get(id(info.node), ()):
        if len(call.args) != 1 or call.func.__class__ is not ast.Attribute or not flow.contains(info.node, call):  # type: ignore[attr-defined]
            continue
        held = flow.dotted(call.func.value)  # type: ignore[attr-defined]
        if not held or not held.startswith("self.") or held.count(".") != 1:
            continue
        item = call.args[0]
        method = next((m for m in info.node.body if m.__class__ is ast.FunctionDef and flow.contains(m, call)), None)
        evaluated = item.__class__ is ast.Name and method is not None and _last_mode_before(method, item.id, call) == "eval"  # type: ignore[attr-defined]
        (out if evaluated else plain).add(held[len("self."):])
    out -= plain
    for node in ast.walk(init) if init is not None else ():
        if node.__class__ not in (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.For):
            continue
        for gen in node.generators if node.__class__ is not ast.For else [node]:  # type: ignore[attr-defined]
            held = flow.dotted(gen.iter)
            if not held or not held.startswith("self.") or gen.target.__class__ is not ast.Name:
                continue
            name = gen.target.id
            if any(n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr == "eval"  # type: ignore[attr-defined]
                   and not n.args and flow.dotted(n.func.value) == name for n in ast.walk(node)):  # type: ignore[attr-defined]
                out.add(held[len("self."):])
    return frozenset(out)


def _last_mode_before(method: ast.AST, name: str, before: ast.AST) -> str | None:
    """The mode ``name.eval()`` / ``name.train(...)`` last set in ``method`` before ``before``."""
    mode, at = None, None
    for n in ast.walk(method):
        if n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr in ("eval", "train") \
                and n.func.value.__class__ is ast.Name and n.func.value.id == name and flow.before(n, before):  # type: ignore[attr-defined]
            if at is None or flow.before(at, n):
                mode, at = ("eval" if n.func.attr == "eval" and not n.args else "train"), n  # type: ignore[attr-defined]
    return mode


def _frozen_apart(ctx: Context, info, attr: str) -> bool:
    """The class freezes what it keeps in ``self.attr`` (``self.attr[0].weight.requires_grad =
    False``, ``self.attr[0].requires_grad_(False)``): a fixed table kept out of the model on
    purpose, out of ``parameters()`` and ``state_dict()`` (salesforce/decaNLP's GloVe
    embedding, looked up on the CPU in ``forward`` and rebuilt from the vocabulary)."""
    return attr in flow.memo(ctx.analysis, info.node, "frozen_apart", lambda: _frozen_items(info))


def _frozen_items(info) -> frozenset[str]:
    """The attributes ``self.<attr>[...]`` whose items the class freezes; once per class."""
    def held(node: ast.AST) -> str | None:
        while node.__class__ in (ast.Attribute, ast.Subscript, ast.Call):
            if node.__class__ is ast.Subscript:
                dotted = flow.dotted(node.value)  # type: ignore[attr-defined]
                if dotted and dotted.startswith("self.") and dotted.count(".") == 1:
                    return dotted[len("self."):]
            node = node.func if node.__class__ is ast.Call else node.value  # type: ignore[attr-defined]
        return None

    out = set()
    for node in ast.walk(info.node):
        if node.__class__ is ast.Assign and is_false(node.value):  # type: ignore[attr-defined]
            out.update(h for t in node.targets if t.__class__ is ast.Attribute and t.attr == "requires_grad"  # type: ignore[attr-defined]
                       and (h := held(t.value)) is not None)  # type: ignore[attr-defined]
        elif node.__class__ is ast.Call and flow.method_name(node) == "requires_grad_" and node.args \
                and is_false(node.args[0]) and (h := held(node.func.value)) is not None:  # type: ignore[attr-defined]
            out.add(h)
    return frozenset(out)


def _kept_by_hand(ctx: Context, info, attr: str) -> bool:
    """The class or a base of it (of the file or the project) handles ``self.attr`` by hand
    (``_hand_kept``); once per class."""
    a = ctx.analysis
    return attr in flow.memo(a, info.node, "hand_kept", lambda: _hand_kept(ctx, info))


def _hand_kept(ctx: Context, info) -> frozenset[str]:
    """The plain containers a class keeps on purpose:
    - walked where a module reaches its children's parameters, in a ``state_dict``/
      ``named_parameters``/``parameters`` of the class or a base (meta-pytorch/torchrec's
      inference mixin walks the per-rank lookups);
    - walked by a ``train`` override that passes the mode on, when the class also registers
      their weights by hand (torchrec's sharded modules: ``register_parameter``);
    - each element wrapped in a module that a method builds over the container (a loop over
      ``enumerate(self.attr)`` building ``ShardedMCCRemapper(managed_collision_modules=m)``):
      those modules register it where they are kept, not put back in it.
    Moving the elements by hand (``cuda()``) or passing the mode on alone leaves their
    parameters out of ``parameters()``: not kept so."""
    a = ctx.analysis
    kept: set[str] = set()
    trained: set[str] = set()
    registers = False
    for qualname in a.mro(info.qualname)[:8]:
        found = _weights.class_of_project(a, qualname)
        if found is None:
            continue
        owner, klass = found
        for name, method in klass.methods.items():
            nodes = flow.walk_local(owner, method)
            read = {n.attr for n in nodes if n.__class__ is ast.Attribute and n.value.__class__ is ast.Name  # type: ignore[attr-defined]
                    and n.value.id == "self"}  # type: ignore[attr-defined]
            if name in _PARAMETER_WALKS:
                kept |= read
            elif name == "train":
                trained |= read
            registers = registers or any(n.__class__ is ast.Call and flow.last_name(n.func) == "register_parameter"  # type: ignore[attr-defined]
                                         for n in nodes)
    if registers:
        kept |= trained
    for method in info.methods.values():
        kept |= _handed_to_modules(ctx, method)
    if trained - kept:
        kept |= trained & _optimized_one_by_one(ctx, info)
    return frozenset(kept)


def _optimized_one_by_one(ctx: Context, info) -> set[str]:
    """The ``self.<attr>`` containers the class builds an optimizer for, element by element,
    over each one's ``parameters()`` (``[torch.optim.Adam(m.parameters()) for m in
    self.models]``): with a ``train`` override that passes the mode on, the class trains them
    by hand, and nothing asks the wrapper's own ``parameters()`` (WesleyHsieh0806/C3-SL's
    split-learning halves)."""
    a = ctx.analysis
    out: set[str] = set()
    for node in ast.walk(info.node):
        for target, it, body in _iterations(node, dicts=True):
            held = flow.dotted(it)
            if not held or not held.startswith("self.") or held.count(".") != 1 or target.__class__ is not ast.Name:
                continue
            if any(c.__class__ is ast.Call and (flow.safe_qualname(a, c.func) or "").startswith("torch.optim.")  # type: ignore[attr-defined]
                   and c.args and flow.method_name(c.args[0]) == "parameters"  # type: ignore[attr-defined]
                   and flow.dotted(c.args[0].func.value) == target.id  # type: ignore[attr-defined]
                   for part in body for c in ast.walk(part)):
                out.add(held[len("self."):])
    return out


def _iterations(node: ast.AST, dicts: bool = False) -> list[tuple[ast.expr, ast.expr, list[ast.AST]]]:
    """(target, iterable, body) of each iteration ``node`` makes: a ``for`` loop's, or each
    generator of a list or generator comprehension (``dicts``: of a dict comprehension too),
    whose body is its element."""
    kind = node.__class__
    if kind in (ast.For, ast.AsyncFor):
        return [(node.target, node.iter, node.body)]  # type: ignore[attr-defined]
    if kind in (ast.ListComp, ast.GeneratorExp) or (dicts and kind is ast.DictComp):
        body = [node.value if kind is ast.DictComp else node.elt]  # type: ignore[attr-defined]
        return [(g.target, g.iter, body) for g in node.generators]  # type: ignore[attr-defined]
    return []


def _handed_to_modules(ctx: Context, method: ast.AST) -> set[str]:
    """The ``self.<attr>`` containers whose elements ``method`` wraps in modules it builds,
    over a loop or comprehension (``enumerate`` too), not putting them back (``self.attr[i] =
    DDP(m)`` hands nothing out)."""
    a = ctx.analysis
    out: set[str] = set()
    for n in flow.walk_local(a, method):
        for target, it, body in _iterations(n):
            if it.__class__ is ast.Call and flow.last_name(it.func) == "enumerate" and it.args:
                it = it.args[0]
            held = flow.dotted(it)
            if not held or not held.startswith("self.") or held.count(".") != 1:
                continue
            names = {t.id for t in ast.walk(target) if t.__class__ is ast.Name}
            inner = [x for part in body for x in ast.walk(part)]
            back = {id(x.value) for x in inner if x.__class__ is ast.Assign and any(  # type: ignore[attr-defined]
                t.__class__ is ast.Subscript and flow.dotted(t.value) == held for t in x.targets)}  # type: ignore[attr-defined]
            if any(c.__class__ is ast.Call and id(c) not in back and any(
                    v.__class__ is ast.Name and v.id in names for v in arguments(c))  # type: ignore[attr-defined]
                   and _is_module_call(ctx, c) for c in inner):
                out.add(held[5:])
    return out


_REGISTERED_CONTAINERS = frozenset({"ModuleList", "ModuleDict", "Sequential"})
_PARAMETER_CONTAINERS = _REGISTERED_CONTAINERS | {"ParameterList", "ParameterDict"}


def _into_registered(info, call: ast.Call, kinds: frozenset[str] = _REGISTERED_CONTAINERS) -> bool:
    """``self.<other>.append(...)`` (``insert``, ``extend``) where the class assigns
    ``self.<other>`` only registered containers (``nn.ModuleList()``; of parameters too,
    given ``_PARAMETER_CONTAINERS``)."""
    f = call.func
    if f.__class__ is not ast.Attribute or f.attr not in ("append", "insert", "extend") \
            or f.value.__class__ is not ast.Attribute or f.value.value.__class__ is not ast.Name \
            or f.value.value.id != "self":  # type: ignore[attr-defined]
        return False
    values = [v for _, v in info.attributes.get(f.value.attr, [])  # type: ignore[attr-defined]
              if not (v.__class__ is ast.Constant and v.value is None)]  # (``None`` until built)
    return bool(values) and all(v.__class__ is ast.Call and flow.last_name(v.func) in kinds for v in values)


def _registered_apart(ctx: Context, info, attr: str) -> bool:
    """The container's modules are registered apart: one by one (``self.add_module(name,
    self.attr[-1])``, ``register_module``, ``setattr(self, name, ...)``: detectron2's
    SemSegFPNHead), or the one picked from it (``self.backbone = self.attr[name]``)."""
    a = ctx.analysis

    held = f"self.{attr}"

    def mentions(expr: ast.AST) -> bool:
        return any(flow.dotted(m) == held for m in flow.subtree(expr))

    def picked(expr: ast.AST | None) -> bool:  # ``self.attr[key]``
        return expr.__class__ is ast.Subscript and mentions(expr.value)

    def wrapped(expr: ast.AST | None) -> bool:  # ``Sequential(*self.attr)``: a class built on the list
        return (expr.__class__ is ast.Call and flow.last_name(expr.func)[:1].isupper()
                and any(mentions(arg) for arg in expr.args))

    for method in info.methods.values():
        nodes = flow.walk_local(a, method)
        if _members_parameters_registered(info, nodes, mentions):
            return True
        picks = {t.id for n in nodes if n.__class__ is ast.Assign and picked(n.value)
                 for t in n.targets if t.__class__ is ast.Name}
        for n in nodes:
            kind = n.__class__
            if kind is ast.Call and _registers(n):
                if any(mentions(arg) for arg in arguments(n)):
                    return True
            # an element handed to a module built by the class, which registers it (fairseq's
            # Linformer layer: "wrap in a list so it's not automatically registered", then
            # ``MultiheadLinearAttention(..., shared_compress_layer=self.shared_compress_layer[0])``)
            elif kind is ast.Call and flow.last_name(n.func)[:1].isupper() and any(
                    picked(x) for x in arguments(n)):
                return True
            # each element registered in a loop over the list (Diego999/pyGAT: ``for i, attention
            # in enumerate(self.attentions): self.add_module('attention_{}'.format(i), attention)``)
            elif kind is ast.For and mentions(n.iter) and _registers_loop_target(n, info):
                return True
            # each element's parameters gathered into an ``nn.ParameterList`` the class keeps
            # (insilicomedicine/GENTRL's decoder: ``for layer in [...] + self.dil_conv_layers:
            # cur_parameters += list(layer.parameters())``, then ``self.parameters = nn.ParameterList(cur_parameters)``)
            elif kind is ast.For and mentions(n.iter) and _gathers_parameters(n) and any(
                    m.__class__ is ast.Call and flow.last_name(m.func) in ("ParameterList", "ParameterDict") and m.args
                    for m in nodes):
                return True
            # each element's parameters added to a registered container of the class, which the
            # forward pass hands back (chrhenning/hypnettorch: ``self._weights.append(self._layers[-1].filters)``,
            # ``for hnet in self._hnets: self._internal_params.extend(nn.ParameterList(hnet._internal_params))``)
            elif kind is ast.Call and n.args and _into_registered(info, n, _PARAMETER_CONTAINERS) and any(
                    x.__class__ is ast.Attribute and picked(x.value) for arg in n.args for x in flow.subtree(arg)):
                return True
            # a table to pick one module from, which is then registered (sthalles/SimCLR:
            # ``self.backbone = self._get_basemodel(name)`` returning ``self.resnet_dict[name]``)
            elif kind is ast.Return and (picked(n.value) or (n.value.__class__ is ast.Name and n.value.id in picks)):
                return True
            # handed to the base class, which registers it (EleutherAI/gpt-neox's pipeline model:
            # ``super().__init__(layers=self.specs, ...)``, DeepSpeed's PipelineModule)
            elif kind is ast.Call and flow.method_name(n) == "__init__" and any(
                    mentions(x) for x in arguments(n)):
                return True
            # each item registered as it is added (DeepSpeed's PipelineModule: ``self.forward_funcs.append(layer)``,
            # then ``self.add_module(name, layer)``)
            elif kind is ast.Call and flow.method_name(n) in ("append", "insert") and mentions(n.func) and n.args \
                    and n.args[-1].__class__ is ast.Name and any(
                        m.__class__ is ast.Call and (_registers(m) or _into_registered(info, m))
                        and any(x.__class__ is ast.Name and x.id == n.args[-1].id
                                for arg in arguments(m) for x in flow.subtree(arg)) for m in nodes):
                return True  # (or also added to a registered container of the class, alone or in a
                # module built around it: laurenjack/variance-min-classification's ``self.linears.append(linear)``
                # beside ``self.layers.append(nn.Sequential(linear, nn.ReLU()))``)
            elif kind is ast.Call and flow.method_name(n) == "append" and mentions(n.func) and n.args \
                    and n.args[-1].__class__ is ast.Name and _grafted(a, info, nodes, n.args[-1].id):
                return True
            elif kind is ast.Assign and (picked(n.value) or wrapped(n.value)) and any(
                    t.__class__ is ast.Attribute and t.value.__class__ is ast.Name and t.value.id == "self"
                    for t in n.targets):
                return True  # (wrapped: ``self.model = nn.Sequential(*self.layers)``, optuna's example)
    return False


def _members_parameters_registered(info, nodes: list, mentions) -> bool:
    """A method hands an attribute of the container's members to a registered container of
    the class (``self.<other>.extend(...)``, see ``_into_registered``): the members' parameters
    are registered by hand, and the forward pass reads them there (chrhenning/hypnettorch:
    ``for i, hnet in enumerate(self._hnets): self._internal_params.extend(nn.ParameterList(hnet._internal_params))``,
    also through a local list of tuples, ``nets.append((fnet, 'forward_rnn', i))`` then
    ``for net_tup in nets: net, kind, i = net_tup``)."""
    calls = [n for n in nodes if n.__class__ is ast.Call and n.args and _into_registered(info, n, _PARAMETER_CONTAINERS)]
    if not calls:
        return False
    members: set[str] = set()  # names that hold a member, or a tuple holding one
    lists: set[str] = set()  # local lists members were appended to

    def holds(expr: ast.AST) -> bool:
        return mentions(expr) or any(x.__class__ is ast.Name and (x.id in members or x.id in lists)
                                     for x in ast.walk(expr))

    def bind(target: ast.AST) -> None:
        members.update(x.id for x in ast.walk(target) if x.__class__ is ast.Name)

    for _ in range(3):  # (the walk is not in source order: a few passes reach a fixed point)
        for n in nodes:
            kind = n.__class__
            if kind is ast.For and holds(n.iter):
                bind(n.target)
            elif kind is ast.Assign and n.value.__class__ in (ast.Name, ast.Subscript) and holds(n.value):
                for t in n.targets:
                    bind(t)
            elif kind is ast.Call and flow.method_name(n) in ("append", "extend") and n.func.value.__class__ is ast.Name \
                    and any(holds(arg) for arg in n.args):
                lists.add(n.func.value.id)
    return any(x.__class__ is ast.Attribute and x.value.__class__ is ast.Name and x.value.id in members
               for call in calls for arg in call.args for x in ast.walk(arg))


def _gathers_parameters(loop: ast.For) -> bool:
    """The loop's body reads ``x.parameters()`` of its target ``x``."""
    target = loop.target.id if loop.target.__class__ is ast.Name else None  # type: ignore[attr-defined]
    return target is not None and any(
        n.__class__ is ast.Call and n.func.__class__ is ast.Attribute and n.func.attr == "parameters"  # type: ignore[attr-defined]
        and n.func.value.__class__ is ast.Name and n.func.value.id == target  # type: ignore[attr-defined]
        for stmt in loop.body for n in ast.walk(stmt))


def _deleted_where_built(ctx: Context, attr: str, scope) -> bool:
    """The method that builds ``self.attr`` deletes it (``del self.attr``) before it returns:
    scratch space for the construction, its modules kept elsewhere (ayhem18/pytorch_modular's
    ``self._block_indices``, whose blocks go into an ``nn.Sequential``)."""
    built_in = getattr(scope, "node", None)
    return built_in is not None and any(
        n.__class__ is ast.Delete and any(flow.dotted(t) == f"self.{attr}" for t in n.targets)
        and flow.parent(ctx.analysis, n) is built_in
        for n in flow.walk_local(ctx.analysis, built_in))


def _only_read_where_built(ctx: Context, info, attr: str, scope) -> bool:
    """The method that builds ``self.attr`` reads it, and no other method of the class does:
    the modules serve the construction only (botorch's multi-source GP fits one GP per
    source in ``__init__`` to pick reliable points, and keeps none of them as its own)."""
    a = ctx.analysis
    built_in = getattr(scope, "node", None)
    if built_in is None:
        return False

    def reads(method) -> bool:  # (filling it, ``self.attr.append(...)``, is no use of it)
        return any(n.__class__ is ast.Attribute and n.attr == attr and n.ctx.__class__ is ast.Load
                   and n.value.__class__ is ast.Name and n.value.id == "self"
                   and not (flow.parent(a, n).__class__ is ast.Attribute
                            and flow.parent(a, n).attr in ("append", "extend", "insert"))
                   for n in flow.walk_local(a, method))

    return reads(built_in) and not any(reads(m) for m in info.methods.values() if m is not built_in)


_REGISTERS = ("add_module", "register_module", "setattr", "register_parameter")


def _registers(call: ast.Call) -> bool:
    """A call that registers a module or parameter on a module: ``add_module``, ``setattr``,
    ``self.__setattr__(name, layer)`` (stable_contrastive_rl's Mlp), ... but not
    ``object.__setattr__``, which bypasses ``nn.Module.__setattr__`` to keep a module unregistered."""
    name = flow.last_name(call.func)
    return name in _REGISTERS or (name == "__setattr__" and flow.dotted(call.func) != "object.__setattr__")


def _registers_loop_target(loop: ast.For, info) -> bool:
    """The loop's body registers what its target binds (``self.add_module(name, layer)``),
    or its parameters, itself or through a method of the class that does
    (kefirski/pytorch_RVAE's Highway: ``self._add_to_parameters(module.parameters(), name)``,
    which calls ``self.register_parameter`` on each)."""
    bound = {t.id for t in ast.walk(loop.target) if isinstance(t, ast.Name)}

    def registers(call: ast.Call) -> bool:
        name = flow.last_name(call.func)
        if _registers(call):
            return True
        method = info.methods.get(name) if flow.dotted(call.func) == f"self.{name}" else None
        return method is not None and any(isinstance(n, ast.Call) and _registers(n)
                                          for n in ast.walk(method))

    return any(isinstance(n, ast.Call) and any(isinstance(m, ast.Name) and m.id in bound
                                               for arg in arguments(n) for m in ast.walk(arg)) and registers(n)
               for stmt in loop.body for n in ast.walk(stmt))


_ITERATION_WRAPPERS = frozenset({"enumerate", "list", "tuple", "reversed", "sorted"})


def _grafted(a, info, nodes: list[ast.AST], name: str) -> bool:
    """The layer ``name`` is also set into a model the class registers, alone or in a module
    built around it: hitachinsk/SAMed's LoRA keeps ``self.w_As.append(w_a)`` as an index, and
    ``blk.attn.qkv = _LoRA_qkv(qkv, w_a, ...)`` for each ``blk`` of ``sam_model.image_encoder.blocks``,
    with ``self.sam = sam_model``."""
    for n in nodes:
        if n.__class__ is not ast.Assign or len(n.targets) != 1 or n.targets[0].__class__ is not ast.Attribute:
            continue
        value = n.value
        if not (value.__class__ is ast.Name and value.id == name) and not (
                value.__class__ is ast.Call and flow.last_name(value.func).lstrip("_")[:1].isupper()
                and any(x.__class__ is ast.Name and x.id == name for x in arguments(value))):
            continue
        root = n.targets[0].value
        while root.__class__ in (ast.Attribute, ast.Subscript):
            root = root.value  # type: ignore[attr-defined]
        if root.__class__ is not ast.Name or root.id == "self":
            continue
        # the object set into: a model held by ``self``, or an element of one (a loop over its blocks)
        owners = {root.id}
        for loop in nodes:
            if loop.__class__ in (ast.For, ast.AsyncFor) and any(
                    t.__class__ is ast.Name and t.id == root.id for t in flow.subtree(loop.target)):  # type: ignore[attr-defined]
                base = loop.iter  # type: ignore[attr-defined]
                if base.__class__ is ast.Call and base.args and flow.last_name(base.func) in _ITERATION_WRAPPERS:
                    base = base.args[0]  # ``enumerate(sam_model.image_encoder.blocks)``
                while base.__class__ in (ast.Attribute, ast.Subscript, ast.Call):  # (``model.children()``)
                    base = base.func if base.__class__ is ast.Call else base.value  # type: ignore[attr-defined]
                if base.__class__ is ast.Name:
                    owners.add(base.id)  # type: ignore[attr-defined]
        if any(m.__class__ is ast.Assign and any(t.__class__ is ast.Attribute and t.value.__class__ is ast.Name
                                                  and t.value.id == "self" for t in m.targets)
               and m.value.__class__ is ast.Name and m.value.id in owners
               for method in info.methods.values() for m in flow.walk_local(a, method)):
            return True
    return False


def _filled_with_modules(ctx: Context, info, attr: str) -> tuple[str | None, list[ast.expr]]:
    """``self.attr.append(Module(...))`` / ``self.attr[k] = Module(...)`` in the class:
    "modules"; ``self.attr.append([Module(...), Module(...)])`` (a list of lists): "nested";
    with the modules built so."""
    a = ctx.analysis
    kind: str | None = None
    built: list[ast.expr] = []
    for method in info.methods.values():
        for n in flow.walk_local(a, method):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("append", "extend", "insert"):
                target = n.func.value
                if not (isinstance(target, ast.Attribute) and target.attr == attr and isinstance(target.value, ast.Name)
                        and target.value.id == "self" and n.args):
                    continue
                item = unmoved(n.args[-1])  # (``.append(Block(...).to(device))``: the block)
                if item.__class__ is ast.Name:  # ``layer = nn.Conv1d(...); self.convs.append(layer)`` (kymatio/murenn)
                    bound = flow.binding_value(a, item)
                    if bound is not None and _is_module_call(ctx, bound):
                        item = bound
                if _is_module_call(ctx, item) or _moved_by_hand(ctx, info, attr, item) or _tested_module(a, n, item):
                    kind = kind or "modules"
                    built.append(item)
                elif n.func.attr == "append" and isinstance(item, (ast.List, ast.Tuple)) and item.elts \
                        and all(_is_module_call(ctx, e) for e in item.elts):
                    kind = kind or "nested"
                    built += item.elts
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Subscript):
                target = n.targets[0].value
                value = unmoved(n.value)  # (``self.table[t] = FMEmbedding(...).to(self.device)``: RecBole)
                if isinstance(target, ast.Attribute) and target.attr == attr and isinstance(target.value, ast.Name) \
                        and target.value.id == "self" and _is_module_call(ctx, value):
                    kind = kind or "modules"
                    built.append(value)
    return kind, built


@rule(code="TW303", name="forward-called-directly", group="modules", severity="warning",
      summary="model.forward(x) skips the module's hooks; call model(x).", fix="unsafe")
def forward_called_directly(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for call in flow.calls_named(a, "forward"):
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr != "forward":
            continue
        recv = unmoved(func.value, ("train", "eval"))  # (``model.train().forward(x)``: the model)
        if isinstance(recv, ast.Call):  # super().forward(x)
            continue
        if isinstance(recv, ast.Name) and recv.id in ("self", "cls", "super"):
            continue
        if isinstance(recv, ast.Name) and flow.safe_qualname(a, recv) is not None:
            continue  # Base.forward(self, x): a class, explicit base call
        if not flow.is_module_instance(a, recv) and not flow.each_passed_module(a, recv):
            continue
        text = ctx.text(recv)
        yield ctx.finding(
            call,
            f"`{text}.forward(...)` bypasses `nn.Module.__call__`, so forward/backward hooks (and "
            f"wrappers such as DDP or torch.compile that rely on them) do not run; call `{text}(...)`",
            Fix("unsafe", f"Call `{text}(...)`", (ctx.replace(func, text),)),
        )


# ---------------------------------------------------------------- TW304
_MODULE_HOOKS = frozenset({"register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
                           "register_full_backward_pre_hook", "register_backward_hook"})


@rule(code="TW304", name="hook-registered-in-loop", group="modules", severity="warning",
      summary="A module hook registered on every iteration of a loop and never removed: the hooks pile up.")
def hook_registered_in_loop(ctx: Context) -> Iterator[Finding]:
    a = ctx.analysis
    for call in flow.calls_named(a, *_MODULE_HOOKS):
        func = call.func
        if func.__class__ is not ast.Attribute or func.attr not in _MODULE_HOOKS:
            continue
        loops = flow.enclosing_loops(a, call)
        if not loops or _varies_with_loops(a, func.value, loops) or _handle_removed(a, call):
            continue
        receiver = ctx.text(func.value)
        yield ctx.finding(
            call,
            f"`{receiver}.{func.attr}(...)` runs on every iteration of this loop and its handle is never "
            f"removed: the hooks pile up on `{receiver}`, each forward pass calls all of them (slower, and "
            "whatever they keep grows); register it once before the loop, or call `.remove()` on the "
            "handle it returns when done",
        )


def _varies_with_loops(a, receiver: ast.expr, loops: list[ast.AST]) -> bool:
    """The hooked module may differ from one iteration to the next: a name in it is bound by
    a loop's target (``for name, m in model.named_modules(): m.register_forward_hook(...)``)
    or anywhere in a loop's body (a model built per iteration), or it is reached by a call
    or an index other than a constant (``model[0]`` is one module)."""
    if any(n.__class__ is ast.Call or n.__class__ is ast.Subscript and n.slice.__class__ is not ast.Constant  # type: ignore[attr-defined]
           for n in ast.walk(receiver)):
        return True
    names = {n.id for n in ast.walk(receiver) if n.__class__ is ast.Name}
    for loop in loops:
        if loop.__class__ is not ast.While and names & {
                n.id for n in ast.walk(loop.target) if n.__class__ is ast.Name}:  # type: ignore[attr-defined]
            return True
        if any(n.__class__ is ast.Name and n.id in names and n.ctx.__class__ is ast.Store  # type: ignore[attr-defined]
               for stmt in loop.body for n in flow.walk_local(a, stmt)):  # type: ignore[attr-defined]
            return True
    return False


def _handle_removed(a, call: ast.Call) -> bool:
    """The handle the call returns is kept, and the function (or module) calls ``.remove()``
    on something: where it is removed is not followed, so a kept handle stays silent."""
    parent = flow.parent(a, call)
    if parent.__class__ is ast.Expr:
        return False  # discarded: it can never be removed
    scope = flow.enclosing_function(a, call) or a.tree
    return any(flow.method_name(c) == "remove" for c in flow.calls_in(a, scope))
