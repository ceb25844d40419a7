"""Shared fixtures: a real torchwise server over stdio, driven by pytest-lsp with
VS Code's client capabilities. Helpers live in lsp_helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest_lsp
from hypothesis import settings
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, SESSION_CACHE, initialize_params, server_env

# Every process the tests start (CLI runs, servers started without server_env) shares this
# session's temporary cache, never the user's or the repository's.
os.environ["TORCHWISE_CACHE_DIR"] = str(SESSION_CACHE)

# No property test has a deadline: a timing is not a test's verdict (CI failed once on a
# 280 ms first example of a text round trip on a loaded 2-core machine); slowness is
# measured side by side in bench/.
settings.register_profile("torchwise", deadline=None)
settings.load_profile("torchwise")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    """A server initialized on an empty workspace in ``tmp_path``."""
    await lsp_client.initialize_session(initialize_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


