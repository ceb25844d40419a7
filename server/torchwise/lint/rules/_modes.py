"""Whether a module class leaves its mode to code that never sets it.

A module class's own inference method (``predict`` running ``self(...)`` under
``no_grad``, ``export_onnx`` exporting ``self``) that sets no mode leaves eval mode to its
callers. In a project none of whose code calls ``eval()`` (nor ``train(False)``), no caller
does: every module is in training mode when the method runs, as it was built or trained
(beta-team/beta-recsys#426, tomaarsen/SpanMarkerNER#4, luxonis/luxonis-train#45).
"""

from __future__ import annotations

import ast
import re
from typing import Callable

from torchwise.analysis import MODULE
from torchwise.lazy_pattern import lazy
from torchwise.lint import flow

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRAIN_OFF = lazy(r"\.train\(\s*(?:mode\s*=\s*)?False\b")
# the methods that run the model for inference by their name (not ``sample``/``generate``,
# which a training step may call, nor ``forward``)
INFERENCE_METHOD = lazy(r"^_*(?:predict|infer|inference)(?:_|$)", re.IGNORECASE)
_MODE_LAYER_NAMES = ("Dropout", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "dropout", "Dropout2d", "SyncBatchNorm")


def left_in_training_mode(a, cls: ast.ClassDef, has_mode_layers: Callable[[str], bool]) -> bool:
    """``cls`` is a module class of the file that sets no mode in any of its methods, whose
    layers depend on the mode (``has_mode_layers(qualname)``, or a ``forward`` that tests
    ``self.training``), in a project that never switches anything to eval mode: a method of
    its own that predicts or exports runs it in training mode."""
    info = a.classes.get(cls)
    return info is not None and flow.is_subclass(a, info.qualname, MODULE) and not sets_own_mode(a, cls) \
        and (reads_training_flag(a, cls) or has_mode_layers(info.qualname)) and never_switched_to_eval(a)


def never_switched_to_eval(a) -> bool:
    """Whether no code of the file, nor of the other modules and notebooks of its project,
    calls ``eval()`` or ``train(False)`` (an ``eval`` builtin counts too: unsure is no).
    Per file version and project revision."""
    if flow.calls_named(a, "eval") or _TRAIN_OFF.search(a.source):
        return False
    project = getattr(getattr(a, "env", None), "project", None)
    if project is None:
        return True
    return flow.per_revision(a, "never_switched_to_eval", lambda _: _project_never_switches(project, a.path))


def _project_never_switches(project, own: str) -> bool:
    """The other files of the project (this one's code is asked above, its comments aside)."""
    from pathlib import Path

    own_path = Path(own).resolve()
    found = _some_module_calls(project, lambda path, calls: path != own_path and (calls("eval") or calls("train") and (
        (text := project.source(path)) is not None and _TRAIN_OFF.search(text) is not None)))
    return found is False


def builds_mode_layers(a) -> bool:
    """Some code of the file or of its project calls a dropout or batch norm layer's name."""
    if flow.calls_named(a, *_MODE_LAYER_NAMES):
        return True
    project = getattr(getattr(a, "env", None), "project", None)
    if project is None:
        return False
    return flow.per_revision(a, "builds_mode_layers", lambda _: _some_module_calls(
        project, lambda path, calls: any(calls(name) for name in _MODE_LAYER_NAMES)) is True)


def _some_module_calls(project, test: Callable[[object, Callable[[str], bool]], bool]) -> bool | None:
    """Whether ``test(path, calls)`` holds for a module of the project, ``calls(name)`` asking
    the names its code calls: the summaries of an indexed workspace, else its text's ``name(``
    (the editor asks again after every edit: no scan of every text for a word). None when the
    project model failed (it must never break a rule)."""
    try:
        for path in project.files():
            if test(path, lambda name, path=path: project.may_call(path, name)):
                return True
    except Exception:
        return None
    return False


def sets_own_mode(a, cls: ast.ClassDef) -> bool:
    """A method of the class calls ``self.eval()`` or ``self.train(...)``: it manages its mode."""
    for method in cls.body:
        if method.__class__ in _FUNCS:
            for c in flow.calls_in(a, method):
                if c.func.__class__ is ast.Attribute and c.func.attr in ("eval", "train") \
                        and flow.dotted(c.func.value) == "self":
                    return True
    return False


def reads_training_flag(a, cls: ast.ClassDef) -> bool:
    """The class's ``forward`` tests ``self.training`` (a dropout of its own: LightGCN's edge dropout)."""
    forward = next((m for m in cls.body if m.__class__ in _FUNCS and m.name == "forward"), None)
    return forward is not None and any(
        n.__class__ is ast.Attribute and n.attr == "training" and flow.dotted(n.value) == "self"
        and n.ctx.__class__ is ast.Load for n in flow.walk_local(a, forward))
