"""``torchwise check`` over a tree: the project model and a process pool.

Every file is linted with the workspace's cross-module facts (a model class defined in
another module is known to be an ``nn.Module``): the run holds one
:class:`~torchwise.project.Project` over the working directory and the directories
given. Many files are linted by a pool of processes (one per core), each with its own
project model; results come back in the order of the files, so the report is the same
as a single process's, byte for byte. ``TORCHWISE_JOBS=1`` keeps it in one process.
"""

from __future__ import annotations

import os
from pathlib import Path

from torchwise.lint.base import Finding

MIN_FILES_PER_WORKER = 8


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

    return Project(folders_for(paths))


def workers_for(files: int) -> int:
    """How many processes to lint ``files`` files with (1: no pool)."""
    wanted = os.environ.get("TORCHWISE_JOBS", "").strip()
    cores = os.cpu_count() or 1
    jobs = int(wanted) if wanted.isdigit() and int(wanted) > 0 else cores
    return max(1, min(jobs, files // MIN_FILES_PER_WORKER))


def _start_worker(folders: list[str]) -> None:
    from torchwise.lint import engine
    from torchwise.project import Project

    engine._PROJECT[:] = [Project(folders)]


def _lint_job(job: tuple[str, str, tuple[str, ...]]) -> tuple[list[tuple], list[str]]:
    """In a worker: lint one file; findings as plain rows, and the rule-error lines."""
    from torchwise.lint.engine import get_rule, lint_source

    source, display, codes = job
    errors: list[str] = []
    rules = [r for r in (get_rule(code) for code in codes) if r is not None]
    found = lint_source(source, display, rules=rules, on_error=errors.append)
    return [(f.rule.code, f.line, f.col, f.end_line, f.end_col, f.message, f.fix) for f in found], errors


def _finding(row: tuple) -> Finding:
    from torchwise.lint.engine import get_rule

    code, line, col, end_line, end_col, message, fix = row
    return Finding(rule=get_rule(code), line=line, col=col, end_line=end_line, end_col=end_col,
                   message=message, fix=fix)


def lint_many(jobs: list[tuple[str, str, tuple[str, ...]]], folders: list[str],
              workers: int) -> list[tuple[list[Finding], list[str]]]:
    """(findings, rule-error lines) for each (source, display path, rule codes), in order."""
    import multiprocessing  # here, not at import: most checks never start a pool (~25 ms of start-up)
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":  # loaded once here, the workers inherit the knowledge base
        from torchwise.analysis import _knowledge

        _knowledge()
    chunk = max(1, len(jobs) // (workers * 16))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                             initializer=_start_worker, initargs=(folders,)) as pool:
        return [([_finding(row) for row in rows], errors)
                for rows, errors in pool.map(_lint_job, jobs, chunksize=chunk)]
