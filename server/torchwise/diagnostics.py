"""Lint diagnostics in the editor: when a document is linted, how (reuse, one
statement's re-lint, a full lint in slices or in the worker process), and publishing.

Documents are linted on open and save, and ``lint.debounce_ms`` after the last
change (a new change cancels the pending run); each publish carries the document
version it was computed for. Clients that pull diagnostics get none pushed for text
documents (``torchwise.pull_diagnostics``). Settings come from the client
(``lint.select`` / ``lint.ignore`` / ``lint.enabled``, per workspace folder:
``torchwise.folder_settings``) on top of the ``[tool.torchwise]`` table of the
file's pyproject.toml. Code actions on the findings: ``torchwise.code_actions``.
"""

from __future__ import annotations

import asyncio
import time
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls import uris

from torchwise import incremental, incremental_statement
from torchwise.idle_gc import IdleCollector
from torchwise.analysis import build_analysis
from torchwise.lint.base import Finding, Fix, Rule, finding_from_row, finding_row
from torchwise.lint.config import ConfigError, load_config, merged
from torchwise.lint.engine import LintSettings, get_rule, lint_analysis, lint_slices, no_gc, unknown_selectors
from torchwise.lint.rule_docs import finding_url
from torchwise.lint.term import plain
from torchwise.resources import data_dir
from torchwise.pull_diagnostics import client_pulls, refresh
from torchwise.server import BIG_SOURCE_CHARS, TorchwiseServer
from torchwise.documents import position_encoding
from torchwise.text import strip_eol, to_units

SOURCE = "torchwise"
_CONVERTER = get_converter()  # to_diagnostic: a diagnostic's JSON form read as lsprotocol's object
BIG_DEBOUNCE_MS = 300
OTHERS_DEBOUNCE_MS = 500  # another module changed: the open documents are linted again once changes pause
CATCH_UP_S = 0.3  # an edit answered by reuse: its snapshot gets an analysis once typing pauses this long
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def rule_docs_markdown(code_or_name: str) -> str | None:
    """The docs page of a rule (by code or name) as Markdown, for hovers on ``# noqa:`` codes."""
    r = get_rule(code_or_name)
    if r is None:
        return None
    try:
        text = (data_dir("knowledge") / "rules" / f"{r.name}.md").read_text(encoding="utf-8")
    except OSError:
        text = f"# {r.name} ({r.code})\n\n{r.summary}\n"
    return f"{text.rstrip()}\n\n[PyTorch documentation]({r.url})\n"


@dataclass
class DocLint:
    """One open document's lint state: its last findings, what they are valid for, and
    what the next edit may reuse. Findings are current while text (by identity), rules
    and the project's revision are all unchanged."""

    source: str | None = None  # the text ``found`` is for
    key: tuple[str, ...] = ()  # the rule codes
    revision: int = -1  # the project's revision the findings saw
    found: list[Finding] = field(default_factory=list)
    # the last full lint, for edits that cannot change its findings (torchwise.incremental)
    snapshot: incremental.Snapshot | None = None
    # the last snapshot with an analysis, while reuses (which move lines its tree does not
    # know of) answered the edits since: the next statement re-lint starts from it
    base: incremental.Snapshot | None = None
    edits: int = 0  # change events (each bumps the project revision once)
    # the last publish's diagnostics of findings on ASCII lines (their columns need no
    # conversion): the same finding after an edit elsewhere is not converted again
    published: dict[Finding, dict] = field(default_factory=dict)  # as Linter.diagnostics_json built them
    changed_at: float | None = None  # time.monotonic() of its last change

    def current(self, source: str, key: tuple[str, ...], revision: int) -> list[Finding] | None:
        if self.source is source and self.key == key and self.revision == revision:
            return self.found
        return None

    def store(self, source: str, key: tuple[str, ...], revision: int, found: list[Finding]) -> None:
        self.source, self.key, self.revision, self.found = source, key, revision, found


class Linter:
    """Per-server lint state: pending debounced runs, config problems already logged."""

    def __init__(self, server: TorchwiseServer):
        self.server = server
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.published: set[str] = set()
        self.logged: set[str] = set()
        self.timings: list[float] = []  # seconds per lint run (debug / benchmarks)
        self.docs: dict[str, DocLint] = {}  # uri -> its lint state (until closed)
        # large documents: lint runs in one worker process (parsing a big file holds the
        # GIL for seconds, which a thread would not spare the event loop); the newest
        # version wins
        self.pool: ProcessPoolExecutor | None = None
        self.jobs: dict[str, tuple[str, tuple[str, ...], asyncio.Future]] = {}
        self.tasks: set[asyncio.Task] = set()
        self.pulled_cells: set[str] = set()  # notebook cells the client pulls: never pushed
        self.running: dict[str, asyncio.Task] = {}  # uri -> its sliced lint run (small documents)
        self.reused = 0  # lint runs answered from a snapshot (benchmarks, tests)
        self.relinted = 0  # lint runs answered by re-linting one edited statement
        self.caught_up = 0  # reused snapshots given an analysis while the editor was idle
        self.catch_ups: dict[str, asyncio.TimerHandle] = {}  # uri -> its pending catch-up
        self.asked: dict[str, tuple[str, asyncio.Task]] = {}  # uri -> (text, its run for pulls)
        self.refreshes: set[str] = set()  # uris whose pending run is a refresh for another module's change
        self.collector = IdleCollector()  # the cyclic collector waits for the editor to be idle

    # -- push or pull -------------------------------------------------------------
    def _is_cell(self, uri: str) -> bool:
        notebooks = getattr(self.server, "notebooks", None)
        return notebooks is not None and notebooks.owns_cell(uri)

    def pushes(self, uri: str) -> bool:
        """Whether findings of ``uri`` are pushed: always for clients that do not pull;
        for those that do, only notebook cells they have not pulled yet."""
        if not client_pulls(self.server):
            return True
        return uri not in self.pulled_cells and self._is_cell(uri)

    def pulled(self, uri: str) -> None:
        """The client pulled ``uri``: a cell's pushed findings give way to the pulled ones."""
        if uri in self.pulled_cells or not self._is_cell(uri):
            return
        self.clear(uri)
        self.pulled_cells.add(uri)

    # -- settings -----------------------------------------------------------------
    def settings_for(self, uri: str) -> LintSettings | None:
        """None when linting is off for this document."""
        folders = getattr(self.server, "folder_settings", None)
        options = folders.lint_options(uri) if folders is not None else self.server.options.lint
        if not options.enabled:
            return None
        select = [s for s in options.select if s.strip()]
        ignore = [s for s in options.ignore if s.strip()]
        bad = unknown_selectors(select + ignore)
        if bad:
            self._log_once(f"lint settings: unknown rule selector(s) {', '.join(bad)} ignored")
            select = [s for s in select if s not in bad]
            ignore = [s for s in ignore if s not in bad]
        path = uris.to_fs_path(uri) if uri.startswith("file:") else None
        base = LintSettings()
        if path:
            try:
                base = load_config(Path(path)).settings
            except ConfigError as exc:
                self._log_once(f"lint config: {exc}; using the default rules")
            except OSError:
                pass
        settings = merged(base, select=select or None, ignore=ignore)
        if path and base.exclude and settings.is_excluded(str(Path(path).resolve())):
            return None
        return settings

    def _log_once(self, message: str) -> None:
        if message not in self.logged:
            self.logged.add(message)
            self.server.log(message, types.MessageType.Warning)

    # -- linting ------------------------------------------------------------------
    def _rules(self, uri: str, settings: LintSettings) -> tuple[str, list[Rule], tuple[str, ...]]:
        path = uris.to_fs_path(uri) or uri if uri.startswith("file:") else uri
        rules = settings.rules_for(str(Path(path).resolve()) if uri.startswith("file:") else path)
        return path, rules, tuple(r.code for r in rules)

    def findings(self, uri: str) -> tuple[int | None, list[Finding]] | None:
        """Findings for the current text of ``uri``, computed on this thread."""
        with no_gc():  # parsing + rules allocate a big acyclic tree: skip the collector's scans
            return self._findings(uri)

    def _findings(self, uri: str) -> tuple[int | None, list[Finding]] | None:
        notebooks = getattr(self.server, "notebooks", None)
        if notebooks is not None and notebooks.owns_cell(uri):  # a notebook cell: one module per notebook
            found = notebooks.cell_findings(uri)
            return None if found is None else (None, found)
        settings = self.settings_for(uri)
        if settings is None:
            return None
        path, rules, key = self._rules(uri, settings)
        current = self.server.document_text(uri)
        if current is not None:
            reused = self._reuse(uri, current[0], current[1], key)
            if reused is not None:
                return reused
        stamp, revision = self._stamp(uri), self._revision()
        analysis = self.server.analysis(uri)
        if analysis is None:
            return None
        try:
            version = self.server.workspace.get_text_document(uri).version
        except Exception:
            version = None
        doc = self.docs.get(uri)
        cached = doc.current(analysis.source, key, revision) if doc is not None else None
        if cached is not None:
            return version, cached  # same text, rules and project (e.g. a code action request)
        start = time.perf_counter()
        found = lint_analysis(analysis, path, rules,
                              on_error=lambda m: self.server.log(m, types.MessageType.Error))
        self.timings.append(time.perf_counter() - start)
        del self.timings[:-200]
        self._remember(uri, analysis, key, found, stamp, revision)
        return version, found

    # -- comment-only edits -----------------------------------------------------------
    def _revision(self) -> int:
        project = getattr(self.server, "project", None)
        return 0 if project is None else project.revision

    def _stamp(self, uri: str) -> int:
        """Changes to the project other than this document's own edits (equal stamps:
        no other module, setting or folder changed in between)."""
        project = getattr(self.server, "project", None)
        if project is None or not uri.startswith("file:"):
            return 0
        doc = self.docs.get(uri)
        return project.revision - (doc.edits if doc is not None else 0)

    def _reuse(self, uri: str, version: int | None, source: str, key: tuple[str, ...]):
        """(version, findings) moved from the last full lint when the edit since then
        cannot change them (``torchwise.incremental``); None: lint in full."""
        doc = self.docs.get(uri)
        old = doc.snapshot if doc is not None else None
        if old is None or not incremental.enabled():
            return None
        start = time.perf_counter()
        try:
            result = incremental.reuse(old, source, key, self._stamp(uri))
        except Exception as exc:  # never wrong findings: lint in full
            self.server.log(f"incremental lint failed for {uri}: {exc!r}", types.MessageType.Error)
            result = None
        if result is None:
            doc.snapshot = None
            return None
        if old.analysis is not None and result[1] is not old:
            doc.base = old  # (after a reuse of a reuse, the first one's base stays)
        found, doc.snapshot = result
        doc.store(source, key, self._revision(), found)
        self.reused += 1
        self.timings.append(time.perf_counter() - start)
        del self.timings[:-200]
        return version, found

    def _relint_statement(self, uri: str, version: int | None, source: str, key: tuple[str, ...],
                          rules: list[Rule], path: str, stamp: int, revision: int, old, counted: bool = True):
        """(version, findings) from a re-lint of the one top-level def/class the edit
        changed (``torchwise.incremental_statement``); None: lint in full. Its analysis
        becomes the document's (hovers share it), as a full lint's would."""
        doc = self.docs.get(uri)
        if doc is None or old is None or not incremental.enabled():
            return None
        if old.analysis is None:  # reused since the last analysis: re-lint from there, if one edit away
            old = doc.base
            if old is None:
                return None
        doc.base = None  # the splice moves its tree's lines: never spliced twice
        project = self.server.project
        if uri.startswith("file:"):
            from torchwise.jedi_fallback import uri_to_path

            file: Path | None = Path(uri_to_path(uri))
        else:
            file = None

        def analyse(text: str, tree, splice):
            if file is None:
                return build_analysis(text, uri, tree=tree, splice=splice)
            analysis = build_analysis(text, uri, env=project.env_for(file), tree=tree, splice=splice)
            project.adopt(file, text, analysis)
            return analysis

        def seeing_before():  # the previous version's unit answers for the file, not a fresh analysis
            return nullcontext() if file is None else project.seeing(file, old.source)

        start = time.perf_counter()
        doc.snapshot = None  # the splice moves the old tree's lines: never spliced twice
        try:
            result = incremental_statement.relint(old, source, key, stamp, rules, path, analyse, seeing_before)
        except Exception as exc:  # never wrong findings: lint in full
            self.server.log(f"statement re-lint failed for {uri}: {exc!r}", types.MessageType.Error)
            result = None
        if result is None:
            return None
        found, doc.snapshot = result
        self.server.keep_analysis(uri, version, source, doc.snapshot.analysis)
        doc.store(source, key, revision, found)
        if counted:
            self.relinted += 1
            self.timings.append(time.perf_counter() - start)
            del self.timings[:-200]
        return version, found

    # -- catching up after reuses ---------------------------------------------------------
    def _schedule_catch_up(self, uri: str) -> None:
        """After an edit answered by reuse, the snapshot has no analysis (its lines moved),
        so the next edit that reuse cannot answer would be a full lint. Once the editor is
        idle, one statement re-lint from the last analysis to this text gives it one again
        (``_relint_statement``); an edit that comes first starts from there itself."""
        doc = self.docs.get(uri)
        if doc is None or doc.base is None or doc.snapshot is None or not _loop_running():
            return
        previous = self.catch_ups.pop(uri, None)
        if previous is not None:
            previous.cancel()
        snapshot = doc.snapshot
        self.catch_ups[uri] = asyncio.get_running_loop().call_later(
            CATCH_UP_S, lambda: self._catch_up(uri, snapshot))

    def _catch_up(self, uri: str, snapshot) -> None:
        self.catch_ups.pop(uri, None)
        doc = self.docs.get(uri)
        current = self.server.document_text(uri)
        settings = self.settings_for(uri) if current is not None else None
        if (doc is None or doc.snapshot is not snapshot or doc.base is None or settings is None
                or current[1] != snapshot.source or uri in self.pending or uri in self.running
                or uri in self.asked):
            return  # edited, re-linted or closed since: the next lint takes it from there
        version, source = current
        path, rules, key = self._rules(uri, settings)
        stamp, revision = self._stamp(uri), self._revision()
        if key != snapshot.key or stamp != snapshot.stamp:
            return
        with no_gc():
            try:
                result = self._relint_statement(uri, version, source, key, rules, path, stamp, revision,
                                                snapshot, counted=False)
            except Exception as exc:  # never take the server down: the next edit lints in full
                self.server.log(f"catch-up failed for {uri}: {exc!r}", types.MessageType.Error)
                result = None
        if result is None:
            doc.snapshot = snapshot  # the reuse's findings stand (a full lint comes when needed)
            return
        self.caught_up += 1
        if result[1] != snapshot.found:  # both answers are exact; should they differ, publish the re-lint's
            self._publish_result(uri, result)

    def _remember(self, uri: str, analysis, key: tuple[str, ...], found: list[Finding], stamp: int,
                  revision: int) -> None:
        """Keep a full lint's findings (and, for the next edit, its snapshot) while the
        document is open."""
        if not self.server.is_open(uri):
            return
        doc = self.docs.setdefault(uri, DocLint())
        doc.store(analysis.source, key, revision, found)
        doc.snapshot = incremental.snapshot(analysis, key, found, stamp) if incremental.enabled() else None
        doc.base = None

    async def findings_async(self, uri: str) -> tuple[int | None, list[Finding]] | None:
        """Like ``findings``, for a pull or a code action: a small document goes the way a
        pushed lint does (reuse, the edited statement's re-lint, else a full lint in
        slices); a large one is linted on a worker thread (its own analysis, so no object
        is shared between threads) while the event loop keeps answering. A newer
        version's run replaces a queued older one."""
        current = self.server.document_text(uri)
        if current is None or len(current[1]) < BIG_SOURCE_CHARS:
            if current is None or self._is_cell(uri) or not _loop_running():
                return self.findings(uri)
            return await self._findings_asked(uri)
        version, source = current
        settings = self.settings_for(uri)
        if settings is None:
            return None
        path, rules, key = self._rules(uri, settings)
        project = self.server.project
        stamp = (key, project.revision)  # another module edited: linted again
        doc = self.docs.get(uri)
        cached = doc.current(source, key, project.revision) if doc is not None else None
        if cached is not None:
            return version, cached
        reused = self._reuse(uri, version, source, key)  # a comment typed: no worker run at all
        if reused is not None:
            return reused
        job = self.jobs.get(uri)
        if job is None or job[0] is not source or job[1] != stamp:
            if job is not None:
                job[2].cancel()  # not started yet: dropped; running: its result is ignored
            # the worker sees the same workspace: files on disk, open documents as edited
            folders = tuple(str(f) for f in project.resolver.folders) if uri.startswith("file:") else ()
            future = asyncio.get_running_loop().run_in_executor(
                self._lint_pool(), _lint_text, source, path, key, folders, project.revision,
                self._open_texts(uri) if folders else {})
            job = (source, stamp, future, self._stamp(uri))
            self.jobs[uri] = job
        rows, errors, seconds, spans = await asyncio.shield(job[2])
        found = [_finding_from_row(row) for row in rows]
        if self.jobs.get(uri) is job:
            del self.jobs[uri]
        for message in errors:
            self.server.log(message, types.MessageType.Error)
        if self.server.is_open(uri):
            self.timings.append(seconds)
            del self.timings[:-200]
            doc = self.docs.setdefault(uri, DocLint())
            doc.store(source, key, job[1][1], found)
            if spans is not None and incremental.enabled():  # what reusing these findings needs (no analysis here)
                doc.snapshot = incremental.from_spans(source, key, found, spans, job[3])
                doc.base = None
        return version, found

    async def _findings_asked(self, uri: str) -> tuple[int | None, list[Finding]] | None:
        """The current text's findings by ``_findings_sliced``, one run per text for
        everything that asks meanwhile (a pull, the workspace poll, a code action); a run
        whose text changed under it is asked again for the new text."""
        for _ in range(3):
            current = self.server.document_text(uri)
            if current is None:
                return None
            run = self.asked.get(uri)
            if run is None or run[0] is not current[1]:
                task = asyncio.ensure_future(self._sliced_run(uri))
                run = self.asked[uri] = (current[1], task)
                task.add_done_callback(lambda t, uri=uri: self._asked_done(uri, t))
            result = await asyncio.shield(run[1])  # a cancelled pull leaves the run to the others
            if result is not _STALE:
                return result
        return self.findings(uri)  # the text keeps changing: this version, at once

    def _asked_done(self, uri: str, task: asyncio.Task) -> None:
        if self.asked.get(uri, (None, None))[1] is task:
            del self.asked[uri]
        if not task.cancelled():
            task.exception()  # retrieved here: whoever awaited it logs it (a pull answers it)

    async def _sliced_run(self, uri: str, publish=None):
        """``_findings_sliced`` with what every run of it needs, pulled or pushed: the cyclic
        collector held until the findings are out (``publish``, when pushing) and the editor
        is idle (run between the slices, its scans of the new tree came before the publish;
        bench: p50 ~0.65x; a full lint's garbage waits for ``torchwise.idle_gc``), and the
        catch-up scheduled after a reuse."""
        self.collector.hold()
        reused = self.reused
        try:
            result = await self._findings_sliced(uri)
            if result is not _STALE:
                if publish is not None:
                    publish(uri, result)
                if self.reused != reused:
                    self._schedule_catch_up(uri)
            return result
        finally:
            self.collector.release(defer=self.reused == reused)

    def _open_texts(self, uri: str) -> dict[str, str]:
        """The other open Python documents' texts, by uri, for the lint worker's project."""
        out = {}
        for other in list(self.server.workspace.text_documents):
            if other != uri and other.startswith("file:") and other.endswith((".py", ".pyi")):
                current = self.server.document_text(other)
                if current is not None:
                    out[other] = current[1]
        return out

    def _lint_pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_exit_with_parent, initargs=(os.getpid(),))
        return self.pool

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def lint_now(self, uri: str) -> None:
        self.pending.pop(uri, None)
        self.refreshes.discard(uri)
        current = self.server.document_text(uri)
        if current is not None and len(current[1]) >= BIG_SOURCE_CHARS:
            task = asyncio.ensure_future(self._lint_big(uri))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            return
        notebooks = getattr(self.server, "notebooks", None)
        if current is not None and (notebooks is None or not notebooks.owns_cell(uri)) and _loop_running():
            self._start_sliced(uri)
            return
        try:
            result = self.findings(uri)
        except Exception as exc:  # never take the server down, never leave stale findings
            self.server.log(f"lint failed for {uri}: {exc!r}", types.MessageType.Error)
            self.clear(uri)
            return
        self._publish_result(uri, result)

    def _start_sliced(self, uri: str) -> None:
        """Lint ``uri`` on the event loop one rule at a time (see ``_lint_sliced``); a run
        still going for an older version is cancelled: its result could only be stale."""
        previous = self.running.pop(uri, None)
        if previous is not None:
            previous.cancel()
        task = asyncio.ensure_future(self._lint_sliced(uri))
        self.running[uri] = task
        self.tasks.add(task)

        def done(t: asyncio.Task) -> None:
            self.tasks.discard(t)
            if self.running.get(uri) is t:
                del self.running[uri]

        task.add_done_callback(done)

    async def _lint_sliced(self, uri: str) -> None:
        """Between slices (the analysis, then each rule) the loop answers other
        requests (a hover waits for one slice, not a whole lint run); a run whose
        document changed meanwhile stops and publishes nothing: the newer run will."""
        try:
            await self._sliced_run(uri, publish=self._publish_result)
        except asyncio.CancelledError:
            return
        except Exception as exc:  # never take the server down, never leave stale findings
            self.server.log(f"lint failed for {uri}: {exc!r}", types.MessageType.Error)
            self.clear(uri)

    async def _findings_sliced(self, uri: str):
        current = self.server.document_text(uri)
        settings = self.settings_for(uri)
        if current is None or settings is None:
            return None
        version, source = current

        def stale() -> bool:
            now = self.server.document_text(uri)
            return now is None or now[0] != version or now[1] is not source

        path, rules, key = self._rules(uri, settings)
        doc = self.docs.get(uri)
        previous = doc.snapshot if doc is not None else None
        reused = self._reuse(uri, version, source, key)
        if reused is not None:
            return reused
        stamp, revision = self._stamp(uri), self._revision()
        with no_gc():
            relinted = self._relint_statement(uri, version, source, key, rules, path, stamp, revision, previous)
        if relinted is not None:
            return relinted
        with no_gc():
            analysis = self.server.analysis(uri)  # shared with hovers of this version
        if analysis is None:
            return None
        doc = self.docs.get(uri)
        cached = doc.current(analysis.source, key, revision) if doc is not None else None
        if cached is not None:
            return version, cached
        await asyncio.sleep(0)
        steps = lint_slices(analysis, path, rules, on_error=lambda m: self.server.log(m, types.MessageType.Error))
        spent = 0.0
        while True:
            if stale():
                steps.close()
                return _STALE
            start = time.perf_counter()
            try:
                next(steps)
            except StopIteration as stop:
                found = stop.value
                break
            finally:
                spent += time.perf_counter() - start
            await asyncio.sleep(0)
        self.timings.append(spent)
        del self.timings[:-200]
        if analysis.source is source:
            self._remember(uri, analysis, key, found, stamp, revision)
        return version, found

    async def _lint_big(self, uri: str) -> None:
        try:
            result = await self.findings_async(uri)
        except asyncio.CancelledError:
            return  # a newer version's run took over
        except Exception as exc:
            self.server.log(f"lint failed for {uri}: {exc!r}", types.MessageType.Error)
            self.clear(uri)
            return
        current = self.server.document_text(uri)
        if result is not None and (current is None or current[0] != result[0]):
            return  # the text changed meanwhile: the newer run publishes
        self._publish_result(uri, result)

    def _publish_result(self, uri: str, result: tuple[int | None, list[Finding]] | None) -> None:
        if result is None:
            self.clear(uri)
            return
        version, found = result
        self.publish(uri, version, self.diagnostics_json(uri, found))

    def publish(self, uri: str, version: int | None, diagnostics: list[dict]) -> None:
        if not self.pushes(uri):
            return
        self.published.add(uri)
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def clear(self, uri: str) -> None:
        if uri in self.published:
            self.published.discard(uri)
            self.server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def schedule(self, uri: str, delay_ms: int) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        if delay_ms <= 0:
            self.lint_now(uri)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.lint_now(uri)
            return
        self.pending[uri] = loop.call_later(delay_ms / 1000.0, self.lint_now, uri)

    def debounce_ms(self, uri: str) -> int:
        delay = max(0, int(self.server.options.lint.debounce_ms))
        current = self.server.document_text(uri)
        if current is not None and len(current[1]) >= BIG_SOURCE_CHARS:
            delay = max(delay, BIG_DEBOUNCE_MS)  # a large file is linted once typing pauses
        return delay

    def pull_delay(self, uri: str) -> float:
        """Seconds a pull should wait so that ``lint.debounce_ms`` passes after the last
        change (the client cancels the request when the user types on)."""
        doc = self.docs.get(uri)
        changed = doc.changed_at if doc is not None else None
        if changed is None:
            return 0.0
        return changed + self.debounce_ms(uri) / 1000 - time.monotonic()

    def on_event(self, event: str, uri: str) -> None:
        if event == "configuration":  # settings or a pyproject.toml changed: no finding is reusable
            self.docs.clear()
        elif event == "change":
            doc = self.docs.setdefault(uri, DocLint())
            doc.changed_at = time.monotonic()
            if uri.startswith("file:"):  # as the project counts them (project/lsp.py)
                doc.edits += 1
        elif event == "close":
            self.docs.pop(uri, None)
        if event == "project" or (event in ("change", "close") and uri.startswith("file:")):
            self._refresh_others(uri)  # the project changed (open documents override the disk)
        if event in ("open", "save", "change"):
            self.refreshes.discard(uri)  # its own run, scheduled below, sees the change too
        if client_pulls(self.server) and event != "close":
            if event == "configuration":
                refresh(self.server)  # the client pulls again; cells are re-pushed by notebooks
            return  # the client pulls when it wants findings
        if event in ("open", "save"):
            self.schedule(uri, 0)
        elif event == "change":
            self.schedule(uri, self.debounce_ms(uri))
        elif event == "close":
            handle = self.pending.pop(uri, None)
            if handle is not None:
                handle.cancel()
            job = self.jobs.pop(uri, None)
            if job is not None:
                job[2].cancel()
            running = self.running.pop(uri, None)
            if running is not None:
                running.cancel()
            self.clear(uri)
        elif event == "configuration":
            notebooks = getattr(self.server, "notebooks", None)
            for doc_uri in list(self.server.workspace.text_documents):
                if notebooks is None or not notebooks.owns_cell(doc_uri):  # cells: linted per notebook
                    self.schedule(doc_uri, 0)

    def _refresh_others(self, changed: str) -> None:
        """Another module changed (an open document's text, a file on disk): the pushed
        findings of the other open documents, linted under an older project revision,
        may be stale. Each is linted again ``OTHERS_DEBOUNCE_MS`` after the last such
        change (a run of its own already pending sees the change anyway)."""
        revision = self._revision()
        for uri, doc in list(self.docs.items()):
            if uri == changed or doc.source is None or doc.revision == revision or not uri.startswith("file:"):
                continue
            if (uri in self.pending and uri not in self.refreshes) or not self.server.is_open(uri) \
                    or self._is_cell(uri) or not self.pushes(uri):
                continue
            self.schedule(uri, max(self.debounce_ms(uri), OTHERS_DEBOUNCE_MS))
            self.refreshes.add(uri)
        notebooks = getattr(self.server, "notebooks", None)
        if notebooks is not None:
            notebooks.refresh(OTHERS_DEBOUNCE_MS)  # a notebook is one module: its cells' findings too

    # -- conversions --------------------------------------------------------------
    def _lines(self, uri: str) -> list[str]:
        try:
            return list(self.server.workspace.get_text_document(uri).lines)
        except Exception:
            return []

    def _client_col(self, lines: list[str], line: int, col: int) -> int:
        """A character (code point) column on 1-based ``line`` in the client's units."""
        if not 1 <= line <= len(lines):
            return col
        text = lines[line - 1]
        if text.isascii():
            return col
        return to_units(strip_eol(text), col, position_encoding(self.server.workspace.position_codec))

    def to_range(self, uri: str, line: int, col: int, end_line: int, end_col: int,
                 lines: list[str] | None = None) -> types.Range:
        lines = lines if lines is not None else self._lines(uri)
        return types.Range(
            start=types.Position(line=line - 1, character=self._client_col(lines, line, col)),
            end=types.Position(line=end_line - 1, character=self._client_col(lines, end_line, end_col)),
        )

    def fix_to_text_edits(self, uri: str, fix: Fix, lines: list[str] | None = None) -> list[types.TextEdit]:
        lines = lines if lines is not None else self._lines(uri)
        return [types.TextEdit(range=self.to_range(uri, e.line, e.col, e.end_line, e.end_col, lines),
                               new_text=e.content) for e in fix.edits]

    def diagnostic_json(self, uri: str, f: Finding, lines: list[str] | None = None) -> dict:
        """``f`` as the LSP ``Diagnostic`` it is sent as, in its JSON form: built as plain
        data (a tenth of the cost of lsprotocol's objects and their unstructuring for every
        finding of every publish and pull); ``TorchwiseProtocol`` sends it as it is."""
        r: Rule = f.rule
        lines = lines if lines is not None else self._lines(uri)
        fix = None
        if f.fix is not None:
            fix = {
                "applicability": f.fix.applicability,
                "message": f.fix.message,
                "edits": [{"line": e.line, "column": e.col + 1, "end_line": e.end_line,
                           "end_column": e.end_col + 1, "content": e.content} for e in f.fix.edits],
            }
        out = {
            "range": {"start": {"line": f.line - 1, "character": self._client_col(lines, f.line, f.col)},
                      "end": {"line": f.end_line - 1, "character": self._client_col(lines, f.end_line, f.end_col)}},
            "severity": _SEVERITY.get(r.severity, types.DiagnosticSeverity.Warning).value,
            "code": r.code,
            "codeDescription": {"href": finding_url(f)},
            "source": SOURCE,
            "message": f"{plain(f.message)} [{r.name}]",  # Problems shows plain text
            "data": {"name": r.name, "fix": fix},
        }
        if "deprecated" in r.name:
            out["tags"] = [types.DiagnosticTag.Deprecated.value]
        return out

    def diagnostics_json(self, uri: str, found: list[Finding]) -> list[dict]:
        """The findings of ``uri``'s current text as diagnostics (``diagnostic_json``), each
        kept for the next publish or pull while its finding stands (on a line that is all
        ASCII, where columns need no conversion): an edit rebuilds only the moved ones."""
        lines = self._lines(uri) if found else []  # split once, not once per finding
        doc = self.docs.get(uri)
        if doc is None:  # not a text document the linter follows (a notebook cell)
            return [self.diagnostic_json(uri, f, lines) for f in found]
        before = doc.published
        after: dict[Finding, dict] = {}
        out = []
        for f in found:
            plain_columns = _ascii(lines, f.line) and _ascii(lines, f.end_line)
            diagnostic = before.get(f) if plain_columns else None
            if diagnostic is None:
                diagnostic = self.diagnostic_json(uri, f, lines)
            if plain_columns:
                after[f] = diagnostic
            out.append(diagnostic)
        doc.published = after
        return out

    def to_diagnostic(self, uri: str, f: Finding, lines: list[str] | None = None) -> types.Diagnostic:
        """``diagnostic_json`` as an lsprotocol object (code actions name their diagnostics)."""
        return _CONVERTER.structure(self.diagnostic_json(uri, f, lines), types.Diagnostic)


_STALE = object()  # a sliced run whose document changed under it: publishes nothing


def _ascii(lines: list[str], line: int) -> bool:
    """Whether a column on 1-based ``line`` is the same in every encoding (``_client_col``)."""
    return not 1 <= line <= len(lines) or lines[line - 1].isascii()


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _exit_with_parent(parent: int) -> None:
    """In the lint worker process: exit as soon as the server is gone (killed or
    crashed), so no worker ever outlives it."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="torchwise-parent-watch").start()


# The lint worker's own project model: (folders, the server's revision it is valid for, Project).
_WORKER_PROJECT: list = []
_WORKER_OPEN: dict[str, str] = {}  # uri -> text of the server's open documents, this request's


def _worker_overlay(path: Path) -> str | None:
    return _WORKER_OPEN.get(path.as_uri())


def _worker_analysis(source: str, path: str, folders: tuple[str, ...], revision: int,
                     open_texts: dict[str, str] | None = None):
    """The analysis of ``source`` with the workspace's cross-module facts (open documents'
    texts as the server has them, other files from disk; the worker's project forgets what
    it read whenever the server's revision moves on)."""
    if not folders:
        return build_analysis(source, path)
    from torchwise.project import Project
    from torchwise.project.model import EDITOR_PARSE_BUDGET

    _WORKER_OPEN.clear()
    _WORKER_OPEN.update(open_texts or {})
    if not _WORKER_PROJECT or _WORKER_PROJECT[0][0] != folders:
        _WORKER_PROJECT[:] = [[folders, revision, Project(list(folders), overlay=_worker_overlay,
                                                          parse_budget=EDITOR_PARSE_BUDGET)]]
    entry = _WORKER_PROJECT[0]
    if entry[1] != revision:
        entry[2].changed(structure=True)
        entry[1] = revision
    return entry[2].analysis_for(Path(path).as_uri(), source, adopt=False)


def _lint_text(source: str, path: str, codes: tuple[str, ...], folders: tuple[str, ...] = (),
               revision: int = 0, open_texts: dict[str, str] | None = None
               ) -> tuple[list[tuple], list[str], float, list[tuple[int, int]] | None]:
    """Lint ``source`` in the worker process: (findings as plain rows, error lines, seconds,
    the top-level statements' spans for a snapshot: ``incremental.snapshot``'s, None where
    it makes none)."""
    errors: list[str] = []
    start = time.perf_counter()
    rules = [r for r in (get_rule(code) for code in codes) if r is not None]
    analysis = _worker_analysis(source, path, folders, revision, open_texts)
    found = lint_analysis(analysis, path, rules, on_error=errors.append)
    rows = [finding_row(f) for f in found]
    return rows, errors, time.perf_counter() - start, incremental.statement_spans(analysis)


def _finding_from_row(row: tuple) -> Finding:
    return finding_from_row(row, get_rule)


def register(server: TorchwiseServer) -> None:
    linter = Linter(server)
    server.linter = linter  # type: ignore[attr-defined]
    server.document_listeners.append(linter.on_event)
    server.shutdown_listeners.append(linter.close)

    @server.command("torchwise.lintStats")
    def lint_stats(ls: TorchwiseServer, *args) -> dict:
        """Benchmarks and debugging: seconds spent per lint run (analysis excluded)."""
        return {"runs": len(linter.timings), "seconds": list(linter.timings), "reused": linter.reused,
                "statements": linter.relinted, "caughtUp": linter.caught_up}
