"""Code actions on lint findings: the rule's fix, "ignore this rule on this line" (a
``# noqa:`` comment), and ``source.fixAll.torchwise`` (every safe fix at once). The
findings are the editor's own (``torchwise.diagnostics``), for the document's current text.
"""

from __future__ import annotations

import re

from lsprotocol import types

from torchwise.diagnostics import Linter
from torchwise.lint.fix import choose_edits
from torchwise.lint.term import plain
from torchwise.server import TorchwiseServer
from torchwise.text import LineIndex

FIX_ALL_KIND = "source.fixAll.torchwise"


async def code_actions(linter: Linter, params: types.CodeActionParams) -> list[types.CodeAction]:
    """The actions ``params.context.only`` asks for: quick fixes of the findings that
    overlap ``params.range``; the fix-all only when asked for by name (on save)."""
    uri = params.text_document.uri
    only = params.context.only
    result = await linter.findings_async(uri)
    if result is None:
        return []
    version, found = result
    try:
        document = linter.server.workspace.get_text_document(uri)
    except Exception:
        return []
    lines = list(document.lines)
    actions: list[types.CodeAction] = []
    want_quickfix = _wanted(types.CodeActionKind.QuickFix, only)
    if want_quickfix:
        request = params.range
        noqa_done: set[tuple[int, str]] = set()
        for f in found:
            diag = linter.to_diagnostic(uri, f, lines)
            if not _overlaps(diag.range, request):
                continue
            if f.fix is not None:
                title = plain(f"{f.fix.message} ({f.rule.code})") + (
                    " [unsafe]" if f.fix.applicability == "unsafe" else "")
                actions.append(types.CodeAction(
                    title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                    is_preferred=f.fix.applicability == "safe",
                    edit=types.WorkspaceEdit(changes={uri: linter.fix_to_text_edits(uri, f.fix, lines)}),
                ))
            key = (f.line, f.rule.code)
            if key not in noqa_done:
                noqa_done.add(key)
                edit = noqa_edit(lines, f.line, f.rule.code)
                if edit is not None:
                    line_no, col, end_col, text = edit
                    actions.append(types.CodeAction(
                        title=f"Ignore {f.rule.name} ({f.rule.code}) on this line",
                        kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(
                            range=linter.to_range(uri, line_no, col, line_no, end_col, lines), new_text=text)]}),
                    ))
    if _wanted(FIX_ALL_KIND, only, explicit_only=True):
        source = document.source
        fixes = [f.fix for f in found if f.fix is not None and f.fix.applicability == "safe"]
        chosen, applied = choose_edits(source, fixes) if fixes else ([], 0)
        if applied:
            # one edit per fixed span, not a whole-document replacement: what the
            # user typed elsewhere meanwhile cannot be reverted by applying it
            index = LineIndex(source)
            encoding = getattr(document, "encoding", "utf-16")
            edits = []
            for a, b, text in sorted(chosen):
                (l0, c0), (l1, c1) = index.position(a, encoding), index.position(b, encoding)
                edits.append(types.TextEdit(range=types.Range(
                    start=types.Position(line=l0, character=c0), end=types.Position(line=l1, character=c1)),
                    new_text=text))
            actions.append(types.CodeAction(
                title="Torchwise: fix all auto-fixable problems", kind=FIX_ALL_KIND,
                edit=types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                    edits=edits,
                )]),
            ))
    return actions


def _wanted(kind: str, only: list[str] | None, explicit_only: bool = False) -> bool:
    if not only:
        return not explicit_only
    return any(kind == o or kind.startswith(f"{o}.") for o in only)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    a0, a1 = (a.start.line, a.start.character), (a.end.line, a.end.character)
    b0, b1 = (b.start.line, b.start.character), (b.end.line, b.end.character)
    return a0 <= b1 and b0 <= a1


_NOQA_CODES = re.compile(r"#\s*noqa(?P<colon>\s*:\s*)(?P<codes>[A-Za-z0-9_\-]+(?:(?:\s*,\s*|\s+)[A-Za-z0-9_\-]+)*)",
                         re.IGNORECASE)
_NOQA_BARE = re.compile(r"#\s*noqa(?!\s*:)", re.IGNORECASE)


def noqa_edit(lines: list[str], line: int, code: str) -> tuple[int, int, int, str] | None:
    """(line, col, end_col, text) that makes ``line`` suppress ``code``: extend an
    existing ``# noqa: X`` or append ``  # noqa: CODE``. None if already suppressed."""
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1].rstrip("\r\n")
    match = _NOQA_CODES.search(text)
    if match:
        codes = re.split(r"[\s,]+", match.group("codes"))
        if code.lower() in (c.lower() for c in codes):
            return None
        end = match.end("codes")
        return line, end, end, f", {code}"
    if _NOQA_BARE.search(text):
        return None
    end = len(text)
    stripped = text.rstrip()
    return line, len(stripped), end, f"  # noqa: {code}"


def register(server: TorchwiseServer) -> None:
    linter: Linter = server.linter  # type: ignore[attr-defined]  (registered before: torchwise.diagnostics)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
                                resolve_provider=False),
    )
    async def code_action(ls: TorchwiseServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        try:
            return await code_actions(linter, params) or None
        except Exception as exc:
            ls.log(f"code actions failed for {params.text_document.uri}: {exc!r}", types.MessageType.Error)
            return None
