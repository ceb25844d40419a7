"""``torchwise check``: the linter on the command line (and in CI / pre-commit).

Exit status: 0 no findings, 1 findings (or, with ``--diff``, files that would
change), 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
from collections import Counter
from pathlib import Path

from torchwise.lint import output
from torchwise.lint.base import Finding
from torchwise.lint.config import (
    Config, ConfigError, inline_overrides, load_config, load_config_file, merged, parse_per_file_ignores, parse_table,
)
from torchwise.lint import pool
from torchwise.lint.engine import LintSettings, lint_source, project_context, project_env_for, select_rules, unknown_selectors
from torchwise.lint.files import SourceError, decode_source, encode_source, read_source_file, write_atomic
from torchwise.lint.fix import fix_source, fixable, unified_diff
from torchwise.lint.options import RuleOptions, applied as rule_options, of as options_of
from torchwise.lint.term import use_color
from torchwise.project.resolver import SKIPPED_DIRS, is_virtualenv

FORMATS = ("concise", "full", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint")
FORMAT_ALIASES = {"text": "concise"}
PY_SUFFIXES = (".py", ".pyi")
CHECKED_SUFFIXES = PY_SUFFIXES + (".ipynb",)  # notebooks: torchwise.lint.ipynb


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "check", help="lint Python files for PyTorch mistakes",
        description="Lint Python files for PyTorch mistakes. Exit status: 0 no findings, 1 findings, 2 error.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or directories (recursed, honouring .gitignore); '-' reads stdin; default: .")
    p.add_argument("--output-format", "--format", dest="format", choices=(*FORMATS, *FORMAT_ALIASES),
                   default="concise", help="report format (default: concise; --format is an alias)")
    p.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--select", action="append", metavar="RULES",
                   help="rules to run: codes, prefixes (TW1), names, groups or ALL (comma-separated, repeatable)")
    p.add_argument("--ignore", action="append", metavar="RULES", help="rules not to run")
    p.add_argument("--extend-select", action="append", metavar="RULES", help="rules to add to the selection")
    p.add_argument("--per-file-ignores", action="append", metavar="GLOB:RULES", default=[],
                   help="rules not to run on files matching GLOB (repeatable), e.g. 'tests/*:TW1,TW2'")
    p.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes marked unsafe")
    p.add_argument("--diff", action="store_true", help="print the fixes as a diff instead of writing them")
    p.add_argument("--show-fixes", action="store_true", help="list the findings that were fixed")
    p.add_argument("--exit-non-zero-on-fix", action="store_true",
                   help="exit 1 when anything was fixed, even if no findings remain")
    p.add_argument("--stdin-filename", metavar="PATH", help="the path of the file given on stdin (for config and output)")
    p.add_argument("--statistics", action="store_true", help="print how often each rule fired")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("-q", "--quiet", action="store_true", help="print the findings only, no summary")
    p.add_argument("-s", "--silent", action="store_true", help="print nothing; the exit status tells")
    p.add_argument("--config", action="append", metavar="FILE|KEY=VALUE", default=[],
                   help="use this pyproject.toml / TOML file instead of the discovered one, or override one "
                        "setting ('select = [\"TW1\"]'); repeatable")
    p.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    p.add_argument("--force-exclude", action="store_true",
                   help="apply `exclude` to paths named on the command line too (for pre-commit)")
    p.add_argument("--show-settings", action="store_true", help="print the settings used for the first file and exit")
    p.add_argument("--watch", action="store_true", help="check again whenever a checked file changes")
    p.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                   help="also check files that .gitignore excludes")
    p.set_defaults(func=run)
    return p


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _error(message: str) -> None:
    print(f"torchwise: error: {message}", file=sys.stderr)


# ------------------------------------------------------------------ discovery
def _git_root(path: Path) -> Path | None:
    import subprocess  # only when a directory is checked: not on every start-up

    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def _git_files(directory: Path) -> list[Path] | None:
    """Tracked and untracked-but-not-ignored files under ``directory``, via git (None
    outside a checkout: known without starting git, as the project model knows it)."""
    from torchwise.project.resolver import outside_git

    if outside_git(directory):
        return None
    import subprocess

    root = _git_root(directory)
    if root is None:
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others", "--exclude-standard",
             "--", "."], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    files = []
    for raw in out.stdout.split(b"\0"):
        if raw:
            p = directory / os.fsdecode(raw)
            if p.suffix in CHECKED_SUFFIXES and p.is_file():
                files.append(p)
    return sorted(set(files))


class _GitIgnore:
    """A small pure-Python reader of .gitignore files (used outside git checkouts)."""

    def __init__(self) -> None:
        self.rules: list[tuple[Path, str, bool, bool]] = []  # (base, pattern, negated, dir_only)

    def add_file(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            line = line.rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            if negated:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.strip("/") if "/" in line.rstrip("/") else line.rstrip("/")
            self.rules.append((path.parent, line, negated, dir_only))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        result = False
        for base, pattern, negated, dir_only in self.rules:
            if dir_only and not is_dir:
                continue
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if "/" in pattern:
                match = fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern.replace("**/", ""))
            else:
                match = fnmatch.fnmatchcase(path.name, pattern)
            if match:
                result = not negated
        return result


def _walk_files(directory: Path, respect_gitignore: bool, problems: list[str] | None = None) -> list[Path]:
    ignore = _GitIgnore()
    files: list[Path] = []

    def visit(d: Path) -> None:
        if respect_gitignore and (d / ".gitignore").is_file():
            ignore.add_file(d / ".gitignore")
        try:
            with os.scandir(d) as listing:
                entries = sorted((e.name, _plain_kind(e)) for e in listing)
        except OSError as exc:
            if problems is not None:
                problems.append(f"{d}: cannot read directory: {exc.strerror or exc}")
            return
        for name, kind in entries:
            if name in SKIPPED_DIRS or name.startswith("._"):
                continue  # (``._x.py``: the AppleDouble metadata macOS writes beside a file on a foreign disk)
            entry = d / name
            if kind == "file":  # the listing said so: no stat (the bulk of a large tree)
                if not (respect_gitignore and ignore.ignored(entry, False)) and entry.suffix in CHECKED_SUFFIXES:
                    files.append(entry)
                continue
            try:
                is_dir = kind == "dir" or entry.is_dir()
                if respect_gitignore and ignore.ignored(entry, is_dir):
                    continue
                if is_dir and not entry.is_symlink():
                    if not is_virtualenv(entry):
                        visit(entry)
                elif entry.suffix in CHECKED_SUFFIXES and entry.is_file():
                    files.append(entry)
            except OSError as exc:
                if problems is not None:
                    problems.append(f"{entry}: cannot access: {exc.strerror or exc}")

    visit(directory)
    return files


def _outside_skipped(root: Path, files: list[Path]) -> list[Path]:
    """``files`` (under ``root``) less those in a skipped folder or a virtual environment."""
    venv: dict[Path, bool] = {}

    def in_venv(folder: Path) -> bool:
        found = venv.get(folder)
        if found is None:
            found = venv[folder] = folder != root and (is_virtualenv(folder) or in_venv(folder.parent))
        return found

    return [f for f in files if SKIPPED_DIRS.isdisjoint(f.relative_to(root).parts[:-1]) and not in_venv(f.parent)]


def _plain_kind(entry: os.DirEntry) -> str | None:
    """"file" or "dir" when the directory listing tells (not a symlink), else None: ask the path."""
    try:
        if entry.is_symlink():
            return None
        return "dir" if entry.is_dir(follow_symlinks=False) else "file" if entry.is_file(follow_symlinks=False) else None
    except OSError:
        return None


def _resolved(path: Path) -> Path:
    """``path.resolve()``, or the absolute path when it cannot be resolved (a symlink
    loop: Python 3.11 raises RuntimeError there, later versions OSError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _resolved_in(path: Path, folders: dict[str, str]) -> str:
    """``str(_resolved(path))`` with its folder resolved once per folder (``folders`` keeps
    them): the resolved folder plus the name, unless the file itself is a symlink. Strings,
    not paths: it runs for every file before the first is checked (a path per file cost
    half of finding a 3,400-file tree's files)."""
    text = str(path)
    if os.name != "posix" or os.path.islink(text):
        return str(_resolved(path))
    parent, name = os.path.split(text)
    folder = folders.get(parent)
    if folder is None:
        folder = folders[parent] = str(_resolved(Path(parent or ".")))
    return os.path.join(folder, name)


def discover(paths: list[str], respect_gitignore: bool = True,
             problems: list[str] | None = None, resolved: dict[Path, str] | None = None) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for every file to check. Folders that cannot be read
    are reported in ``problems`` (one line each) and skipped. ``resolved`` gets each
    file's resolved path, as a string (resolving is a ``stat`` per path component: done once)."""
    out: list[tuple[Path, bool]] = []
    seen: set[str] = set()
    for raw in paths:
        p = Path(raw)
        try:
            is_dir = p.is_dir()
        except OSError as exc:  # e.g. a parent folder that cannot be searched
            if problems is not None:
                problems.append(f"{p}: cannot access: {exc.strerror or exc}")
            continue
        if is_dir:
            files = _git_files(p) if respect_gitignore else None
            if files is None:
                files = _walk_files(p, respect_gitignore, problems)
            else:  # git lists committed caches, autosaves and environments too
                files = _outside_skipped(p, files)
            folders: dict[str, str] = {}
            for f in files:
                key = _resolved_in(f, folders)
                if key not in seen:
                    seen.add(key)
                    out.append((f, False))
                    if resolved is not None:
                        resolved[f] = key
        else:
            key = str(_resolved(p))
            if key not in seen:
                seen.add(key)
                out.append((p, True))
                if resolved is not None:
                    resolved[p] = key
    return out


def read_source(path: Path) -> str:
    """The text of a Python file, honouring its BOM and coding declaration (invalid
    bytes become U+FFFD; ``files.read_source_file`` tells whether any were)."""
    return read_source_file(path).text


def _display(path: Path) -> str:
    """Paths as given, but relative to the working directory when they are under it."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ settings
class _Settings:
    """Settings per checked path: the discovered config (or ``--config FILE``, or none
    with ``--isolated``), then ``--config KEY=VALUE`` overrides, then the command line's
    rule choices, like ruff's layers."""

    def __init__(self, args: argparse.Namespace, select: list[str], ignore: list[str], extend: list[str]):
        self.args = args
        self.select, self.ignore, self.extend = select, ignore, extend
        files = [c for c in args.config if "=" not in c or Path(c).is_file()]
        self.overrides = inline_overrides([c for c in args.config if c not in files])
        if len(files) > 1:
            raise ConfigError("--config FILE may be given once")
        self.file = load_config_file(Path(files[0])) if files else None
        self.per_file_ignores = parse_per_file_ignores(args.per_file_ignores)
        self._by_folder: dict[Path, LintSettings] = {}  # one run: a folder's files share their settings

    def config_for(self, path: Path) -> Config:
        if self.args.isolated:
            return Config(None, LintSettings(root=str(Path.cwd())))
        return self.file or load_config(path)

    def __call__(self, path: Path) -> LintSettings:
        """The settings of ``path`` (the same for every file of a folder: the config that
        applies is found from the folder, and globs are matched per file later)."""
        folder = path.parent
        if folder not in self._by_folder or path.is_dir():
            settings = self._settings(path)
            if path.is_dir():
                return settings
            self._by_folder[folder] = settings
        return self._by_folder[folder]

    def _settings(self, path: Path) -> LintSettings:
        base = self.config_for(path).settings
        if self.overrides:
            base = _override(base, self.overrides)
        settings = merged(base, select=self.select, ignore=self.ignore, extend_select=self.extend)
        if self.per_file_ignores:
            settings.per_file_ignores = {**settings.per_file_ignores}
            for pattern, codes in self.per_file_ignores.items():
                settings.per_file_ignores[pattern] = [*settings.per_file_ignores.get(pattern, []), *codes]
        return settings


def _override(base: LintSettings, table: dict) -> LintSettings:
    given = parse_table(table, Path.cwd() / "--config")
    out = LintSettings(**{**vars(base)})
    for key in table:
        attr = key.replace("-", "_")
        if hasattr(out, attr) and attr != "root":
            setattr(out, attr, getattr(given, attr))
    return out


def _options(settings: LintSettings, where: Path, isolated: bool) -> RuleOptions:
    """What the rules see for a file ``where`` with these settings (missing-no-grad's fix
    context, the oldest torch supported, what its project pins; ``isolated``: no project
    file is read): the run decides it (config file, ``--config`` overrides, ``--isolated``),
    not a rule reading a config itself."""
    return options_of(settings, None if isolated else where)


def _show_settings(path: Path, settings_of: _Settings) -> int:
    config = settings_of.config_for(path)
    settings = settings_of(path)
    rules = settings.rules_for(str(path.resolve()))
    lines = [f"Resolved settings for: {path}",
             f"Config file: {config.path or '(none)'}",
             f"select = {settings.select or '(default rules)'}",
             f"ignore = {settings.ignore}",
             f"extend-select = {settings.extend_select}",
             f"per-file-ignores = {settings.per_file_ignores}",
             f"exclude = {settings.exclude}",
             f"fix-grad-off-context = {settings.fix_grad_off_context or 'no_grad'}",
             f"torch-version = {settings.torch_version or '(any)'}",
             f"excluded = {settings.is_excluded(str(path.resolve()))}",
             f"rules ({len(rules)}): {', '.join(f'{r.code} {r.name}' for r in rules)}"]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


# ------------------------------------------------------------------ running
def run(args: argparse.Namespace) -> int:
    args.format = FORMAT_ALIASES.get(args.format, args.format)
    if not args.watch:
        return check_once(args)
    return _watch(args)


def _watch(args: argparse.Namespace) -> int:
    """Check, then check again whenever a checked file or a config file changes
    (polling: no extra dependency); Ctrl-C ends it."""
    import time

    def snapshot() -> dict[Path, float]:
        found: dict[Path, float] = {}
        for path, _ in discover(args.paths or ["."], args.respect_gitignore):
            for candidate in (path, *(d / "pyproject.toml" for d in path.resolve().parents)):
                try:
                    found[candidate] = os.stat(candidate).st_mtime
                except OSError:
                    continue
        return found

    if "-" in (args.paths or []):
        _error("--watch cannot read stdin")
        return 2
    try:
        while True:
            print(f"[{time.strftime('%H:%M:%S')}] Checking...", file=sys.stderr, flush=True)
            check_once(args)
            sys.stdout.flush()
            before = snapshot()
            while snapshot() == before:
                time.sleep(0.5)
            print(f"[{time.strftime('%H:%M:%S')}] File change detected...", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        return 0


def check_once(args: argparse.Namespace) -> int:
    """One check of the given paths, with the project's cross-module facts (lint.pool)."""
    paths = [p for p in (args.paths or ["."]) if p != "-"]
    with project_context(pool.project_for(paths)) as project:
        return _check_once(args, project)


def _check_once(args: argparse.Namespace, project=None) -> int:
    select, ignore, extend = _split(args.select), _split(args.ignore), _split(args.extend_select)
    bad = unknown_selectors(select + ignore + extend)
    if bad:
        _error(f"unknown rule selector(s): {', '.join(bad)} (use a code, a prefix like TW1, a rule name, a group or ALL)")
        return 2
    paths = args.paths or (["-"] if args.stdin_filename else ["."])
    stdin_mode = paths == ["-"]
    if "-" in paths and not stdin_mode:
        _error("'-' (stdin) cannot be combined with other paths")
        return 2
    try:
        settings_for = _Settings(args, select, ignore, extend)
    except ConfigError as exc:
        _error(str(exc))
        return 2
    if args.show_settings:
        first = Path(args.stdin_filename) if stdin_mode and args.stdin_filename else \
            next((p for p, _ in discover(paths, args.respect_gitignore)), Path.cwd())
        try:
            return _show_settings(first, settings_for)
        except ConfigError as exc:
            _error(str(exc))
            return 2
    fix_mode = args.fix or args.diff
    errors = 0
    results: list[tuple[str, list[Finding]]] = []
    sources: dict[str, str] = {}  # display path -> the text the findings refer to
    fixed_rules: list[tuple[int, str, Counter]] = []  # --show-fixes: (file number, path, what was fixed)
    fixed_total = 0
    changed_files = 0
    diffs: list[tuple[int, str]] = []  # (file number, diff): in file order, whichever process made it

    def report_rule_error(message: str) -> None:
        nonlocal errors
        errors += 1
        print(message, file=sys.stderr)

    def note_fixed(display: str, source: str, rules, findings_after: list[Finding]) -> None:
        if args.show_fixes:
            before = Counter((f.rule.code, f.rule.name) for f in lint_source(source, display, rules=rules,
                                                                             on_error=lambda _: None))
            gone = before - Counter((f.rule.code, f.rule.name) for f in findings_after)
            if gone:
                fixed_rules.append((0, display, gone))

    def take_fix(number: int, index: int, display: str, outcome: pool.FileFix) -> None:
        """Report one file's fix (made here or by the pool) as results[index]."""
        nonlocal errors, fixed_total, changed_files
        for line in outcome.errors:
            print(line, file=sys.stderr)
            errors += 1
        if outcome.changed:
            changed_files += 1
            fixed_total += outcome.applied
            if outcome.gone:
                fixed_rules.append((number, display, outcome.gone))
            if outcome.diff is not None:
                diffs.append((number, outcome.diff))
        results[index] = (display, outcome.findings)
        sources[display] = outcome.source

    linting: pool.Run | None = None
    try:
        if stdin_mode:
            display = args.stdin_filename or "-"
            raw = sys.stdin.buffer.read()
            try:
                original = decode_source(raw, display)
            except SourceError as exc:
                _error(str(exc))
                return 2
            source = original.text
            stdin_path = Path(args.stdin_filename) if args.stdin_filename else Path.cwd() / "-"
            settings = settings_for(Path(args.stdin_filename) if args.stdin_filename else Path.cwd())
            rules = settings.rules_for(display)
            if args.force_exclude and args.stdin_filename and settings.is_excluded(str(_resolved(Path(display)))):
                if args.fix and not args.diff:  # excluded: the input unchanged, byte for byte
                    sys.stdout.flush()
                    sys.stdout.buffer.write(raw)
                    sys.stdout.buffer.flush()
                return 0
            if not original.decodes:
                _error(f"{display}: {original.problem}; checked with the invalid bytes replaced"
                       + ("; not fixed" if fix_mode else ""))
                errors += 1
            if fix_mode and original.decodes:
                with rule_options(_options(settings, stdin_path, args.isolated)):
                    new, applied, findings = fix_source(source, display, rules, unsafe=args.unsafe_fixes,
                                                        on_error=report_rule_error)
                    note_fixed(display, source, rules, findings)
                fixed_total += applied
                if args.diff:
                    if new != source:
                        diffs.append((0, unified_diff(source, new, display)))
                        changed_files += 1
                else:
                    try:
                        data = encode_source(new, original, display)
                        source = new
                    except SourceError as exc:
                        _error(str(exc))
                        errors += 1
                        data, fixed_total = raw, 0
                    sys.stdout.flush()
                    sys.stdout.buffer.write(data)
                    sys.stdout.buffer.flush()
            else:
                with rule_options(_options(settings, stdin_path, args.isolated)):
                    findings = lint_source(source, display, rules=rules, on_error=report_rule_error)
                if fix_mode and not args.diff:  # the input unchanged, byte for byte
                    sys.stdout.flush()
                    sys.stdout.buffer.write(raw)
                    sys.stdout.buffer.flush()
            results.append((display, findings))
            sources[display] = source
        else:
            problems: list[str] = []
            keys: dict[Path, str] = {}
            found_files = discover(paths, args.respect_gitignore, problems, keys)
            for problem in problems:
                _error(problem)
                errors += 1
            workers = pool.workers_for(len(found_files))
            pooled: list[tuple[int, int, tuple]] = []  # (file number, index in results, job)
            if workers > 1 and not fix_mode:  # linting starts while the files are still read
                linting = pool.Run(project, workers, len(found_files))
            for number, (path, explicit) in enumerate(found_files):
                settings = settings_for(path)
                resolved = str(keys.get(path) or _resolved(path))
                if (not explicit or args.force_exclude) and settings.exclude and settings.is_excluded(resolved):
                    continue
                if not path.exists():
                    _error(f"{path}: no such file or directory" if not path.is_symlink()
                           else f"{path}: broken symlink or symlink loop")
                    errors += 1
                    continue
                if path.suffix == ".ipynb":
                    from torchwise.lint import ipynb

                    try:
                        with rule_options(_options(settings, path, args.isolated)):
                            outcome = ipynb.check(path, _display(path), settings.rules_for(str(path.resolve())),
                                                  fix=fix_mode, unsafe=args.unsafe_fixes, diff=args.diff,
                                                  on_error=report_rule_error, env=project_env_for(str(path)))
                    except (ipynb.NotebookError, OSError) as exc:
                        _error(str(exc) if isinstance(exc, ipynb.NotebookError) else f"{path}: cannot read: {exc}")
                        errors += 1
                        continue
                    results.extend(outcome.results)
                    sources.update(outcome.sources)
                    if outcome.new_text is not None:
                        changed_files += 1
                        fixed_total += outcome.fixed
                        if args.diff:
                            diffs.append((number, outcome.diff))
                        else:
                            try:  # atomically, like any fix: a failure leaves the notebook as it was
                                write_atomic(path, outcome.new_text.encode("utf-8"))
                            except SourceError as exc:
                                _error(str(exc))
                                errors += 1
                    continue
                try:
                    original = read_source_file(path)
                except SourceError as exc:
                    _error(str(exc))
                    errors += 1
                    continue
                source = original.text
                display = _display(path)
                rules = settings.rules_for(resolved)
                if not original.decodes:
                    _error(f"{display}: {original.problem}; checked with the invalid bytes replaced"
                           + ("; not fixed" if fix_mode else ""))
                    errors += 1
                if workers > 1 and (original.decodes or not fix_mode):  # by the pool, below, in this order
                    job = (source, display, tuple(r.code for r in rules), _options(settings, path, args.isolated))
                    if project is not None and original.decodes and original.encoding == "utf-8" \
                            and path.suffix == ".py":
                        project.preload(Path(resolved), source)  # forked fixers, notebooks here: no second read
                    pooled.append((number, len(results), job + (path, original) if fix_mode else job))
                    if linting is not None:
                        linting.add(job)
                    findings = []
                elif fix_mode and original.decodes:
                    results.append((display, []))
                    try:
                        with rule_options(_options(settings, path, args.isolated)):
                            fixed = pool.fix_file(path, original, display, rules, unsafe=args.unsafe_fixes,
                                                  diff=args.diff, show_fixes=args.show_fixes)
                    except Exception as exc:  # as in the pool: one line, and the other files
                        fixed = pool.FileFix([], source, errors=[pool.failed_line(display, exc)])
                    take_fix(number, len(results) - 1, display, fixed)
                    continue
                else:
                    try:
                        with rule_options(_options(settings, path, args.isolated)):
                            findings = lint_source(source, display, rules=rules, on_error=report_rule_error)
                    except Exception as exc:
                        report_rule_error(pool.failed_line(display, exc))
                        findings = []
                results.append((display, findings))
                sources[display] = source
            if pooled and fix_mode:
                done = pool.fix_many([job for _, _, job in pooled], project, workers, unsafe=args.unsafe_fixes,
                                     diff=args.diff, show_fixes=args.show_fixes)
                for (number, index, job), outcome in zip(pooled, done):
                    take_fix(number, index, job[1], outcome)
            elif pooled:
                done = linting.findings()
                for (_, index, job), (findings, rule_errors) in zip(pooled, done):
                    for message in rule_errors:
                        report_rule_error(message)
                    results[index] = (job[1], findings)
    except ConfigError as exc:
        _error(str(exc))
        return 2
    finally:
        if linting is not None:
            linting.close()

    out = sys.stderr if (stdin_mode and args.fix and not args.diff) else sys.stdout
    if args.diff:
        sys.stdout.write("".join(text for _, text in sorted(diffs, key=lambda d: d[0])))
        if changed_files:
            print(f"Would fix {fixed_total} finding{'s' if fixed_total != 1 else ''} in "
                  f"{changed_files} file{'s' if changed_files != 1 else ''}.", file=sys.stderr)
        return 2 if errors else (1 if changed_files and not args.exit_zero else 0)

    with_findings = [(p, fs) for p, fs in results if fs]
    report = _report(args, with_findings, sources, fixed_total, fixed_rules, select, ignore, extend, errors, out)
    if not args.silent and report:
        if args.output_file:
            try:
                Path(args.output_file).write_text(report, encoding="utf-8")
            except OSError as exc:
                _error(f"{args.output_file}: cannot write: {exc.strerror or exc}")
                return 2
        else:
            out.write(report)
    if errors:
        return 2
    if any(fs for _, fs in results) and not args.exit_zero:
        return 1
    if args.exit_non_zero_on_fix and fixed_total:
        return 1
    return 0


def _report(args, with_findings, sources, fixed_total, fixed_rules, select, ignore, extend, errors, out) -> str:
    """The report text in the chosen format (colour only for a terminal)."""
    fmt = args.format
    if args.statistics:
        return output.format_statistics(with_findings)
    if fmt == "json":
        return output.format_json(with_findings)
    if fmt == "json-lines":
        return output.format_json_lines(with_findings)
    if fmt == "sarif":
        return output.format_sarif(with_findings, select_rules(select or None, ignore, extend))
    if fmt == "github":
        return output.format_github(with_findings)
    if fmt == "gitlab":
        return output.format_gitlab(with_findings)
    if fmt == "junit":
        return output.format_junit(with_findings)
    if fmt == "pylint":
        return output.format_pylint(with_findings)
    color = not args.output_file and use_color(out)
    unsafe_hidden = 0 if args.unsafe_fixes else sum(
        1 for _, fs in with_findings for f in fs if f.fix is not None and not fixable(f, False))
    # no "All checks passed!" when a path could not be checked
    summary = not args.quiet and not (errors and not with_findings and not fixed_total)
    kwargs = dict(fixed=fixed_total, unsafe_hidden=unsafe_hidden, color=color, summary=summary)
    text = (output.format_full(with_findings, sources, **kwargs) if fmt == "full"
            else output.format_text(with_findings, **kwargs))
    if args.show_fixes and not args.quiet:
        if fixed_rules:
            text += f"\nFixed {fixed_total} finding{'s' if fixed_total != 1 else ''}:\n"
            for _, display, counts in sorted(fixed_rules, key=lambda r: r[0]):
                text += f"- {display}:\n"
                for (code, name), n in sorted(counts.items()):
                    text += f"    {n} \u00d7 {code} ({name})\n"
        elif args.fix:
            text += "\nNo findings were fixed.\n"
    return text
