"""Pull diagnostics: ``textDocument/diagnostic`` and ``workspace/diagnostic``.

A client that advertises ``textDocument.diagnostic`` (VS Code's languageclient does)
asks for findings when it wants them; the server then never pushes findings for text
documents, so no document shows them twice. Other clients get ``publishDiagnostics``
as before. Notebook cells stay pushed until the client pulls one (vscode-languageclient
9 pulls only documents shown in text tabs, never cells): a pulled cell's pushed
findings are cleared and it is not pushed again.

Each report carries a result id, a digest of its diagnostics, so a document whose
findings did not change answers ``unchanged``. ``workspace/diagnostic`` reports the
open text documents (the workspace's other files are not linted in the editor).
Settings changes ask the client to pull again (``workspace/diagnostic/refresh``). A
pull right after an edit waits until ``lint.debounceMs`` has passed since it, as a
pushed lint does (vscode-languageclient pulls on every change and cancels the
outdated request).
"""

from __future__ import annotations

import asyncio
import hashlib
import json

from lsprotocol import types

from torchwise.server import TorchwiseServer

IDENTIFIER = "torchwise"


def client_pulls(server: TorchwiseServer) -> bool:
    """Whether the client asks for diagnostics itself (its initialize capabilities say so)."""
    try:
        text_document = server.client_capabilities.text_document
    except Exception:  # not initialized yet
        return False
    return text_document is not None and text_document.diagnostic is not None


def refresh(server: TorchwiseServer) -> None:
    """Ask a pulling client to pull again (settings or lint configuration changed)."""
    workspace = server.client_capabilities.workspace
    diagnostics = workspace.diagnostics if workspace else None
    if diagnostics is not None and diagnostics.refresh_support:
        try:
            server.workspace_diagnostic_refresh(None)
        except Exception as exc:
            server.log(f"diagnostic refresh failed: {exc!r}", types.MessageType.Warning)


def result_id(diagnostics: list[dict]) -> str:
    """A digest of the report (diagnostics in JSON form): the same findings at the same
    places give the same id."""
    payload = json.dumps(diagnostics, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()


async def document_diagnostics(server: TorchwiseServer, uri: str) -> tuple[int | None, list[dict]]:
    """(version, diagnostics in JSON form: ``Linter.diagnostics_json``) of the open
    document ``uri``; an empty list when it is not open, not lintable or lint is off for it."""
    linter = server.linter  # type: ignore[attr-defined]
    result = await linter.findings_async(uri)
    if result is None:
        return None, []
    version, found = result
    return version, linter.diagnostics_json(uri, found)


def register(server: TorchwiseServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(identifier=IDENTIFIER, inter_file_dependencies=False,
                                            workspace_diagnostics=True))
    async def text_document_diagnostic(ls: TorchwiseServer, params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        ls.linter.pulled(uri)  # type: ignore[attr-defined]
        delay = ls.linter.pull_delay(uri)  # type: ignore[attr-defined]
        if delay > 0:
            await asyncio.sleep(delay)  # lint.debounceMs after the last keystroke, as when pushing
        try:
            _, diagnostics = await document_diagnostics(ls, uri)
        except Exception as exc:  # always answer: an empty report and one line in the log
            ls.log(f"lint failed for {uri}: {exc!r}", types.MessageType.Error)
            diagnostics = []
        rid = result_id(diagnostics)
        if params.previous_result_id == rid:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
        return types.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=rid)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(ls: TorchwiseServer, params: types.WorkspaceDiagnosticParams):
        previous = {p.uri: p.value for p in params.previous_result_ids}
        notebooks = getattr(ls, "notebooks", None)
        items: list = []
        for uri in list(ls.workspace.text_documents):
            if notebooks is not None and notebooks.owns_cell(uri):
                continue  # cells: pushed, or pulled one by one
            try:
                version, diagnostics = await document_diagnostics(ls, uri)
            except Exception as exc:
                ls.log(f"lint failed for {uri}: {exc!r}", types.MessageType.Error)
                version, diagnostics = None, []
            if version is None:
                try:
                    version = ls.workspace.get_text_document(uri).version
                except Exception:
                    continue  # closed meanwhile
            rid = result_id(diagnostics)
            if previous.get(uri) == rid:
                items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=rid, version=version))
            else:
                items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=diagnostics, version=version,
                                                                          result_id=rid))
        return types.WorkspaceDiagnosticReport(items=items)
