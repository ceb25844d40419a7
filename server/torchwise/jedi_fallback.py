"""jedi, where it adds something, within a time budget.

The static analysis cannot see into other files of the workspace (``from models
import Net; model = Net(); model.train``) or through a function's return value.
jedi can, but it takes 0.1–0.5 s (seconds cold, when it inspects compiled
modules in its helper process), so it is never on the hot path: it runs in one
background thread, only for attribute names that torch classes have, and a hover
waits for it at most ``BUDGET_S``. A late answer is cached for the next hover.
jedi inspects compiled modules in a subprocess on the workspace interpreter; the
server process itself still never imports torch.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger("torchwise.jedi")

BUDGET_S = 0.3
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torchwise-jedi")


class JediFallback:
    def __init__(self) -> None:
        self._results: dict[tuple, str | None] = {}
        self._running: dict[tuple, asyncio.Future] = {}
        self._environments: dict[str, object] = {}
        self.disabled_reason: str | None = None

    def _infer(self, source: str, path: str, line: int, col: int, interpreter: str, root: str | None) -> str | None:
        import jedi

        try:
            environment = self._environments.get(interpreter)
            if environment is None:
                environment = jedi.create_environment(interpreter, safe=False)
                self._environments[interpreter] = environment
            project = jedi.Project(root, environment_path=interpreter) if root else None
            script = jedi.Script(source, path=path if path.endswith(".py") else None,
                                 project=project, environment=environment)
            for name in script.infer(line, col):
                if name.full_name:
                    return name.full_name
        except Exception as exc:  # jedi is best effort: never let it break a hover
            log.info("jedi could not infer %s:%s:%s (%r)", path, line, col, exc)
        return None

    async def infer(self, key: tuple, source: str, path: str, line: int, col: int,
                    interpreter: str, root: str | None, budget: float = BUDGET_S) -> str | None:
        """The full name jedi infers at (1-based line, 0-based col), waiting at most ``budget``."""
        if key in self._results:
            return self._results[key]
        future = self._running.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(_executor, self._infer, source, path, line, col, interpreter, root)
            self._running[key] = future

            def done(f: asyncio.Future, key=key) -> None:
                self._running.pop(key, None)
                self._results[key] = None if f.cancelled() or f.exception() else f.result()
                if len(self._results) > 4096:
                    self._results.pop(next(iter(self._results)))

            future.add_done_callback(done)
        try:
            if budget <= 0:
                return None  # started; its answer is cached for the next call
            return await asyncio.wait_for(asyncio.shield(future), budget)
        except asyncio.TimeoutError:
            return None


def uri_to_path(uri: str) -> str:
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(uri).path)
    return uri


def workspace_root(path: str, folders: list[str]) -> str | None:
    for folder in folders:
        if path.startswith(folder.rstrip("/") + "/"):
            return folder
    parent = Path(path).parent
    return str(parent) if parent.is_dir() else None
