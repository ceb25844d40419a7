"""What a run's settings tell the rules while they run: missing-no-grad's fix context
(``fix-grad-off-context``) and the oldest torch the checked code supports
(``torch-version``). The run decides them (its config file, ``--config``, ``--isolated``)
and carries them to the pool's workers with each job; outside a run (a test, a rule asked
directly) a rule reads the ``[tool.torchwise]`` that applies to the file.

``torch-version`` works as ruff's ``target-version``: a deprecated API whose replacement
the oldest supported torch lacks is the only one that code can use, so it is not reported
(``torch.cuda.amp.GradScaler`` where ``torch-version = "2.1"``: ``torch.amp.GradScaler``
came in 2.3)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, NamedTuple

VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.\d+)?$")


class RuleOptions(NamedTuple):
    grad_off: str  # "no_grad" or "inference_mode"
    torch_version: str | None  # "2.1": the oldest torch the code supports; None: any


_UNSET = object()
_torch_version: ContextVar[object] = ContextVar("torchwise_torch_version", default=_UNSET)


def of(settings) -> RuleOptions:
    """The options files with these ``LintSettings`` are checked with."""
    return RuleOptions(settings.fix_grad_off_context or "no_grad", settings.torch_version)


@contextmanager
def applied(options: RuleOptions) -> Iterator[None]:
    """Rules run inside this block see ``options``."""
    from torchwise.lint.fix_edits import grad_off_setting

    token = _torch_version.set(options.torch_version)
    try:
        with grad_off_setting(options.grad_off):
            yield
    finally:
        _torch_version.reset(token)


def parse_version(text: str) -> tuple[int, int] | None:
    """``"2.1"``, ``"2.1.2"`` -> (2, 1); anything else -> None."""
    match = VERSION.match(text.strip()) if isinstance(text, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def torch_version(path: str | None) -> tuple[int, int] | None:
    """The oldest torch the file's code supports: the running block's setting, else the
    ``torch-version`` of the ``[tool.torchwise]`` that applies to ``path``; None: any."""
    chosen = _torch_version.get()
    if chosen is _UNSET:
        chosen = None
        if path and not path.startswith("<"):
            from pathlib import Path

            from torchwise.lint.config import ConfigError, load_config

            try:
                chosen = load_config(Path(path)).settings.torch_version
            except (ConfigError, OSError):
                chosen = None
    return parse_version(chosen) if isinstance(chosen, str) else None


def has(path: str | None, since: str | None) -> bool:
    """Whether every torch the file's code supports has what came in ``since`` (None:
    long enough ago to be everywhere)."""
    if since is None:
        return True
    oldest = torch_version(path)
    return oldest is None or oldest >= parse_version(since)  # type: ignore[operator]
