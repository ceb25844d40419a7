"""Initialization, configuration and document lifetime.

Document events are handled once here and fanned out to the feature modules
through ``server.document_listeners``.
"""

from __future__ import annotations

import sys

from lsprotocol import types

from torchwise import documents
from torchwise.server import TorchwiseServer


def register(server: TorchwiseServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: TorchwiseServer, params: types.InitializeParams) -> None:
        documents.install(ls.workspace)  # LSP's line rules for every document from now on
        ls.apply_options(params.initialization_options)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: TorchwiseServer, params: types.DidChangeConfigurationParams) -> None:
        if isinstance(params.settings, dict) and params.settings:
            ls.apply_options(params.settings)
            ls.notify_document("configuration", "")
        ls.folder_settings.refresh_soon()  # type: ignore[attr-defined]  # a folder's settings may have changed

    @server.command("torchwise.serverModules")
    def server_modules(ls: TorchwiseServer, *args) -> list[str]:
        """Debugging aid (and the torch-free check in tests): modules loaded in the server."""
        return sorted(sys.modules)

    @server.command("torchwise.debugState")
    def debug_state(ls: TorchwiseServer, *args) -> dict:
        """Debugging aid (and what the reliability tests compare): the server's copy of
        an open document (``[{uri}]``), the analyses alive and the documents cached."""
        import gc

        from torchwise.analysis import LIVE_ANALYSES

        gc.collect()  # count the analyses still reachable, not garbage the collector has not reached yet
        uri = args[0].get("uri") if args and isinstance(args[0], dict) else None
        state: dict = {"liveAnalyses": len(LIVE_ANALYSES), "analysed": sorted(ls._analyses),
                       "open": sorted(ls.workspace.text_documents)}
        if uri and ls.is_open(uri):
            document = ls.workspace.get_text_document(uri)
            state["text"], state["version"] = document.source, document.version
        return state

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: TorchwiseServer, params: None) -> None:
        await ls.run_shutdown_listeners()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: TorchwiseServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.notify_document("open", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: TorchwiseServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.notify_document("change", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: TorchwiseServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.notify_document("save", params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TorchwiseServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)
        ls.notify_document("close", params.text_document.uri)
