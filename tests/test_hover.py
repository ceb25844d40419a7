"""End-to-end hover tests: a real server over stdio, VS Code's client capabilities."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env

SCRIPT = '''\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim as O
from torch.nn import CrossEntropyLoss as CE
from torch.optim.lr_scheduler import *
from torch.utils.data import DataLoader
import numpy as np


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        return self.fc(self.drop(x))


def train(model: nn.Module, loader: DataLoader, device):
    optimizer = O.AdamW(model.parameters(), lr=1e-3)
    scheduler = StepLR(optimizer, step_size=10)
    criterion = CE()
    for inputs, targets in loader:
        inputs = inputs.to(device)
        loss = criterion(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    return F.softmax(model(inputs), dim=-1)


seq = nn.Sequential(nn.Linear(4, 4), nn.ReLU()).to("cpu")
seq.train()
net = Net()
net.eval()
total = torch.logaddexp(torch.zeros(2), torch.ones(2))
arr = np.zeros(3)
message = "nn.Linear in a string"
'''


async def hover(client: LanguageClient, uri: str, position: types.Position) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )


def text_of(result: types.Hover | None) -> str:
    assert result is not None, "expected a hover"
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


@pytest.fixture
def script(client: LanguageClient, tmp_path: Path) -> str:
    return open_document(client, tmp_path / "train.py", SCRIPT)


@pytest.mark.parametrize(
    "needle, offset, occurrence, expected",
    [
        # import styles
        ("nn.Linear(4, 2)", 3, 1, "torch.nn.Linear"),  # import torch.nn as nn
        ("O.AdamW", 2, 1, "torch.optim.AdamW"),  # from torch import optim as O
        ("CE()", 0, 1, "torch.nn.CrossEntropyLoss"),  # from torch.nn import X as CE
        ("StepLR(optimizer", 0, 1, "torch.optim.lr_scheduler.StepLR"),  # star import
        ("F.softmax", 2, 1, "torch.nn.functional.softmax"),  # import torch.nn.functional as F
        ("torch.logaddexp", 6, 1, "torch.logaddexp"),  # attribute chain (runtime docs or KB)
        ("CrossEntropyLoss as CE", 0, 1, "torch.nn.CrossEntropyLoss"),  # on the import line itself
        # methods of inferred objects
        ("optimizer.zero_grad", 10, 1, "torch.optim.Optimizer.zero_grad"),
        ("optimizer.step", 10, 1, "torch.optim.Optimizer.step"),
        ("scheduler.step", 10, 1, "torch.optim.lr_scheduler.LRScheduler.step"),  # via the MRO
        ("loss.backward", 5, 1, "torch.Tensor.backward"),
        ("seq.train", 4, 1, "torch.nn.Module.train"),  # nn.Sequential(...).to(device)
        ("net.eval", 4, 1, "torch.nn.Module.eval"),  # subclass of nn.Module
        ("model.parameters", 6, 1, "torch.nn.Module.parameters"),  # annotated parameter
        ("inputs.to(device)", 7, 1, "torch.Tensor.to"),  # loop variable from a DataLoader
        # self. attributes
        ("self.fc(self", 5, 1, "torch.nn.Linear"),
        ("self.drop(x)", 5, 1, "torch.nn.Dropout"),
    ],
)
async def test_hover_resolves(client: LanguageClient, script: str, needle, offset, occurrence, expected):
    position = position_of(SCRIPT, needle, offset, occurrence)
    text = await _hover_text(client, script, position)
    assert expected in text, text


async def _hover_text(client: LanguageClient, uri: str, position: types.Position) -> str:
    """Hover text, retrying while a runtime docstring is still loading."""
    for _ in range(100):
        result = await hover(client, uri, position)
        text = text_of(result)
        if "Loading the docstring" not in text:
            return text
        await asyncio.sleep(0.2)
    raise AssertionError("runtime docstring never arrived: " + text)


async def test_hover_has_the_knowledge_sections(client: LanguageClient, script: str):
    text = await _hover_text(client, script, position_of(SCRIPT, "CE()", 0))
    assert "```python" in text
    assert "class torch.nn.CrossEntropyLoss(" in text
    assert "**Shapes**" in text and "**Pitfalls**" in text and "**Example**" in text
    assert "softmax-before-cross-entropy" in text
    assert "https://docs.pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html" in text


async def test_hover_on_variable_shows_its_type(client: LanguageClient, script: str):
    text = await _hover_text(client, script, position_of(SCRIPT, "optimizer.zero_grad", 2))
    assert "(variable) optimizer: torch.optim.AdamW" in text


async def test_hover_range_covers_the_attribute(client: LanguageClient, script: str):
    position = position_of(SCRIPT, "optimizer.zero_grad", 12)
    result = await hover(client, script, position)
    assert result is not None and result.range is not None
    start = position_of(SCRIPT, "optimizer.zero_grad", 10)
    assert result.range.start == start
    assert result.range.end.character == start.character + len("zero_grad")


@pytest.mark.parametrize(
    "needle, offset",
    [
        ("np.zeros", 4),  # numpy
        ("arr =", 0),  # a non-torch variable
        ("nn.Linear in a string", 3),  # inside a string
        ("class Net", 7),  # a local class name
        ("def train", 5),
        ("message", 0),
    ],
)
async def test_non_torch_names_answer_null(client: LanguageClient, script: str, needle, offset):
    assert await hover(client, script, position_of(SCRIPT, needle, offset)) is None


async def test_runtime_docstring_for_a_name_the_knowledge_base_lacks(client: LanguageClient, tmp_path: Path):
    pytest.importorskip("torch")
    from torchwise.knowledge import default_knowledge

    assert "torch.special.erfcx" not in default_knowledge()
    text = "import torch\ny = torch.special.erfcx(torch.zeros(3))\n"
    uri = open_document(client, tmp_path / "rt.py", text)
    result = await _hover_text(client, uri, position_of(text, "erfcx", 1))
    assert "torch.special.erfcx" in result
    assert "Runtime docstring" in result
    # the docstring itself, from the worker (the session's cache starts empty)
    assert "Computes the scaled complementary error function for each element of" in result
    # rendered, not raw reST: the C function's signature line heads the hover, math is text
    assert "```python\ntorch.special.erfcx(input" in result
    assert ":math:" not in result and "\\frac" not in result and "\n.. " not in result


BROKEN = '''\
import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
def f(:
    optimizer.zero_grad(
x = torch.zeros(3).
'''


async def test_hover_in_broken_code(client: LanguageClient, tmp_path: Path):
    uri = open_document(client, tmp_path / "broken.py", BROKEN)
    text = await _hover_text(client, uri, position_of(BROKEN, "nn.Linear", 4))
    assert "torch.nn.Linear" in text
    text = await _hover_text(client, uri, position_of(BROKEN, "optim.SGD", 7))
    assert "torch.optim.SGD" in text
    # the line under the cursor is itself broken (unclosed call): resolved textually
    text = await _hover_text(client, uri, position_of(BROKEN, "zero_grad", 2))
    assert "torch.optim.Optimizer.zero_grad" in text


async def test_hover_on_unsaved_edit(client: LanguageClient, tmp_path: Path):
    uri = open_document(client, tmp_path / "edit.py", "import torch\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="import torch.nn as nn\nnn.GRU\n")],
        )
    )
    text = await _hover_text(client, uri, types.Position(line=1, character=4))
    assert "torch.nn.GRU" in text


async def test_hover_non_ascii_line(client: LanguageClient, tmp_path: Path):
    text = "import torch\ncafé = 'é' ; x = torch.nn.Linear(1, 1)\n"
    uri = open_document(client, tmp_path / "u.py", text)
    result = await _hover_text(client, uri, position_of(text, "Linear", 1))
    assert "torch.nn.Linear" in result


# ---------------------------------------------------------------- bad input
async def test_huge_and_binary_files_keep_the_server_serving(client: LanguageClient, tmp_path: Path):
    big = "import torch\n" + "x = torch.zeros(3)  # padding padding padding padding padding\n" * 90_000
    assert len(big) > 5_000_000
    big_uri = open_document(client, tmp_path / "big.py", big)
    binary_path = tmp_path / "blob.py"
    binary_path.write_bytes(b"\x00\x01\x02\xff\xfe" * 1000)
    binary_text = "\x00\x01\x02\ufffd" * 1000
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=binary_path.as_uri(), language_id="python", version=1, text=binary_text
            )
        )
    )
    for _ in range(2):  # asking twice still logs once per file
        assert await hover(client, binary_path.as_uri(), types.Position(line=0, character=2)) is None
        assert await hover(client, big_uri, types.Position(line=70_000, character=12)) is None
    skipped = [m.message for m in client.log_messages if "skipping" in m.message]
    assert len([m for m in skipped if "big.py" in m and "too large" in m]) == 1, skipped
    assert len([m for m in skipped if "blob.py" in m and "binary" in m]) == 1, skipped
    # a normal file still works afterwards
    small = "import torch.nn as nn\nnn.LSTM\n"
    uri = open_document(client, tmp_path / "small.py", small)
    assert "torch.nn.LSTM" in await _hover_text(client, uri, types.Position(line=1, character=4))


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()),
)
async def client_bad_interpreter(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(
        initialize_params(tmp_path, interpreter=str(tmp_path / "no" / "such" / "python"))
    )
    yield
    await lsp_client.shutdown_session()


async def test_missing_interpreter_logs_one_clear_line(client_bad_interpreter: LanguageClient, tmp_path: Path):
    client = client_bad_interpreter
    text = "import torch\ntorch.special.erfcx\ntorch.nn.Linear\n"
    uri = open_document(client, tmp_path / "x.py", text)
    for _ in range(50):
        result = await hover(client, uri, types.Position(line=1, character=16))
        if result is None:
            break
        await asyncio.sleep(0.1)
    assert result is None  # no runtime docs, no crash
    lines = [m.message for m in client.log_messages if "interpreter" in m.message]
    assert len(lines) == 1, lines
    assert "no/such/python" in lines[0] and "torchwise.interpreter" in lines[0]
    # the knowledge base still answers
    assert "torch.nn.Linear" in text_of(await hover(client, uri, types.Position(line=2, character=10)))


async def test_server_stays_torch_free(client: LanguageClient, script: str, tmp_path: Path):
    """After serving hovers (runtime docs included), the server process has not imported torch."""
    await _hover_text(client, script, position_of(SCRIPT, "CE()", 0))
    await _hover_text(client, script, position_of(SCRIPT, "torch.logaddexp", 6))
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="torchwise.serverModules", arguments=[])
    )
    assert isinstance(result, list) and "pygls" in result
    assert not [m for m in result if m == "torch" or m.startswith("torch.")]


async def test_names_from_other_workspace_files_answer_on_the_first_hover(tmp_path: Path):
    """`from models import Net; model = Net(); model.train`: the project model reads
    models.py (never opened) on the first hover; no waiting on jedi."""
    from pytest_lsp import ClientServerConfig as Config

    (tmp_path / "models.py").write_text(
        "import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
    )
    text = "from models import Net\nmodel = Net()\nmodel.train()\nmodel.whatever\nmodel.fc\n"
    client = await Config(server_command=SERVER_COMMAND, server_env=server_env()).start()
    try:
        await client.initialize_session(initialize_params(tmp_path))
        uri = open_document(client, tmp_path / "main.py", text)
        assert "torch.nn.Module.train" in text_of(await hover(client, uri, position_of(text, "model.train", 7)))
        assert "torch.nn.Linear" in text_of(await hover(client, uri, position_of(text, "model.fc", 7)))
        for _ in range(100):  # an undocumented name on a module: runtime docs find nothing
            result = await hover(client, uri, position_of(text, "whatever", 2))
            if result is None or "Loading the docstring" not in text_of(result):
                break
            await asyncio.sleep(0.1)
        assert result is None
        modules = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="torchwise.serverModules", arguments=[])
        )
        assert not [m for m in modules if m == "torch" or m.startswith("torch.")]
        assert "jedi" not in modules  # never needed on this path
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_hover_on_a_noqa_rule_code_shows_its_docs(client: LanguageClient, tmp_path: Path):
    text = "import torch\nstate = torch.load('m.pt')  # noqa: torch-load-without-weights-only\n"
    uri = open_document(client, tmp_path / "noqa.py", text)
    result = text_of(await hover(client, uri, position_of(text, "without-weights", 2)))
    assert "torch-load-without-weights-only" in result and "weights_only" in result


async def test_hover_links_lint_rules_to_their_docs(client: LanguageClient, script: str):
    text = await _hover_text(client, script, position_of(SCRIPT, "CE()", 0))
    assert "[`TW201` softmax-before-cross-entropy](https://docs.pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html)" in text
