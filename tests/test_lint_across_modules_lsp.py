"""The editor lints with the project too: a finding that needs another module (the model's
softmax lives in ``nets/``, never opened) is published for the open file, as
``torchwise check`` reports it (tests/lint_projects)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, server_env

PROJECTS = Path(__file__).parent / "lint_projects"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    shutil.copytree(PROJECTS / "softmax_model_elsewhere", tmp_path / "ws")
    shutil.copytree(PROJECTS / "clean_across_modules", tmp_path / "clean")
    params = initialize_params(tmp_path / "ws")
    params.workspace_folders.append(types.WorkspaceFolder(uri=(tmp_path / "clean").as_uri(), name="clean"))
    for name in ("eval_helpers_across_modules", "clean_eval_helpers_across_modules", "weights_through_helpers",
                 "notebook_callers", "clean_notebook_callers", "grad_off_callers", "clean_grad_off_callers"):
        shutil.copytree(PROJECTS / name, tmp_path / name)
        params.workspace_folders.append(types.WorkspaceFolder(uri=(tmp_path / name).as_uri(), name=name))
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def _published(client: LanguageClient, path: Path) -> list[types.Diagnostic]:
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)
        if params.uri == uri:
            return tuple(params.diagnostics)


async def test_finding_from_another_module_is_published(client: LanguageClient, tmp_path: Path) -> None:
    diagnostics = await _published(client, tmp_path / "ws" / "fit.py")
    assert [(d.range.start.line, d.code) for d in diagnostics] == [(12, "TW201")]
    assert "(nets.classifier, line 13)" in diagnostics[0].message


async def test_clean_project_file_stays_silent(client: LanguageClient, tmp_path: Path) -> None:
    assert await _published(client, tmp_path / "clean" / "train.py") == ()


async def test_evaluation_helper_sees_callers_that_are_not_open(client: LanguageClient, tmp_path: Path) -> None:
    """The helper's callers (train.py, never opened) decide: under no_grad in the clean
    folder, without it in the other."""
    assert await _published(client, tmp_path / "clean_eval_helpers_across_modules" / "tools" / "evaluation.py") == ()
    diagnostics = await _published(client, tmp_path / "eval_helpers_across_modules" / "tools" / "evaluation.py")
    assert [(d.range.start.line, d.code) for d in diagnostics] == [(8, "TW106"), (15, "TW106"), (23, "TW106"), (29, "TW106")]


async def test_weight_returned_by_another_module_is_published(client: LanguageClient, tmp_path: Path) -> None:
    diagnostics = await _published(client, tmp_path / "weights_through_helpers" / "report.py")
    assert [(d.range.start.line, d.code) for d in diagnostics] == [(6, "TW110"), (7, "TW110"), (8, "TW110"), (9, "TW110")]
    assert "returned by the property head" in diagnostics[2].message


async def test_evaluation_helper_sees_callers_in_notebooks_and_a_few_calls_up(client: LanguageClient,
                                                                              tmp_path: Path) -> None:
    """A notebook on disk (never opened) calls the helper, directly or through a function
    of a cell; a script calls it through another module's helper: under no_grad in the
    clean folders, without it in the others. (Each folder's package has its own name: a
    module name shared by several workspace folders resolves to the first folder's.)"""
    for clean, package in (("clean_notebook_callers", "nbhelpers"), ("clean_grad_off_callers", "evalkit")):
        assert await _published(client, tmp_path / clean / package / "evaluation.py") == ()
    for name, package, lines in (("notebook_callers", "nbhelpers", [8, 14]), ("grad_off_callers", "evalkit", [9, 16])):
        diagnostics = await _published(client, tmp_path / name / package / "evaluation.py")
        assert [(d.range.start.line, d.code) for d in diagnostics] == [(line, "TW106") for line in lines]
