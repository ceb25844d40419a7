"""``torchwise check``: the linter on the command line (and in CI / pre-commit).

Exit status: 0 no findings, 1 findings (or, with ``--diff``, files that would
change), 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import os
import sys
import tokenize
from pathlib import Path

from torchwise.lint import output
from torchwise.lint.base import Finding
from torchwise.lint.config import ConfigError, load_config, merged
from torchwise.lint.engine import LintSettings, lint_source, select_rules, unknown_selectors
from torchwise.lint.fix import fix_source, fixable, unified_diff

FORMATS = ("text", "json", "sarif", "github")
PY_SUFFIXES = (".py", ".pyi")
CHECKED_SUFFIXES = PY_SUFFIXES + (".ipynb",)  # notebooks: torchwise.lint.ipynb


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "check", help="lint Python files for PyTorch mistakes",
        description="Lint Python files for PyTorch mistakes. Exit status: 0 no findings, 1 findings, 2 error.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or directories (recursed, honouring .gitignore); '-' reads stdin; default: .")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--select", action="append", metavar="RULES",
                   help="rules to run: codes, prefixes (TW1), names, groups or ALL (comma-separated, repeatable)")
    p.add_argument("--ignore", action="append", metavar="RULES", help="rules not to run")
    p.add_argument("--extend-select", action="append", metavar="RULES", help="rules to add to the selection")
    p.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes marked unsafe")
    p.add_argument("--diff", action="store_true", help="print the fixes as a diff instead of writing them")
    p.add_argument("--stdin-filename", metavar="PATH", help="the path of the file given on stdin (for config and output)")
    p.add_argument("--statistics", action="store_true", help="print how often each rule fired")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
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
    """Tracked and untracked-but-not-ignored files under ``directory``, via git."""
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


def _walk_files(directory: Path, respect_gitignore: bool) -> list[Path]:
    ignore = _GitIgnore()
    files: list[Path] = []

    def visit(d: Path) -> None:
        if respect_gitignore and (d / ".gitignore").is_file():
            ignore.add_file(d / ".gitignore")
        try:
            entries = sorted(d.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name in (".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache",
                              "node_modules", ".pytest_cache"):
                continue
            is_dir = entry.is_dir()
            if respect_gitignore and ignore.ignored(entry, is_dir):
                continue
            if is_dir and not entry.is_symlink():
                visit(entry)
            elif entry.suffix in CHECKED_SUFFIXES and entry.is_file():
                files.append(entry)

    visit(directory)
    return files


def discover(paths: list[str], respect_gitignore: bool = True) -> list[tuple[Path, bool]]:
    """(file, named explicitly) for every file to check."""
    out: list[tuple[Path, bool]] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = _git_files(p) if respect_gitignore else None
            if files is None:
                files = _walk_files(p, respect_gitignore)
            for f in files:
                if f.resolve() not in seen:
                    seen.add(f.resolve())
                    out.append((f, False))
        else:
            if p.resolve() not in seen:
                seen.add(p.resolve())
                out.append((p, True))
    return out


def read_source(path: Path) -> str:
    """The text of a Python file, honouring its coding declaration."""
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _display(path: Path) -> str:
    """Paths as given, but relative to the working directory when they are under it."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ running
def run(args: argparse.Namespace) -> int:
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
    fix_mode = args.fix or args.diff
    errors = 0
    results: list[tuple[str, list[Finding]]] = []
    fixed_total = 0
    changed_files = 0
    diffs: list[str] = []

    def settings_for(path: Path) -> LintSettings:
        config = load_config(path)
        return merged(config.settings, select=select, ignore=ignore, extend_select=extend)

    def report_rule_error(message: str) -> None:
        nonlocal errors
        errors += 1
        print(message, file=sys.stderr)

    try:
        if stdin_mode:
            display = args.stdin_filename or "-"
            source = sys.stdin.read()
            settings = settings_for(Path(args.stdin_filename) if args.stdin_filename else Path.cwd())
            rules = settings.rules_for(display)
            if fix_mode:
                new, applied, findings = fix_source(source, display, rules, unsafe=args.unsafe_fixes,
                                                    on_error=report_rule_error)
                fixed_total += applied
                if args.diff:
                    if new != source:
                        diffs.append(unified_diff(source, new, display))
                        changed_files += 1
                else:
                    sys.stdout.write(new)
            else:
                findings = lint_source(source, display, rules=rules, on_error=report_rule_error)
            results.append((display, findings))
        else:
            for path, explicit in discover(paths, args.respect_gitignore):
                settings = settings_for(path)
                if not explicit and settings.is_excluded(str(path.resolve())):
                    continue
                if not path.exists():
                    _error(f"{path}: no such file or directory")
                    errors += 1
                    continue
                if path.suffix == ".ipynb":
                    from torchwise.lint import ipynb

                    try:
                        outcome = ipynb.check(path, _display(path), settings.rules_for(str(path.resolve())),
                                              fix=fix_mode, unsafe=args.unsafe_fixes, diff=args.diff,
                                              on_error=report_rule_error)
                    except (ipynb.NotebookError, OSError) as exc:
                        _error(str(exc) if isinstance(exc, ipynb.NotebookError) else f"{path}: cannot read: {exc}")
                        errors += 1
                        continue
                    results.extend(outcome.results)
                    if outcome.new_text is not None:
                        changed_files += 1
                        fixed_total += outcome.fixed
                        if args.diff:
                            diffs.append(outcome.diff)
                        else:
                            path.write_bytes(outcome.new_text.encode("utf-8"))
                    continue
                try:
                    source = read_source(path)
                except OSError as exc:
                    _error(f"{path}: cannot read: {exc.strerror or exc}")
                    errors += 1
                    continue
                display = _display(path)
                rules = settings.rules_for(str(path.resolve()))
                if fix_mode:
                    new, applied, findings = fix_source(source, display, rules, unsafe=args.unsafe_fixes,
                                                        on_error=report_rule_error)
                    if new != source:
                        changed_files += 1
                        fixed_total += applied
                        if args.diff:
                            diffs.append(unified_diff(source, new, display))
                        else:
                            try:
                                path.write_text(new, encoding="utf-8")
                            except OSError as exc:
                                _error(f"{path}: cannot write: {exc.strerror or exc}")
                                errors += 1
                else:
                    findings = lint_source(source, display, rules=rules, on_error=report_rule_error)
                results.append((display, findings))
    except ConfigError as exc:
        _error(str(exc))
        return 2

    out = sys.stderr if (stdin_mode and args.fix and not args.diff) else sys.stdout
    if args.diff:
        sys.stdout.write("".join(diffs))
        if changed_files:
            print(f"Would fix {fixed_total} finding{'s' if fixed_total != 1 else ''} in "
                  f"{changed_files} file{'s' if changed_files != 1 else ''}.", file=sys.stderr)
        return 2 if errors else (1 if changed_files and not args.exit_zero else 0)

    with_findings = [(p, fs) for p, fs in results if fs]
    if args.statistics:
        out.write(output.format_statistics(with_findings))
    elif args.format == "json":
        out.write(output.format_json(with_findings))
    elif args.format == "sarif":
        rules_used = select_rules(select or None, ignore, extend)
        out.write(output.format_sarif(with_findings, rules_used))
    elif args.format == "github":
        out.write(output.format_github(with_findings))
    else:
        unsafe_hidden = 0 if args.unsafe_fixes else sum(
            1 for _, fs in with_findings for f in fs if f.fix is not None and not fixable(f, False))
        out.write(output.format_text(with_findings, fixed=fixed_total, unsafe_hidden=unsafe_hidden))
    if errors:
        return 2
    if any(fs for _, fs in results) and not args.exit_zero:
        return 1
    return 0
