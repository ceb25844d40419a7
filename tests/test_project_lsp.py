"""The project model end to end: hovers that need other modules of the workspace, which
are never opened — every import style, returns, tuples, attribute chains, ``self``
attributes of classes defined elsewhere, call-site typing, the layers of the user's own
``nn.Module`` subclasses — answered on the first hover; a file changed on disk changes
the answer; broken modules leave the rest working."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env

FILES = {
    "src/pkg/__init__.py": "from .models import Net\nfrom . import engine as eng\n",
    "src/pkg/models/__init__.py": "from .net import *\nfrom .net import Net as Network\n",
    "src/pkg/models/net.py": '''\
import torch
import torch.nn as nn
from torch import Tensor


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(64)


class Net(Base):
    def __init__(self, hidden: int = 64):
        super().__init__()
        self.fc = nn.Linear(20, hidden)
        self.drop = nn.Dropout(0.2)
        self.head = Head()

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.drop(self.fc(x)))


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        return self.out(x)


class Plain:
    def __init__(self):
        self.size = 3
''',
    "src/pkg/engine.py": '''\
import torch
from .models.net import Net


def make_optimizer(model):
    return torch.optim.AdamW(model.parameters(), lr=1e-3)


def make_all():
    model = Net()
    return model, make_optimizer(model)


def build() -> Net:
    return Net()


def train_step(model, batch):
    model.train()
    return model(batch)
''',
    "src/pkg/nsp/deep/mod.py": "import torch.nn as nn\nlayer = nn.Conv2d(3, 8, 3)\n",
    "src/pkg/cyc_a.py": "from .cyc_b import thing\nfrom .cyc_b import *\n",
    "src/pkg/cyc_b.py": "from .cyc_a import thing\nfrom .cyc_a import *\n",
    "src/pkg/broken.py": "import torch.nn as nn\n\ndef make_layer():\n    return nn.GRU(4, 4)\n\ndef oops(:\n",
}

TRAIN = '''\
import torch
import pkg
import pkg.models.net as netmod
from pkg import Net, eng
from pkg.models import Network, Head, Plain
from pkg.engine import make_optimizer, make_all, build, train_step
from pkg.nsp.deep import mod as deepmod
from pkg.cyc_a import thing
from pkg.broken import make_layer
from pkg import huge, blob

model = Net()
optimizer = make_optimizer(model)
optimizer.zero_grad()
model.fc.weight.shape
other = netmod.Net()
other.head
m2, opt2 = make_all()
opt2.step()
b = build()
b.norm
deepmod.layer.weight
alias = Network
alias2 = alias
x = alias2()
x.drop
eng.build().fc
gru = make_layer()
gru.flatten_parameters
plain = Plain()
thing.zero_grad
train_step(model, torch.zeros(3))


class Big(Net):
    def grow(self):
        self.norm
        self.fc.bias
'''


def write_workspace(root: Path) -> None:
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "src/pkg/huge.py").write_text("import torch\n" + "x = torch.zeros(3)  # padding padding\n" * 140_000)
    (root / "src/pkg/blob.py").write_bytes(b"\x00\x01\xff\xfe" * 2000)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def project(lsp_client: LanguageClient, tmp_path: Path):
    write_workspace(tmp_path)
    await lsp_client.initialize_session(initialize_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


async def hover(client: LanguageClient, uri: str, position: types.Position) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position))


def text(result: types.Hover | None) -> str:
    assert result is not None, "expected a hover"
    return result.contents.value  # type: ignore[union-attr]


# (needle, offset into it, occurrence, expected text in the first hover)
FIRST_HOVERS = [
    ("optimizer.zero_grad", 12, 1, "torch.optim.Optimizer.zero_grad"),  # a function's return value
    ("optimizer.zero_grad", 2, 1, "(variable) optimizer: torch.optim.AdamW"),
    ("model.fc.weight", 7, 1, "torch.nn.Linear"),  # self.x of a class in another module
    ("fc.weight.shape", 4, 1, "torch.nn.Parameter"),  # attribute chain
    ("weight.shape", 8, 1, "torch.Size"),
    ("other.head", 7, 1, "`out`: `Linear(64, 10)`"),  # import a.b.c as m; a user module's layers
    ("opt2.step", 6, 1, "torch.optim.Optimizer.step"),  # tuple unpacking of a return
    ("m2, opt2", 0, 1, "(variable) m2: Net"),
    ("b.norm", 3, 1, "torch.nn.LayerNorm"),  # return annotation; attribute of a base class elsewhere
    ("deepmod.layer", 9, 1, "torch.nn.Conv2d"),  # namespace packages
    ("x.drop", 3, 1, "torch.nn.Dropout"),  # re-export, `as`, alias of an alias
    ("eng.build().fc", 13, 1, "torch.nn.Linear"),  # `from . import engine as eng` re-exported
    ("gru.flatten_parameters", 5, 1, "torch.nn.GRU"),  # a module that does not parse (its good part)
    ("self.norm", 6, 1, "torch.nn.LayerNorm"),  # self attributes of bases defined elsewhere
    ("self.fc.bias", 9, 1, "torch.nn.Parameter"),
    ("model = Net()", 9, 1, "**Layers**"),  # a user nn.Module class: its layers
    ("model = Net()", 0, 1, "(variable) model: Net"),
]


async def test_first_hover_answers_across_modules(project: LanguageClient, tmp_path: Path):
    client = project
    (tmp_path / "scripts").mkdir()
    uri = open_document(client, tmp_path / "scripts" / "train.py", TRAIN)
    failures = []
    for needle, offset, occurrence, expected in FIRST_HOVERS:
        result = await hover(client, uri, position_of(TRAIN, needle, offset, occurrence))
        shown = result.contents.value if result is not None else None  # type: ignore[union-attr]
        if shown is None or expected not in shown:
            failures.append((needle, expected, shown))
    assert not failures, failures


async def test_user_module_hover_shows_layers_and_forward(project: LanguageClient, tmp_path: Path):
    client = project
    (tmp_path / "scripts").mkdir()
    uri = open_document(client, tmp_path / "scripts" / "train.py", TRAIN)
    shown = text(await hover(client, uri, position_of(TRAIN, "model = Net()", 9)))
    assert "class Net(Base)" in shown and "torch.nn.Module" in shown and "src/pkg/models/net.py" in shown
    assert "- `fc`: `Linear(20, hidden)`" in shown and "- `drop`: `Dropout(0.2)`" in shown
    assert "- `head`: `Head()`" in shown
    assert "def forward(self, x: Tensor) -> Tensor" in shown


@pytest.mark.parametrize("needle, offset", [
    ("make_optimizer(model)", 0),  # a plain user function
    ("plain = Plain()", 9),  # a user class that is not a module
    ("plain = Plain()", 0),
    ("eng.build", 0),  # a user module
    ("thing.zero_grad", 0),  # an import cycle: unknown, and the server answers
    ("train_step(model", 0),
])
async def test_user_names_that_are_not_torch_answer_null(project: LanguageClient, tmp_path: Path, needle, offset):
    (tmp_path / "scripts").mkdir()
    uri = open_document(project, tmp_path / "scripts" / "train.py", TRAIN)
    assert await hover(project, uri, position_of(TRAIN, needle, offset)) is None


async def test_call_site_typing_of_unannotated_parameters(project: LanguageClient, tmp_path: Path):
    """engine.train_step(model, batch) is called once, from an unopened script, with a Net."""
    client = project
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "train.py").write_text(TRAIN)  # created after start-up: the watcher says so
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(tmp_path / "scripts" / "train.py").as_uri(), type=types.FileChangeType.Created)]))
    engine = FILES["src/pkg/engine.py"]
    uri = open_document(client, tmp_path / "src/pkg/engine.py", engine)
    assert "torch.nn.Module.train" in text(await hover(client, uri, position_of(engine, "model.train", 7)))
    # make_optimizer(model) is called with a Net from engine.py itself and from train.py
    assert "torch.nn.Module.parameters" in text(await hover(client, uri, position_of(engine, "model.parameters", 7)))


async def test_a_file_changed_on_disk_changes_the_answer(project: LanguageClient, tmp_path: Path):
    client = project
    for _ in range(50):  # the server registers the watcher once initialized
        registrations = getattr(client, "registrations", [])
        if registrations:
            break
        await asyncio.sleep(0.1)
    assert [r.register_options for r in registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    (tmp_path / "scripts").mkdir()
    uri = open_document(client, tmp_path / "scripts" / "train.py", TRAIN)
    position = position_of(TRAIN, "model.fc.weight", 7)
    assert "torch.nn.Linear" in text(await hover(client, uri, position))
    net = tmp_path / "src/pkg/models/net.py"
    net.write_text(FILES["src/pkg/models/net.py"].replace("nn.Linear(20, hidden)", "nn.Conv1d(20, hidden, 3)"))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=net.as_uri(), type=types.FileChangeType.Changed)]))
    assert "torch.nn.Conv1d" in text(await hover(client, uri, position))
    # a new module appears
    (tmp_path / "src/pkg/extra.py").write_text("import torch.nn as nn\nlayer = nn.GELU()\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(tmp_path / "src/pkg/extra.py").as_uri(), type=types.FileChangeType.Created)]))
    source = "from pkg.extra import layer\nlayer.forward\n"
    other = open_document(client, tmp_path / "scripts" / "use_extra.py", source)
    assert "torch.nn.GELU" in text(await hover(client, other, position_of(source, "layer.forward", 2)))


async def test_bad_modules_are_reported_once_and_the_rest_works(project: LanguageClient, tmp_path: Path):
    client = project
    (tmp_path / "scripts").mkdir()
    uri = open_document(client, tmp_path / "scripts" / "train.py", TRAIN)
    source = TRAIN + "huge.x\nblob.y\n"
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=source)]))
    for _ in range(2):
        assert await hover(client, uri, position_of(source, "huge.x", 5)) is None
        assert await hover(client, uri, position_of(source, "blob.y", 5)) is None
    assert "torch.nn.GRU" in text(await hover(client, uri, position_of(source, "gru.flatten_parameters", 5)))
    assert "torch.nn.Dropout" in text(await hover(client, uri, position_of(source, "x.drop", 3)))
    for _ in range(50):  # the background indexer may be the one that meets them first
        skipped = [m.message for m in client.log_messages if "project: not indexing" in m.message]
        if len(skipped) >= 2:
            break
        await asyncio.sleep(0.1)
    assert len([m for m in skipped if "huge.py" in m and "too large" in m]) == 1, skipped
    assert len([m for m in skipped if "blob.py" in m and ("binary" in m or "UTF-8" in m)]) == 1, skipped


async def test_completion_defaults_use_names_typed_from_other_modules(project: LanguageClient, tmp_path: Path):
    """Snippet defaults pick the file's model and optimizer even when both come from another module."""
    client = project
    source = "from pkg import Net\nfrom pkg.engine import make_optimizer\n\nnet = Net()\nopt = make_optimizer(net)\n\n"
    (tmp_path / "scripts").mkdir()
    uri = open_document(client, tmp_path / "scripts" / "run.py", source)
    items = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=source.count("\n"), character=0)))
    items = items.items if isinstance(items, types.CompletionList) else items
    step = {i.label: i for i in items}["pt-train-step"].text_edit.new_text
    assert "${6:net}" in step and "${4:opt}" in step, step


def test_a_request_read_together_with_initialized_sees_the_workspace(tmp_path: Path) -> None:
    """``initialized``, ``didOpen`` and a completion in one write, as a fast client's
    pipe may deliver them: the completion is handled after the folders are set (an
    async ``initialized`` handler ran only after the others, and the completion saw no
    workspace: the snippet kept ``model``/``optimizer``, an intermittent failure of the
    test above on a loaded machine)."""
    import subprocess

    from test_cli_serve import _frame, _read_message

    write_workspace(tmp_path)
    source = "from pkg import Net\nfrom pkg.engine import make_optimizer\n\nnet = Net()\nopt = make_optimizer(net)\n\n"
    (tmp_path / "scripts").mkdir()
    path = tmp_path / "scripts" / "run.py"
    path.write_text(source, encoding="utf-8")
    params = {"processId": None, "rootUri": tmp_path.as_uri(),
              "capabilities": {"textDocument": {"completion": {"completionItem": {"snippetSupport": True}}}}}
    proc = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=server_env())
    try:
        proc.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
        proc.stdin.flush()
        assert _read_message(proc.stdout)["id"] == 1
        uri = path.as_uri()
        proc.stdin.write(
            _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
            + _frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": source}}})
            + _frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion", "params": {
                "textDocument": {"uri": uri}, "position": {"line": source.count("\n"), "character": 0}}}))
        proc.stdin.flush()
        while True:
            message = _read_message(proc.stdout)
            if "method" in message and "id" in message:  # a request to the client: answer it
                proc.stdin.write(_frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
                proc.stdin.flush()
            elif message.get("id") == 2:
                break
        result = message["result"]
        items = result["items"] if isinstance(result, dict) else result
        step = {i["label"]: i for i in items}["pt-train-step"]["textEdit"]["newText"]
        assert "${6:net}" in step and "${4:opt}" in step, step
    finally:
        proc.kill()
        proc.wait()
