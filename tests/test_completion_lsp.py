"""Snippet completion over real LSP (pytest-lsp drives ``torchwise serve`` over stdio),
plus direct tests of the "can a statement start here?" scanner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env
from torchwise import snippets as snip
from torchwise.completion import line_start_state, statement_word

LIBRARY = snip.load_snippets()
ALL_PREFIXES = {p for s in LIBRARY for p in s.prefixes}


async def complete(client: LanguageClient, uri: str, position: types.Position) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    if result is None:
        return []
    return list(result.items if isinstance(result, types.CompletionList) else result)


def labels(items: list[types.CompletionItem]) -> set[str]:
    return {item.label for item in items}


# ------------------------------------------------------------------ over LSP

SOURCE = '''import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        return x


net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
message = "pt-train is not code"  # pt-train in a comment
doc = """
pt-train-loop inside a docstring
"""
value = torch.zeros(3)
values = [
    pt
]
value.pt
total = 1 + pt
long_line = 1 + \\
    pt

def train():
    pt-tr

pt-sched
'''


async def test_blank_line_offers_every_snippet_as_snippet(client: LanguageClient, tmp_path: Path):
    uri = open_document(client, tmp_path / "blank.py", "import torch\n\n\n")
    items = await complete(client, uri, types.Position(line=1, character=0))
    assert labels(items) == ALL_PREFIXES
    for item in items:
        assert item.kind == types.CompletionItemKind.Snippet
        assert item.insert_text_format == types.InsertTextFormat.Snippet
        assert item.filter_text == item.label and item.detail
        assert isinstance(item.documentation, types.MarkupContent)
        assert item.documentation.kind == types.MarkupKind.Markdown
        assert "```python\n" in item.documentation.value
        assert item.text_edit.range.start == item.text_edit.range.end == types.Position(line=1, character=0)
    loop = next(i for i in items if i.label == "pt-train-loop")
    assert "${1:num_epochs}" in loop.text_edit.new_text and loop.text_edit.new_text.endswith("${0}")
    assert 'print(f"epoch {epoch + 1}: train loss' in loop.text_edit.new_text  # no needless escapes
    preview = loop.documentation.value.split("```python\n", 1)[1].rsplit("\n```", 1)[0]
    ast.parse(preview)
    assert "zero_grad(set_to_none=True)" in preview and "${" not in preview


async def test_prefix_filters_and_replaces_the_typed_word(client: LanguageClient, tmp_path: Path):
    uri = open_document(client, tmp_path / "train.py", SOURCE)
    items = await complete(client, uri, position_of(SOURCE, "pt-tr\n", offset=5))
    assert labels(items) == {p for p in ALL_PREFIXES if p.startswith("pt-tr")}
    assert {"pt-train-loop", "pt-train-step", "pt-transfer"} <= labels(items)
    start = position_of(SOURCE, "pt-tr\n")
    for item in items:
        assert item.text_edit.range.start == start  # the whole "pt-tr" is replaced, '-' included
        assert item.text_edit.range.end == position_of(SOURCE, "pt-tr\n", offset=5)
    sched = await complete(client, uri, position_of(SOURCE, "pt-sched\n", offset=8))
    assert labels(sched) == {"pt-sched-step", "pt-sched-cosine", "pt-sched-onecycle", "pt-sched-plateau"}
    nothing = await complete(client, uri, position_of(SOURCE, "net = Net()", offset=3))
    assert nothing == []  # "net" starts no snippet prefix


@pytest.mark.parametrize("needle, offset", [
    ('pt-train is not code"', 8),  # inside a string
    ("pt-train in a comment", 8),  # inside a comment
    ("pt-train-loop inside", 13),  # inside a triple-quoted string
    ("    pt\n]", 6),  # inside brackets
    ("value.pt", 8),  # after a dot
    ("1 + pt", 6),  # in the middle of an expression
    ("    pt\n\ndef", 6),  # after a backslash continuation
    ("net = Net()", 0),  # before code on the line
])
async def test_no_snippets_where_no_statement_starts(client: LanguageClient, tmp_path: Path, needle, offset):
    uri = open_document(client, tmp_path / "train.py", SOURCE)
    assert await complete(client, uri, position_of(SOURCE, needle, offset=offset)) == []


async def test_existing_names_become_defaults(client: LanguageClient, tmp_path: Path):
    source = SOURCE + "loader = torch.utils.data.DataLoader(range(4))\n\n"
    uri = open_document(client, tmp_path / "names.py", source)
    items = await complete(client, uri, types.Position(line=source.count("\n"), character=0))
    by_label = {i.label: i for i in items}
    step = by_label["pt-train-step"].text_edit.new_text
    assert "${6:net}" in step and "${4:opt}" in step  # the file's model and optimizer
    loop = by_label["pt-train-loop"].text_edit.new_text
    assert "${4:loader}" in loop and "${7:val_loader}" in loop
    # a snippet that defines the name keeps its own default
    assert "${2:optimizer} = torch.optim.AdamW" in by_label["pt-optimizer"].text_edit.new_text
    assert "${2:model} = resnet" in by_label["pt-transfer"].text_edit.new_text


async def test_indented_position_and_variables(client: LanguageClient, tmp_path: Path):
    source = "def main():\n    \n"
    uri = open_document(client, tmp_path / "script.py", source)
    items = await complete(client, uri, types.Position(line=1, character=4))
    assert labels(items) == ALL_PREFIXES
    ddp = next(i for i in items if i.label == "pt-ddp")
    # VS Code's capabilities include adjustIndentation: the client indents the lines
    assert ddp.insert_text_mode == types.InsertTextMode.AdjustIndentation
    assert "\nimport os\n" in ddp.text_edit.new_text
    assert "script.py" in ddp.text_edit.new_text and "TM_FILENAME" not in ddp.text_edit.new_text


async def test_option_snippets_false_turns_them_off(client: LanguageClient, tmp_path: Path):
    uri = open_document(client, tmp_path / "off.py", "\n")
    assert await complete(client, uri, types.Position(line=0, character=0))
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"torchwise": {"snippets": False}})
    )
    assert await complete(client, uri, types.Position(line=0, character=0)) == []
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"torchwise": {"snippets": True}})
    )
    assert labels(await complete(client, uri, types.Position(line=0, character=0))) == ALL_PREFIXES


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def vscode_client(lsp_client: LanguageClient, tmp_path: Path):
    """Initialized the way the VS Code client does: snippets come from package.json."""
    await lsp_client.initialize_session(initialize_params(tmp_path, snippets=False))
    yield
    await lsp_client.shutdown_session()


async def test_initialization_option_snippets_false(vscode_client: LanguageClient, tmp_path: Path):
    uri = open_document(vscode_client, tmp_path / "vs.py", "\n")
    assert await complete(vscode_client, uri, types.Position(line=0, character=0)) == []


# ------------------------------------------------------------------ the scanner


@pytest.mark.parametrize("text, state", [
    ("", "code"),
    ("x = 1\n", "code"),
    ("x = (1,\n", "bracket"),
    ("x = [1, {2: (3,\n", "bracket"),
    ("x = [1]\ny = {}\n", "code"),
    ('s = """\n', "string"),
    ("s = '''abc\n", "string"),
    ('s = """abc"""\n', "code"),
    ('s = r"""a\\"""\n', "string"),  # \" does not close a raw triple-quoted string
    ('s = f"""{x}\n', "string"),
    ('s = "(" + \'[\'\n', "code"),  # brackets in strings do not count
    ("# (\n", "code"),  # nor in comments
    ('s = "#"  # """\n', "code"),
    ("x = 1 + \\\n", "continuation"),
    ("x = 1 + \\\n    2\n", "code"),
    ('s = "unterminated\ny = (\n', "bracket"),
    ('d = """\n"""\ne = """""" # ""\n', "code"),
])
def test_line_start_state(text, state):
    assert line_start_state(text) == state


@pytest.mark.parametrize("lines, line, character, expected", [
    (["pt-tr"], 0, 5, (0, "pt-tr")),
    (["    pt"], 0, 6, (4, "pt")),
    (["    "], 0, 4, (4, "")),
    (["    "], 0, 2, (2, "")),
    ([""], 0, 0, (0, "")),
    (["x = pt"], 0, 6, None),
    (["foo.pt"], 0, 6, None),
    (["# pt"], 0, 4, None),
    (["pt-tr"], 3, 0, None),  # beyond the document
    (["x = 1"], 0, 0, None),  # code after the cursor
    (["pt  # note"], 0, 2, (0, "pt")),
    (["f(", "pt"], 1, 2, None),
])
def test_statement_word(lines, line, character, expected):
    assert statement_word(lines, line, character) == expected


def test_existing_names_after_the_linter_used_the_same_analysis():
    """The linter memoizes resolve() on the shared Analysis by node id; the name
    look-up must not be fooled by it (the server lints before completing)."""
    from torchwise.analysis import Analysis
    from torchwise.completion import existing_names
    from torchwise.lint.engine import lint_analysis, select_rules

    source = SOURCE + "loader = torch.utils.data.DataLoader(range(4))\n\n"
    analysis = Analysis(source, path="names.py")
    lint_analysis(analysis, "names.py", select_rules(["ALL"]))
    assert existing_names(analysis, source.count("\n") + 1) == {
        "model": "net", "optimizer": "opt", "train_loader": "loader"}
