"""textDocument/hover: knowledge-base text for the PyTorch name under the cursor."""

from __future__ import annotations

from lsprotocol import types

from torchwise.server import TorchwiseServer


def register(server: TorchwiseServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: TorchwiseServer, params: types.HoverParams) -> types.Hover | None:
        return None
