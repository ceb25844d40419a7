"""``[tool.torchwise]`` in pyproject.toml: which rules run where.

```toml
[tool.torchwise]
select = ["ALL"]                 # codes, code prefixes, names, groups or "ALL"; default: rules on by default
ignore = ["missing-eval"]
extend-select = ["TW702"]        # added to the selection
fix-grad-off-context = "inference_mode"  # what missing-no-grad's fix wraps loops in (default "no_grad")
torch-version = "2.1"            # the oldest torch the code supports: no deprecation whose replacement it lacks
exclude = ["build", "notebooks/scratch_*.py"]
[tool.torchwise.per-file-ignores]
"tests/*" = ["TW1"]
```

The file is found by walking up from the checked file to the closest
``pyproject.toml`` that has a ``[tool.torchwise]`` table. Both the CLI and the
language server use it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from torchwise.lint.engine import LintSettings, unknown_selectors
from torchwise.records import record


def _toml():
    """tomllib, imported on first use (~10 ms of start-up): most files have no
    pyproject.toml above them."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


class ConfigError(ValueError):
    """A [tool.torchwise] table that cannot be used; the message is one line."""


@record()
class Config:
    path: Path | None  # the pyproject.toml, or None when there is none
    settings: LintSettings

    def __init__(self, path: Path | None, settings: LintSettings) -> None:
        self.path, self.settings = path, settings


_KEYS = {"select", "ignore", "extend-select", "extend_select", "per-file-ignores", "per_file_ignores", "exclude",
         "fix-grad-off-context", "torch-version"}
_cache: dict[Path, tuple[float, Config]] = {}


def _str_list(value: object, key: str, where: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where}: [tool.torchwise] {key} should be a list of strings")


def parse_table(table: dict, where: Path) -> LintSettings:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) in [tool.torchwise]: {', '.join(unknown)}")
    settings = LintSettings(root=str(where.parent))
    settings.select = _str_list(table.get("select", []), "select", where)
    settings.ignore = _str_list(table.get("ignore", []), "ignore", where)
    settings.extend_select = _str_list(table.get("extend-select", table.get("extend_select", [])),
                                       "extend-select", where)
    settings.exclude = _str_list(table.get("exclude", []), "exclude", where)
    pfi = table.get("per-file-ignores", table.get("per_file_ignores", {}))
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: [tool.torchwise] per-file-ignores should be a table of glob = [codes]")
    settings.per_file_ignores = {str(k): _str_list(v, f"per-file-ignores.{k}", where) for k, v in pfi.items()}
    grad_off = table.get("fix-grad-off-context")
    if grad_off is not None:
        from torchwise.lint.options import GRAD_OFF_CONTEXTS

        if grad_off not in GRAD_OFF_CONTEXTS:
            raise ConfigError(f"{where}: [tool.torchwise] fix-grad-off-context should be one of: "
                              + ", ".join(f'"{c}"' for c in GRAD_OFF_CONTEXTS))
        settings.fix_grad_off_context = grad_off
    version = table.get("torch-version")
    if version is not None:
        from torchwise.lint.options import parse_version

        if not isinstance(version, str) or parse_version(version) is None:
            raise ConfigError(f'{where}: [tool.torchwise] torch-version should be a version string like "2.1"')
        settings.torch_version = version
    bad = unknown_selectors(settings.select + settings.ignore + settings.extend_select
                            + [s for v in settings.per_file_ignores.values() for s in v])
    if bad:
        raise ConfigError(f"{where}: unknown rule selector(s) in [tool.torchwise]: {', '.join(bad)}")
    return settings


def find_pyproject(start: Path) -> Path | None:
    """The closest pyproject.toml at or above ``start`` with a [tool.torchwise] table."""
    current = start if start.is_dir() else start.parent
    current = current.resolve()
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            tomllib = _toml()
            try:
                with candidate.open("rb") as handle:
                    data = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError):
                if _mentions_torchwise(candidate):
                    return candidate  # broken but meant for us: report it
                continue
            if isinstance(data.get("tool"), dict) and "torchwise" in data["tool"]:
                return candidate
    return None


def _mentions_torchwise(path: Path) -> bool:
    try:
        return "[tool.torchwise" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def load_config(start: Path) -> Config:
    """The configuration that applies to ``start`` (a file or a directory).
    Raises ConfigError for a broken [tool.torchwise] table."""
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Config(None, LintSettings(root=str(start if start.is_dir() else start.parent)))
    try:
        mtime = os.stat(pyproject).st_mtime
    except OSError:
        mtime = 0.0
    cached = _cache.get(pyproject)
    if cached and cached[0] == mtime:
        return cached[1]
    tomllib = _toml()
    try:
        with pyproject.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc.strerror}") from None
    table = data.get("tool", {}).get("torchwise", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.torchwise] should be a table")
    # keys of other torchwise features (kernel, snippets...) live in sub-tables: keep only ours
    lint_table = {k: v for k, v in table.items() if k in _KEYS or not isinstance(v, dict)}
    config = Config(pyproject, parse_table(lint_table, pyproject))
    _cache[pyproject] = (mtime, config)
    return config


def merged(base: LintSettings, *, select: list[str] | None = None, ignore: list[str] | None = None,
           extend_select: list[str] | None = None) -> LintSettings:
    """Settings from the config file with command-line/editor choices on top, like
    ruff's layers: a ``select`` replaces the config's selection (its ``ignore`` and
    ``extend-select`` included); ``ignore`` and ``extend_select`` add to it.
    Per-file ignores and excludes always apply."""
    if select:
        return LintSettings(select=list(select), ignore=list(ignore or []), extend_select=list(extend_select or []),
                            per_file_ignores=dict(base.per_file_ignores), exclude=list(base.exclude), root=base.root,
                            fix_grad_off_context=base.fix_grad_off_context, torch_version=base.torch_version)
    return LintSettings(
        select=list(base.select),
        ignore=list(base.ignore) + list(ignore or []),
        extend_select=list(base.extend_select) + list(extend_select or []),
        per_file_ignores=dict(base.per_file_ignores),
        exclude=list(base.exclude),
        root=base.root,
        fix_grad_off_context=base.fix_grad_off_context,
        torch_version=base.torch_version,
    )


def load_config_file(path: Path) -> Config:
    """The settings of an explicit ``--config FILE``: a ``pyproject.toml`` (its
    ``[tool.torchwise]`` table) or a TOML file whose top level is the table itself.
    Relative globs are relative to the file's folder."""
    tomllib = _toml()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    table = data.get("tool", {}).get("torchwise", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.torchwise] should be a table")
    lint_table = {k: v for k, v in table.items() if k in _KEYS or not isinstance(v, dict)}
    return Config(path, parse_table(lint_table, path.resolve()))


def inline_overrides(values: list[str]) -> dict:
    """``--config 'select = ["TW1"]'`` options as one table (TOML key = value pairs)."""
    table: dict = {}
    for value in values:
        tomllib = _toml()
        try:
            table.update(tomllib.loads(value))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"--config {value!r} is neither a file nor a TOML `key = value`: {exc}") from None
    return table


def parse_per_file_ignores(values: list[str]) -> dict[str, list[str]]:
    """``--per-file-ignores 'tests/*:TW1,TW2'`` (repeatable) as glob -> selectors."""
    out: dict[str, list[str]] = {}
    for value in values:
        pattern, sep, codes = value.rpartition(":")
        if not sep or not pattern.strip() or not codes.strip():
            raise ConfigError(f"--per-file-ignores expects GLOB:CODES, got {value!r}")
        out.setdefault(pattern.strip(), []).extend(c.strip() for c in codes.split(",") if c.strip())
    bad = unknown_selectors([c for v in out.values() for c in v])
    if bad:
        raise ConfigError(f"unknown rule selector(s) in --per-file-ignores: {', '.join(bad)}")
    return out
