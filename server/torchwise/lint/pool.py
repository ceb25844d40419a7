"""``torchwise check`` over a tree: the project model and a process pool.

Every file is linted with the workspace's cross-module facts (a model class defined in
another module is known to be an ``nn.Module``): the run holds one
:class:`~torchwise.project.Project` over the working directory and the directories
given. Many files are linted (or fixed: :func:`fix_file`) by a pool of processes, one
per core. Where processes fork, the workers inherit the parent's project model (its
resolver, the texts and summaries it holds) and the knowledge base copy-on-write, and
only findings come back. Linting (:class:`Run`), the workers start with the first files
read and each chunk of jobs goes whole as soon as it is read; fixing (:func:`fix_many`),
they fork once every file is read and inherit the jobs too (a job crosses the pipe as
its index). Where processes cannot fork, each worker builds its own model and the jobs
are sent whole at the end. Forked linting workers share the call-site answers one of them
found (:class:`SharedAnswers`). Results come back in the order of the files, so the report
is the same as a single process's, byte for byte; a file whose check raises, or whose
worker dies, is one error line. ``TORCHWISE_JOBS=1`` keeps it in one process.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from torchwise.lint.base import Finding, finding_from_row, finding_row
from torchwise.records import record

MIN_FILES_PER_WORKER = 8
MIN_CHUNK = 4  # files: the chunks at a run's end
CHECK_UNITS = 16  # analyses a check keeps for later importers (each one is a cycle the collector walks;
#                  modules imported by many files are built again once evicted: timm 1275 -> 807 builds)
ADOPTED_UNITS = 2  # linted files' analyses a check keeps, apart from the units built for importers (a
#                   sibling may import the file just linted): 16 kept alive were each freed long after
#                   they were built, out of the caches, and pushed out the modules importers ask for
#                   (generated 500k lines: CPU -11 %; timm: 1614 -> 1522 builds)
# modules that mention a function's name one question about its callers looks at
# (``Project.caller_limit``): a bound for folders of tens of thousands of files (a check
# from one parsed them again for every question: 30,004 parses, 165 s; now 56 s), above
# what real projects reach (pytorch_geometric: `test` in 723 of its 1,336 modules, and
# its examples' evaluation loops are found through them; at 200 they were lost)
CHECK_CALLER_LIMIT = 1000


# what marks a folder as a project's root (its imports are resolved from there)
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def folders_for(paths: list[str]) -> list[str]:
    """The project's folders, one per path checked: a directory outside the working
    directory is its own; a path inside it belongs to the nearest folder above it that
    marks a project's root (``torchwise check repos/jepa`` resolves jepa's ``import
    src.utils`` from ``repos/jepa``, as running from there would), else to the working
    directory, or to the deepest folder between them no import can cross (``_importable_from``)
    (a file outside it: the nearest marked folder above it, else its own folder). A working
    directory that holds no checked path's project is not searched (run from a home folder,
    the check does not read every project there for callers)."""
    cwd = Path.cwd().resolve()
    folders: list[Path] = []
    for given in paths or ["."]:
        try:
            path = Path(given).resolve()
        except (OSError, RuntimeError):  # a symlink loop: the file on its own
            continue
        if not path.is_relative_to(cwd):
            # (a file with no marked root above it: its own folder, from which it runs as a
            # script; not the working directory, another project: ``check /tmp/x.py`` run
            # from a repository read all of the repository's files for callers)
            folder = path if os.path.isdir(path) else next(
                (up for up in path.parents if any(os.path.exists(up / m) for m in PROJECT_MARKERS)), path.parent)
        else:
            folder = path if os.path.isdir(path) else path.parent
            while folder != cwd and not any(os.path.exists(folder / marker) for marker in PROJECT_MARKERS):
                folder = folder.parent
            if folder == cwd:
                folder = _importable_from(cwd, path if os.path.isdir(path) else path.parent)
        if folder is not None and folder not in folders:
            folders.append(folder)
    return [str(f) for f in folders or [cwd]]


def _importable_from(cwd: Path, folder: Path) -> Path:
    """The folder modules under ``folder`` are imported from, with no marked root above it:
    the working directory, or the deepest folder between them whose name is no Python
    identifier (``seungwonpark+melgan``, ``my-project``): no import crosses it, so the code
    below runs with it on the path (a check from its parent resolved none of its imports,
    and missed that a helper's only caller wraps it in ``no_grad``; batch 21's review)."""
    parts = folder.relative_to(cwd).parts
    cut = max((i + 1 for i, part in enumerate(parts) if not part.isidentifier()), default=0)
    return cwd.joinpath(*parts[:cut])


def project_for(paths: list[str]):
    from torchwise.project import Project

    return Project(folders_for(paths), max_units=CHECK_UNITS, max_adopted=ADOPTED_UNITS,
                   caller_limit=CHECK_CALLER_LIMIT)


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
_SHARED: list = []  # [project, jobs, fix options, SharedAnswers | None]: set before a fork, inherited


class SharedAnswers:
    """Answers one forked worker found that the others would otherwise find again: which
    functions a module's calls of a name run (``callers.call_sites``'s ``call_targets``
    memo). Asked about ``__init__`` or ``forward``, that means building the analysis of
    nearly every module of a project once per name; each worker did it for itself
    (pytorch-image-models: a pool built 1150 modules' analyses, one process 807; now 919). The
    workers append each answer to one unnamed file, a record per ``write`` (``O_APPEND``:
    records never interleave), and read the others' before computing one. Within a
    check the project does not change, so an answer holds for every worker."""

    KINDS = frozenset({"call_targets"})

    def __init__(self) -> None:
        import tempfile

        fd, name = tempfile.mkstemp(prefix="torchwise-answers-")
        try:
            self.read_fd = fd
            self.write_fd = os.open(name, os.O_WRONLY | os.O_APPEND)
        finally:
            os.unlink(name)  # gone with the last descriptor, whatever ends the run
        self.offset = 0
        self.broken = False

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def publish(self, key: tuple, value) -> None:
        import pickle
        import zlib

        if self.broken:
            return
        try:
            payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # not plain data: this answer stays the worker's own
            return
        record = len(payload).to_bytes(4, "little") + zlib.crc32(payload).to_bytes(4, "little") + payload
        try:
            written = os.write(self.write_fd, record)
        except OSError:
            written = -1
        if written != len(record):  # a full disk: the others would read a torn record
            self.broken = True

    def catch_up(self, memo: dict) -> None:
        """Take the answers the other workers appended since the last call into ``memo``."""
        import pickle
        import zlib

        if self.broken:
            return
        try:
            size = os.fstat(self.read_fd).st_size
            data = os.pread(self.read_fd, size - self.offset, self.offset) if size > self.offset else b""
        except OSError:
            return
        at = 0
        while len(data) - at >= 8:
            length = int.from_bytes(data[at:at + 4], "little")
            if len(data) - at - 8 < length:
                break  # still being written: read again next time
            payload = data[at + 8:at + 8 + length]
            if zlib.crc32(payload) != int.from_bytes(data[at + 4:at + 8], "little"):
                self.broken = True
                return
            try:
                key, value = pickle.loads(payload)
            except Exception:  # cannot happen short of a torn record that passed its checksum
                self.broken = True
                return
            dict.setdefault(memo, key, value)
            at += 8 + length
        self.offset += at


def _shared_answers() -> SharedAnswers | None:
    """A run's ``SharedAnswers``, or None where no temporary file can be made (each worker
    then finds its own answers, as before)."""
    try:
        return SharedAnswers()
    except OSError:
        return None


class _SharingMemo(dict):
    """A forked worker's project memo: the kinds of ``SharedAnswers`` are looked up among
    the other workers' answers before they are computed, and published once computed."""

    def __init__(self, answers: SharedAnswers, entries: dict) -> None:
        super().__init__(entries)
        self.answers = answers

    def get(self, key, default=None):
        if key not in self and type(key) is tuple and key and key[0] in SharedAnswers.KINDS:
            self.answers.catch_up(self)
        return dict.get(self, key, default)

    def __setitem__(self, key, value) -> None:
        fresh = key not in self
        dict.__setitem__(self, key, value)
        if fresh and type(key) is tuple and key and key[0] in SharedAnswers.KINDS:
            self.answers.publish(key, value)


_BY_CODES: dict[tuple, tuple] = {}  # a run's few selections, looked up once each


def _rules(codes: tuple[str, ...]) -> tuple:
    """The rules of a job's codes: memoized, as ``get_rule`` scans every rule (per file and
    code, that scan was a tenth of a worker's time)."""
    from torchwise.lint.engine import RULES, get_rule

    key = (codes, len(RULES))  # a rule registered since (a test's) is looked up afresh
    found = _BY_CODES.get(key)
    if found is None:
        found = _BY_CODES[key] = tuple(r for r in (get_rule(code) for code in codes) if r is not None)
    return found


def _rows(findings: list[Finding]) -> list[tuple]:
    return [finding_row(f) for f in findings]


def _finding(row: tuple) -> Finding:
    return finding_from_row(row, lambda code: _rules((code,))[0])


def _start_worker(folders: list[str] | None, options: dict | None) -> None:
    import gc

    from torchwise.lint import engine

    if folders is not None:  # spawned: nothing inherited
        _SHARED[:] = [project_for_folders(folders), None, options, None]
    project, answers = _SHARED[0], _SHARED[3]
    if answers is not None:
        project.memo = _SharingMemo(answers, project.memo)
    engine._PROJECT[:] = [project]
    gc.freeze()  # what the worker inherited or loaded is never garbage: the collector skips it
    engine.collect_less()


def project_for_folders(folders: list[str]):
    from torchwise.project import Project

    return Project(folders, max_units=CHECK_UNITS, max_adopted=ADOPTED_UNITS, caller_limit=CHECK_CALLER_LIMIT)


def _job(job):
    """In a worker: a job by its index (forked) or whole (spawned)."""
    return _SHARED[1][job] if isinstance(job, int) else job


def _lint_job(job) -> tuple[list[tuple], list[str]]:
    """In a worker: lint one file; findings as plain rows, and the rule-error lines."""
    from torchwise.lint.engine import lint_source
    from torchwise.lint.options import applied

    source, display, codes, options = _job(job)[:4]
    errors: list[str] = []
    with applied(options):
        found = lint_source(source, display, rules=_rules(codes), on_error=errors.append)
    return _rows(found), errors


def _fix_job(job) -> FileFix:
    """In a worker: fix one file; the findings travel as rows."""
    from torchwise.lint.options import applied

    _, display, codes, options, path, original = _job(job)
    with applied(options):
        out = fix_file(path, original, display, _rules(codes), **_SHARED[2])
    out.findings = _rows(out.findings)  # type: ignore[assignment]
    return out


class Failed:
    """A job that gave no result: the line that says so, reported for its file."""

    __slots__ = ("line",)

    def __init__(self, line: str) -> None:
        self.line = line


def _display_of(job) -> str:
    return _job(job)[1]


def failed_line(display: str, exc: BaseException) -> str:
    from torchwise.lint.engine import _one_line

    return f"torchwise: error: {display}: could not be checked: {_one_line(repr(exc))}"


def _chunk(fn, sent: list) -> list:
    """In a worker: a chunk's results; a job that raises is one ``Failed`` line, not a lost chunk."""
    out: list = []
    for job in sent:
        try:
            out.append(fn(job))
        except Exception as exc:  # the rest of the chunk (and of the run) is still checked
            out.append(Failed(failed_line(_display_of(job), exc)))
    return out


def _sizes(jobs: int, workers: int) -> list[int]:
    """Chunk sizes, large first (neighbouring files share a worker and its facts), shrinking
    to a few files at the end, so the last chunk a worker takes barely outlasts the others.
    Before them, a small one per worker: a streaming run sends each chunk once its files are
    read, and every worker starts with the first files, not once a tenth of the tree is read."""
    sizes = []
    for _ in range(workers):
        if jobs > 0:
            sizes.append(min(jobs, MIN_FILES_PER_WORKER))
            jobs -= sizes[-1]
    while jobs > 0:
        size = min(jobs, max(MIN_CHUNK, jobs // (workers * 4)))
        sizes.append(size)
        jobs -= size
    return sizes


def _method() -> str:
    import multiprocessing  # here, not at import: most checks never start a pool (~25 ms of start-up)

    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _start(workers: int, method: str, project, jobs, options):
    """A pool; forked workers inherit the project, the knowledge base and ``jobs`` (a job is then its index)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if method == "fork":  # loaded once here, the workers inherit the knowledge base
        from torchwise.analysis import _knowledge

        _knowledge()
        # linting only: a fix writes files, and its workers' projects stay as they were read
        _SHARED[:] = [project, jobs, options, _shared_answers() if options is None else None]
        initargs: tuple = (None, None)
    else:
        initargs = ([str(f) for f in project.resolver.folders], options)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=_start_worker, initargs=initargs)


def _stop(pool) -> None:
    pool.shutdown(wait=True, cancel_futures=True)
    if len(_SHARED) > 3 and _SHARED[3] is not None:
        _SHARED[3].close()
    _SHARED.clear()


def _run(jobs: list[tuple], project, workers: int, options: dict | None):
    """Each job's result (or ``Failed``), in order, the jobs all sent at once."""
    method = _method()
    fn = _fix_job if options is not None else _lint_job
    sent: list = list(range(len(jobs))) if method == "fork" else jobs
    pool = _start(workers, method, project, jobs, options)
    futures, at = [], 0
    for size in _sizes(len(sent), workers):
        futures.append(pool.submit(_chunk, fn, sent[at:at + size]))
        at += size
    try:
        done = yield from _collect(futures)
    finally:
        _stop(pool)
    yield from _one_by_one(fn, sent[done:], method, project, jobs, options)


def _collect(futures: list):
    """Yield the futures' results in order until a worker dies; return how many jobs gave one."""
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    for future in futures:
        try:
            results = future.result()
        except BrokenProcessPool:
            break
        yield from results
        done += len(results)
    return done


def _one_by_one(fn, remaining: list, method: str, project, jobs, options):
    """After a worker died: the rest one at a time in one process, so the one that dies again is named."""
    while remaining:
        pool = _start(1, method, project, jobs, options)
        try:
            done = yield from _collect([pool.submit(_chunk, fn, [job]) for job in remaining])
        finally:
            _stop(pool)
        if done < len(remaining):
            job = remaining[done]
            display = (jobs[job] if isinstance(job, int) else job)[1]
            yield Failed(f"torchwise: error: {display}: the process checking it died; the other files were checked")
            done += 1
        remaining = remaining[done:]


class Run:
    """One check's linting pool. Where processes fork, the workers start with the first
    chunk and each chunk goes as soon as the parent has read its files (settings, decoding:
    a second per 500,000 lines), so reading overlaps linting; a job travels whole. Where
    they cannot, the jobs all go at the end. ``close`` ends the workers (a run cut short too)."""

    def __init__(self, project, workers: int, files: int) -> None:
        self.project, self.workers = project, workers
        self.stream = _method() == "fork"
        self.sending = self.stream
        self.jobs: list = []
        self._sizes = _sizes(files, workers)[::-1]  # the next one last
        self._pool = None
        self._futures: list = []
        self._sent = 0

    def add(self, job: tuple[str, str, tuple[str, ...], str]) -> None:
        """One file's (source, display path, rule codes, missing-no-grad's fix context)."""
        self.jobs.append(job)
        if self.sending and len(self.jobs) - self._sent >= (self._sizes[-1] if self._sizes else MIN_CHUNK):
            self._submit()

    def _submit(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            self._pool = _start(self.workers, "fork", self.project, None, None)
        if self._sizes:
            self._sizes.pop()
        try:
            self._futures.append(self._pool.submit(_chunk, _lint_job, self.jobs[self._sent:]))
        except BrokenProcessPool:  # a worker died: what is not sent yet goes one by one at the end
            self.sending = False
            return
        self._sent = len(self.jobs)

    def findings(self) -> list[tuple[list[Finding], list[str]]]:
        """(findings, rule-error lines) of each job, in order."""
        if not self.stream:
            return _as_findings(_run(self.jobs, self.project, self.workers, None))
        if self.sending and self._sent < len(self.jobs):
            self._submit()
        return _as_findings(self._results())

    def _results(self):
        try:
            done = yield from _collect(self._futures)
        finally:
            self.close()
        yield from _one_by_one(_lint_job, self.jobs[done:], "fork", self.project, self.jobs, None)

    def close(self) -> None:
        if self._pool is not None:
            _stop(self._pool)
            self._pool = None


def _as_findings(results) -> list[tuple[list[Finding], list[str]]]:
    out = []
    for result in results:
        rows, errors = ([], [result.line]) if isinstance(result, Failed) else result
        out.append(([_finding(row) for row in rows], errors))
    return out


def fix_many(jobs: list[tuple], project, workers: int, *, unsafe: bool, diff: bool,
             show_fixes: bool) -> list[FileFix]:
    """``fix_file`` of each (source, display, rule codes, fix context, path, SourceFile), in order."""
    out = []
    options = {"unsafe": unsafe, "diff": diff, "show_fixes": show_fixes}
    for job, result in zip(jobs, _run(jobs, project, workers, options)):
        if isinstance(result, Failed):  # the file is as it was: nothing was written
            result = FileFix([], job[0], errors=[result.line])
        result.findings = [_finding(row) for row in result.findings]
        out.append(result)
    return out
