"""The Torchwise language server: state shared by the feature modules.

Each LSP feature lives in its own module (``hover``, ``diagnostics``,
``completion``, ``kernel``...) exposing ``register(server)``; ``create_server``
wires them together. The server never imports torch.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote
from typing import Callable

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from torchwise import __version__, spawn
from torchwise.analysis import Analysis
from torchwise.config import Options, parse_options
from torchwise.knowledge import KnowledgeBase, default_knowledge
from torchwise.project import Project
from torchwise.project.model import EDITOR_PARSE_BUDGET
from torchwise.protocol import TorchwiseProtocol
from torchwise.text import LineIndex

log = logging.getLogger("torchwise")

# Documents at least this large are analysed (and linted) on worker threads.
BIG_SOURCE_CHARS = 200_000
# Larger documents are not analysed (a 2 MB Python file is ~50,000 lines; ast alone
# would take seconds on it): the server says so once and keeps serving.
MAX_SOURCE_CHARS = 2_000_000


class TorchwiseServer(LanguageServer):
    def __init__(self) -> None:
        from torchwise.notebooks import NOTEBOOK_SYNC

        super().__init__("torchwise", __version__, notebook_document_sync=NOTEBOOK_SYNC,
                         protocol_cls=TorchwiseProtocol)
        self.options = Options()
        self.knowledge: KnowledgeBase = default_knowledge()
        self._analyses: dict[str, tuple[int | None, str, Analysis]] = {}
        self._analysis_lock = threading.Lock()
        self._skipped: set[str] = set()  # uris already reported as unanalysable
        # large documents are analysed off the event loop, one at a time
        self._analysis_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torchwise-analysis")
        self._pending: dict[str, tuple[str, asyncio.Future]] = {}
        # Feature modules subscribe here instead of registering didOpen/didChange/
        # didSave/didClose themselves (pygls allows one handler per method).
        # Each listener is called as listener(event, uri) with event in
        # {"open", "change", "save", "close"}, or ("configuration", "") after a settings change,
        # or ("project", "") after files on disk or workspace folders changed.
        self.document_listeners: list[Callable[[str, str], None]] = []
        # Called (no arguments, may be coroutines) on shutdown: stop kernels, helper processes.
        self.shutdown_listeners: list[Callable[[], object]] = []
        # The workspace as a whole (other modules, re-exports, callers): torchwise.project.
        self.project = Project(log=lambda message: self.log(message, types.MessageType.Warning),
                               parse_budget=EDITOR_PARSE_BUDGET)

    # -- options -----------------------------------------------------------------
    def apply_options(self, raw: object) -> None:
        self.options, problems = parse_options(raw, self.options)
        for problem in problems:
            self.log(problem, types.MessageType.Warning)

    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        """One line in the client's output channel (window/logMessage) and in our log."""
        log.log(logging.WARNING if level <= types.MessageType.Warning else logging.INFO, message)
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # no client attached (e.g. during shutdown)
            pass

    # -- documents -----------------------------------------------------------------
    def is_open(self, uri: str) -> bool:
        try:
            return unquote(uri) in self.workspace.text_documents
        except RuntimeError:  # not initialized yet
            return False

    def document_text(self, uri: str) -> tuple[int | None, str] | None:
        """(version, text) of the open document ``uri``; None when it is not open,
        unreadable or not analysable (said once in the log)."""
        if not self.is_open(uri):
            return None  # closed documents are never read from disk nor kept
        try:
            document = self.workspace.get_text_document(uri)
            source = document.source
        except Exception as exc:  # unreadable (binary, vanished) file
            self.log(f"cannot read {uri}: {exc}", types.MessageType.Warning)
            return None
        problem = self._unanalysable(source)
        if problem:
            if uri not in self._skipped:
                self._skipped.add(uri)
                self.log(f"skipping {uri}: {problem}", types.MessageType.Warning)
            return None
        self._skipped.discard(uri)
        return document.version, source

    def cached_analysis(self, uri: str) -> Analysis | None:
        """The analysis of the current text of ``uri`` if one is already computed."""
        current = self.document_text(uri)
        cached = self._analyses.get(uri)
        if current and cached and cached[0] == current[0] and cached[1] is current[1]:
            return cached[2]
        return None

    def analysis(self, uri: str, small_only: bool = False) -> Analysis | None:
        """The analysis of the open document ``uri``, cached per document version
        (computed here, on the caller's thread; with ``small_only``, None for a large
        document not analysed yet)."""
        current = self.document_text(uri)
        if current is None:
            return None
        version, source = current
        if small_only and len(source) >= BIG_SOURCE_CHARS and self.cached_analysis(uri) is None:
            return None
        cached = self._analyses.get(uri)
        if cached and cached[0] == version and cached[1] is source:
            self.project.refresh(cached[2])
            return cached[2]
        analysis = self.project.analysis_for(uri, source)
        with self._analysis_lock:
            if self.is_open(uri):
                self._analyses[uri] = (version, source, analysis)
        return analysis

    def keep_analysis(self, uri: str, version: int | None, source: str, analysis: Analysis) -> None:
        """Serve ``analysis`` (built elsewhere from ``source``, the document's current text)
        as the document's, as ``analysis`` would have built it."""
        with self._analysis_lock:
            if self.is_open(uri):
                self._analyses[uri] = (version, source, analysis)

    async def analysis_async(self, uri: str, line: int | None = None) -> Analysis | None:
        """Like ``analysis``, but a large document is analysed on a worker thread, one
        version at a time (never a backlog while the user types). With ``line``
        (1-based), an earlier version's analysis answers at once when that line is
        unchanged in the current text."""
        for _ in range(3):  # the text may change while we wait; don't chase it forever
            current = self.document_text(uri)
            if current is None:
                return None
            version, source = current
            cached = self._analyses.get(uri)
            if cached and cached[0] == version and cached[1] is source:
                self.project.refresh(cached[2])  # other modules may have changed since
                return cached[2]
            if len(source) < BIG_SOURCE_CHARS:
                return self.analysis(uri)
            if line is not None and cached is not None:
                old = cached[2]
                if 1 <= line <= len(old.lines) and LineIndex(source).line(line - 1) == old.lines[line - 1]:
                    return old  # the hovered line is as it was: its answer is too
            pending = self._pending.get(uri)
            if pending is None:
                pending = self._start_analysis(uri, version, source)
            await asyncio.shield(pending[1])
        cached = self._analyses.get(uri)
        return cached[2] if cached else None

    def _start_analysis(self, uri: str, version: int | None, source: str) -> tuple[str, asyncio.Future]:
        # with the project's environment (cross-module answers), adopted below if still current
        future = asyncio.get_running_loop().run_in_executor(
            self._analysis_pool, self.project.analysis_for, uri, source, False)
        pending = (source, future)
        self._pending[uri] = pending

        def done(fut: asyncio.Future) -> None:
            if self._pending.get(uri) is pending:
                del self._pending[uri]
            if fut.cancelled() or fut.exception() is not None:
                return
            with self._analysis_lock:
                if self.is_open(uri):
                    self._analyses[uri] = (version, source, fut.result())
                    current = self.document_text(uri)
                    if current is not None and current[1] is source:
                        self.project.adopt_document(uri, source, fut.result())

        future.add_done_callback(done)
        return pending

    @staticmethod
    def _unanalysable(source: str) -> str | None:
        if len(source) > MAX_SOURCE_CHARS:
            return (f"file too large to analyse ({len(source) / 1e6:.1f} MB > "
                    f"{MAX_SOURCE_CHARS / 1e6:.0f} MB); hover and lint are off for it")
        if "\x00" in source:
            return "looks like a binary file (contains NUL bytes); hover and lint are off for it"
        return None

    def forget(self, uri: str) -> None:
        with self._analysis_lock:
            self._analyses.pop(uri, None)
        self._pending.pop(uri, None)
        self._skipped.discard(uri)

    def notify_document(self, event: str, uri: str) -> None:
        for listener in list(self.document_listeners):
            try:
                listener(event, uri)
            except Exception as exc:  # a failing feature must not take the others down
                self.log(f"{event} handler failed for {uri}: {exc!r}", types.MessageType.Error)


    async def run_shutdown_listeners(self) -> None:
        for listener in list(self.shutdown_listeners):
            try:
                result = listener()
                if hasattr(result, "__await__"):
                    await result  # type: ignore[misc]
            except Exception as exc:
                log.warning("shutdown handler failed: %r", exc)
        if not await spawn.settle(5):  # a process start under way ends before the exit cancels it
            log.warning("shutdown: a child process was still starting after 5 s")


def create_server() -> TorchwiseServer:
    from torchwise import (code_actions, completion, diagnostics, folder_settings, hover, kernel, lifecycle,
                           notebooks, pull_diagnostics)
    from torchwise.project import lsp as project

    server = TorchwiseServer()
    for feature in (lifecycle, folder_settings, project, hover, diagnostics, code_actions, pull_diagnostics, notebooks,
                    completion, kernel):
        feature.register(server)
    return server
