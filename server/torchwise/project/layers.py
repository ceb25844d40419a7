"""Hover text for the user's own ``nn.Module`` subclasses: base, layers, ``forward``.

Pylance shows the class; only we know it is a module and what its layers are. Plain
user classes and functions get no hover from us (None).
"""

from __future__ import annotations

from pathlib import Path

from torchwise.analysis import LOCAL, MODULE, Analysis, Value
from torchwise.project.summaries import class_summary


def _class_of(analysis: Analysis, value: Value):
    """(analysis, ClassInfo, where) of the user class a value is or holds."""
    if value.qualname.startswith(LOCAL):
        info = analysis.local_class(value.qualname)
        return (analysis, info, "this file") if info is not None else None
    env = analysis.env
    if env is None or not env.owns(value.qualname):
        return None
    found = env.class_unit(value.qualname)
    if found is None:
        return None
    unit_analysis, info, module = found
    path = Path(unit_analysis.path)
    folders = env.project.resolver.folders
    shown = next((str(path.relative_to(f)) for f in folders if path.is_relative_to(f)), path.name)
    return unit_analysis, info, f"`{shown}`"


def describe_module(analysis: Analysis, value: Value, variable: str = "") -> str | None:
    """Markdown for a user ``nn.Module`` subclass (the class, or an instance of it)."""
    found = _class_of(analysis, value)
    if found is None or not analysis.is_subclass(value.qualname, MODULE):
        return None
    unit_analysis, info, where = found
    summary = class_summary(info.node)
    head = f"class {summary.name}({', '.join(summary.bases)})"
    parts = [f"```python\n(variable) {variable}: {summary.name}\n```" if variable else "",
             f"```python\n{head}\n```",
             f"A `torch.nn.Module` subclass, defined in {where}."]
    layers = []
    for attr, text in summary.init_attributes:
        held = unit_analysis.member(Value("instance", info.qualname), attr)  # Outer.Inner too
        if held is not None and held.kind == "instance" and unit_analysis.is_subclass(held.qualname, MODULE):
            layers.append(f"- `{attr}`: `{text}`")
    if layers:
        parts.append("**Layers**\n" + "\n".join(layers))
    forward = next((m for m in summary.methods if m.name == "forward"), None)
    if forward is not None:
        parts.append(f"**forward**\n```python\ndef forward{forward.signature}\n```")
    parts.append("[PyTorch docs: `nn.Module`](https://docs.pytorch.org/docs/stable/generated/torch.nn.Module.html)")
    return "\n\n".join(p for p in parts if p)
