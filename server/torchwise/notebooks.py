"""notebookDocument/*: hover and diagnostics in Jupyter notebook cells.

The code cells of one notebook are analysed as one module in cell order
(:mod:`torchwise.notebook_cells`), so a hover in a cell sees the names of the cells
above it; lint findings are mapped back and published per cell (a cell's own uri).
pygls keeps the cells' texts; this module keeps one analysis per notebook version.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from torchwise.analysis import Analysis
from torchwise.jedi_fallback import uri_to_path
from torchwise.notebook_cells import CellModule, join_cells
from torchwise.server import TorchwiseServer

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithCells(
        cells=[types.NotebookCellLanguage(language="python")], notebook="jupyter-notebook")],
    save=True,
)


class Notebooks:
    def __init__(self, server: TorchwiseServer) -> None:
        self.server = server
        self._cache: dict[str, tuple[tuple, CellModule, Analysis]] = {}
        self._published: dict[str, set[str]] = {}
        self._pending: dict[str, asyncio.TimerHandle] = {}
        # notebook uri -> (analysis, rule codes, findings per cell): each pulled cell asks
        self._findings: dict[str, tuple[Analysis, tuple[str, ...], int, dict[str, list]]] = {}  # + project revision

    def _code_cells(self, notebook: types.NotebookDocument) -> list[tuple[str, str]]:
        cells = []
        for cell in notebook.cells:
            if cell.kind != types.NotebookCellKind.Code:
                continue
            try:
                document = self.server.workspace.get_text_document(cell.document)
                if document.language_id not in (None, "python"):
                    continue
                cells.append((cell.document, document.source))
            except Exception:
                continue
        return cells

    @staticmethod
    def _cell_numbers(notebook: types.NotebookDocument, cells: list[tuple[str, str]]) -> tuple[int, ...]:
        """Each code cell's number among all the notebook's cells (from 1), as messages name them."""
        position = {cell.document: i + 1 for i, cell in enumerate(notebook.cells)}
        return tuple(position.get(uri, 0) for uri, _ in cells)

    def module(self, notebook_uri: str) -> tuple[CellModule, Analysis] | None:
        notebook = self.server.workspace.get_notebook_document(notebook_uri=notebook_uri)
        if notebook is None:
            return None
        cells = self._code_cells(notebook)
        labels = self._cell_numbers(notebook, cells)
        key = (tuple(cells), labels)
        cached = self._cache.get(notebook_uri)
        if cached is not None and cached[0] == key:
            self.server.project.refresh(cached[2])
            return cached[1], cached[2]
        joined = join_cells(cells)
        env = None
        if notebook_uri.startswith("file:"):
            env = self.server.project.env_for(Path(uri_to_path(notebook_uri)))
        analysis = Analysis(joined.source, path=notebook_uri, env=env)
        analysis.cell_starts = tuple(joined.starts)
        analysis.cell_labels = tuple(labels)
        self._cache[notebook_uri] = (key, joined, analysis)
        return joined, analysis

    def cell_view(self, cell_uri: str, line: int | None = None) -> tuple[Analysis, int, int] | None:
        """(the notebook's analysis, the cell's first line in it, the columns taken off its
        lines, or off its 0-based ``line``: ``notebook_cells.leading_indent``) for a cell
        uri, else None."""
        notebook = self.server.workspace.get_notebook_document(cell_uri=cell_uri)
        if notebook is None:
            return None
        found = self.module(notebook.uri)
        if found is None:
            return None
        joined, analysis = found
        if cell_uri not in joined.keys:
            return None
        i = joined.keys.index(cell_uri)
        return analysis, joined.starts[i], joined.dedent(i, line)

    def owns_cell(self, uri: str) -> bool:
        return self.server.workspace.get_notebook_document(cell_uri=uri) is not None

    # -- diagnostics ---------------------------------------------------------------
    def findings_by_cell(self, notebook_uri: str) -> dict[str, list] | None:
        """Lint findings of the notebook's module, per cell uri, in the cell's own lines."""
        linter = getattr(self.server, "linter", None)
        found = self.module(notebook_uri)
        if linter is None or found is None:
            return None
        joined, analysis = found
        per_cell: dict[str, list] = {str(k): [] for k in joined.keys}
        settings = linter.settings_for(notebook_uri)
        if settings is None:
            return per_cell
        from torchwise.lint.engine import lint_analysis

        path = uri_to_path(notebook_uri)
        rules = settings.rules_for(path)
        codes = tuple(r.code for r in rules)
        revision = self.server.project.revision  # another module changed: linted again
        cached = self._findings.get(notebook_uri)
        if cached is not None and cached[0] is analysis and cached[1] == codes and cached[2] == revision:
            return {uri: list(found) for uri, found in cached[3].items()}
        try:
            findings = lint_analysis(analysis, path, rules,
                                     on_error=lambda m: self.server.log(m, types.MessageType.Error))
        except Exception as exc:
            self.server.log(f"lint failed for {notebook_uri}: {exc!r}", types.MessageType.Error)
            findings = []
        for finding in findings:
            placed = joined.to_cell(finding)
            if placed is not None:
                per_cell[str(joined.keys[placed[0]])].append(placed[1])
        self._findings[notebook_uri] = (analysis, codes, revision, per_cell)
        return {uri: list(found) for uri, found in per_cell.items()}

    def cell_findings(self, cell_uri: str) -> list | None:
        """For code actions on a cell: its findings, seen as part of its notebook."""
        notebook = self.server.workspace.get_notebook_document(cell_uri=cell_uri)
        per_cell = self.findings_by_cell(notebook.uri) if notebook is not None else None
        return None if per_cell is None else per_cell.get(cell_uri, [])

    def lint(self, notebook_uri: str) -> None:
        self._pending.pop(notebook_uri, None)
        linter = getattr(self.server, "linter", None)
        per_cell = self.findings_by_cell(notebook_uri)
        if linter is None or per_cell is None:
            return
        old = self._published.get(notebook_uri, set())
        for uri in old - set(per_cell):
            linter.publish(uri, None, [])
        for uri, findings in per_cell.items():
            if findings or uri in old:
                linter.publish(uri, None, linter.diagnostics_json(uri, findings))
        self._published[notebook_uri] = {u for u, f in per_cell.items() if f}

    def refresh(self, delay_ms: int) -> None:
        """Another module changed: lint again, ``delay_ms`` after the last such change,
        each open notebook whose findings saw an older project revision."""
        revision = self.server.project.revision
        for notebook_uri, cached in list(self._findings.items()):
            if cached[2] != revision:
                self.schedule(notebook_uri, delay_ms)

    def schedule(self, notebook_uri: str, delay_ms: int) -> None:
        handle = self._pending.pop(notebook_uri, None)
        if handle is not None:
            handle.cancel()
        if delay_ms <= 0:
            self.lint(notebook_uri)
        else:
            self._pending[notebook_uri] = asyncio.get_running_loop().call_later(
                delay_ms / 1000, self.lint, notebook_uri)

    def close(self, notebook_uri: str, cell_uris: list[str]) -> None:
        self._cache.pop(notebook_uri, None)
        self._findings.pop(notebook_uri, None)
        handle = self._pending.pop(notebook_uri, None)
        if handle is not None:
            handle.cancel()
        linter = getattr(self.server, "linter", None)
        for uri in self._published.pop(notebook_uri, set()) | set(cell_uris):
            if linter is not None:
                linter.publish(uri, None, [])


def register(server: TorchwiseServer) -> None:
    notebooks = Notebooks(server)
    server.notebooks = notebooks  # type: ignore[attr-defined]

    def on_configuration(event: str, uri: str) -> None:
        if event == "configuration":
            for notebook_uri in list(server.workspace.notebook_documents):
                notebooks.schedule(notebook_uri, 0)

    server.document_listeners.append(on_configuration)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def did_open(ls: TorchwiseServer, params: types.DidOpenNotebookDocumentParams) -> None:
        notebooks.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def did_change(ls: TorchwiseServer, params: types.DidChangeNotebookDocumentParams) -> None:
        notebooks.schedule(params.notebook_document.uri, max(0, int(ls.options.lint.debounce_ms)))

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def did_save(ls: TorchwiseServer, params: types.DidSaveNotebookDocumentParams) -> None:
        notebooks.schedule(params.notebook_document.uri, 0)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def did_close(ls: TorchwiseServer, params: types.DidCloseNotebookDocumentParams) -> None:
        notebooks.close(params.notebook_document.uri, [c.uri for c in params.cell_text_documents])
