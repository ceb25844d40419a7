"""Initialization options and settings, typed, with safe defaults.

Clients send these as ``initializationOptions`` (and later through
``workspace/didChangeConfiguration`` under the ``torchwise`` section). Anything
missing or of the wrong type falls back to its default; the problems found are
returned so the server can log them in one line each.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LintOptions:
    enabled: bool = True
    select: list[str] = field(default_factory=list)  # codes, names, group prefixes or "ALL"
    ignore: list[str] = field(default_factory=list)
    debounce_ms: int = 250


@dataclass
class KernelOptions:
    # Remote Jupyter Server: {"url": "http://host:8888", "token": "..."}; empty = local kernel.
    jupyter_server_url: str = ""
    jupyter_server_token: str = ""
    max_output_chars: int = 200_000
    # Select Device also calls torch.set_default_device(<device>) (off: it only sets `device`).
    set_default_device: bool = False
    # Inlay hints of tensor shapes on the assignments of the last run cell.
    shape_hints: bool = False


@dataclass
class Options:
    # The workspace interpreter: runs cells and answers runtime-docstring queries.
    interpreter: str = field(default_factory=lambda: sys.executable)
    # Running code is only allowed in trusted workspaces.
    trusted: bool = True
    # Serve snippets as completion items (VS Code turns this off: it has them natively).
    snippets: bool = True
    # Fetch runtime docstrings for torch names the knowledge base lacks.
    runtime_docs: bool = True
    lint: LintOptions = field(default_factory=LintOptions)
    kernel: KernelOptions = field(default_factory=KernelOptions)


_ALIASES = {  # camelCase keys clients send -> field names
    "debounceMs": "debounce_ms",
    "runtimeDocs": "runtime_docs",
    "jupyterServer": "jupyter_server",
    "maxOutputChars": "max_output_chars",
    "setDefaultDevice": "set_default_device",
    "shapeHints": "shape_hints",
}


def _merge(target: Any, raw: dict, path: str, problems: list[str]) -> None:
    fields = {f.name: f for f in dataclasses.fields(target)}
    for key, value in raw.items():
        name = _ALIASES.get(key, key)
        if name == "jupyter_server" and isinstance(target, KernelOptions):
            if isinstance(value, dict):
                target.jupyter_server_url = str(value.get("url") or "")
                target.jupyter_server_token = str(value.get("token") or "")
            elif isinstance(value, str):
                target.jupyter_server_url = value
            continue
        if name not in fields:
            continue  # unknown keys are ignored silently: clients send more than we read
        current = getattr(target, name)
        if dataclasses.is_dataclass(current):
            if isinstance(value, dict):
                _merge(current, value, f"{path}{key}.", problems)
            else:
                problems.append(f"option {path}{key} should be an object, ignored")
            continue
        if value is None:
            continue
        expected = type(current)
        if expected is list and isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(target, name, list(value))
        elif expected is bool and isinstance(value, bool):
            setattr(target, name, value)
        elif expected is int and isinstance(value, int) and not isinstance(value, bool):
            setattr(target, name, value)
        elif expected is str and isinstance(value, str):
            if name == "interpreter" and not value.strip():
                continue
            setattr(target, name, value)
        else:
            problems.append(f"option {path}{key} has the wrong type ({type(value).__name__}), using the default")


def parse_options(raw: Any, base: Options | None = None) -> tuple[Options, list[str]]:
    """Build Options from a client's JSON, returning (options, problems)."""
    options = dataclasses.replace(base) if base else Options()
    if base:  # deep copy nested option groups
        options.lint = dataclasses.replace(base.lint)
        options.kernel = dataclasses.replace(base.kernel)
    problems: list[str] = []
    if raw is None:
        return options, problems
    if not isinstance(raw, dict):
        return options, [f"initialization options should be an object, got {type(raw).__name__}"]
    if isinstance(raw.get("torchwise"), dict):  # settings section nesting
        raw = raw["torchwise"]
    _merge(options, raw, "", problems)
    return options, problems
