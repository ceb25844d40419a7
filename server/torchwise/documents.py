"""The server's copy of each open document, kept equal to the editor's.

pygls applies incremental changes with ``str.splitlines`` semantics (a form feed
or U+2028 in a comment starts a new line for it, not for the editor) and moves an
edit at "line length + 1" past the line's end. Either makes the server's text
drift from the editor's, and a later fix-all would then hand back the wrong text.
``Document`` replaces pygls's change handling and position conversions with the
LSP rules implemented once in :mod:`torchwise.text`; ``install`` puts it into a
pygls workspace.
"""

from __future__ import annotations

from typing import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from torchwise import text as tx


def position_encoding(codec: object) -> str:
    encoding = getattr(codec, "encoding", None)
    value = getattr(encoding, "value", encoding)
    return value if value in (tx.UTF8, tx.UTF16, tx.UTF32) else tx.UTF16


class Document(TextDocument):
    """A pygls ``TextDocument`` whose lines end only at ``\\n``, ``\\r\\n``, ``\\r``."""

    _index_cache: tx.LineIndex | None = None

    @property
    def encoding(self) -> str:
        return position_encoding(self.position_codec)

    def index(self) -> tx.LineIndex:
        source = self.source
        cached = self._index_cache
        if cached is None or cached.text is not source:
            cached = self._index_cache = tx.LineIndex(source)
        return cached

    # -- changes ---------------------------------------------------------------------
    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        index = self.index()
        start = index.offset(change.range.start.line, change.range.start.character, self.encoding)
        end = index.offset(change.range.end.line, change.range.end.character, self.encoding)
        if end < start:
            start, end = end, start
        updated = index.replaced(start, end, change.text)  # no rescan of the whole text
        self._source = updated.text
        self._index_cache = updated

    # -- lines and positions -------------------------------------------------------------
    @property
    def lines(self) -> Sequence[str]:
        return tuple(tx.split_lines(self.source, keepends=True))

    def offset_at_position(self, client_position: types.Position) -> int:
        return self.index().offset(client_position.line, client_position.character, self.encoding)

    def position_from_client_units(self, position: types.Position) -> ServerTextPosition:
        index = self.index()
        if position.line >= index.line_count:
            last = index.line_count - 1
            return ServerTextPosition(last, len(index.line(last)))
        line = max(position.line, 0)
        return ServerTextPosition(line, tx.from_units(index.line(line), position.character, self.encoding))

    def range_from_client_units(self, range: types.Range) -> ServerTextRange:
        return ServerTextRange(self.position_from_client_units(range.start),
                               self.position_from_client_units(range.end))

    def position_to_client_units(self, position: ServerTextPosition | types.Position) -> types.Position:
        index = self.index()
        return types.Position(line=position.line,
                              character=tx.to_units(index.line(position.line), position.character, self.encoding))

    def range_to_client_units(self, range: ServerTextRange | types.Range) -> types.Range:
        return types.Range(start=self.position_to_client_units(range.start),
                           end=self.position_to_client_units(range.end))

    def client_position_at_offset(self, offset: int) -> types.Position:
        line, col = self.index().position(offset, self.encoding)
        return types.Position(line=line, character=col)


class DocumentWorkspace(Workspace):
    """A pygls workspace that stores :class:`Document` objects."""

    def _create_text_document(self, doc_uri: str, source: str | None = None, version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        return Document(doc_uri, source=source, version=version, language_id=language_id,
                        sync_kind=self._sync_kind, position_codec=self._position_codec)


def install(workspace: Workspace) -> None:
    """Make ``workspace`` (created by pygls at ``initialize``, still empty) create
    :class:`Document` objects."""
    if not isinstance(workspace, DocumentWorkspace):
        workspace.__class__ = DocumentWorkspace
