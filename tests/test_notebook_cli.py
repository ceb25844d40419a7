"""``torchwise check`` on notebooks: findings per cell (``path:cell N:line:col``), found
in directories too, ``--fix`` rewriting only the changed cells' sources (the rest of
the JSON byte-identical), and one clear line for what is not a notebook."""

from __future__ import annotations

import json
from pathlib import Path

from torchwise.cli import main
from torchwise.notebook_cells import join_cells, python_lines

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "torch.load('x.pt')"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {"tags": ["setup"]},
         "outputs": [{"name": "stdout", "output_type": "stream", "text": ["héllo\n"]}],
         "source": ["%matplotlib inline\n", "import torch\n", "import torch.nn as nn\n", "!pip list"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["model = nn.Sequential(nn.Linear(4, 2))\n", "state = torch.load('m.pt')\n",
                    "y = torch.log(1 + torch.zeros(3))"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": "x = 1\r\ny = 2"},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "name": "python3"}, "zeta": 1, "alpha": 2},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def write(path: Path, indent: int = 1) -> str:
    text = json.dumps(NOTEBOOK, indent=indent, ensure_ascii=False) + "\n"
    path.write_bytes(text.encode("utf-8"))
    return text


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_findings_name_their_cell(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "nb.ipynb")
    code, out, err = run(capsys, "nb.ipynb")
    assert code == 1, err
    assert "nb.ipynb:cell 3:2:9: TW501" in out  # torch.load on line 2 of the third cell
    assert "nb.ipynb:cell 3:3:5: TW806" in out
    assert "cell 1" not in out and "cell 2" not in out  # markdown and magics raise nothing


def test_the_full_format_shows_the_cells_lines(tmp_path: Path, capsys, monkeypatch) -> None:
    """``--output-format full`` shows the cell's line under a notebook finding (it showed
    an empty line: the JSON's line of that number; batch 20's review)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "nb.ipynb")
    code, out, err = run(capsys, "--output-format", "full", "nb.ipynb")
    assert code == 1, err
    shown = out.split("nb.ipynb:cell 3:2:9: TW501", 1)[1].splitlines()
    assert shown[2] == "2 | state = torch.load('m.pt')", shown
    assert shown[3] == "  |         ^^^^^^^^^^^^^^^^^^", shown


def test_a_message_names_another_cell_as_the_output_does(tmp_path: Path, capsys, monkeypatch) -> None:
    """The softmax fed to the loss is named by its cell and line, as findings are shown
    (``cell 3, line 2``), not by its line in the joined cells (dair-ai/ML-Notebooks)."""
    monkeypatch.chdir(tmp_path)
    cells = [("code", "import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\n"),
             ("markdown", "# Loss\n"),
             ("code", "y = torch.tensor([0, 1, 2, 0])\nprobs = F.softmax(x, dim=1)\n"),
             ("code", "loss = F.cross_entropy(probs, y)\n")]
    notebook = {"cells": [{"cell_type": kind, "metadata": {}, "source": text,
                           **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                          for kind, text in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "ref.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    _, out, _ = run(capsys, "--select", "TW201", "ref.ipynb")
    assert "ref.ipynb:cell 4:1:" in out and "(cell 3, line 2)" in out, out


def test_notebooks_are_found_in_directories(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "nb.ipynb")
    code, out, _ = run(capsys, "--no-respect-gitignore", ".")
    assert code == 1 and "nb.ipynb:cell 3:2:9" in out


def test_fix_rewrites_only_the_changed_cell(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for indent in (1, 2):
        path = tmp_path / f"nb{indent}.ipynb"
        before = write(path, indent)
        code, out, _ = run(capsys, "--fix", path.name)
        after = path.read_bytes().decode("utf-8")
        assert "1 fixed" in out
        expected = before.replace('"y = torch.log(1 + torch.zeros(3))"', '"y = torch.log1p(torch.zeros(3))"')
        assert after == expected  # byte-identical elsewhere: indent, key order, outputs, metadata
        assert json.loads(after)["cells"][3]["source"] == "x = 1\r\ny = 2"


def test_diff_does_not_write(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = write(tmp_path / "nb.ipynb")
    code, out, _ = run(capsys, "--diff", "nb.ipynb")
    assert code == 1 and "+    \"y = torch.log1p(torch.zeros(3))\"" in out
    assert (tmp_path / "nb.ipynb").read_text(encoding="utf-8") == before


def test_bad_notebooks_get_one_clear_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.ipynb").write_text("{not json", encoding="utf-8")
    (tmp_path / "old.ipynb").write_text(json.dumps({"nbformat": 3, "worksheets": []}), encoding="utf-8")
    (tmp_path / "blob.ipynb").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "lfs.ipynb").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:"
                                        + "0" * 64 + "\nsize 4096\n", encoding="utf-8")  # (anomalib's notebooks)
    write(tmp_path / "good.ipynb")
    code, out, err = run(capsys, "broken.ipynb", "old.ipynb", "blob.ipynb", "lfs.ipynb", "good.ipynb")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 4, err
    assert "broken.ipynb: not a notebook (invalid JSON" in lines[0]
    assert "old.ipynb: nbformat 3 is not supported" in lines[1]
    assert "blob.ipynb: not a notebook" in lines[2]
    assert "lfs.ipynb: a Git LFS pointer, not the notebook (run `git lfs pull` to fetch it)" in lines[3]
    assert "good.ipynb:cell 3:2:9" in out  # the rest is still checked


def test_an_empty_notebook_file_is_an_empty_notebook(tmp_path: Path, capsys, monkeypatch) -> None:
    """A 0-byte ``.ipynb`` (VS Code's "New File...", or committed empty: klu1211's
    pytorch-toolbox) has nothing to check; it must not fail the run nor be rewritten."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.ipynb").write_bytes(b"")
    (tmp_path / "blank.ipynb").write_bytes(b"\n  \n")
    write(tmp_path / "good.ipynb")
    code, out, err = run(capsys, ".")
    assert code == 1 and err == "", err
    assert "good.ipynb:cell 3:2:9" in out and "empty.ipynb" not in out and "blank.ipynb" not in out
    code, out, err = run(capsys, "--fix", "--unsafe-fixes", "empty.ipynb", "blank.ipynb")
    assert code == 0 and err == "", err
    assert (tmp_path / "empty.ipynb").read_bytes() == b"" and (tmp_path / "blank.ipynb").read_bytes() == b"\n  \n"


def test_cells_join_in_order_with_ipython_lines_blanked() -> None:
    assert python_lines("%time x = 1\n!ls\nfoo?\n  %load_ext y\nz = 2") == ["", "", "", "  pass", "z = 2"]
    assert python_lines("%%bash\necho hi") == ["", ""]
    assert python_lines("%%time\nx = 1") == ["", "x = 1"]
    joined = join_cells([("a", "import torch\r\nx = 1"), ("b", "y = x\rz = y")])
    assert joined.source == "import torch\nx = 1\ny = x\nz = y\n"
    assert joined.cell_at(3) == (1, 1) and joined.module_line("b", 0) == 2


def test_a_cell_of_indented_code_runs_dedented_as_in_ipython() -> None:
    """IPython takes a cell's leading indentation (pasted code) off every line; so does
    the join, and it remembers the columns to give back. IPython 8 and older take the first
    line's indentation off each line that starts with it and leave the others
    (rattaoup/pytorch-simclr's cell indents only its first statement, and ran); IPython 9
    takes off only what all lines share, so such a cell fails there: read as it ran, it is
    no syntax error, and the line left as it was keeps its columns."""
    joined = join_cells([("a", "import torch"), ("b", "\n    x = torch.ones(2)\n\n    if x.sum():\n        y = x\n"),
                         ("c", "  a = (1,\n    2)\nb = 2")])
    assert joined.source.splitlines()[1:6] == ["", "x = torch.ones(2)", "", "if x.sum():", "    y = x"]
    assert joined.dedents == [0, 4, 2] and joined.source.splitlines()[7:] == ["a = (1,", "  2)", "b = 2"]
    assert (joined.dedent(2, 0), joined.dedent(2, 1), joined.dedent(2, 2)) == (2, 2, 0)


def test_findings_in_an_indented_cell_keep_its_columns(tmp_path: Path, capsys, monkeypatch) -> None:
    """Such a cell is no syntax error, the cells after it are checked, and a finding's
    column is the cell's own; its fix is left out (a line it inserted would lack the
    indentation)."""
    monkeypatch.chdir(tmp_path)
    cells = ["import torch\nimport torch.nn.functional as F\nx = torch.randn(4, 3)\n",
             "    y = x * 2\n    p = F.softmax(y)\n    s = torch.cuda.amp.GradScaler()\n",
             "q = F.softmax(x)\nt = torch.cuda.amp.GradScaler()\n"]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None}
                          for text in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "ind.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    _, out, _ = run(capsys, "--output-format", "json", "ind.ipynb")
    found = {(d["path"], d["line"], d["column"], d["code"], d["fix"] is not None) for d in json.loads(out)}
    assert found == {("ind.ipynb:cell 2", 2, 9, "TW204", False), ("ind.ipynb:cell 2", 3, 9, "TW404", False),
                     ("ind.ipynb:cell 3", 1, 5, "TW204", False), ("ind.ipynb:cell 3", 2, 5, "TW404", True)}, found
    original = (tmp_path / "ind.ipynb").read_bytes()
    run(capsys, "--fix", "ind.ipynb")  # the unindented cell is fixed, the indented one left as it was
    fixed = json.loads((tmp_path / "ind.ipynb").read_text(encoding="utf-8"))["cells"]
    assert "".join(fixed[1]["source"]) == cells[1] and "torch.amp.GradScaler" in "".join(fixed[2]["source"])
    assert original != (tmp_path / "ind.ipynb").read_bytes()


def test_ipython_syntax_only_at_the_start_of_a_logical_line() -> None:
    # d2l-pytorch: a `%` continuing a print's arguments is Python's modulo, not a magic
    assert python_lines("print('epoch %d'\n      % (epoch + 1))") == ["print('epoch %d'", "      % (epoch + 1))"]
    assert python_lines('s = """\n%not a magic\n"""\n%magic') == ['s = """', "%not a magic", '"""', ""]
    assert python_lines("x = 1 + \\\n!y") == ["x = 1 + \\", "!y"]  # (not a shell line: a syntax error)
    assert python_lines("x = 1  # a note \\\n%time y = 2") == ["x = 1  # a note \\", ""]  # a comment continues nothing


def test_ipython_shell_continuations_assignments_and_wildcard_help() -> None:
    # huggingface/peft: a shell command over several lines, each ending in a backslash
    assert python_lines("! python prep.py --a 1 \\\n    --b 2 \\\n    --c 3\nz = 1") == ["", "", "", "z = 1"]
    # mrdbourke/pytorch-deep-learning, pytorch/ignite: a shell command's output assigned
    assert python_lines("if ok:\n  gpu_info = !nvidia-smi\n  a, b = %who_ls") == [
        "if ok:", "  gpu_info = None", "  a, b = None"]
    # Atcold/NYU-DLSP20: help with wildcards
    assert python_lines("torch.*Tensor?\n*int*??") == ["", ""]


def test_a_one_line_cell_naming_a_line_magic_runs_it() -> None:
    # wenjunsun/Skin-neoplasm-classifier-ResNet50 (Colab): a cell of only `pip install barbar
    # pytorch-ignite` runs `%pip` by IPython's automagic, which single-line cells get
    assert python_lines("pip install barbar pytorch-ignite\n") == ["", ""]
    assert python_lines("cd ../data") == [""]
    # Python stays Python; a second line makes it a cell automagic does not apply to
    assert python_lines("time = 3") == ["time = 3"]
    assert python_lines("pip install x\ny = 1") == ["pip install x", "y = 1"]


def test_notebook_with_ipython_syntax_checks_clean(tmp_path: Path, capsys, monkeypatch) -> None:
    cells = ["gpu_info = !nvidia-smi\nprint(gpu_info)", "torch.*Tensor?",
             "import torch\nfor epoch in range(2):\n    print('epoch %d'\n          % (epoch + 1))",
             "!pip install x \\\n   --quiet"]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c}
                    for c in cells]}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--select", "ALL", "n.ipynb"]) == 0, capsys.readouterr().out


def test_a_syntax_error_message_names_the_cell_of_the_line_it_mentions() -> None:
    """yyrliu/ML2022-Spring's HW10 leaves a ``for`` without a body at the end of a cell:
    Python says "expected an indented block after 'for' statement on line 184", a line of
    the joined cells; the message names that line's cell instead, as findings are shown."""
    from torchwise.lint.engine import lint_source, select_rules

    joined = join_cells([(0, "import torch\nx = 1\n"), (1, "for i in range(3):\n"), (2, "y = 2\n")])
    (found,) = lint_source(joined.source, "n.ipynb", rules=select_rules(["TW001"]),
                           cell_starts=tuple(joined.starts), cell_labels=(1, 2, 3))
    assert "'for' statement on cell 2, line 1" in found.message, found.message


def test_a_cell_ending_with_a_block_header_is_the_syntax_error() -> None:
    """Anwarvic/Deep-Learning-Nanodegree's face-generation notebook ends a cell with a ``for``
    whose body is only a comment: joined, Python stops at the next cell's first line, which is
    valid; the finding is the header's, in its own cell."""
    from torchwise.lint.engine import lint_source, select_rules

    joined = join_cells([(0, "import torch\nfor epoch in range(3):\n    # TODO: train\n"), (1, "batch_size = None\n")])
    (found,) = lint_source(joined.source, "n.ipynb", rules=select_rules(["TW001"]),
                           cell_starts=tuple(joined.starts), cell_labels=(1, 2))
    assert (found.line, found.col) == (2, 0) and "on cell 1, line 2" in found.message, (found.line, found.message)
    assert found.message.endswith("with cell 2, line 1 skipped")
