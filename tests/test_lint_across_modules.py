"""Loss rules that follow values across modules, callers, tuple elements and losses held
in attributes, through ``torchwise check`` on small project folders (tests/lint_projects).

Each ``# expect: RULE`` comment marks a line that must be reported with that rule; every
other finding of a default rule is a failure (clean folders must stay silent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from torchwise.cli import main

PROJECTS = Path(__file__).parent / "lint_projects"
EXPECT = re.compile(r"#\s*expect:\s*([\w-]+)")


def _expected(folder: Path) -> set[tuple[str, int, str]]:
    """(path, line, rule); for a notebook the path names the cell (``x.ipynb:cell 2``, as
    reported) and the line is the cell's."""
    out = set()
    for path in sorted(folder.rglob("*.py")):
        for number, line in enumerate(path.read_text().split("\n"), 1):
            m = EXPECT.search(line)
            if m:
                out.add((path.relative_to(folder).as_posix(), number, m.group(1)))
    for path in sorted(folder.rglob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text())["cells"], 1):
            if cell["cell_type"] != "code":
                continue
            for number, line in enumerate("".join(cell["source"]).split("\n"), 1):
                m = EXPECT.search(line)
                if m:
                    out.add((f"{path.relative_to(folder).as_posix()}:cell {index}", number, m.group(1)))
    return out


def _reported(folder: Path, capsys, monkeypatch) -> set[tuple[str, int, str]]:
    monkeypatch.chdir(folder)
    main(["check", "--isolated", "--exit-zero", "--output-format", "json-lines", "."])
    out = capsys.readouterr().out
    found = set()
    for line in out.splitlines():
        f = json.loads(line)
        found.add((Path(f["path"]).as_posix().removeprefix("./"), f["line"], f["name"]))
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_project_folder(name: str, capsys, monkeypatch) -> None:
    folder = PROJECTS / name
    expected = _expected(folder)
    if name.startswith("clean"):
        assert not expected
    assert _reported(folder, capsys, monkeypatch) == expected


def test_single_file_without_project_keeps_working(tmp_path: Path, capsys, monkeypatch) -> None:
    """A file checked on its own still sees its own classes (no project needed)."""
    src = (PROJECTS / "tuple_outputs" / "critic.py").read_text()
    (tmp_path / "one.py").write_text(src)
    assert {r for _, _, r in _reported(tmp_path, capsys, monkeypatch)} == {"softmax-before-cross-entropy"}


def test_a_source_in_another_module_is_named_with_its_module(capsys, monkeypatch) -> None:
    monkeypatch.chdir(PROJECTS / "softmax_model_elsewhere")
    main(["check", "--isolated", "--exit-zero", "--output-format", "json-lines", "."])
    (finding,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "(nets.classifier, line 13)" in finding["message"]
    assert finding.get("fix") is None  # the softmax is in another file: no edit here


def test_a_project_checked_from_above_resolves_its_imports_from_its_root(tmp_path: Path, capsys, monkeypatch) -> None:
    """``torchwise check repos/proj`` from a parent folder: the nearest folder marking a
    project's root (here ``pyproject.toml``) resolves ``from nets.classifier import ...``,
    as running from inside it does; without the marker the import is still found beside
    the importing script (``python repos/proj/fit.py``), under the name its folder gives it."""
    import shutil

    project = tmp_path / "repos" / "proj"
    shutil.copytree(PROJECTS / "softmax_model_elsewhere", project)

    def sources() -> list[str]:
        monkeypatch.chdir(tmp_path)
        main(["check", "--isolated", "--exit-zero", "--output-format", "json-lines", "repos/proj"])
        return [re.search(r"\(([\w.]+), line", json.loads(line)["message"]).group(1)
                for line in capsys.readouterr().out.splitlines()]

    assert sources() == ["repos.proj.nets.classifier"]
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    assert sources() == ["nets.classifier"]


def test_the_project_folders_are_the_checked_paths_roots(tmp_path: Path, monkeypatch) -> None:
    """One folder per checked path: the nearest marked root above it (inside the working
    directory), else the working directory; a directory outside it is its own. The working
    directory is searched only when a path belongs to it (a home folder full of projects
    is not read for callers of one project's functions)."""
    from torchwise.lint.pool import folders_for

    home = tmp_path / "home"
    proj = home / "repos" / "proj"
    (proj / "pkg").mkdir(parents=True)
    (proj / "setup.py").write_text("")
    (home / "plain").mkdir()
    outside = tmp_path / "outside"
    (outside / "lib").mkdir(parents=True)
    (outside / "pyproject.toml").write_text("")
    monkeypatch.chdir(home)
    assert folders_for(["repos/proj/pkg/x.py"]) == [str(proj)]
    assert folders_for(["repos/proj"]) == [str(proj)]
    assert folders_for(["plain"]) == [str(home)]
    assert folders_for([]) == [str(home)]
    assert folders_for(["repos/proj", "plain"]) == [str(proj), str(home)]
    assert folders_for([str(outside / "lib")]) == [str(outside / "lib")]
    assert folders_for([str(outside / "lib" / "y.py")]) == [str(outside)]
    loose = tmp_path / "loose"  # no marked root above it: its own folder, not the working directory
    loose.mkdir()
    assert folders_for([str(loose / "z.py")]) == [str(loose)]
    # no import crosses a folder whose name is no identifier: the code below it runs with it
    # on the path (seungwonpark/melgan extracted as `seungwonpark+melgan`, checked from its
    # parent: the caller of `validate` that wraps it in no_grad was not seen)
    (home / "my-exp" / "utils").mkdir(parents=True)
    assert folders_for(["my-exp"]) == [str(home / "my-exp")]
    assert folders_for(["my-exp/utils/validation.py"]) == [str(home / "my-exp")]
    assert folders_for(["plain", "my-exp"]) == [str(home), str(home / "my-exp")]


def test_a_helpers_caller_below_a_folder_no_import_crosses_is_seen(tmp_path: Path, monkeypatch, capsys) -> None:
    """seungwonpark/melgan's `validate()` evaluates in eval mode without no_grad, and its only
    caller wraps it in no_grad: checked from the folder above the repository, whose name
    (`seungwonpark+melgan`) no module path can hold, the caller was not seen."""
    repo = tmp_path / "seungwonpark+melgan"
    (repo / "utils").mkdir(parents=True)
    (repo / "utils" / "validation.py").write_text(
        "def validate(generator, loader):\n    generator.eval()\n    for mel in loader:\n"
        "        print(generator(mel))\n    generator.train()\n", encoding="utf-8")
    (repo / "utils" / "train.py").write_text(
        "import torch\nfrom utils.validation import validate\n\n\ndef train(generator, loader):\n"
        "    with torch.no_grad():\n        validate(generator, loader)\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    main(["check", "--isolated", "--exit-zero", "--select", "missing-no-grad", "--output-format", "json-lines",
          "seungwonpark+melgan"])
    assert capsys.readouterr().out == ""
    (repo / "utils" / "train.py").write_text((repo / "utils" / "train.py").read_text().replace(
        "with torch.no_grad():", "if True:"), encoding="utf-8")
    main(["check", "--isolated", "--exit-zero", "--select", "missing-no-grad", "--output-format", "json-lines",
          "seungwonpark+melgan"])
    assert [json.loads(line)["name"] for line in capsys.readouterr().out.splitlines()] == ["missing-no-grad"]
