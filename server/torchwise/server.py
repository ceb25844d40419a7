"""The Torchwise language server: state shared by the feature modules.

Each LSP feature lives in its own module (``hover``, ``diagnostics``,
``completion``, ``kernel``...) exposing ``register(server)``; ``create_server``
wires them together. The server never imports torch.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from torchwise import __version__
from torchwise.analysis import Analysis
from torchwise.config import Options, parse_options
from torchwise.knowledge import KnowledgeBase, default_knowledge

log = logging.getLogger("torchwise")

# Larger documents are not analysed (a 2 MB Python file is ~50,000 lines; ast alone
# would take seconds on it): the server says so once and keeps serving.
MAX_SOURCE_CHARS = 2_000_000


class TorchwiseServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("torchwise", __version__)
        self.options = Options()
        self.knowledge: KnowledgeBase = default_knowledge()
        self._analyses: dict[str, tuple[int | None, str, Analysis]] = {}
        self._analysis_lock = threading.Lock()
        self._skipped: set[str] = set()  # uris already reported as unanalysable
        # Feature modules subscribe here instead of registering didOpen/didChange/
        # didSave/didClose themselves (pygls allows one handler per method).
        # Each listener is called as listener(event, uri) with event in
        # {"open", "change", "save", "close"}, or ("configuration", "") after a settings change.
        self.document_listeners: list[Callable[[str, str], None]] = []
        # Called (no arguments, may be coroutines) on shutdown: stop kernels, helper processes.
        self.shutdown_listeners: list[Callable[[], object]] = []

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
    def analysis(self, uri: str) -> Analysis | None:
        """The analysis of the open document ``uri``, cached per document version."""
        try:
            document = self.workspace.get_text_document(uri)
            source = document.source
        except Exception as exc:  # unreadable (binary, vanished) file
            self.log(f"cannot read {uri}: {exc}", types.MessageType.Warning)
            return None
        version = document.version
        problem = self._unanalysable(source)
        if problem:
            if uri not in self._skipped:
                self._skipped.add(uri)
                self.log(f"skipping {uri}: {problem}", types.MessageType.Warning)
            return None
        self._skipped.discard(uri)
        cached = self._analyses.get(uri)
        if cached and cached[0] == version and cached[1] is source:
            return cached[2]
        analysis = Analysis(source, path=uri)
        with self._analysis_lock:
            self._analyses[uri] = (version, source, analysis)
        return analysis

    @staticmethod
    def _unanalysable(source: str) -> str | None:
        if len(source) > MAX_SOURCE_CHARS:
            return (f"file too large to analyse ({len(source) / 1e6:.1f} MB > "
                    f"{MAX_SOURCE_CHARS / 1e6:.0f} MB); hover and lint are off for it")
        if "\x00" in source:
            return "looks like a binary file (contains NUL bytes); hover and lint are off for it"
        return None

    def forget(self, uri: str) -> None:
        self._analyses.pop(uri, None)
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


def create_server() -> TorchwiseServer:
    from torchwise import completion, diagnostics, hover, kernel, lifecycle, watched_files

    server = TorchwiseServer()
    for feature in (lifecycle, hover, diagnostics, completion, kernel, watched_files):
        feature.register(server)
    return server
