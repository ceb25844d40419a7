"""The quick fixes of the training-loop, loss and data rules: each is applied with the
real fixer, the result parses, a re-lint with every rule finds the finding gone and
nothing new, and the fixed script runs on CPU and does what the fix promised.
(Tests may import torch; the server never does.)"""

from __future__ import annotations

import os
import ast
import re
import subprocess
import sys
import textwrap
import warnings
from collections import Counter

import pytest

from torchwise.lint.engine import get_rule, lint_source, select_rules
from torchwise.lint.fix import fix_source

torch = pytest.importorskip("torch")

PRELUDE = """\
import torch
import torch.nn.functional as F
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = [(torch.randn(2, 4), torch.randint(0, 3, (2,))) for _ in range(3)]
"""

# rule -> (snippet run after PRELUDE that sets ``result``, check(result before, result after))
CASES = {
    "missing-zero-grad": ("""\
grads = []
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads.append(model[0].weight.grad.clone())
    optimizer.step()
result = grads
""", lambda before, after: not torch.allclose(before[-1], after[-1])
        and torch.allclose(after[0], before[0])),
    "missing-eval": ("""\
modes = []
for epoch in range(2):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        for x, y in loader:
            modes.append(model.training)
            model(x)
result = modes
""", lambda before, after: all(before) and not any(after)),
    "missing-train-mode": ("""\
modes = []
model.train()
for epoch in range(3):
    for x, y in loader:
        optimizer.zero_grad()
        modes.append(model.training)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
result = modes
""", lambda before, after: not all(before) and all(after)),
    "missing-no-grad": ("""\
def evaluate(model, loader):
    model.eval()
    tracked = []
    for x, y in loader:
        out = model(x)
        tracked.append(out.grad_fn is not None)
    return tracked
result = evaluate(model, loader)
""", lambda before, after: all(before) and not any(after)),
    "softmax-before-cross-entropy": ("""\
x, y = loader[0]
logits = model.eval()(x)
probs = torch.softmax(logits, dim=1)
result = F.cross_entropy(probs, y), F.cross_entropy(logits, y)
""", lambda before, after: not torch.allclose(*before) and torch.allclose(*after)),
    "sigmoid-before-bce-with-logits": ("""\
x, _ = loader[0]
logits = model.eval()(x)
target = torch.rand_like(logits)
scores = torch.sigmoid(logits)
result = (F.binary_cross_entropy_with_logits(scores, target),
          F.binary_cross_entropy_with_logits(logits, target))
""", lambda before, after: not torch.allclose(*before) and torch.allclose(*after)),
}


def _run(source: str):
    namespace: dict = {"__name__": "__main__"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "<snippet>", "exec"), namespace)
    return namespace["result"]


def _fix(source: str, name: str) -> str:
    """Apply ``name``'s fixes and check what every fix must keep: it parses, the finding
    is gone, no other rule finds anything new."""
    rule = get_rule(name)
    assert rule is not None and rule.fix == "unsafe"
    every = select_rules(["ALL"])
    before = lint_source(source, "s.py", rules=every)
    mine = [f for f in before if f.rule is rule]
    assert mine and all(f.fix is not None and f.fix.applicability == "unsafe" for f in mine), mine
    for f in mine:  # quick-fix titles are plain text (VS Code shows no Markdown there)
        assert "`" not in f.fix.message
    unchanged, applied, _ = fix_source(source, "s.py", [rule], unsafe=False)
    assert applied == 0 and unchanged == source  # unsafe fixes need --unsafe-fixes
    fixed, applied, _ = fix_source(source, "s.py", [rule], unsafe=True)
    assert applied >= 1 and fixed != source
    ast.parse(fixed)
    after = lint_source(fixed, "s.py", rules=every)
    assert not [f for f in after if f.rule is rule], fixed
    new = Counter(f.rule.name for f in after) - Counter(f.rule.name for f in before)
    assert not new, (new, fixed)
    return fixed


@pytest.mark.parametrize("name", sorted(CASES))
def test_quick_fix_applies_and_runs(name: str) -> None:
    snippet, check = CASES[name]
    source = PRELUDE + snippet
    fixed = _fix(source, name)
    before, after = _run(source), _run(fixed)
    assert check(before, after), fixed


@pytest.mark.parametrize("eol", ["\r\n", "\r"])
def test_inserted_lines_use_the_files_line_ending(eol: str) -> None:
    source = (PRELUDE + CASES["missing-zero-grad"][0]).replace("\n", eol)
    fixed = _fix(source, "missing-zero-grad")
    assert f"{eol}    optimizer.zero_grad(){eol}" in fixed
    breaks = re.findall(r"\r\n|\r|\n", fixed)
    assert set(breaks) == {eol} and len(breaks) == len(re.findall(r"\r\n|\r|\n", source)) + 1


def test_wrapping_keeps_tabs_and_refuses_multiline_strings() -> None:
    source = PRELUDE + "def evaluate(model, loader):\n\tmodel.eval()\n\tfor x, y in loader:\n\t\tprint(model(x))\n"
    fixed = _fix(source, "missing-no-grad")
    assert "\twith torch.no_grad():\n\t\tfor x, y in loader:\n\t\t\tprint(model(x))\n" in fixed
    # re-indenting a triple-quoted string would change its value: no fix then
    tricky = PRELUDE + ('def evaluate(model, loader):\n    model.eval()\n    for x, y in loader:\n'
                        '        print(model(x), """a\nb""")\n')
    findings = lint_source(tricky, "s.py", rules=[get_rule("missing-no-grad")])
    assert findings and findings[0].fix is None


def test_no_grad_fix_can_use_inference_mode() -> None:
    from torchwise.lint.options import grad_off_setting

    source = PRELUDE + CASES["missing-no-grad"][0]
    with grad_off_setting("inference_mode"):
        fixed, applied, _ = fix_source(source, "s.py", [get_rule("missing-no-grad")], unsafe=True)
    assert applied == 1 and "with torch.inference_mode():" in fixed
    assert not any(_run(fixed))


def test_softmax_variable_fix_needs_the_logits_unchanged() -> None:
    source = PRELUDE + textwrap.dedent("""\
        x, y = loader[0]
        logits = model(x)
        probs = torch.softmax(logits, dim=1)
        logits = logits * 2
        result = F.cross_entropy(probs, y)
        """)
    findings = lint_source(source, "s.py", rules=[get_rule("softmax-before-cross-entropy")])
    assert len(findings) == 1 and findings[0].fix is None


MAIN_GUARD_SCRIPT = """\
import torch
from torch.utils.data import DataLoader, TensorDataset

dataset = TensorDataset(torch.arange(8.0).unsqueeze(1))

loader = DataLoader(dataset, batch_size=4, num_workers=1, multiprocessing_context="spawn")
total = 0.0
for (batch,) in loader:
    total += float(batch.sum())
print("total", total)
"""


def test_main_guard_fix_makes_spawned_workers_work(tmp_path) -> None:
    fixed = _fix(MAIN_GUARD_SCRIPT, "dataloader-workers-without-main-guard")
    assert 'if __name__ == "__main__":\n    loader = DataLoader(' in fixed
    assert "\n    print(\"total\", total)\n" in fixed
    results = []
    for label, code in (("before", MAIN_GUARD_SCRIPT), ("after", fixed)):
        script = tmp_path / f"{label}.py"
        script.write_text(code, encoding="utf-8")
        results.append(subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                                      timeout=300, cwd=tmp_path))
    before, after = results
    # spawned workers re-import the script: without the guard they start workers again and fail
    assert before.returncode != 0 and "bootstrapping phase" in before.stderr, before.stderr[-2000:]
    assert after.returncode == 0 and "total 28.0" in after.stdout, after.stderr[-2000:]


def test_grad_off_context_setting_in_pyproject(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nfix-grad-off-context = "inference_mode"\n')
    script = tmp_path / "evaluate.py"
    script.write_text(PRELUDE + CASES["missing-no-grad"][0], encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "torchwise", "check", "--fix", "--unsafe-fixes",
                           "--select", "missing-no-grad", str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "    with torch.inference_mode():\n        for x, y in loader:\n" in script.read_text(encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nfix-grad-off-context = "no-grad"\n')
    done = subprocess.run([sys.executable, "-m", "torchwise", "check", str(script)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "fix-grad-off-context" in done.stderr


AMP_CASES = [
    "obj = torch.cuda.amp.autocast(False)",
    "obj = torch.cuda.amp.autocast(True, torch.bfloat16, False)",
    "obj = torch.cuda.amp.autocast(False, dtype=torch.bfloat16, cache_enabled=False)",
    "obj = torch.cuda.amp.autocast(enabled=False, dtype=torch.float16)",
    "obj = torch.cuda.amp.autocast()",
    "from torch.cuda.amp import autocast\nobj = autocast(False, torch.bfloat16)",
    "obj = torch.cuda.amp.autocast_mode.autocast(\n    False,\n    torch.bfloat16,\n)",
    "options = {'enabled': False, 'dtype': torch.bfloat16}\nobj = torch.cuda.amp.autocast(**options)",
    "obj = torch.cuda.amp.GradScaler(2.0**10, 3.0, 0.25, 100, False)",
    "obj = torch.cuda.amp.GradScaler(2.0**10, enabled=False)",
    "import torch.cuda.amp as cuda_amp\nobj = cuda_amp.GradScaler(init_scale=8.0, growth_interval=7, enabled=False)",
    "from torch.cuda.amp import GradScaler\nobj = GradScaler(enabled=False)",
]
_AMP_STATE = ("device", "fast_dtype", "_enabled", "_cache_enabled", "_init_scale", "_growth_factor",
              "_backoff_factor", "_growth_interval", "_device")


def _amp_state(code: str, monkeypatch) -> dict:
    """The object's AMP attributes, and for GradScaler (which keeps no settings when
    disabled, as it is without CUDA) the arguments that reached ``torch.amp.GradScaler``."""
    import inspect

    seen: dict = {}
    original = torch.amp.GradScaler.__init__

    def recording_init(self, *args, **kwargs):
        bound = inspect.signature(original).bind(self, *args, **kwargs)
        bound.apply_defaults()
        seen.update({k: v for k, v in bound.arguments.items() if k != "self"})
        original(self, *args, **kwargs)

    monkeypatch.setattr(torch.amp.GradScaler, "__init__", recording_init)
    namespace: dict = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile("import torch\n" + code, "<amp>", "exec"), namespace)
    finally:
        monkeypatch.undo()
    obj = namespace["obj"]
    return {**{k: getattr(obj, k) for k in _AMP_STATE if hasattr(obj, k)}, **seen}


@pytest.mark.parametrize("code", AMP_CASES)
def test_deprecated_cuda_amp_fix_builds_the_same_object(code: str, monkeypatch) -> None:
    rule = get_rule("deprecated-cuda-amp")
    source = "import torch\n" + code + "\n"
    findings = lint_source(source, "s.py", rules=[rule])
    assert len(findings) == 1 and findings[0].fix is not None
    assert findings[0].fix.applicability == ("unsafe" if "(**" in code else "safe")
    fixed, applied, _ = fix_source(source, "s.py", [rule], unsafe=True)
    assert applied == 1 and "torch.amp." in fixed and not lint_source(fixed, "s.py", rules=[rule])
    before = _amp_state(code, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # the fixed code uses no deprecated API
        after = _amp_state(fixed[len("import torch\n"):], monkeypatch)
    assert len(before) >= 3 and before == after, (fixed, before, after)


def test_deprecated_cuda_amp_fix_is_unsafe_when_the_file_changes_autocast_defaults() -> None:
    source = "import torch\ntorch.set_autocast_dtype('cuda', torch.bfloat16)\nwith torch.cuda.amp.autocast():\n    pass\n"
    findings = lint_source(source, "s.py", rules=[get_rule("deprecated-cuda-amp")])
    assert [f.fix.applicability for f in findings] == ["unsafe"]
    explicit = source.replace("autocast()", "autocast(dtype=torch.float16, cache_enabled=True)")
    findings = lint_source(explicit, "s.py", rules=[get_rule("deprecated-cuda-amp")])
    assert [f.fix.applicability for f in findings] == ["safe"]


def _folder_check(tmp_path, jobs: str, name: str, code: str):
    """Writes ``code`` into enough files for the pool's workers to share (with two jobs),
    and returns a function running ``torchwise check <args> .`` there (its stdout; the exit
    code in ``codes``)."""
    from torchwise.lint import pool

    for n in range(2 * pool.MIN_FILES_PER_WORKER):
        (tmp_path / f"{name}_{n}.py").write_text(code, encoding="utf-8")
    env = {**os.environ, "TORCHWISE_JOBS": jobs}

    def check(*args: str, codes=(0, 1), stderr: bool = False) -> str:
        """``stderr``: it may say something (``--diff``'s summary)."""
        done = subprocess.run([sys.executable, "-m", "torchwise", "check", *args, "."], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path, env=env)
        assert done.returncode in codes and (stderr or not done.stderr), done.stdout + done.stderr
        return done.stdout

    return check


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_run_decides_the_grad_off_context(tmp_path, jobs) -> None:
    """A ``--config`` override and ``--isolated`` choose missing-no-grad's fix context, in one
    process and in the pool's workers (the fix used to read pyproject.toml by itself)."""
    check = _folder_check(tmp_path, jobs, "evaluate", PRELUDE + CASES["missing-no-grad"][0])

    def contexts(*extra: str) -> set[str]:
        out = check("--diff", "--unsafe-fixes", "--select", "missing-no-grad", *extra, codes=(1,), stderr=True)
        return set(re.findall(r"^\+\s*with torch\.(\w+)\(\):", out, re.M))

    assert contexts("--config", "fix-grad-off-context = 'inference_mode'") == {"inference_mode"}
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\nfix-grad-off-context = "inference_mode"\n')
    assert contexts() == {"inference_mode"}
    assert contexts("--isolated") == {"no_grad"}
    assert contexts("--config", "fix-grad-off-context = 'no_grad'") == {"no_grad"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_torch_version_keeps_replacements_a_supported_torch_lacks_unsaid(tmp_path, jobs) -> None:
    """``torch-version`` (the oldest torch the code supports, as ruff's ``target-version``):
    ``torch.amp.GradScaler`` came in 2.3, so code that supports 2.1 keeps
    ``torch.cuda.amp.GradScaler`` and is not told to switch (LiheYoung/Depth-Anything pins
    1.13.1, hustvl/Vim 2.1: batches 19 and 20); ``torch.amp.autocast`` (1.12) is still
    asked for. The run decides it, in one process and in the pool's workers."""
    check = _folder_check(tmp_path, jobs, "train", "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
                          "ctx = torch.cuda.amp.autocast()\nf = torch.cuda.amp.custom_fwd\n")

    def reported(*extra: str) -> set[tuple[int, str]]:
        out = check("--select", "TW404,TW802", "--output-format", "concise", *extra)
        return {(int(m[0]), m[1]) for m in re.findall(r"^train_\d+\.py:(\d+):\d+: (TW\d+)", out, re.M)}

    every = {(2, "TW404"), (3, "TW404"), (4, "TW802")}
    assert reported() == every
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\ntorch-version = "2.1"\n')
    assert reported() == {(3, "TW404")}
    assert reported("--isolated") == every
    assert reported("--config", "torch-version = '2.4'") == every
    assert reported("--config", "torch-version = '1.11'") == set()
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\ntorch-version = "latest"\n')
    done = subprocess.run([sys.executable, "-m", "torchwise", "check", "."], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 2 and "torch-version should be a version string" in done.stderr, done.stderr


def test_torch_version_outside_a_run_is_the_files_config(tmp_path) -> None:
    """A rule asked directly (the editor, a test) reads the ``[tool.torchwise]`` that applies
    to the file."""
    from torchwise.lint.engine import get_rule, lint_source

    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\ntorch-version = "2.2.1"\n')
    path = tmp_path / "train.py"
    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    assert lint_source(source, str(path), rules=[get_rule("deprecated-cuda-amp")]) == []
    assert len(lint_source(source, "<stdin>", rules=[get_rule("deprecated-cuda-amp")])) == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pinned_torch_makes_fixes_it_cannot_run_unsafe(tmp_path, jobs) -> None:
    """Without ``torch-version``, the oldest torch the project pins (ifzhang/ByteTrack's
    ``torch>=1.7``, TorchSSL's conda ``pytorch=1.7.1``) keeps the deprecation findings (a
    pin's lower bound is often stale) but a fix that needs a newer torch is no longer safe:
    reviews found the safe fix to ``torch.amp.GradScaler`` (2.3) breaking such pins.
    ``--isolated`` reads no project file; a configured ``torch-version`` wins."""
    check = _folder_check(tmp_path, jobs, "train", "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
                          "ctx = torch.cuda.amp.autocast()\n")

    def reported(*extra: str) -> set[tuple[int, bool]]:
        """(line, fix marked safe) of every finding."""
        out = check("--select", "TW404", "--output-format", "concise", *extra)
        return {(int(m[0]), bool(m[1])) for m in re.findall(r"^train_\d+\.py:(\d+):\d+: TW404( \[\*\])?", out, re.M)}

    (tmp_path / "requirements.txt").write_text("numpy\ntorch>=1.7\ntorchvision==0.8.2\n")
    assert reported() == {(2, False), (3, False)}  # neither torch.amp class exists in 1.7
    assert reported("--isolated") == {(2, True), (3, True)}
    (tmp_path / "requirements.txt").unlink()
    (tmp_path / "environment.yml").write_text("dependencies:\n  - python=3.8\n  - pytorch=1.12.1\n")
    assert reported() == {(2, False), (3, True)}  # torch.amp.autocast came in 1.12
    (tmp_path / "pyproject.toml").write_text('[tool.torchwise]\ntorch-version = "2.4"\n')
    assert reported() == {(2, True), (3, True)}


def test_an_inferred_pin_is_read_once_per_folder_version(tmp_path) -> None:
    from torchwise.lint.options import inferred

    (tmp_path / "pkg").mkdir()
    (tmp_path / "requirements.txt").write_text("torch==1.13.1+cu117\n")
    assert inferred(str(tmp_path / "pkg" / "a.py")) == "1.13"
    (tmp_path / "requirements.txt").write_text("torch\n")
    assert inferred(str(tmp_path / "pkg" / "a.py")) is None  # changed: read again
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = [\n  "torch>=2.2",\n]\n')
    assert inferred(str(tmp_path / "pkg" / "a.py")) == "2.2"


def test_setuptools_files_pin_torch_too(tmp_path) -> None:
    """petals pins ``torch>=1.12`` in ``setup.cfg``'s ``install_requires``; a ``setup.py``
    lists it inline. A name that only starts like torch's is no pin."""
    from torchwise.lint.options import inferred

    one, two, three = (tmp_path / n for n in ("one", "two", "three"))
    for folder in (one, two, three):
        folder.mkdir()
    (one / "setup.cfg").write_text("[options]\ninstall_requires =\n    numpy\n    torch>=1.12\n")
    assert inferred(str(one / "a.py")) == "1.12"
    (two / "setup.py").write_text('from setuptools import setup\nsetup(name="x", install_requires=["numpy", "torch>=1.8.1"])\n')
    assert inferred(str(two / "a.py")) == "1.8"
    (three / "setup.py").write_text('setup(install_requires=["torchvision>=0.9", "torchaudio==0.8"])\n')
    assert inferred(str(three / "a.py")) is None


# ``conda env export`` (SuperMedIntel/Medical-SAM-Adapter): every package at its exact build, a lock
_CONDA_EXPORT = ("name: sam_adapt\nchannels:\n  - pytorch\ndependencies:\n  - numpy=1.23.5=py310h5f9d8c6_0\n"
                 "  - python=3.10.11=h7a1cb2a_2\n  - pytorch-mutex=1.0=cpu\n  - pip:\n      - torch==1.12.1+cu113\n"
                 "prefix: /home/user/anaconda3/envs/sam_adapt\n")


# ``pipenv requirements`` (ybabakhin/kaggle-feedback-effectiveness-1st-place-solution): the index line,
# then every package ``==`` its locked version; one unpinned line makes it a hand-written file
_PIPENV_LOCK = ("-i https://pypi.org/simple\n--extra-index-url https://download.pytorch.org/whl/cu113\n"
                "anyio==3.6.1\nnumpy==1.23.5\ntorch==1.11.0+cu113\ntqdm==4.64.0\n")


def test_a_torch_bounded_below_a_deprecation_or_locked_never_sees_it(tmp_path) -> None:
    """deeplite-torch-zoo's ``install_requires``: ``torch>=1.4, <=2.0.1`` (pip installs no
    torch that deprecates ``torch.cuda.amp``, 2.4); cheind/pure-torch-ngp's pip-compile lock:
    ``torch==1.12.1+cu113`` (the lock installs that torch), and a ``conda env export`` that
    lists it, or ``pipenv requirements`` or rye writes. A hand-written pip ``==`` stays a lower bound; a bound
    that allows 2.4 keeps the finding."""
    from torchwise.lint.engine import get_rule, lint_source
    from torchwise.lint.options import _pinned_in

    assert _pinned_in("INSTALL_REQUIRES = [\n    'torch>=1.4, <=2.0.1',\n]\n") == "1.4<2.1"
    assert _pinned_in("torch<2.4\n") == "<2.4" and _pinned_in("torch>=1.7,<2.4.1\n") == "1.7<2.5"
    assert _pinned_in("#\n# This file is autogenerated by pip-compile with python 3.9\n#\ntorch==1.12.1+cu113\n") == "==1.12"
    assert _pinned_in("pytorch-lightning<2.0\ntorch>=1.9\n") == "1.9"
    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    rule = get_rule("deprecated-cuda-amp")
    for name, text, found in (("setup.py", "install_requires=['torch>=1.4, <=2.0.1']\n", 0),
                              ("setup.py", "install_requires=['torch>=1.4, <2.4']\n", 0),
                              ("setup.py", "install_requires=['torch>=1.4, <2.5']\n", 1),
                              ("requirements.txt", "# autogenerated by pip-compile\ntorch==1.12.1\n", 0),
                              ("requirements.txt", "torch==1.12.1\n", 1),
                              ("requirements.txt", _PIPENV_LOCK, 0),
                              ("requirements.txt", _PIPENV_LOCK.replace("numpy==1.23.5", "numpy"), 1),
                              # rye's lock beside a pyproject.toml that pins no version (sakami0000's
                              # sleep-states solution): the locked torch is the one installed
                              ("requirements.lock", "# generated by rye\n# use `rye lock` or `rye sync`\n"
                               "-e file:.\nnumpy==1.24.4\ntorch==2.0.1+cu118\n", 0),
                              ("requirements.lock", "numpy==1.24.4\ntorch==2.0.1+cu118\n", 1),
                              ("environment.yml", _CONDA_EXPORT, 0),
                              ("environment.yml", "dependencies:\n  - python=3.10\n  - pip:\n      - torch==1.12.1\n", 1)):
        folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / name).write_text(text)
        assert len(lint_source(source, str(folder / "module.py"), rules=[rule])) == found, (name, text)


# ``conda list --export`` (joansj/hat's requirements.txt, for ``conda create --file``): each package at
# its exact build, without the dashes of an environment file
_CONDA_LIST = ("# This file may be used to create an environment using:\n# $ conda create --name <env> --file <this file>\n"
               "# platform: linux-64\nnumpy=1.13.1=py36_0\npython=3.6.2=0\npytorch=0.2.0=py36hf0d2509_4cu75\n"
               "torchvision=0.1.9=py36h7584368_1\n")

_OLD_TORCH_CODE = """import torch
import torch.nn.functional as F
from torch.autograd import Variable


def train(model, optimizer, scheduler, loader):
    for epoch in range(10):
        scheduler.step()
        for x, y in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


def evaluate(model, loader):
    model.eval()
    for x, y in loader:
        probs = F.softmax(model(Variable(x, volatile=True)))
        print(probs.max())
"""


def test_torch_before_its_api_changed_keeps_the_rules_of_that_api_silent(tmp_path) -> None:
    """Code that runs only on an old torch follows that torch's rules: joansj/hat pins
    pytorch 0.2.0 exactly (a ``conda list --export`` file), where ``volatile=True`` turns
    autograd off, softmax has no ``dim`` to pass (0.3 added it) and schedulers were stepped
    before the optimizer (until 1.1). A hand-written ``==`` is a lower bound: the findings stay."""
    from torchwise.lint.engine import get_rule, lint_source
    from torchwise.lint.options import _pinned_in

    assert _pinned_in(_CONDA_LIST) == "==0.2"
    rules = [get_rule(name) for name in ("missing-no-grad", "softmax-without-dim", "scheduler-step-before-optimizer-step")]
    for text, found in ((_CONDA_LIST, set()), ("torch==0.2.0\n", {"missing-no-grad", "softmax-without-dim",
                                                                      "scheduler-step-before-optimizer-step"})):
        folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "requirements.txt").write_text(text)
        assert {f.rule.name for f in lint_source(_OLD_TORCH_CODE, str(folder / "train.py"), rules=rules)} == found, text


def test_a_torch_poetry_pins_exactly_is_the_only_one_the_code_runs_on(tmp_path) -> None:
    """thawro/pytorch-human-pose: Poetry's ``torch = { version = "2.2.1+cu121" }`` (a version
    with no operator is exact there; the lock file installs it). On 2.2 ``torch.cuda.amp``
    is not deprecated and ``torch.amp.GradScaler`` does not exist: no finding. A caret or
    ``>=`` is a lower bound (the finding stays, its fix unsafe); so is pip's ``==``."""
    from torchwise.lint.engine import get_rule, lint_source
    from torchwise.lint.options import _pinned_in

    assert _pinned_in('[tool.poetry.dependencies]\ntorch = { version = "2.2.1+cu121", source = "cu" }\n') == "==2.2"
    assert _pinned_in('[tool.poetry.dependencies]\ntorch = "2.2.1"\n') == "==2.2"
    assert _pinned_in('[tool.poetry.dependencies]\ntorch = "^1.9"\n') == "1.9"
    assert _pinned_in("torch==1.13.1\n") == "1.13"
    assert _pinned_in('torchvision = "0.17.1"\n') is None
    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    rule = get_rule("deprecated-cuda-amp")
    for pin, found in (('"2.2.1+cu121"', 0), ('"2.4.0"', 1), ('"^2.2"', 1)):
        folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "pyproject.toml").write_text(f"[tool.poetry.dependencies]\npython = \"^3.10\"\ntorch = {pin}\n")
        assert len(lint_source(source, str(folder / "module.py"), rules=[rule])) == found, pin


def test_a_projects_own_torch_version_check_is_a_version_gate() -> None:
    """pfnet/pytorch-pfn-extras: ``torch.amp.GradScaler("cuda") if ppe.requires("2.3.0") else
    torch.cuda.amp.GradScaler()``; ``ppe.requires`` compares the installed torch's version.
    A ``requires`` of another package gates nothing."""
    from torchwise.lint.engine import get_rule, lint_source

    rule = get_rule("deprecated-cuda-amp")
    gated = ("import torch\nimport pytorch_pfn_extras as ppe\n"
             "scaler = torch.amp.GradScaler('cuda') if ppe.requires('2.3.0') else torch.cuda.amp.GradScaler()\n")
    assert lint_source(gated, "<stdin>", rules=[rule]) == []
    other = gated.replace("ppe.requires('2.3.0')", "ppe.requires('1.2.0', 'onnx')")
    assert len(lint_source(other, "<stdin>", rules=[rule])) == 1


def test_nbdev_settings_bound_torch_as_its_setup_py_hands_them_to_pip(tmp_path) -> None:
    """fastai/course22p2 keeps ``pip_requirements = torch>=1.7,<2.1`` in nbdev's
    ``settings.ini``, which its ``setup.py`` reads into ``install_requires``: no torch that
    deprecates ``torch.cuda.amp`` (2.4) installs. Without the bound, the call is reported."""
    from torchwise.lint.engine import get_rule, lint_source

    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    rule = get_rule("deprecated-cuda-amp")
    setup = "from setuptools import setup\nsetup(install_requires=cfg.get('pip_requirements', '').split())\n"
    for name, requirements, found in (("bounded", "torch>=1.7,<2.1 torcheval einops", 0), ("open", "torch>=1.7 einops", 1)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "setup.py").write_text(setup)
        (folder / "settings.ini").write_text(f"[DEFAULT]\nlib_name = miniai\npip_requirements = {requirements}\n")
        assert len(lint_source(source, str(folder / "module.py"), rules=[rule])) == found, name


def test_a_lock_file_beside_pyproject_decides_the_torch_installed(tmp_path) -> None:
    """metavoiceio/metavoice-src: ``torch = "^2.1.0"`` in ``pyproject.toml``, locked at 2.1.0
    in ``poetry.lock`` (uv's and PDM's locks read the same), and ``poetry export``'s
    ``requirements.txt``, ``torch==2.1.0`` with ``--hash`` lines (pip's hash-checking mode
    takes only exact pins). On 2.1 ``torch.cuda.amp`` is not deprecated: no finding. Without
    the lock, the caret is a lower bound and the finding stays; so does a lock at 2.4."""
    from torchwise.lint.engine import get_rule, lint_source
    from torchwise.lint.options import _pinned_in

    exported = ('torch==2.1.0 ; python_version >= "3.10" and python_version < "4.0" \\\n'
                "    --hash=sha256:0e644d2ba3a13d2e9b6e3f3aef2c36e0a2d8e6f51c5b82a7e1c3d5c6e0a1b2c3\n")
    assert _pinned_in(exported) == "==2.1" and _pinned_in("torch==2.1.0\n") == "2.1"
    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    rule = get_rule("deprecated-cuda-amp")
    pyproject = '[tool.poetry.dependencies]\npython = "^3.10"\ntorch = "^2.1.0"\n'
    locked = '[[package]]\nname = "torch"\nversion = "{}"\ndescription = "Tensors"\n'
    for files, found in (({"pyproject.toml": pyproject, "poetry.lock": locked.format("2.1.0")}, 0),
                         ({"pyproject.toml": pyproject, "uv.lock": locked.format("2.1.0")}, 0),
                         ({"pyproject.toml": pyproject, "poetry.lock": locked.format("2.4.1")}, 1),
                         ({"pyproject.toml": pyproject}, 1),
                         ({"requirements.txt": exported}, 0)):
        folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        assert len(lint_source(source, str(folder / "module.py"), rules=[rule])) == found, files


def test_a_conda_environment_on_python_3_7_runs_no_torch_that_deprecates_cuda_amp(tmp_path) -> None:
    """autonomousvision/carla_garage: the root's ``environment.yml`` pins ``python=3.7`` (its
    CARLA 0.9.10 client runs only there) and installs ``team_code/requirements.txt``, which
    pins ``torch==1.12.1``: no torch from 2.0 on installs on Python 3.7, so ``torch.cuda.amp``
    is never deprecated there. On Python 3.8 the finding stays."""
    from torchwise.lint.engine import get_rule, lint_source
    from torchwise.lint.options import _pinned_in, inferred

    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    rule = get_rule("deprecated-cuda-amp")
    for python, found in (("3.7", 0), ("3.6.9", 0), ("3.8", 1)):
        root = tmp_path / f"p{python}"
        (root / "team_code").mkdir(parents=True)
        (root / ".git").mkdir()
        (root / "environment.yml").write_text(
            f"name: garage\ndependencies:\n  - python={python}\n  - pip\n  - pip:\n    - -r team_code/requirements.txt\n")
        (root / "team_code" / "requirements.txt").write_text("torch==1.12.1\n")
        module = str(root / "team_code" / "train.py")
        assert len(lint_source(source, module, rules=[rule])) == found, python
        assert inferred(module) == {"3.7": "1.12<2.0", "3.6.9": "1.12<1.11", "3.8": "1.12"}[python]
    assert _pinned_in("dependencies:\n  - python=3.7\n") is None  # (the ceiling comes from the folder, not the file)


def test_a_compatible_release_pin_bounds_torch_above(tmp_path) -> None:
    """FoundationVision/VAR's ``torch~=2.1.0`` is pip's ``>=2.1.0, ==2.1.*``: no 2.2 installs,
    let alone the 2.4 that deprecates ``torch.cuda.amp``. ``~=2.1`` allows any 2.x."""
    from torchwise.lint.engine import get_rule, lint_source
    from torchwise.lint.options import _pinned_in

    assert _pinned_in("torch~=2.1.0\n") == "2.1<2.2"
    assert _pinned_in("torch ~= 1.13.1\nnumpy\n") == "1.13<1.14"
    assert _pinned_in("torch~=2.1\n") == "2.1<3.0"
    source = "import torch\nscaler = torch.cuda.amp.GradScaler()\n"
    rule = get_rule("deprecated-cuda-amp")
    for name, pin, found in (("patch", "torch~=2.1.0", 0), ("minor", "torch~=2.1", 1)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "requirements.txt").write_text(f"{pin}\nnumpy\n")
        assert len(lint_source(source, str(folder / "module.py"), rules=[rule])) == found, pin
