"""``torchwise check`` as its own process: it ends without the interpreter's teardown
(``cli._exit_now``), so everything it prints must be flushed first, and its exit status
must be the check's; and it imports nothing a check does not need."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from torchwise.cli import main

ROOT = Path(__file__).resolve().parent.parent
BAD = "import torch\n\nfor x in loader:\n    loss = model(x)\n    loss.backward()\n    optimizer.step()\n"


def _run(args: list[str], cwd: Path, code: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "server"), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "torchwise", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_a_large_report_is_complete_and_the_exit_status_kept(tmp_path: Path, capsys):
    for i in range(40):  # a report far larger than a pipe's buffer
        (tmp_path / f"train_{i}.py").write_text(BAD * 20)
    proc = _run(["check", "--output-format", "full", "."], tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["check", "--output-format", "full", "."])
    finally:
        os.chdir(cwd)
    assert proc.returncode == code == 1
    assert proc.stdout == capsys.readouterr().out and proc.stdout.count("\n") > 1000
    bad = _run(["check", "train_0.py", "--select", "TW999", "--exit-zero"], tmp_path)
    assert bad.returncode == 2 and "unknown rule selector" in bad.stderr  # errors still say so


def test_an_output_file_is_written_in_full(tmp_path: Path):
    (tmp_path / "train.py").write_text(BAD * 50)
    proc = _run(["check", "--output-format", "json", "-o", "report.json", "train.py"], tmp_path)
    import json

    assert proc.returncode == 1 and len(json.loads((tmp_path / "report.json").read_text())) >= 50


def _after_a_check(tmp_path: Path, probe: str, source: str = BAD) -> str:
    """What ``probe`` prints (its last line) in the process that has just checked a file."""
    (tmp_path / "train.py").write_text(source)
    code = "import sys\nfrom torchwise.cli import main\nmain(sys.argv[1:])\n" + probe
    proc = _run(["check", "--exit-zero", "--isolated", "train.py"], tmp_path, code=code)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_a_folder_outside_a_checkout_is_listed_without_git(tmp_path: Path):
    """Discovery knows there is no repository (no ``.git`` above) without starting git."""
    (tmp_path / "train.py").write_text(BAD)
    code = ("import sys\nfrom torchwise.cli import main\nmain(sys.argv[1:])\n"
            "print('subprocess' in sys.modules)")
    proc = _run(["check", "--exit-zero", "--isolated", "."], tmp_path, code=code)
    assert proc.returncode == 0, proc.stderr
    assert "train.py" in proc.stdout and proc.stdout.strip().splitlines()[-1] == "False"

def test_a_check_imports_no_toml_json_or_rule_docs_it_does_not_need(tmp_path: Path):
    """Nor subprocess: the project lists its files (a parameter's callers are looked for)
    without asking git, outside a checkout. Nor shutil (with zlib, bz2, lzma), which argparse
    imports for the terminal's width: only printed help needs it."""
    probe = ("print(sorted(m for m in ('tomllib', 'json', 'torchwise.lint.rule_docs', 'pygls', 'lsprotocol', 'jedi',"
             " 'subprocess', 'shutil') if m in sys.modules))")
    source = "import torch\n\n\ndef train(model, loader, optimizer):\n" + "".join(
        "    " + line + "\n" for line in BAD.splitlines()[2:])
    assert _after_a_check(tmp_path, probe, source) == "[]"


def test_a_check_creates_no_dataclass(tmp_path: Path):
    """A dataclass compiles its methods when its module is imported (~1 ms a class), and
    ``dataclasses`` imports ``inspect`` (~5 ms): the check path's plain data, the engine's
    too, are ``torchwise.records``."""
    probe = ("print(sorted({c.__module__ for m in list(sys.modules.values()) if m.__name__.startswith('torchwise')"
             " for c in vars(m).values() if isinstance(c, type) and '__dataclass_fields__' in vars(c)}"
             " | {m for m in ('dataclasses', 'inspect') if m in sys.modules}))")
    assert _after_a_check(tmp_path, probe) == "[]"


def test_a_check_builds_only_the_knowledge_entries_it_asks_for(tmp_path: Path):
    """The cached knowledge base unmarshals an entry's table when the check first asks
    for it, not the ~800 of them at start-up."""
    probe = ("from torchwise import knowledge\nkb = knowledge.default_knowledge()\n"
             "print(sum(e is not None for e in getattr(kb, '_built', [])), len(kb))")
    built, total = map(int, _after_a_check(tmp_path, probe).split())
    assert total > 200 and built < total // 4


def test_a_file_importing_nothing_from_its_project_resolves_no_call_across_modules(
        tmp_path: Path, monkeypatch, capsys):
    from torchwise.project.effects import Summaries

    (tmp_path / "helpers.py").write_text("def fit(model, optimizer):\n    optimizer.step()\n")
    loop = ("\n\ndef train(model, loader, optimizer):\n    model.train()\n    for x in loader:\n"
            "        loss = model(x)\n        loss.backward()\n        {step}\n")
    (tmp_path / "train.py").write_text("import torch\n" + loop.format(step="optimizer.step()"))
    (tmp_path / "main.py").write_text("import helpers\nimport torch\n" + loop.format(step="helpers.fit(model, optimizer)"))
    asked: list[str] = []
    monkeypatch.setattr(Summaries, "_resolve_foreign", lambda self, call, root, env: asked.append(ast.unparse(call)))
    monkeypatch.chdir(tmp_path)
    main(["check", "--exit-zero", "--isolated", "train.py"])
    assert asked == []
    main(["check", "--exit-zero", "--isolated", "main.py"])  # imports a project module: followed
    assert "helpers.fit(model, optimizer)" in asked
    capsys.readouterr()
