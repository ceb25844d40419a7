"""The project model over modules that are never opened: ``from m import *`` of the
user's own modules honours ``__all__`` (and, without one, leaves ``_private`` names out),
and classes nested in classes of other modules (``Outer.Inner(...)``) have their
attributes and their layer hover — all on the first hover."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, open_document, position_of, server_env

FILES = {
    "pkg/__init__.py": "from .layers import *\nfrom .blocks import *\n",
    "pkg/layers.py": '''\
import torch.nn as nn

__all__ = ["Encoder"]
__all__ += ["Decoder"]
__all__.append("make_head")


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 4)


class Hidden(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3)


def make_head():
    return nn.Linear(8, 2)


head_default = nn.Linear(1, 1)
''',
    "pkg/sub/__init__.py": "__all__ = ('tools',)\n",
    "pkg/sub/tools.py": "import torch.nn as nn\nact = nn.GELU()\n",
    "pkg/blocks.py": '''\
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(8)


_private_layer = nn.ReLU()
public_layer = nn.Tanh()
''',
    "pkg/outer.py": '''\
import torch.nn as nn


class Outer(nn.Module):
    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(3, 3)
            self.drop = nn.Dropout(0.1)

        def forward(self, x):
            return self.proj(x)

    def __init__(self):
        super().__init__()
        self.inner = Outer.Inner()

    def forward(self, x):
        return self.inner(x)


class Inner:
    def __init__(self):
        self.proj = 3
''',
}

SCRIPT = '''\
from pkg import *
from pkg.layers import *
from pkg.sub import *
from pkg.outer import Outer, Inner

enc = Encoder()
enc.fc
dec = Decoder()
dec.gru
make_head().weight
tools.act
blk = Block()
blk.norm
public_layer.forward
hid = Hidden()
hid.conv
head_default.weight
_private_layer.forward
inner = Outer.Inner()
inner.proj
inner.drop
o = Outer()
o.inner.drop
plain = Inner()
plain.proj
'''


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def workspace(lsp_client: LanguageClient, tmp_path: Path):
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    await lsp_client.initialize_session(initialize_params(tmp_path))
    yield
    await lsp_client.shutdown_session()


def open_script(client: LanguageClient, root: Path) -> str:
    (root / "scripts").mkdir()
    return open_document(client, root / "scripts" / "run.py", SCRIPT)


async def hover(client: LanguageClient, uri: str, needle: str, offset: int) -> str | None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(SCRIPT, needle, offset)))
    return result.contents.value if result is not None else None  # type: ignore[union-attr]


@pytest.mark.parametrize("needle, offset, expected", [
    ("enc.fc", 4, "torch.nn.Linear"),  # listed in __all__
    ("dec.gru", 4, "torch.nn.GRU"),  # added by __all__ +=
    ("make_head().weight", 12, "torch.nn.Parameter"),  # added by __all__.append
    ("tools.act", 6, "torch.nn.GELU"),  # a submodule named by a package's __all__
    ("blk.norm", 4, "torch.nn.LayerNorm"),  # no __all__: public names, through the package's star
    ("public_layer.forward", 0, "public_layer: torch.nn.Tanh"),
    ("inner.proj", 6, "torch.nn.Linear"),  # a class nested in a class of another module
    ("inner.drop", 6, "torch.nn.Dropout"),
    ("o.inner.drop", 8, "torch.nn.Dropout"),  # self.inner = Outer.Inner() in the outer class
    ("inner = Outer.Inner()", 14, "**Layers**\n- `proj`: `Linear(3, 3)`\n- `drop`: `Dropout(0.1)`"),
    ("inner = Outer.Inner()", 0, "(variable) inner: Inner"),
])
async def test_first_hover_sees_star_exports_and_nested_classes(workspace: LanguageClient, tmp_path: Path,
                                                                needle, offset, expected):
    shown = await hover(workspace, open_script(workspace, tmp_path), needle, offset)
    assert shown is not None and expected in shown, shown


@pytest.mark.parametrize("needle, offset", [
    ("hid.conv", 4),  # Hidden is not in __all__: the star import does not bind it
    ("head_default.weight", 13),  # nor this
    ("_private_layer.forward", 15),  # no __all__: a _private name is not exported
    ("plain.proj", 6),  # the top-level Inner is a plain class, not Outer.Inner
])
async def test_names_a_star_import_does_not_bind_answer_null(workspace: LanguageClient, tmp_path: Path,
                                                             needle, offset):
    assert await hover(workspace, open_script(workspace, tmp_path), needle, offset) is None


@pytest.mark.parametrize("source, expected", [
    ("__all__ = ['a', 'b']\n__all__ += ('c',)\n__all__.extend(['d'])\n__all__.append('e')\n__all__.remove('a')\n",
     ("b", "c", "d", "e")),
    ("__all__: list[str] = ['a'] + ['b']\n", ("a", "b")),
    ("x = 1\n", None),  # none: a star import binds the public names
    ("from .m import __all__ as inner\n__all__ = inner + ['a']\n", None),  # built in a way we cannot read
    ("__all__ = ['a']\n__all__ += names()\n", None),
    ("__all__ = ['a']\n__all__.insert(0, 'b')\n", None),
])
def test_dunder_all_is_read_from_literals_only(source, expected):
    import ast

    from torchwise.project.summaries import dunder_all

    assert dunder_all(ast.parse(source)) == expected
