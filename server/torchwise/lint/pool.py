"""``torchwise check`` over a tree: the project model and a process pool.

Every file is linted with the workspace's cross-module facts (a model class defined in
another module is known to be an ``nn.Module``): the run holds one
:class:`~torchwise.project.Project` over the working directory and the directories
given. Many files are linted (or fixed: :func:`fix_file`) by a pool of processes, one
per core. Where processes fork, the workers inherit the parent's project model (its
resolver, the texts and summaries it holds), the knowledge base and the jobs themselves
copy-on-write: a job crosses the pipe as its index, and only findings come back. Where
they cannot fork, each worker builds its own model and the jobs are sent whole.
Results come back in the order of the files, so the report is the same as a single
process's, byte for byte. ``TORCHWISE_JOBS=1`` keeps it in one process.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from torchwise.lint.base import Finding
from torchwise.records import record

MIN_FILES_PER_WORKER = 8
CHECK_UNITS = 4  # analyses a check keeps for later importers (each one is a cycle the collector walks)


def folders_for(paths: list[str]) -> list[str]:
    """The project's folders: the working directory and each directory checked outside it."""
    cwd = Path.cwd().resolve()
    folders = [cwd]
    for given in paths:
        if not os.path.isdir(given):  # files (a symlink loop too: isdir says False, never raises)
            continue
        path = Path(given).resolve()
        if not path.is_relative_to(cwd) and path not in folders:
            folders.append(path)
    return [str(f) for f in folders]


def project_for(paths: list[str]):
    from torchwise.project import Project

    return Project(folders_for(paths), max_units=CHECK_UNITS)


def workers_for(files: int) -> int:
    """How many processes to lint ``files`` files with (1: no pool)."""
    wanted = os.environ.get("TORCHWISE_JOBS", "").strip()
    cores = os.cpu_count() or 1
    jobs = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


# ----------------------------------------------------------------- one file's fix
@record()
class FileFix:
    """What fixing one file did; the caller reports it (in file order)."""

    findings: list[Finding]
    source: str                  # the text the findings refer to
    applied: int = 0             # fixes applied (or, with ``diff``, that would be)
    changed: bool = False
    diff: str | None = None
    gone: Counter | None = None  # --show-fixes: (code, name) -> count fixed
    errors: list[str]            # stderr lines, each one counts as an error

    def __init__(self, findings: list[Finding], source: str, applied: int = 0, changed: bool = False,
                 diff: str | None = None, gone: Counter | None = None, errors: list[str] | None = None) -> None:
        self.findings, self.source, self.applied, self.changed = findings, source, applied, changed
        self.diff, self.gone, self.errors = diff, gone, [] if errors is None else errors


def fix_file(path: Path, original, display: str, rules, *, unsafe: bool, diff: bool,
             show_fixes: bool) -> FileFix:
    """Fix one decodable file: in place (temporary file, fsync, rename: a failure leaves
    the original byte-identical and says so) or, with ``diff``, as a diff."""
    from torchwise.lint.engine import lint_source
    from torchwise.lint.files import SourceError, encode_source, write_atomic
    from torchwise.lint.fix import fix_source, unified_diff

    source = original.text
    errors: list[str] = []
    new, applied, findings = fix_source(source, display, rules, unsafe=unsafe, on_error=errors.append)
    out = FileFix(findings, source, errors=errors)
    if new == source:
        return out
    if not diff:
        try:
            write_atomic(path, encode_source(new, original, display))
        except SourceError as exc:
            errors.append(f"torchwise: error: {exc}")
            out.findings = lint_source(source, display, rules=rules, on_error=errors.append)
            return out
        out.source = new
    else:
        out.diff = unified_diff(source, new, display)
    out.changed, out.applied = True, applied
    if show_fixes:
        before = Counter((f.rule.code, f.rule.name) for f in lint_source(source, display, rules=rules,
                                                                         on_error=lambda _: None))
        out.gone = before - Counter((f.rule.code, f.rule.name) for f in findings)
    return out


# ----------------------------------------------------------------- the pool
_SHARED: list = []  # [project, jobs, fix options]: set before a fork, inherited by the workers


def _rules(codes: tuple[str, ...]):
    from torchwise.lint.engine import get_rule

    return [r for r in (get_rule(code) for code in codes) if r is not None]


def _rows(findings: list[Finding]) -> list[tuple]:
    return [(f.rule.code, f.line, f.col, f.end_line, f.end_col, f.message, f.fix) for f in findings]


def _finding(row: tuple) -> Finding:
    from torchwise.lint.engine import get_rule

    code, line, col, end_line, end_col, message, fix = row
    return Finding(rule=get_rule(code), line=line, col=col, end_line=end_line, end_col=end_col,
                   message=message, fix=fix)


def _start_worker(folders: list[str] | None, options: dict | None) -> None:
    import gc

    from torchwise.lint import engine

    if folders is not None:  # spawned: nothing inherited
        _SHARED[:] = [project_for_folders(folders), None, options]
    engine._PROJECT[:] = [_SHARED[0]]
    gc.freeze()  # what the worker inherited or loaded is never garbage: the collector skips it
    engine.collect_less()


def project_for_folders(folders: list[str]):
    from torchwise.project import Project

    return Project(folders, max_units=CHECK_UNITS)


def _job(job):
    """In a worker: a job by its index (forked) or whole (spawned)."""
    return _SHARED[1][job] if isinstance(job, int) else job


def _lint_job(job) -> tuple[list[tuple], list[str]]:
    """In a worker: lint one file; findings as plain rows, and the rule-error lines."""
    from torchwise.lint.engine import lint_source
    from torchwise.lint.fix_edits import grad_off_setting

    source, display, codes, grad_off = _job(job)[:4]
    errors: list[str] = []
    with grad_off_setting(grad_off):
        found = lint_source(source, display, rules=_rules(codes), on_error=errors.append)
    return _rows(found), errors


def _fix_job(job) -> FileFix:
    """In a worker: fix one file; the findings travel as rows."""
    from torchwise.lint.fix_edits import grad_off_setting

    _, display, codes, grad_off, path, original = _job(job)
    with grad_off_setting(grad_off):
        out = fix_file(path, original, display, _rules(codes), **_SHARED[2])
    out.findings = _rows(out.findings)  # type: ignore[assignment]
    return out


def _run(jobs: list[tuple], project, workers: int, options: dict | None):
    import multiprocessing  # here, not at import: most checks never start a pool (~25 ms of start-up)
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":  # loaded once here, the workers inherit the knowledge base
        from torchwise.analysis import _knowledge

        _knowledge()
        _SHARED[:] = [project, jobs, options]
        initargs: tuple = (None, None)
        sent: list = list(range(len(jobs)))
    else:
        initargs, sent = ([str(f) for f in project.resolver.folders], options), jobs
    # small enough that the last chunk a worker takes barely outlasts the others (a chunk
    # is 1/(workers * 32) of the run), large enough that neighbouring files share a worker
    chunk = max(1, len(jobs) // (workers * 32))
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                                 initializer=_start_worker, initargs=initargs) as pool:
            yield from pool.map(_fix_job if options is not None else _lint_job, sent, chunksize=chunk)
    finally:
        _SHARED.clear()


def lint_many(jobs: list[tuple[str, str, tuple[str, ...], str]], project, workers: int
              ) -> list[tuple[list[Finding], list[str]]]:
    """(findings, rule-error lines) for each (source, display path, rule codes, missing-no-grad's
    fix context), in order."""
    return [([_finding(row) for row in rows], errors) for rows, errors in _run(jobs, project, workers, None)]


def fix_many(jobs: list[tuple], project, workers: int, *, unsafe: bool, diff: bool,
             show_fixes: bool) -> list[FileFix]:
    """``fix_file`` of each (source, display, rule codes, fix context, path, SourceFile), in order."""
    out = []
    options = {"unsafe": unsafe, "diff": diff, "show_fixes": show_fixes}
    for result in _run(jobs, project, workers, options):
        result.findings = [_finding(row) for row in result.findings]
        out.append(result)
    return out
