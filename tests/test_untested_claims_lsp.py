"""Server options and client kinds no test exercised, over real LSP: ``runtimeDocs:
false``, ``lint.enabled: false``, options of the wrong type, completion for a client
without snippet support and in a CRLF file, the trust check on the kernel commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, server_env

CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


async def hover_value(client: LanguageClient, uri: str, line: int, character: int) -> str | None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
    return None if result is None else result.contents.value  # type: ignore[union-attr]


async def wait_publish(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISH), timeout=60)
        if params.uri == uri:
            return list(params.diagnostics)


# ------------------------------------------------------------------ options
@pytest_lsp.fixture(config=CONFIG)
async def no_runtime_docs(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, runtimeDocs=False))
    yield
    await lsp_client.shutdown_session()


async def test_runtime_docs_false_answers_from_the_knowledge_base_only(no_runtime_docs: LanguageClient, tmp_path: Path):
    source = "import torch\ny = torch.special.erfcx(torch.zeros(3))\n"
    uri = open_document(no_runtime_docs, tmp_path / "rt.py", source)
    # a name the knowledge base lacks: no hover at all (not "loading", not a docstring)
    assert await hover_value(no_runtime_docs, uri, 1, source.split("\n")[1].index("erfcx") + 1) is None
    # one it has: answered as usual
    value = await hover_value(no_runtime_docs, uri, 1, source.split("\n")[1].index("zeros") + 1)
    assert value is not None and value.startswith("```python\ntorch.zeros(")
    assert "Runtime docstring" not in value


@pytest_lsp.fixture(config=CONFIG)
async def wrong_types(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(
        tmp_path, lint={"enabled": "no", "debounceMs": 0}, snippets="yes", runtimeDocs=0))
    yield
    await lsp_client.shutdown_session()


async def test_options_of_the_wrong_type_are_reported_and_defaulted(wrong_types: LanguageClient, tmp_path: Path):
    uri = open_document(wrong_types, tmp_path / "bad.py", "import torch\ntorch.no_grad()\n")
    # lint.enabled stayed True (the default): the finding is published
    assert [d.code for d in await wait_publish(wrong_types, uri)] == ["TW107"]
    warnings = sorted(m.message for m in wrong_types.log_messages if m.type == types.MessageType.Warning)
    assert warnings == [
        "option lint.enabled has the wrong type (str), using the default",
        "option runtimeDocs has the wrong type (int), using the default",
        "option snippets has the wrong type (str), using the default",
    ]


@pytest_lsp.fixture(config=CONFIG)
async def lint_client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, lint={"debounceMs": 0}))
    yield
    await lsp_client.shutdown_session()


async def test_lint_enabled_false_clears_and_stops_diagnostics(lint_client: LanguageClient, tmp_path: Path):
    source = "import torch\ntorch.no_grad()\n"
    uri = open_document(lint_client, tmp_path / "bad.py", source)
    assert [d.code for d in await wait_publish(lint_client, uri)] == ["TW107"]
    lint_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"torchwise": {"lint": {"enabled": False}}}))
    assert await wait_publish(lint_client, uri) == []
    actions = await lint_client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=5)),
        context=types.CodeActionContext(diagnostics=[])))
    assert not actions
    lint_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"torchwise": {"lint": {"enabled": True}}}))
    assert [d.code for d in await wait_publish(lint_client, uri)] == ["TW107"]


# ------------------------------------------------------------------ completion
def _plain_client_params(root: Path) -> types.InitializeParams:
    params = initialize_params(root)
    item = params.capabilities.text_document.completion.completion_item  # type: ignore[union-attr]
    item.snippet_support = False
    item.insert_text_mode_support = None
    return params


@pytest_lsp.fixture(config=CONFIG)
async def plain_client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(_plain_client_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)))
    return list(result.items if isinstance(result, types.CompletionList) else (result or []))


def preview_of(item: types.CompletionItem) -> str:
    return item.documentation.value.split("```python\n", 1)[1].rsplit("\n```", 1)[0]  # type: ignore[union-attr]


async def test_completion_without_snippet_support_inserts_plain_indented_text(plain_client: LanguageClient,
                                                                              tmp_path: Path):
    source = "import torch\n\n\ndef main():\n    pt-seed\n"
    uri = open_document(plain_client, tmp_path / "plain.py", source)
    (item,) = await complete(plain_client, uri, 4, 11)
    assert (item.label, item.insert_text_format, item.insert_text_mode) == (
        "pt-seed", types.InsertTextFormat.PlainText, None)
    assert item.text_edit.range == types.Range(  # type: ignore[union-attr]
        start=types.Position(line=4, character=4), end=types.Position(line=4, character=11))
    preview = preview_of(item)
    assert "$" not in preview
    # no snippet syntax, and the client will not indent it: the server indents lines after the first
    expected = "\n".join(("    " + line) if i and line else line for i, line in enumerate(preview.split("\n")))
    assert item.text_edit.new_text == expected  # type: ignore[union-attr]


async def test_completion_in_a_crlf_file(lint_client: LanguageClient, tmp_path: Path):
    source = "import torch\r\n\r\npt-se\r\nx = 1\r\n"
    uri = open_document(lint_client, tmp_path / "crlf.py", source)
    (item,) = await complete(lint_client, uri, 2, 5)
    assert item.label == "pt-seed"
    assert item.insert_text_format == types.InsertTextFormat.Snippet
    assert item.text_edit.range == types.Range(  # type: ignore[union-attr]
        start=types.Position(line=2, character=0), end=types.Position(line=2, character=5))
    assert await complete(lint_client, uri, 3, 1) == []  # "x" starts no snippet prefix
    # a \r alone ends a line too
    uri = open_document(lint_client, tmp_path / "cr.py", "import torch\r\rpt-se\r")
    assert [i.label for i in await complete(lint_client, uri, 2, 5)] == ["pt-seed"]


# ------------------------------------------------------------------ trust
@pytest_lsp.fixture(config=CONFIG)
async def untrusted(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(tmp_path, trusted=False))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize("command, args", [
    ("torchwise.restart", []),
    ("torchwise.listDevices", []),
    ("torchwise.selectDevice", [{"device": "cpu"}]),
    ("torchwise.runCode", [{"code": "print(1)"}]),
])
async def test_kernel_commands_refuse_in_an_untrusted_workspace(untrusted: LanguageClient, command, args):
    with pytest.raises(JsonRpcException) as info:
        await untrusted.workspace_execute_command_async(types.ExecuteCommandParams(command=command, arguments=args))
    assert info.value.message == (
        f"{command} refused: this workspace is not trusted, so Torchwise does not run code in it "
        "(trust the workspace to enable running cells).")
    kernel = await untrusted.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.kernelInfo", arguments=[]))
    assert (kernel["state"], kernel["bridgePid"], kernel["kernelPid"]) == ("stopped", None, None)  # nothing started
