"""``torchwise check`` with the flags and formats ruff users type by habit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from torchwise.cli import main

from test_lint_cli import BAD  # the same sample script

ONLY_FIXABLE = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "ok.py").write_text("import torch\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_output_format_and_its_format_alias(project, capsys) -> None:
    a = check(capsys, "--output-format", "json", "bad.py")
    b = check(capsys, "--format", "json", "bad.py")
    assert a == b and a[0] == 1 and len(json.loads(a[1])) == 3
    concise = check(capsys, "--output-format", "concise", "bad.py")
    assert check(capsys, "--format", "text", "bad.py") == concise
    assert "bad.py:5:1: TW107 [no-grad-not-entered] " in concise[1]


def test_full_format_shows_the_source_with_a_caret(project, capsys) -> None:
    code, out, _ = check(capsys, "--output-format", "full", "bad.py")
    assert code == 1
    block = out.split("bad.py:6:10: TW404")[1].split("\n\n")[0].splitlines()
    assert block[2] == "6 | scaler = torch.cuda.amp.GradScaler()"
    assert block[3] == "  |          " + "^" * len("torch.cuda.amp.GradScaler()")
    assert block[4].startswith("  = fix (safe): ")
    assert out.endswith("\n\nFound 3 findings.\n[*] 2 fixable with the `--fix` option.\n")


def test_machine_formats(project, capsys) -> None:
    code, out, _ = check(capsys, "--output-format", "json-lines", "bad.py")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [r["code"] for r in rows] == ["TW107", "TW404", "TW110"]
    code, out, _ = check(capsys, "--output-format", "pylint", "bad.py")
    assert out.splitlines()[0].startswith("bad.py:5: [TW107(no-grad-not-entered)] ")
    code, out, _ = check(capsys, "--output-format", "gitlab", "bad.py")
    issues = json.loads(out)
    assert len(issues) == 3 and len({i["fingerprint"] for i in issues}) == 3
    assert issues[0]["location"]["path"] == "bad.py" and issues[0]["location"]["positions"]["begin"]["line"] == 5
    assert {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}
    code, out, _ = check(capsys, "--output-format", "junit", "bad.py", "ok.py")
    root = ET.fromstring(out)
    assert root.tag == "testsuites" and root.get("failures") == "3"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 3 and cases[0].get("line") == "5" and cases[0].find("failure") is not None
    code, out, _ = check(capsys, "--output-format", "junit", "ok.py")
    assert code == 0 and ET.fromstring(out).get("failures") == "0"
    code, out, _ = check(capsys, "--output-format", "github", "bad.py")
    assert out.startswith("::error file=bad.py,line=5,col=1,")


def test_output_file_quiet_and_silent(project, capsys) -> None:
    code, out, _ = check(capsys, "-o", "report.json", "--output-format", "json", "bad.py")
    assert code == 1 and out == ""
    assert len(json.loads((project / "report.json").read_text())) == 3
    code, out, _ = check(capsys, "--output-file", "report.txt", "bad.py")
    assert "Found 3 findings." in (project / "report.txt").read_text() and "\x1b[" not in (project / "report.txt").read_text()
    code, out, _ = check(capsys, "-q", "bad.py")
    assert code == 1 and len(out.splitlines()) == 3 and "Found" not in out
    assert check(capsys, "--quiet", "ok.py") == (0, "", "")
    assert check(capsys, "-s", "bad.py") == (1, "", "")
    assert check(capsys, "--silent", "ok.py") == (0, "", "")


def test_fix_summary_show_fixes_and_exit_non_zero_on_fix(project, capsys) -> None:
    code, out, _ = check(capsys, "--fix", "--show-fixes", "bad.py")
    assert code == 1
    assert "Found 3 findings (2 fixed, 1 remaining)." in out
    assert "Fixed 2 findings:\n- bad.py:\n    1 × TW110 (numpy-without-detach)\n    1 × TW404 (deprecated-cuda-amp)\n" in out
    (project / "amp.py").write_text(ONLY_FIXABLE)
    assert check(capsys, "--fix", "amp.py")[:2] == (0, "Found 1 finding (1 fixed, 0 remaining).\n")
    (project / "amp.py").write_text(ONLY_FIXABLE)
    assert check(capsys, "--fix", "--exit-non-zero-on-fix", "amp.py")[0] == 1
    assert check(capsys, "--fix", "--exit-non-zero-on-fix", "amp.py")[0] == 0  # nothing left to fix


def test_missing_path_is_an_error_without_all_checks_passed(project, capsys) -> None:
    code, out, err = check(capsys, "nope.py")
    assert code == 2 and "All checks passed!" not in out and "nope.py" in err


def test_config_file_inline_overrides_and_isolated(project, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.torchwise]\nignore = ["TW107"]\n')
    assert [d["code"] for d in json.loads(check(capsys, "--format", "json", "bad.py")[1])] == ["TW404", "TW110"]
    assert len(json.loads(check(capsys, "--format", "json", "--isolated", "bad.py")[1])) == 3
    (project / "strict.toml").write_text('select = ["TW110"]\n')
    assert [d["code"] for d in json.loads(check(capsys, "--format", "json", "--config", "strict.toml", "bad.py")[1])] \
        == ["TW110"]
    out = check(capsys, "--format", "json", "--config", 'select = ["TW404", "TW107"]', "bad.py")[1]
    assert [d["code"] for d in json.loads(out)] == ["TW404"]  # replaces `select` only: the file's ignore stays
    code, _, err = check(capsys, "--config", "select = [", "bad.py")
    assert code == 2 and "--config" in err
    code, _, err = check(capsys, "--config", "missing.toml", "bad.py")
    assert code == 2 and "missing.toml" in err


def test_show_settings(project, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.torchwise]\nignore = ["TW107"]\nexclude = ["gen"]\n')
    code, out, _ = check(capsys, "--show-settings", "--extend-select", "TW702", "bad.py")
    assert code == 0
    assert "Resolved settings for: bad.py" in out and f"Config file: {project / 'pyproject.toml'}" in out
    assert "ignore = ['TW107']" in out and "exclude = ['gen']" in out
    assert "TW702 dataloader-without-workers" in out and "TW107 " not in out


def test_force_exclude_and_per_file_ignores(project, capsys) -> None:
    (project / "pyproject.toml").write_text('[tool.torchwise]\nexclude = ["bad.py"]\n')
    assert check(capsys, "bad.py")[0] == 1  # named explicitly: checked
    assert check(capsys, ".")[0] == 0  # found by discovery: excluded
    code, out, _ = check(capsys, "--force-exclude", "bad.py")
    assert code == 0 and "All checks passed!" in out
    (project / "pyproject.toml").unlink()
    out = check(capsys, "--format", "json", "--per-file-ignores", "bad.py:TW107,TW110", "bad.py")[1]
    assert [d["code"] for d in json.loads(out)] == ["TW404"]
    out = check(capsys, "--format", "json", "--per-file-ignores", "other.py:TW107", "bad.py")[1]
    assert len(json.loads(out)) == 3
    code, _, err = check(capsys, "--per-file-ignores", "bad.py", "bad.py")
    assert code == 2 and "GLOB:CODES" in err


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "torchwise", "check", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)


def test_colours_follow_force_color_and_no_color(project) -> None:
    assert "\x1b[" not in _run(["bad.py"], project).stdout  # a pipe: plain
    coloured = _run(["bad.py"], project, FORCE_COLOR="1").stdout
    assert "\x1b[1mbad.py\x1b[0m:5:1: \x1b[1m\x1b[31mTW107\x1b[0m" in coloured
    assert "\x1b[" not in _run(["bad.py"], project, FORCE_COLOR="1", NO_COLOR="1").stdout
    assert "\x1b[" not in _run(["--format", "json", "bad.py"], project, FORCE_COLOR="1").stdout


def test_watch_checks_again_when_a_file_changes(project) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.Popen([sys.executable, "-u", "-m", "torchwise", "check", "--watch", "ok.py"], cwd=project,
                            env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        def read_until(marker: str) -> str:
            seen = ""
            deadline = time.monotonic() + 90
            while marker not in seen and time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                seen += line
            return seen
        assert "All checks passed!" in read_until("All checks passed!")
        time.sleep(1.1)  # a new mtime even on coarse file systems
        (project / "ok.py").write_text("import torch\ntorch.no_grad()\n")
        assert "ok.py:2:1: TW107" in read_until("Found 1 finding.")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "File change detected" in proc.stderr.read()


def test_notebooks_are_checked_cell_by_cell_and_fixed_in_place(project, capsys) -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# notes"]},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["import torch\n", "%time y = 1\n", "!pip list\n"]},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["x = torch.ones(2)\n", "scaler = torch.cuda.amp.GradScaler()"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    (project / "nb.ipynb").write_text(text)
    code, out, _ = check(capsys, "nb.ipynb")
    assert code == 1 and out.startswith("nb.ipynb:cell 3:2:10: TW404 [*] [deprecated-cuda-amp] ")  # no magic errors
    code, out, err = check(capsys, "--fix", "nb.ipynb")
    # only the fixed cell's source changes; the JSON is otherwise byte-identical
    assert code == 0 and (project / "nb.ipynb").read_text() == text.replace(
        "torch.cuda.amp.GradScaler()", 'torch.amp.GradScaler(\\"cuda\\")')
    (project / "broken.ipynb").write_text("{not json")
    code, _, err = check(capsys, "broken.ipynb")
    assert code == 2 and "broken.ipynb: not a notebook" in err
