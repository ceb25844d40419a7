"""Rule documentation that resolves: every rule links to a real documentation page (no
placeholder repository), and ``torchwise rule`` prints a rule's page or the list."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from torchwise.lint.engine import all_rules, lint_source, select_rules
from torchwise.lint.rule_docs import PYTORCH_DOCS, URL_TEMPLATE_ENV, finding_url

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "github.com/torchwise/torchwise"


def _torchwise(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "torchwise", *args], capture_output=True, text=True,
                          timeout=120, env=full)


def test_no_placeholder_url_anywhere() -> None:
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    offenders = []
    for name in files:
        path = ROOT / name
        if not name or not path.is_file() or path.is_symlink() or name.startswith(("node_modules", ".venv", ".tools")):
            continue
        if path.name == Path(__file__).name:
            continue
        try:
            if PLACEHOLDER in path.read_text(encoding="utf-8"):
                offenders.append(name)
        except (UnicodeDecodeError, OSError):
            continue
    assert not offenders, offenders


def test_every_rule_links_to_official_docs() -> None:
    names = {r.name for r in all_rules()}
    assert set(PYTORCH_DOCS) == names
    for r in all_rules():
        assert re.fullmatch(r"https://docs\.(pytorch\.org/(docs|vision)/stable|python\.org/3)/[\w./-]+\.html(#[\w.-]+)?",
                            r.url), (r.name, r.url)


def test_rule_url_template_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(URL_TEMPLATE_ENV, "https://example.org/rules/{code}-{name}.html")
    r = all_rules()[1]
    assert r.url == f"https://example.org/rules/{r.code}-{r.name}.html"


def test_rule_page_plain_when_piped_and_coloured_when_forced() -> None:
    plain = _torchwise("rule", "TW101")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("MISSING-ZERO-GRAD (TW101)\n") and "\x1b[" not in plain.stdout
    assert "```" not in plain.stdout and "**" not in plain.stdout and "`" not in plain.stdout
    assert PYTORCH_DOCS["missing-zero-grad"] in plain.stdout
    by_name = _torchwise("rule", "missing-zero-grad")
    assert by_name.stdout == plain.stdout
    coloured = _torchwise("rule", "TW101", env={"FORCE_COLOR": "1"})
    assert "\x1b[1m" in coloured.stdout
    assert "\x1b[" not in _torchwise("rule", "TW101", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def test_rule_all_lists_every_rule_as_text_and_json() -> None:
    text = _torchwise("rule", "--all")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0].split()[:5] == ["CODE", "NAME", "GROUP", "DEFAULT", "FIX"]
    assert len(lines) == len(all_rules()) + 1
    assert re.search(r"^TW702\s+dataloader-without-workers\s+data\s+off\s+-\s", text.stdout, re.M)
    assert re.search(r"^TW101\s+missing-zero-grad\s+training\s+on\s+unsafe\s", text.stdout, re.M)
    data = json.loads(_torchwise("rule", "--all", "--output-format", "json").stdout)
    assert [d["code"] for d in data] == [r.code for r in all_rules()]
    for d in data:
        assert {"code", "name", "group", "default", "fix", "summary", "url", "explanation"} <= set(d)
        assert d["explanation"].startswith(f"# {d['name']} ({d['code']})")
    one = json.loads(_torchwise("rule", "TW404", "--output-format", "json").stdout)
    assert one["name"] == "deprecated-cuda-amp" and one["fix"] == "safe"


def test_rule_errors_are_one_line_with_exit_2() -> None:
    for args in (("rule", "TW999"), ("rule",), ("rule", "TW101", "--all")):
        done = _torchwise(*args)
        assert done.returncode == 2 and done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1 and "error" in done.stderr


def test_a_code_span_may_run_on_to_the_next_line_of_its_paragraph() -> None:
    """Markdown lets an inline code span wrap with its paragraph (a rule page's
    ``if i % accum == 0: ... elif ...:`` broken over two lines); not past a blank line."""
    from torchwise.lint.rule_docs import render_terminal

    page = "Not where `if i % accum == 0:\nopt.step()` runs.\n\nA lone ` tick\n\nand `another` one.\n"
    assert render_terminal(page, color=False) == (
        "Not where if i % accum == 0:\nopt.step() runs.\n\nA lone ` tick\n\nand another one.\n")
    coloured = render_terminal(page, color=True)
    assert "\x1b[36mif i % accum == 0:\nopt.step()\x1b[0m" in coloured


def test_each_removed_or_deprecated_api_has_its_own_page() -> None:
    """deprecated-function covers ~40 APIs: each finding links the page of its API (the
    API's own page, which states the deprecation, or its replacement's), not one page for
    all (``scheduler.step(epoch)`` and ``weight_norm`` used to link ``torch.linalg``)."""
    import importlib

    import torch  # noqa: F401  (the installed torch: every page's API must exist in it)

    from torchwise.lint.rule_docs import API_DOCS
    from torchwise.lint.rules.deprecated import DEPRECATED, REMOVED

    assert set(REMOVED) | set(DEPRECATED) <= set(API_DOCS)
    for api, url in API_DOCS.items():
        assert re.fullmatch(r"https://(docs\.pytorch\.org/docs/stable/[\w./-]+\.html(#[\w.-]+)?"
                            r"|docs\.python\.org/3/library/math\.html#math\.inf"
                            r"|github\.com/pytorch/pytorch/blob/main/torch/utils/_pytree\.py)", url), (api, url)
        named = re.search(r"/generated/([\w.]+)\.html$", url) or re.search(r"\.html#(torch\.[\w.]+)$", url)
        if named:  # the documented object exists in the installed torch
            module, _, attr = named.group(1).rpartition(".")
            while True:
                try:
                    owner = importlib.import_module(module)
                    break
                except ImportError:
                    module, _, outer = module.rpartition(".")
                    attr = f"{outer}.{attr}"
            for part in attr.split("."):
                owner = getattr(owner, part)
    assert API_DOCS["torch.nn.utils.weight_norm"].endswith("/generated/torch.nn.utils.weight_norm.html")
    scaler = lint_source("import torch\ns = torch.cuda.amp.GradScaler()\nwith torch.cuda.amp.autocast():\n    pass\n", "t.py",
                         rules=select_rules(["deprecated-cuda-amp"]))
    assert [finding_url(f) for f in scaler] == [f"https://docs.pytorch.org/docs/stable/amp.html#{anchor}"
                                                 for anchor in ("gradient-scaling", "torch.cuda.amp.autocast")]


def test_a_finding_carries_its_api_page_to_json_and_lsp(tmp_path, monkeypatch) -> None:
    """The page reaches every output: ``check``'s JSON (through the worker pool too), and
    the LSP diagnostic's ``codeDescription``; a team's template still wins."""
    from torchwise.analysis import build_analysis
    from torchwise.server import create_server
    from torchwise.lint.engine import LintSettings, lint_analysis
    from torchwise.text import split_lines

    source = ("import torch\nfrom torch.nn.utils import weight_norm\nq = torch.qr(a)\ns = torch.solve(b, a)\n"
              "sch = torch.optim.lr_scheduler.StepLR(opt, 3)\nsch.step(epoch)\n")
    want = {2: "generated/torch.nn.utils.weight_norm.html", 3: "generated/torch.qr.html",
            4: "generated/torch.linalg.solve.html", 6: "optim.html#how-to-adjust-learning-rate"}
    for number in range(16):  # enough files for two workers: the page crosses the pool's rows
        (tmp_path / f"m{number}.py").write_text(source, encoding="utf-8")
    out = _torchwise("check", "--isolated", "--exit-zero", "--select", "TW801,TW802", "--output-format", "json",
                     str(tmp_path), env={"TORCHWISE_JOBS": "2"})
    found = json.loads(out.stdout)
    assert len(found) == 16 * len(want) and {f["line"] for f in found} == set(want), out.stdout
    for f in found:
        assert f["url"] == f"https://docs.pytorch.org/docs/stable/{want[f['line']]}", f

    server = create_server()
    rules = LintSettings(select=["TW801", "TW802"]).rules_for("x.py")
    findings = lint_analysis(build_analysis(source, "x.py"), "x.py", rules)
    lines = split_lines(source, keepends=True)
    hrefs = {f.line: server.linter.diagnostic_json("file:///x.py", f, lines)["codeDescription"]["href"]
             for f in findings}
    assert hrefs == {line: f"https://docs.pytorch.org/docs/stable/{page}" for line, page in want.items()}
    monkeypatch.setenv(URL_TEMPLATE_ENV, "https://example.org/rules/{name}.html")
    assert server.linter.diagnostic_json("file:///x.py", findings[0], lines)["codeDescription"]["href"] \
        == f"https://example.org/rules/{findings[0].rule.name}.html"
