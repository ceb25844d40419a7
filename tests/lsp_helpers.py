"""Helpers shared by the LSP end-to-end tests (import from here, not from conftest:
pytest may load tests/e2e/conftest.py under the same module name)."""


from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import default_feature

ROOT = Path(__file__).resolve().parent.parent


@default_feature(types.CLIENT_REGISTER_CAPABILITY)
def _register_capability(client: LanguageClient, params: types.RegistrationParams) -> None:
    """Accept dynamic registrations (the file watcher) as VS Code does, and remember them."""
    client.__dict__.setdefault("registrations", []).extend(params.registrations)
SERVER_COMMAND = [sys.executable, "-m", "torchwise", "serve"]


# One fresh cache directory per test session, removed at exit: a warm cache from an
# earlier run must not hide a broken runtime-docs worker, nor a bad run poison the next.
SESSION_CACHE = Path(tempfile.mkdtemp(prefix="torchwise-test-cache-"))
atexit.register(shutil.rmtree, SESSION_CACHE, ignore_errors=True)


def server_env(**extra: str) -> dict[str, str]:
    """Environment for a server under test: caches live in this session's temporary directory
    (an inherited TORCHWISE_CACHE_DIR is overridden)."""
    env = dict(os.environ)
    env["TORCHWISE_CACHE_DIR"] = str(SESSION_CACHE)
    env.update(extra)
    return env


def initialize_params(root: Path, **options) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options or None,
    )


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    """Write ``text`` to ``path`` and send didOpen; returns the uri."""
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


def position_of(text: str, needle: str, offset: int = 0, occurrence: int = 1) -> types.Position:
    """The LSP position of the ``occurrence``-th ``needle`` in ``text``, plus ``offset`` characters."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return types.Position(line=line, character=column)
