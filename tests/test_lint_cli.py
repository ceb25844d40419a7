"""``torchwise check``: formats, selection, fixes, config, discovery and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchwise.cli import main

BAD = textwrap.dedent("""\
    import torch

    model = torch.nn.Linear(4, 2)
    x = torch.randn(3, 4)
    torch.no_grad()
    scaler = torch.cuda.amp.GradScaler()
    preds = model(x).numpy()
""")
CLEAN = "import torch\n\nx = torch.ones(2)\nprint(x.sum().item())\n"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "ok.py").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def test_text_output_and_exit_codes(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, str(project / "bad.py"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{project / 'bad.py'}:5:1: TW107 [no-grad-not-entered] ")
    assert ":6:10: TW404 [*] [deprecated-cuda-amp]" in out
    assert "Found 3 findings." in out
    code, out, _ = run_cli(capsys, str(project / "ok.py"))
    assert code == 0 and "All checks passed!" in out


def test_json_output_matches_the_documented_shape(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "--format", "json", str(project / "bad.py"))
    assert code == 1
    data = json.loads(out)
    assert {d["code"] for d in data} == {"TW107", "TW404", "TW110"}
    for d in data:
        assert set(d) == {"path", "line", "column", "end_line", "end_column", "code", "name", "severity",
                          "message", "url", "fix"}
    amp = next(d for d in data if d["code"] == "TW404")
    assert (amp["line"], amp["column"], amp["end_line"]) == (6, 10, 6)
    assert amp["end_column"] == len("scaler = torch.cuda.amp.GradScaler()") + 1
    assert amp["fix"]["applicability"] == "safe"
    edit = amp["fix"]["edits"][0]
    assert set(edit) == {"line", "column", "end_line", "end_column", "content"}
    assert edit["column"] == 10 and edit["content"] == "torch.amp.GradScaler"
    nograd = next(d for d in data if d["code"] == "TW107")
    assert nograd["fix"] is None and nograd["url"] == "https://docs.pytorch.org/docs/stable/generated/torch.no_grad.html"


def test_sarif_output(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "--format", "sarif", str(project / "bad.py"))
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(run["results"]) == 3
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_github_annotations(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "--format", "github", str(project / "bad.py"))
    assert code == 1
    line = next(l for l in out.splitlines() if "TW107" in l)
    assert line.startswith("::error file=") and ",line=5,col=1," in line and "::TW107 " in line


def test_select_ignore_by_code_name_prefix_group(project: Path, capsys) -> None:
    bad = str(project / "bad.py")
    _, out, _ = run_cli(capsys, "--format", "json", "--select", "TW107", bad)
    assert {d["code"] for d in json.loads(out)} == {"TW107"}
    _, out, _ = run_cli(capsys, "--format", "json", "--select", "amp,no-grad-not-entered", bad)
    assert {d["code"] for d in json.loads(out)} == {"TW107", "TW404"}
    _, out, _ = run_cli(capsys, "--format", "json", "--select", "ALL", "--ignore", "TW1", bad)
    assert {d["code"] for d in json.loads(out)} == {"TW404"}
    code, _, err = run_cli(capsys, "--select", "not-a-rule", bad)
    assert code == 2 and "not-a-rule" in err and len(err.strip().splitlines()) == 1


def test_noqa(tmp_path: Path, capsys) -> None:
    f = tmp_path / "n.py"
    f.write_text("import torch\ntorch.no_grad()  # noqa: TW107\ntorch.no_grad()  # noqa: no-grad-not-entered\n"
                 "torch.no_grad()  # noqa\ntorch.no_grad()  # noqa: E501\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "--format", "json", str(f))
    assert code == 1 and [d["line"] for d in json.loads(out)] == [5]


def test_fix_writes_safe_fixes_only(project: Path, capsys) -> None:
    bad = project / "bad.py"
    code, out, _ = run_cli(capsys, "--fix", str(bad))
    text = bad.read_text(encoding="utf-8")
    assert 'scaler = torch.amp.GradScaler("cuda")' in text
    assert "model(x).detach().numpy()" in text
    assert "torch.no_grad()\n" in text  # no fix for that one
    assert code == 1 and "TW107" in out and "2 fixed" in out


def test_unsafe_fixes_need_the_flag(tmp_path: Path, capsys) -> None:
    f = tmp_path / "u.py"
    source = "import torch\nx = torch.ones(2)\nx.to('cpu')\n"
    f.write_text(source, encoding="utf-8")
    run_cli(capsys, "--fix", str(f))
    assert f.read_text(encoding="utf-8") == source
    code, _, _ = run_cli(capsys, "--fix", "--unsafe-fixes", str(f))
    assert f.read_text(encoding="utf-8") == "import torch\nx = torch.ones(2)\nx = x.to('cpu')\n"
    assert code == 0


def test_diff_does_not_write(project: Path, capsys) -> None:
    bad = project / "bad.py"
    code, out, err = run_cli(capsys, "--diff", str(bad))
    assert code == 1
    assert out.startswith("--- a/") and '+scaler = torch.amp.GradScaler("cuda")' in out
    assert bad.read_text(encoding="utf-8") == BAD
    assert "Would fix 2 findings in 1 file." in err


def test_statistics(project: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "--statistics", str(project))
    assert code == 1
    assert any("TW404" in l and "deprecated-cuda-amp" in l and "[*]" in l for l in out.splitlines())


def test_directories_recurse_respecting_gitignore(tmp_path: Path, capsys) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "a.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "gen.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text(BAD, encoding="utf-8")
    (tmp_path / ".gitignore").write_text("build/\n", encoding="utf-8")
    # without git: the pure-Python .gitignore reader
    _, out, _ = run_cli(capsys, "--format", "json", str(tmp_path))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"a.py"}
    # in a git repository: git decides
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _, out, _ = run_cli(capsys, "--format", "json", str(tmp_path))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"a.py"}
    _, out, _ = run_cli(capsys, "--format", "json", "--no-respect-gitignore", str(tmp_path))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"a.py", "gen.py"}


def test_pyproject_config(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [project]
        name = "demo"

        [tool.torchwise]
        ignore = ["deprecated-cuda-amp"]
        exclude = ["vendored"]

        [tool.torchwise.per-file-ignores]
        "scripts/*" = ["TW1"]
    """), encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "s.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "v.py").write_text(BAD, encoding="utf-8")
    _, out, _ = run_cli(capsys, "--format", "json", str(tmp_path))
    found = {(Path(d["path"]).name, d["code"]) for d in json.loads(out)}
    assert found == {("m.py", "TW107"), ("m.py", "TW110")}
    # the command line selection replaces the config's
    _, out, _ = run_cli(capsys, "--format", "json", "--select", "TW404", str(tmp_path / "src"))
    assert {d["code"] for d in json.loads(out)} == {"TW404"}


def test_broken_config_is_one_clear_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nselect = "TW1"\nignore = ["TW999x"]\n',
                                             encoding="utf-8")
    (tmp_path / "a.py").write_text(CLEAN, encoding="utf-8")
    code, _, err = run_cli(capsys, str(tmp_path / "a.py"))
    assert code == 2 and "TW999x" in err and len(err.strip().splitlines()) == 1


def test_missing_file_is_an_error(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, str(tmp_path / "nope.py"))
    assert code == 2 and "nope.py" in err


def test_syntax_error_file_still_checked(tmp_path: Path, capsys) -> None:
    f = tmp_path / "s.py"
    f.write_text("import torch\ny = = 2\ntorch.no_grad()\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "--format", "json", str(f))
    assert code == 1 and [d["code"] for d in json.loads(out)] == ["TW001", "TW107"]


def test_stdin_with_filename_and_fix_through_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nignore = ["TW110"]\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "torchwise", "check", "--stdin-filename", str(tmp_path / "x.py"), "-"]
    proc = subprocess.run(cmd, input=BAD, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert f"{tmp_path / 'x.py'}:5:1: TW107" in proc.stdout and "TW110" not in proc.stdout
    proc = subprocess.run(cmd[:-1] + ["--fix", "-"], input=BAD, capture_output=True, text=True, timeout=120)
    assert 'torch.amp.GradScaler("cuda")' in proc.stdout  # fixed source on stdout
    assert "TW107" in proc.stderr  # findings on stderr
    assert proc.returncode == 1
    # --stdin-filename alone reads stdin too
    proc = subprocess.run(cmd[:-1], input="import torch\ntorch.no_grad()\n", capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and "x.py:2:1: TW107" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "torchwise", "check", "--format", "xml"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2


def test_pre_commit_hook_definition() -> None:
    root = Path(__file__).resolve().parent.parent
    text = (root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "id: torchwise-check" in text and "entry: torchwise check" in text and "types_or: [python" in text


def test_a_folder_walk_skips_caches_and_notebook_autosaves(tmp_path: Path, capsys) -> None:
    """Jupyter's ``.ipynb_checkpoints`` copies (committed in GunhoChoi/PyTorch-FastCampus)
    would repeat every finding of their notebook; caches and environments are not the
    user's code, nor is a virtual environment whatever its name (``pyvenv.cfg``). Named on
    the command line, such a file is still checked."""
    (tmp_path / "a.py").write_text(BAD, encoding="utf-8")
    for folder in (".ipynb_checkpoints", ".ruff_cache", "site-packages", "dist", "myenv/bin"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "copy.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (tmp_path / "build").mkdir()  # the user's own folder for ruff and for this walk
    (tmp_path / "build" / "b.py").write_text(BAD, encoding="utf-8")
    _, out, _ = run_cli(capsys, "--format", "json", str(tmp_path))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"a.py", "b.py"}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", "."], check=True)  # committed autosaves
    _, out, _ = run_cli(capsys, "--format", "json", str(tmp_path))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"a.py", "b.py"}
    _, out, _ = run_cli(capsys, "--format", "json", str(tmp_path / ".ipynb_checkpoints" / "copy.py"))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"copy.py"}


def test_a_folder_walk_skips_macos_metadata(tmp_path: Path, capsys) -> None:
    """A zip made on a Mac carries ``__MACOSX/`` and ``._name.py`` AppleDouble files: binary
    metadata, never code (FangyunWei/SLRT commits ``._vposer_smpl.py`` beside its module). A
    folder's walk leaves them out instead of reporting an unreadable file; named on the
    command line, such a file is still read, and its error said."""
    apple = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\xff\xfe"
    (tmp_path / "a.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "._a.py").write_bytes(apple)
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._a.py").write_bytes(apple)
    code, out, err = run_cli(capsys, "--format", "json", str(tmp_path))
    assert {Path(d["path"]).name for d in json.loads(out)} == {"a.py"} and "error" not in err
    code, out, err = run_cli(capsys, "--format", "json", str(tmp_path / "._a.py"))
    assert code == 2 and "._a.py" in err
