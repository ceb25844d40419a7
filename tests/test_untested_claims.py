"""Claims the README and options make that no test exercised: ``--exit-zero``,
``--extend-select`` (CLI and pyproject), ``.pyi`` files, coding declarations, the
rules that are off by default on the clean corpus. Whole values are compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from torchwise.cli import main
from torchwise.lint.engine import get_rule, lint_source

LOADER = """\
import torch
from torch.utils.data import DataLoader, TensorDataset

loader = DataLoader(TensorDataset(torch.zeros(4, 2)), batch_size=2)
torch.no_grad()
"""


def check(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["check", "--no-respect-gitignore", *args])
    return code, capsys.readouterr().out.splitlines()


def codes_and_lines(out: list[str], path: Path) -> list[str]:
    prefix = f"{path}:"
    return [line[len(prefix):].split(" [", 1)[0] for line in out if line.startswith(prefix)]


def test_exit_zero_reports_but_exits_zero(tmp_path: Path, capsys):
    path = tmp_path / "bad.py"
    path.write_text(LOADER, encoding="utf-8")
    code, out = check(capsys, "--exit-zero", str(path))
    assert code == 0
    assert codes_and_lines(out, path) == ["5:1: TW107"]
    assert out[-1] == "Found 1 finding."
    assert check(capsys, str(path))[0] == 1


def test_extend_select_on_the_command_line(tmp_path: Path, capsys):
    path = tmp_path / "bad.py"
    path.write_text(LOADER, encoding="utf-8")
    assert codes_and_lines(check(capsys, str(path))[1], path) == ["5:1: TW107"]
    code, out = check(capsys, "--extend-select", "TW702", str(path))
    assert (code, codes_and_lines(out, path)) == (1, ["4:10: TW702", "5:1: TW107"])
    # by name, and next to --select (which it extends)
    code, out = check(capsys, "--select", "TW107", "--extend-select", "dataloader-without-workers", str(path))
    assert codes_and_lines(out, path) == ["4:10: TW702", "5:1: TW107"]


def test_extend_select_in_pyproject(tmp_path: Path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nextend-select = ["TW702"]\n', encoding="utf-8")
    path = tmp_path / "bad.py"
    path.write_text(LOADER, encoding="utf-8")
    assert codes_and_lines(check(capsys, str(path))[1], path) == ["4:10: TW702", "5:1: TW107"]
    assert codes_and_lines(check(capsys, str(tmp_path))[1], path) == ["4:10: TW702", "5:1: TW107"]
    # the command line's --ignore still wins
    assert codes_and_lines(check(capsys, "--ignore", "TW702", str(path))[1], path) == ["5:1: TW107"]


def test_pyi_files_are_found_and_checked(tmp_path: Path, capsys):
    (tmp_path / "pkg").mkdir()
    stub = tmp_path / "pkg" / "api.pyi"
    stub.write_text("import torch\nscaler = torch.cuda.amp.GradScaler()\n", encoding="utf-8")
    (tmp_path / "pkg" / "notes.txt").write_text("torch.no_grad()\n", encoding="utf-8")
    code, out = check(capsys, str(tmp_path))
    assert (code, codes_and_lines(out, stub)) == (1, ["2:10: TW404"])
    assert out[-2:] == ["Found 1 finding.", "[*] 1 fixable with the `--fix` option."]


def test_a_coding_declaration_is_honoured(tmp_path: Path, capsys):
    """A latin-1 file: decoded as latin-1, columns in characters, fixed in latin-1."""
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nimport torch\ns = '\xe9\xe9'; scaler = torch.cuda.amp.GradScaler()\n")
    code, out = check(capsys, str(path))
    assert codes_and_lines(out, path) == ["3:20: TW404"]  # characters, not UTF-8 bytes (22)
    code, out = check(capsys, "--fix", str(path))
    assert path.read_bytes() == (
        b"# -*- coding: latin-1 -*-\nimport torch\ns = '\xe9\xe9'; scaler = torch.amp.GradScaler(\"cuda\")\n")


CLEAN = Path(__file__).parent / "lint_fixtures" / "clean"
OFF_BY_DEFAULT = ["TW002", "TW702", "TW811", "TW812"]


def test_the_rules_off_by_default_are_the_four_documented():
    from torchwise.lint.engine import all_rules

    assert sorted(r.code for r in all_rules() if not r.default) == OFF_BY_DEFAULT


@pytest.mark.parametrize("path", sorted(CLEAN.glob("*.py")), ids=lambda p: p.stem)
def test_off_by_default_rules_on_the_clean_corpus(path: Path):
    """TW811/TW812 never fire on correct code; TW702 (an opinion, hence off) fires only on
    the small in-memory loaders of the classifier example."""
    errors: list[str] = []
    found = lint_source(path.read_text(encoding="utf-8"), str(path),
                        rules=[get_rule(c) for c in OFF_BY_DEFAULT], on_error=errors.append)
    assert errors == []
    expected = [("TW702", 72, 19), ("TW702", 73, 17)] if path.stem == "classifier_training" else []
    assert [(f.rule.code, f.line, f.col) for f in found] == expected
