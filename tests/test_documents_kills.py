"""The document model (torchwise.documents) in each position encoding a client may negotiate:
tests written to kill the mutants that tests/test_text.py left alive (scripts/mutation.sh)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace import Workspace
from pygls.workspace.position_codec import PositionCodec

from torchwise import text as tx
from torchwise.documents import Document, DocumentWorkspace, install, position_encoding

TEXT = "a = '😀é'\r\nb\rc\n"  # an astral character (2 UTF-16 units, 4 bytes), é (1 unit, 2 bytes)
QUOTE = {tx.UTF8: 11, tx.UTF16: 8, tx.UTF32: 7}  # the closing quote's column in each encoding


def _lc(position) -> tuple[int, int]:
    return position.line, position.character


def _document(text: str, encoding: str) -> Document:
    return Document("file:///t.py", source=text, version=1, position_codec=PositionCodec(encoding))


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        (PositionCodec(types.PositionEncodingKind.Utf8), tx.UTF8),
        (PositionCodec(types.PositionEncodingKind.Utf32), tx.UTF32),
        (PositionCodec(types.PositionEncodingKind.Utf16), tx.UTF16),
        (PositionCodec("utf-8"), tx.UTF8),  # a plain string, not the enum
        (PositionCodec("utf-7"), tx.UTF16),  # not an LSP encoding: the protocol's default
        (object(), tx.UTF16),  # no codec at all
    ],
)
def test_position_encoding_of_a_codec(codec, expected) -> None:
    encoding = position_encoding(codec)
    assert encoding == expected and type(encoding) is str  # the name itself, never the enum member


class _StringCodec:
    encoding = "utf-32"  # a codec whose encoding is a plain string (no .value)


def test_position_encoding_of_a_codec_holding_a_plain_string() -> None:
    assert position_encoding(_StringCodec()) == tx.UTF32


@pytest.mark.parametrize("encoding", [tx.UTF8, tx.UTF16, tx.UTF32])
def test_positions_in_each_encoding(encoding: str) -> None:
    doc = _document(TEXT, encoding)
    assert doc.encoding == encoding
    closing = TEXT.index("'", 5)  # the closing quote
    position = types.Position(line=0, character=QUOTE[encoding])
    assert doc.offset_at_position(position) == closing
    assert _lc(doc.position_from_client_units(position)) == (0, closing)
    assert doc.position_to_client_units(types.Position(line=0, character=closing)) == position
    assert doc.client_position_at_offset(closing) == position
    assert doc.client_position_at_offset(TEXT.index("c")) == types.Position(line=2, character=0)
    span = types.Range(start=types.Position(line=0, character=4), end=position)
    server_span = doc.range_from_client_units(span)
    assert (_lc(server_span.start), _lc(server_span.end)) == ((0, 4), (0, closing))
    assert doc.range_to_client_units(types.Range(start=types.Position(line=0, character=4),
                                                 end=types.Position(line=0, character=closing))) == span


@pytest.mark.parametrize("encoding", [tx.UTF8, tx.UTF32])
def test_an_edit_lands_where_the_client_means_in_its_encoding(encoding: str) -> None:
    doc = _document(TEXT, encoding)
    units = QUOTE[encoding] + 1  # after the quote
    change = types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=0, character=units), end=types.Position(line=0, character=units)),
        text="  # ok",
    )
    doc.apply_change(change)
    assert doc.source == "a = '😀é'  # ok\r\nb\rc\n"


def test_a_reversed_range_replaces_the_same_text() -> None:
    doc = _document("abcdef\n", tx.UTF16)
    doc.apply_change(types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=0, character=4), end=types.Position(line=0, character=1)), text="X"))
    assert doc.source == "aXef\n"


def test_positions_past_the_last_line() -> None:
    doc = _document("ab\ncd", tx.UTF16)
    assert _lc(doc.position_from_client_units(types.Position(line=7, character=0))) == (1, 2)  # the end of the text
    assert doc.lines == ("ab\n", "cd")


def test_the_line_index_follows_the_source_and_is_reused() -> None:
    doc = _document("ab\ncd\n", tx.UTF16)
    first = doc.index()
    assert doc.index() is first  # no rescan while the text is unchanged
    doc.apply_change(types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)), text="x\n"))
    assert doc.index() is not first and doc.index().text == "x\nab\ncd\n"
    assert doc.offset_at_position(types.Position(line=2, character=1)) == 6
    doc._source = "new\ntext"  # pygls's full-text change path sets the source directly
    assert doc.offset_at_position(types.Position(line=1, character=2)) == 6


def test_install_makes_the_workspace_create_documents() -> None:
    workspace = Workspace(None, position_encoding=types.PositionEncodingKind.Utf8)
    install(workspace)
    assert isinstance(workspace, DocumentWorkspace)
    install(workspace)  # twice is harmless
    workspace.put_text_document(types.TextDocumentItem(uri="file:///x.py", language_id="python", version=3,
                                                       text="é = 1\n"))
    doc = workspace.get_text_document("file:///x.py")
    assert type(doc) is Document
    assert (doc.version, doc.language_id, doc.encoding) == (3, "python", tx.UTF8)
    assert doc.offset_at_position(types.Position(line=0, character=2)) == 1
