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

from torchwise.lint import flow

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRAIN_OFF = re.compile(r"\.train\(\s*(?:mode\s*=\s*)?False\b")
# the methods that run the model for inference by their name (not ``sample``/``generate``,
# which a training step may call, nor ``forward``)
INFERENCE_METHOD = re.compile(r"^_*(?:predict|infer|inference)(?:_|$)", re.IGNORECASE)


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
    """The other files of the project (this one's code is asked above, its comments aside),
    by the names their code calls: the summaries of an indexed workspace, else their texts'
    ``name(`` (the editor asks again after every edit: no scan of every text for a word)."""
    from pathlib import Path

    try:
        own_path = Path(own).resolve()
        for path in project.files():
            if path == own_path:
                continue
            if project.may_call(path, "eval"):
                return False
            if project.may_call(path, "train"):
                text = project.source(path)
                if text is not None and _TRAIN_OFF.search(text):
                    return False
    except Exception:  # the project model must never break a rule
        return False
    return True


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
