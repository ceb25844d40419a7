"""Torchwise in a real VS Code: code-server with the packaged .vsix, driven through chromium.

Each test opens its own copy of samples/ in a fresh browser and checks one feature through the UI.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from torchwise.knowledge import default_knowledge

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _locate(file: str, needle: str, word: str | None = None) -> tuple[int, int]:
    """1-based (line, column) of the middle of ``word`` (default: ``needle``) on the first code line
    of samples/``file`` containing ``needle``."""
    word = word or needle
    for number, line in enumerate((SAMPLES / file).read_text().splitlines(), start=1):
        if needle in line and not line.lstrip().startswith("#"):
            col = line.index(needle) + needle.index(word)
            return number, col + 1 + len(word) // 2
    raise AssertionError(f"{needle!r} not found in samples/{file}")


def _knowledge_phrase(qualname: str) -> str:
    """A plain-text run of the knowledge base's summary for ``qualname`` (no markdown in it)."""
    entry = default_knowledge().get(qualname)
    assert entry is not None, f"the knowledge base has no entry for {qualname}"
    runs = [r.strip() for r in re.split(r"[`*_\[\]()|<>]", entry.summary) if len(r.strip().split()) >= 3]
    assert runs, f"no plain phrase in {entry.summary!r}"
    return " ".join(max(runs, key=len).split()[:6])


def test_server_starts_and_reports_ready(code_server, request):
    folder = code_server.workspace("ready")
    result = code_server.run(request, "ready", folder)
    assert "Torchwise:" in result["status"]
    log = code_server.torchwise_log()
    assert "Torchwise language server started" in log, log[-2000:]
    # The server runs from the bundled libraries inside the installed extension.
    assert sys.executable in log


def test_workbench_has_no_extension_gallery(code_server):
    """code-server started as scripts/demo.sh starts it serves a workbench with no gallery
    (by default it points at open-vsx.org, which an offline machine cannot reach)."""
    import html
    import json
    import urllib.request

    with urllib.request.urlopen(f"{code_server.url}/", timeout=30) as response:
        page = html.unescape(response.read().decode("utf-8"))
    found = re.search(r'"extensionsGallery":(\{[^{}]*\})', page)
    assert found, "no product configuration in the workbench page"
    assert json.loads(found.group(1)) == {}, found.group(1)


def test_restart_command_and_settings_change_restart_the_server(code_server, request):
    folder = code_server.workspace("restarts")
    settings = {"torchwise.interpreter": sys.executable, "torchwise.server.logLevel": "debug"}
    code_server.run(
        request, "restarts", folder, settingsFile=str(folder / ".vscode" / "settings.json"), settings=settings,
        logsDir=str(code_server.user_data / "logs"),
    )  # fmt: skip
    log = code_server.torchwise_log().split("Restarting the Torchwise server: requested", 1)
    assert len(log) == 2, "the Restart Server command did not restart the server"
    after = log[1].split("Restarting the Torchwise server: settings changed", 1)
    assert len(after) == 2, "changing torchwise settings did not restart the server"
    assert "Torchwise language server started" in after[0] and "Torchwise language server started" in after[1]


def test_hover_shows_knowledge_text(code_server, request):
    folder = code_server.workspace("hover")
    line, column = _locate("quickstart.py", "nn.CrossEntropyLoss()", "CrossEntropyLoss")
    phrase = _knowledge_phrase("torch.nn.CrossEntropyLoss")
    result = code_server.run(
        request, "hover", folder, file="quickstart.py", line=line, column=column, word="CrossEntropyLoss", expect=phrase
    )
    # the hover names the qualified target first, then the knowledge text
    assert result["hover"].startswith("class torch.nn.CrossEntropyLoss("), result["hover"][:300]
    assert result["tries"] <= 3, result["tries"]  # the mouse brought it up, not a minute of retries


def test_hover_shows_curated_torchvision_transform(code_server, request):
    """torchvision need not be importable: the transform's hover comes from the knowledge base."""
    folder = code_server.workspace("hover-vision")
    line, column = _locate("vision_data.py", "transforms.Normalize(", "Normalize")
    phrase = _knowledge_phrase("torchvision.transforms.Normalize")
    result = code_server.run(
        request, "hover", folder, file="vision_data.py", line=line, column=column, word="Normalize", expect=phrase
    )
    assert result["hover"].startswith("class torchvision.transforms.Normalize("), result["hover"][:300]


def test_lint_squiggle_problems_entry_and_quick_fix(code_server, request):
    folder = code_server.workspace("lint")
    line, column = _locate("quickstart.py", "torch.load(")
    result = code_server.run(
        request,
        "lintAndQuickFix",
        folder,
        file="quickstart.py",
        line=line,
        column=column,
        problem="weights_only",
        fixTitle="weights_only",
        fixedText="weights_only=True",
    )
    # the Problems entry names the rule's code and where it is; the fix rewrote the whole call
    assert "TW501" in result["problem"] and f"[Ln {line}, Col" in result["problem"], result["problem"]
    assert result["fixedLine"] == 'state = torch.load("quickstart-checkpoint.pt", weights_only=True)', result
    assert (result["squigglesBefore"], result["squigglesAfter"]) == (1, 0), result  # the file's only finding


ZERO_GRAD_LOOP = """\
import torch

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    loss.backward()
    optimizer.step()
"""


def test_missing_zero_grad_fixed_from_the_light_bulb(code_server, request):
    """The finding's light bulb offers "Insert optimizer.zero_grad() ..." (unsafe, so not
    applied by fix-all); picking it inserts the call at the start of the loop body, and the
    squiggle and the Problems entry go away (the findings arrive by pull: VS Code's client
    advertises textDocument/diagnostic)."""
    folder = code_server.workspace("zero-grad", settings={"torchwise.trace.server": "verbose"})
    (folder / "zero_grad_loop.py").write_text(ZERO_GRAD_LOOP)
    line = ZERO_GRAD_LOOP.splitlines().index("    optimizer.step()") + 1
    result = code_server.run(
        request, "lintAndQuickFix", folder, file="zero_grad_loop.py", line=line, column=10, via="lightbulb",
        problem="missing-zero-grad", fixTitle="Insert optimizer.zero_grad() at the start of the loop",
        fixedText="optimizer.zero_grad()",
    )  # fmt: skip
    assert "Gradients are never cleared in this loop" in result["problem"]
    assert "`" not in result["problem"]  # Problems shows plain text
    expected = ZERO_GRAD_LOOP.replace("for step in range(3):\n", "for step in range(3):\n    optimizer.zero_grad()\n")
    assert result["text"].rstrip("\n") == expected.rstrip("\n"), result["text"]
    assert (result["squigglesBefore"], result["squigglesAfter"]) == (1, 0)
    # VS Code pulled the findings, and none were pushed for this file (no duplicates)
    entries = re.split(r"(?=(?:Sending|Received) (?:request|notification|response) ')", code_server.torchwise_log())
    methods = sorted({re.match(r"\w+ \w+ '([\w/$]+)", e).group(1) for e in entries[1:]})
    pulled = [e for e in entries if e.startswith("Sending request 'textDocument/diagnostic") and "zero_grad_loop.py" in e]
    assert pulled, methods
    pushed = [e for e in entries if e.startswith("Received notification 'textDocument/publishDiagnostics")
              and "zero_grad_loop.py" in e]
    assert not pushed, pushed[:1]


def test_notebook_cells_get_hovers_and_squiggles(code_server, request):
    """A .ipynb in VS Code's notebook editor: the client syncs its cells, the server analyses them
    as one module (the hover needs the import from the first cell) and lints them per cell."""
    import json

    folder = code_server.workspace("notebook")
    cells = ["import torch\n", "opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)\n"
             "opt.zero_grad()\nstate = torch.load('m.pt')\n"]
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": text.splitlines(keepends=True)} for text in cells],
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                             "language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (folder / "nb.ipynb").write_text(json.dumps(notebook, indent=1))
    phrase = _knowledge_phrase("torch.optim.Optimizer.zero_grad")
    result = code_server.run(request, "notebook", folder, file="nb.ipynb", word="zero_grad", expect=phrase)
    # one finding in the whole notebook: torch-load-without-weights-only on the second cell's
    # `torch.load(...)` (the SGD built and cleared there is no training loop); the first cell none
    assert result["squiggles"] == 1, result
    assert result["cellSquiggles"] == [0, 1], result
    assert phrase in result["hover"]


def test_snippet_prefix_expands(code_server, request):
    folder = code_server.workspace("snippet")
    result = code_server.run(
        request, "snippet", folder, file="quickstart.py", prefix="pt-count-params", expect="p.numel() for p in"
    )
    # typing "pt-" alone brought up suggestions, every one a pt- snippet
    assert result["shown"] and all(row.startswith("pt-") for row in result["shown"]), result["shown"]
    assert result["chosen"].startswith("pt-count-params"), result["chosen"]
    # the snippet's body, its placeholders at their defaults, on the line typed into
    assert result["expanded"] == ["num_params = sum(p.numel() for p in model.parameters() if p.requires_grad)"], result
    assert "\nprint(f\"{num_params:,} trainable parameters\")\n" in result["text"], result["text"][-300:]


def test_run_cell_shows_output_and_footer(code_server, request):
    folder = code_server.workspace("run-cell")
    result = code_server.run(request, "runCell", folder, file="quickstart.py", cellIndex=0, expect="x: (8, 3) torch.float32")
    assert result["output"] == "x: (8, 3) torch.float32", result["output"]  # the cell's whole output
    footer = result["footer"]
    assert footer.startswith("ok"), footer
    assert "device cpu" in footer and "peak memory" in footer and re.search(r"\d+(\.\d+)? m?s", footer), footer
    assert result["status"] == "Torchwise: cpu · idle"  # the whole status bar item (its icon is not text)


def test_shift_enter_runs_the_cell_and_advances(code_server, request):
    folder = code_server.workspace("shift-enter")
    line, _ = _locate("quickstart.py", "x = torch.randn")
    next_cell = _locate("quickstart.py", "model = nn.Sequential")[0]
    result = code_server.run(
        request, "shiftEnter", folder, file="quickstart.py", line=line, nextLine=next_cell, expect="x: (8, 3)"
    )
    assert result["output"] == "x: (8, 3) torch.float32", result["output"]
    assert result["position"] == f"Ln {next_cell}, Col 1", result["position"]  # the next cell's first line


def test_shift_enter_on_a_selection_runs_just_those_lines(code_server, request):
    folder = code_server.workspace("selection")
    line, _ = _locate("quickstart.py", "x = torch.randn")
    result = code_server.run(
        request, "runSelection", folder, file="quickstart.py", line=line - 3, lines=5, expect="x: (8, 3)"
    )
    assert result["title"] == f"quickstart.py · lines {line - 3}–{line + 1}", result["title"]
    assert result["footer"].startswith("ok"), result


def test_run_selection_runs_only_the_selected_lines(code_server, request):
    """Two lines of a cell whose imports are not selected: a fresh kernel has no ``torch``, so
    the output differs from the whole cell's (which prints ``x: (8, 3) torch.float32``)."""
    folder = code_server.workspace("selection-part")
    line, _ = _locate("quickstart.py", "x = torch.randn")
    result = code_server.run(
        request, "runSelection", folder, file="quickstart.py", line=line, lines=2, expect="NameError"
    )
    assert result["title"] == f"quickstart.py · lines {line}–{line + 1}", result["title"]
    assert "NameError: name 'torch' is not defined" in result["output"], result["output"]
    assert "x: (8, 3)" not in result["output"], result["output"]


ERRORS_PY = """\
# %%
def explode(x):
    return x / 0

# %%
print("before the error")
explode(1)
"""


def test_error_traceback_links_to_the_document_line(code_server, request):
    folder = code_server.workspace("errors")
    (folder / "errors.py").write_text(ERRORS_PY)
    result = code_server.run(
        request, "errorLocation", folder, file="errors.py", lens="Run Below", cellIndex=0, expect="ZeroDivisionError",
        errorLine=3,
    )  # fmt: skip
    assert "ZeroDivisionError: division by zero" in result["error"], result["error"]
    assert result["link"].endswith("errors.py:3"), result["link"]
    assert result["footer"].startswith("error"), result["footer"]


EXTRA_PY = """\
# %%
import base64, struct, zlib
from IPython.display import display

def png(width, height, rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

display({"image/png": base64.b64encode(png(32, 16, (200, 30, 30))).decode(), "text/plain": "<red box>"}, raw=True)
print("image sent")

# %%
import time
print("looping", flush=True)
while True:
    time.sleep(0.05)
"""


def test_output_panel_shows_images(code_server, request):
    folder = code_server.workspace("image")
    (folder / "extra.py").write_text(EXTRA_PY)
    result = code_server.run(request, "cellRun", folder, file="extra.py", lens="Run Cell", cellIndex=0, expectOutput="image sent")
    assert result["footer"].startswith("ok"), result
    assert {"width": 32, "height": 16, "complete": True} in result["images"], result["images"]


HTML_PY = """\
# %%
from IPython.display import HTML, display
display(HTML('<table class="dataframe"><tr><th>col</th></tr><tr><td><b>42</b></td></tr></table>'
             '<img src="x" onerror="document.title = 1"><script>document.title = "pwned"</script>'
             '<a href="javascript:alert(1)">link</a><style>body { display: none }</style>'))
print("html sent")
"""


def test_html_output_is_rendered_sanitised(code_server, request):
    folder = code_server.workspace("html")
    (folder / "html.py").write_text(HTML_PY)
    result = code_server.run(request, "cellRun", folder, file="html.py", lens="Run Cell", cellIndex=0,
                             expectOutput="html sent", screenshotOnSuccess=True)
    assert result["footer"].startswith("ok"), result
    assert len(result["html"]) == 1, result
    shown = result["html"][0]
    assert "<table" in shown and "<b>42</b>" in shown and ">link</a>" in shown, shown  # the markup renders
    for dropped in ("<script", "onerror", "javascript:", "<style", "pwned"):
        assert dropped not in shown, (dropped, shown)
    assert result["scripts"] == 0 and "col" in result["output"] and "42" in result["output"], result


def test_interrupt_stops_a_running_cell(code_server, request):
    folder = code_server.workspace("interrupt")
    (folder / "extra.py").write_text(EXTRA_PY)
    result = code_server.run(
        request, "cellRun", folder, file="extra.py", lens="Run Cell", cellIndex=1, expectOutput="looping", interrupt=True
    )
    assert result["runningBeforeInterrupt"] is True
    assert result["footer"].startswith("interrupted"), result


TERMINAL_PY = """\
# %%
import time
from tqdm import tqdm
for _ in tqdm(range(40), mininterval=0):
    time.sleep(0.01)
print("\\x1b[31mred text\\x1b[0m and plain")
print("loop done")

# %%
def explode(x):
    return x / 0
explode(1)
"""


def test_tqdm_renders_as_one_line_and_colours_render(code_server, request):
    pytest.importorskip("tqdm")
    folder = code_server.workspace("terminal")
    (folder / "terminal.py").write_text(TERMINAL_PY)
    result = code_server.run(
        request, "cellRun", folder, file="terminal.py", lens="Run Cell", cellIndex=0, expectOutput="loop done",
        screenshotOnSuccess=True,
    )  # fmt: skip
    assert result["footer"].startswith("ok"), result
    bars = [line for line in result["output"].splitlines() if "40/40" in line or "it/s" in line]
    assert len(bars) == 1 and "100%" in bars[0], result["output"]  # one bar, not forty
    assert "ansi-red-fg" in result["ansiClasses"], result
    assert "\x1b" not in result["output"] and "red text and plain" in result["output"]
    assert re.fullmatch(r"\[\d+\]", result["prompt"]), result["prompt"]  # the execution count
    result = code_server.run(
        request, "cellRun", folder, file="terminal.py", lens="Run Cell", cellIndex=1, expectOutput="ZeroDivisionError",
        screenshotOnSuccess=True,  # the panel then shows both runs: the bar and the coloured traceback
    )  # fmt: skip
    assert result["footer"].startswith("error"), result
    assert len(result["ansiClasses"]) >= 2, result  # the traceback keeps IPython's colours
    assert result["errors"] == 1 and result["output"].count("ZeroDivisionError: division by zero") == 1, result


def test_stop_button_of_the_running_cell_interrupts(code_server, request):
    folder = code_server.workspace("stop-button")
    (folder / "extra.py").write_text(EXTRA_PY)
    result = code_server.run(
        request, "cellRun", folder, file="extra.py", lens="Run Cell", cellIndex=1, expectOutput="looping", interrupt="stopButton"
    )
    assert result["runningBeforeInterrupt"] is True
    assert result["footer"].startswith("interrupted"), result


def test_show_variables_lists_the_kernels_tensors(code_server, request):
    folder = code_server.workspace("variables")
    result = code_server.run(
        request, "variables", folder, file="quickstart.py", lens="Run Cell", cellIndex=0, expectOutput="x: (8, 3)"
    )
    rows = [row for row in result["variables"] if re.match(r"x\s*Tensor", row)]  # label, then description
    assert rows, result["variables"]
    assert "8, 3" in rows[0] and "float32" in rows[0], rows[0]


def test_variables_view_shows_a_tensors_shape(code_server, request):
    folder = code_server.workspace("variables-view")
    result = code_server.run(
        request, "variablesView", folder, file="quickstart.py", lens="Run Cell", cellIndex=0, expectOutput="x: (8, 3)",
        expectRow="(8, 3)",
    )  # fmt: skip
    rows = [row for row in result["rows"] if re.match(r"x\s*Tensor", row)]  # label, then description
    assert rows and "Tensor (8, 3) float32 cpu" in rows[0], result["rows"]
    assert not any(re.match(r"device\s*device", row) for row in result["rows"]), result["rows"]  # ours is not listed


def test_live_hover_shows_the_kernels_shape(code_server, request):
    folder = code_server.workspace("live-hover")
    line, column = _locate("quickstart.py", "tuple(x.shape)", "x")
    result = code_server.run(
        request, "liveHover", folder, file="quickstart.py", lens="Run Cell", cellIndex=0, expectOutput="x: (8, 3)",
        line=line, column=column, word="x", hoverExpect="Tensor (8, 3) float32 cpu", screenshotOnSuccess=True,
    )  # fmt: skip
    # the kernel's value first, then the static hover of the same name
    assert result["hover"].startswith("live — kernel value after run [1] x: Tensor (8, 3) float32 cpu"), result["hover"]
    assert "(variable) x: torch.Tensor class torch.Tensor" in result["hover"], result["hover"]


def test_codelens_shows_on_a_file_opened_with_quick_open(code_server, request):
    folder = code_server.workspace("codelens")
    (folder / "second.py").write_text("# %%\nprint('a')\n\n# %%\nprint('b')\n")
    result = code_server.run(request, "codeLensAfterQuickOpen", folder, file="second.py")
    assert result["lenses"] == 2


NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
         "source": ["import torch\n", "t = torch.zeros(4, 5)\n", "print('notebook says', tuple(t.shape))\n"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_notebook_cell_runs_on_the_torchwise_kernel(fresh_code_server, request):
    import json

    code_server = fresh_code_server
    folder = code_server.workspace("notebook-run")
    (folder / "nb.ipynb").write_text(json.dumps(NOTEBOOK))
    result = code_server.run(
        request, "notebookRun", folder, file="nb.ipynb", expect="notebook says (4, 5)", screenshotOnSuccess=True
    )
    assert "notebook says (4, 5)" in result["output"]
    # the cell's status bar: the run's device and its peak memory, as the panel's footer shows them
    assert re.search(r"(^| )cpu · peak \d+(\.\d)? [KMGT]?B RSS \(\+\d+(\.\d)? [KMGT]?B\)", result["cellStatus"]), result


DEVICE_PY = """\
# %%
import torch
print("device is", device, "and a tensor lands on", torch.ones(1).to(device).device)
"""


def test_select_device_changes_the_status_bar_and_the_kernels_device(code_server, request):
    """The machine has only a CPU: the e2e code-server lists the test-only fake device ``meta``
    (TORCHWISE_TEST_FAKE_DEVICES), a real torch device that is not the current one."""
    folder = code_server.workspace("devices")
    (folder / "device.py").write_text(DEVICE_PY)
    result = code_server.run(request, "selectDevice", folder, file="device.py", device="meta", expectOutput="device is")
    devices = result["devices"]  # each row: the id, then its description
    assert len(devices) == 2 and devices[0].startswith("cpu"), devices
    assert devices[1] == "metafake device (TORCHWISE_TEST_FAKE_DEVICES, test only)", devices
    assert result["statusBefore"] == "Torchwise: cpu · idle", result
    assert result["status"] == "Torchwise: meta · idle", result
    assert result["firstOutput"].endswith("device is cpu and a tensor lands on cpu"), result["firstOutput"]
    assert result["output"].endswith("device is meta and a tensor lands on meta"), result["output"]
    assert "device meta" in result["footer"], result["footer"]


def test_server_failure_is_reported_loudly(code_server, request):
    folder = code_server.workspace("broken", settings={"torchwise.interpreter": "/nonexistent/bin/python3"})
    result = code_server.run(request, "serverFailure", folder)
    assert "/nonexistent/bin/python3" in result["notification"] and "was not found" in result["notification"]
    # clicking the status bar item showed the log (Show Log), with the same reason
    log = " ".join(result["log"].split())  # the Output view wraps long lines
    assert "'/nonexistent/bin/python3' (from setting torchwise.interpreter) was not found" in log, log


def test_interpreter_falls_back_to_python3_on_path(code_server, request):
    """No torchwise.interpreter and no Python extension: the client's last resort is python3 on PATH
    (whether that Python can run the server depends on the machine; the choice is what is checked)."""
    folder = code_server.workspace("fallback", settings={"torchwise.interpreter": ""})
    before = code_server.torchwise_log().count("(from python3 on PATH)")
    result = code_server.run(request, "serverState", folder)
    log = code_server.torchwise_log()
    assert log.count("(from python3 on PATH)") > before, log[-2000:]
    assert result["status"].startswith("Torchwise:"), result


def test_untrusted_workspace_refuses_running(untrusted_code_server, request):
    folder = untrusted_code_server.workspace("untrusted")
    line, column = _locate("quickstart.py", "nn.CrossEntropyLoss()", "CrossEntropyLoss")
    phrase = _knowledge_phrase("torch.nn.CrossEntropyLoss")
    result = untrusted_code_server.run(
        request, "untrusted", folder, file="quickstart.py", line=line, column=column, expect=phrase
    )
    assert "untrusted" in result["notification"]
    assert result["webviews"] == 0, "an output panel opened: something ran"
    assert phrase in result["hover"]
