"""``# %%`` cell extraction for torchwise.runCell (pure text, no kernel)."""

from __future__ import annotations

import pytest

from torchwise.kernel.cells import cell_at

SOURCE = (
    "import torch\n"        # 0  (above the first marker: a cell of its own)
    "# %% load\n"           # 1
    "x = 1\n"               # 2
    "#%%\n"                 # 3  (no space is a marker too)
    "y = 2\n"               # 4
    "    # %% indented\n"   # 5  (not a marker: not at column 0)
    "# %% [markdown]\n"     # 6
    "# some notes\n"        # 7
)


@pytest.mark.parametrize(
    ("line", "first", "code"),
    [
        (0, 0, "import torch\n"),
        (1, 1, "# %% load\nx = 1\n"),
        (2, 1, "# %% load\nx = 1\n"),
        (3, 3, "#%%\ny = 2\n    # %% indented\n"),
        (5, 3, "#%%\ny = 2\n    # %% indented\n"),
        (7, 6, "# %% [markdown]\n# some notes\n"),
        (99, 6, "# %% [markdown]\n# some notes\n"),  # past the end: the last cell
        (-4, 0, "import torch\n"),
    ],
)
def test_cell_at(line, first, code):
    assert cell_at(SOURCE, line) == (code, first)


def test_file_without_markers_is_one_cell():
    text = "a = 1\nb = 2\n"
    assert cell_at(text, 1) == (text, 0)


def test_empty_file():
    assert cell_at("", 0) == ("", 0)


def test_marker_on_the_first_line_and_crlf():
    text = "# %%\r\nx = 1\r\n# %%\r\ny = 2\r\n"
    assert cell_at(text, 1) == ("# %%\r\nx = 1\r\n", 0)
    assert cell_at(text, 3) == ("# %%\r\ny = 2\r\n", 2)


def test_cells_count_only_lsp_line_ends():
    """A form feed or U+2028 inside a line does not start a new one (the editor's
    line 2 is the marker)."""
    source = "x = 1  # a\x0cb\u2028c\n# %%\ny = 2\n"
    assert cell_at(source, 2) == ("# %%\ny = 2\n", 1)
