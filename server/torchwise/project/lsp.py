"""Wires the project model to the server: folders, open documents, files on disk.

- ``initialized``: take the workspace folders, ask the client to watch ``**/*.py``
  (dynamic registration) and start indexing the rest of the workspace in a background
  thread (summaries for project-wide queries; a request never waits for it).
- ``workspace/didChangeWatchedFiles`` and ``workspace/didChangeWorkspaceFolders``: new
  revision. Open documents override the disk while open.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from lsprotocol import types

from torchwise.jedi_fallback import uri_to_path
from torchwise import watched_files
from torchwise.lint.engine import no_gc
from torchwise.server import TorchwiseServer

WATCHER_ID = "torchwise-python-files"
START_DELAY_S = 0.5
QUIET_S = 0.05


def _folders(ls: TorchwiseServer) -> list[str]:
    folders = [uri_to_path(f.uri) for f in (ls.workspace.folders or {}).values()]
    if not folders and ls.workspace.root_uri:
        folders = [uri_to_path(ls.workspace.root_uri)]
    return folders


class Indexer:
    """Summarises every module of the workspace once, in the background."""

    def __init__(self, ls: TorchwiseServer) -> None:
        self.ls = ls
        self.generation = 0
        self.done = threading.Event()
        self.seconds = 0.0
        self.cpu = 0.0  # the indexer thread's CPU time (what a busy machine does not inflate)
        self.wall = 0.0
        self.count = 0

    def start(self) -> None:
        self.generation += 1
        self.done.clear()
        threading.Thread(target=self._run, args=(self.generation,), name="torchwise-index", daemon=True).start()

    def _run(self, generation: int) -> None:
        project = self.ls.project
        started = time.perf_counter()
        count, busy = 0, 0.0
        cpu = time.thread_time()
        try:
            time.sleep(START_DELAY_S)  # the first hovers after opening a file come first
            started = time.perf_counter()
            for path in list(project.files()):
                if generation != self.generation:
                    return
                while time.monotonic() - project.last_query < QUIET_S:
                    time.sleep(QUIET_S)  # a request is being answered: do not compete for the GIL
                t = time.perf_counter()
                with no_gc():  # a module's tree is acyclic; full scans of the server's heap per parse are not
                    project.summary(path)  # parses outside the project lock
                busy += time.perf_counter() - t
                count += 1
        except Exception as exc:  # indexing is best effort
            project.log(f"project: indexing stopped: {exc!r}")
        self.seconds = busy  # time spent indexing (not waiting for requests to finish)
        self.cpu = time.thread_time() - cpu
        self.wall = time.perf_counter() - started
        self.count = count
        self.done.set()


async def _register_watcher(ls: TorchwiseServer) -> None:
    """Ask the client to tell the server of ``.py`` and ``pyproject.toml`` files changed on disk."""
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern="**/*.py"),
                  types.FileSystemWatcher(glob_pattern="**/pyproject.toml")])
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[
            types.Registration(id=WATCHER_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                               register_options=options)]))
    except Exception as exc:
        ls.log(f"project: the client did not accept the file watcher ({exc}); "
               "files changed outside the editor are seen after a restart", types.MessageType.Warning)


def register(server: TorchwiseServer) -> None:
    open_uris: set[str] = set()
    indexer = Indexer(server)

    def overlay(path: Path) -> str | None:
        uri = path.as_uri()
        if uri not in open_uris:
            return None
        try:
            return server.workspace.get_text_document(uri).source
        except Exception:
            return None

    server.project.overlay = overlay

    def on_document(event: str, uri: str) -> None:
        if event == "configuration" or not uri.startswith("file:"):
            return
        if event == "open":
            open_uris.add(uri)
        elif event == "close":
            open_uris.discard(uri)
        if event != "save":
            server.project.changed([Path(uri_to_path(uri))])

    server.document_listeners.insert(0, on_document)  # before the features ask questions

    registering: set[asyncio.Task] = set()

    @server.feature(types.INITIALIZED)
    def initialized(ls: TorchwiseServer, params: types.InitializedParams) -> None:
        """Synchronous: pygls starts an async handler only after the messages read with
        it were handled, and a completion or hover sent right behind ``initialized`` must
        see the workspace's folders (it saw none: no cross-module name resolved)."""
        loop = asyncio.get_running_loop()

        def log(message: str) -> None:  # the indexer thread logs too: write from the loop only
            loop.call_soon_threadsafe(ls.log, message, types.MessageType.Warning)

        ls.project.log = log
        ls.project.set_folders(_folders(ls))
        indexer.start()
        ls.folder_settings.refresh_soon()  # type: ignore[attr-defined]
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched is not None and watched.dynamic_registration:
            task = asyncio.ensure_future(_register_watcher(ls))
            registering.add(task)
            task.add_done_callback(registering.discard)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: TorchwiseServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(watched_files.is_config(c.uri) for c in params.changes):
            ls.notify_document("configuration", "")  # [tool.torchwise] may select other rules: re-lint
        paths = [Path(uri_to_path(c.uri)) for c in params.changes if c.uri.endswith((".py", ".pyi"))]
        structure = any(c.type != types.FileChangeType.Changed for c in params.changes)
        ls.project.changed(paths, structure=structure)
        if structure:
            indexer.start()
        if structure or any(path.as_uri() not in open_uris for path in paths):  # (an open one's text is the editor's)
            ls.notify_document("project", "")  # open documents' findings may depend on these files

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: TorchwiseServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        ls.project.set_folders(_folders(ls))
        indexer.start()
        ls.folder_settings.refresh_soon()  # type: ignore[attr-defined]
        ls.notify_document("project", "")

    @server.command("torchwise.projectIndex")
    def project_index(ls: TorchwiseServer, *args) -> dict:
        """How far background indexing is (for benchmarks and tests)."""
        return {"done": indexer.done.is_set(), "files": indexer.count, "seconds": indexer.seconds, "wall": indexer.wall,
                "cpu": indexer.cpu,
                "revision": ls.project.revision}
