"""The knowledge base: schema, facts against the installed torch, runnable examples."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import textwrap

import pytest

from fork_runner import run_forked
from torchwise.knowledge import KnowledgeBase, default_knowledge
from torchwise.resources import data_dir

KB = KnowledgeBase.load(strict=True)  # raises with every schema problem listed
TORCH_ENTRIES = [e for e in KB.entries if e.names[0].split(".")[0] == "torch"]
VISION_ENTRIES = [e for e in KB.entries if e.names[0].split(".")[0] == "torchvision"]


def test_schema_and_size():
    assert len(KB) >= 200, f"only {len(KB)} entries"
    assert len(default_knowledge()) == len(KB)


def test_names_are_unique():
    seen: dict[str, str] = {}
    for entry in KB.entries:
        for name in entry.names:
            assert name not in seen, f"{name} in {entry.source} and {seen[name]}"
            seen[name] = entry.source


def test_related_and_bases_point_somewhere_sensible():
    for entry in KB.entries:
        for name in entry.related + entry.bases:
            assert name.split(".")[0] in {"torch", "torchvision"}, (entry.name, name)


def test_rule_names_have_docs_pages():
    rules_dir = data_dir("knowledge") / "rules"
    for entry in KB.entries:
        for rule in entry.rules:
            assert (rules_dir / f"{rule}.md").is_file(), f"{entry.name}: no docs page for rule {rule}"


def _resolve(qualname: str):
    parts = qualname.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = _getattr_or_annotated(obj, attr)
        return obj
    raise ImportError(qualname)


def _getattr_or_annotated(obj, attr: str):
    """getattr, also accepting instance attributes a class declares by annotation
    (e.g. ``torch.nn.Module.training: bool``, set in ``__init__``)."""
    try:
        return getattr(obj, attr)
    except AttributeError:
        if isinstance(obj, type):
            for klass in obj.__mro__:
                if attr in klass.__dict__.get("__annotations__", {}):
                    return klass.__dict__["__annotations__"][attr]
                if attr in _self_assignments(klass):
                    return attr
        raise


def _self_assignments(klass) -> set[str]:
    """Names a class's ``__init__`` assigns as ``self.<name> = ...`` (e.g.
    ``torch.optim.Optimizer.param_groups``), read from its source with ``ast``."""
    import ast
    import inspect

    init = klass.__dict__.get("__init__")
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (TypeError, OSError, SyntaxError):
        return set()
    return {
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }


# `requires` tags that are not importable packages
_NOT_PACKAGES = {"cuda", "distributed", "compiler", "network", "torchrun"}
# the tags that keep an example from running in this suite on a CPU machine
_CANNOT_RUN_HERE = {"cuda", "network", "torchrun"}


def _missing_required_packages(entry) -> list[str]:
    import importlib.util

    return [r for r in entry.requires if r not in _NOT_PACKAGES and importlib.util.find_spec(r) is None]


@pytest.mark.parametrize("entry", TORCH_ENTRIES, ids=lambda e: e.name)
def test_every_torch_name_exists(entry):
    pytest.importorskip("torch")
    failures = []
    for name in entry.names:  # every name is checked before any skip
        try:
            _resolve(name)
        except (ImportError, AttributeError) as exc:
            failures.append(f"{name} ({exc})")
    missing = _missing_required_packages(entry)
    if failures and missing:  # e.g. torch.utils.tensorboard needs tensorboard
        pytest.skip(f"{'; '.join(failures)}: needs {', '.join(missing)}, not installed")
    assert not failures, "not in the installed torch: " + "; ".join(failures)


RUNNABLE = [e for e in KB.entries if e.runnable and not e.requires]


def test_there_are_runnable_examples():
    assert len(RUNNABLE) >= 150


def _is_availability_guard(test: ast.expr) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "is_available" for n in ast.walk(test))


def test_cuda_guarded_examples_declare_cuda():
    """An example whose work sits under ``if torch.cuda.is_available():`` does nothing on CPU:
    it must say it needs CUDA, so the CPU run does not count it as tested."""
    silent = []
    for entry in KB.entries:
        if not entry.example or "cuda" in entry.requires:
            continue
        body = [s for s in ast.parse(entry.example).body if not isinstance(s, (ast.Import, ast.ImportFrom))]
        if body and all(isinstance(s, ast.If) and _is_availability_guard(s.test) and not s.orelse for s in body):
            silent.append(entry.name)
    assert not silent, f"examples that only run on an accelerator, without requires = ['cuda']: {silent}"


def _run_each(entries, tmp_path, timeout: int) -> list[str]:
    """Run each example in a fresh process of its own (process groups, compilers): the failures."""
    paths = []
    for i, entry in enumerate(entries):
        folder = tmp_path / f"example_{i}"
        folder.mkdir()
        path = folder / "example.py"
        path.write_text(entry.example)
        paths.append(path)
    failures = []
    for entry, path, result in zip(entries, paths, run_forked(paths, timeout), strict=True):
        if result["code"] == "timeout":
            # Once in a while a child forked from the runner (torch imported, its threads
            # started) hangs in DDP's gloo set-up, and every later run while it lives: the
            # example runs again in a fresh interpreter of its own, which must pass.
            try:
                fresh = subprocess.run([sys.executable, str(path)], cwd=path.parent, capture_output=True,
                                       text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                failures.append(f"{entry.name}: timed out after {timeout} s, forked and in a fresh interpreter")
                continue
            if fresh.returncode != 0:
                failures.append(f"{entry.name}: timed out after {timeout} s forked; in a fresh interpreter "
                                f"exit {fresh.returncode}\n{fresh.stderr[-3000:]}")
        elif result["code"] != 0:
            failures.append(f"{entry.name}: exit {result['code']}\n{(result['error'] or result['stderr'])[-3000:]}")
    return failures


CUDA_RUNNABLE = [e for e in KB.entries if e.runnable and set(e.requires) == {"cuda"}]
ISOLATED_RUNNABLE = [e for e in KB.entries if e.runnable and e.requires and set(e.requires) <= {"distributed", "compiler"}]


def test_examples_that_need_more_than_cpu_are_declared_and_exist():
    assert len(CUDA_RUNNABLE) >= 20 and len(ISOLATED_RUNNABLE) >= 3, (len(CUDA_RUNNABLE), len(ISOLATED_RUNNABLE))


def test_runnable_cuda_examples_run_on_a_gpu(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: the cuda examples run on a GPU machine")
    failures = _run_each(CUDA_RUNNABLE, tmp_path, timeout=300)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_distributed_and_compiler_examples_run_on_cpu(tmp_path):
    """DDP with a one-process gloo group, torch.compile with the CPU inductor backend: each in a
    fresh interpreter, since a process group or a compile cache must not leak between examples."""
    pytest.importorskip("torch")
    failures = _run_each(ISOLATED_RUNNABLE, tmp_path, timeout=90)  # each takes seconds: a hang is caught in time
    assert not failures, "\n".join(failures)


PACKAGE_RUNNABLE = [e for e in KB.entries if e.runnable and e.requires and not set(e.requires) & _NOT_PACKAGES]


def test_every_example_that_can_run_here_is_run():
    """An example is either run by one of the tests below or declares, in `requires`, why it
    cannot run here: a GPU, the network (or a fixed port), a torchrun launch, or a package
    that is not installed. A `runnable = false` example whose needs are met fails."""
    not_run = []
    for entry in KB.entries:
        if not entry.example:
            continue
        reasons = (set(entry.requires) & _CANNOT_RUN_HERE) | set(_missing_required_packages(entry))
        if not entry.runnable and not reasons:
            not_run.append(f"{entry.name} (requires {list(entry.requires)})")
    assert not not_run, "examples that can run here but are marked runnable = false:\n" + "\n".join(not_run)
    runs = {id(e) for group in (RUNNABLE, CUDA_RUNNABLE, ISOLATED_RUNNABLE, PACKAGE_RUNNABLE) for e in group}
    orphans = [e.name for e in KB.entries if e.runnable and id(e) not in runs]
    assert not orphans, f"runnable examples that no test runs (requires a tag mix no test runs): {orphans}"


@pytest.mark.slow
def test_examples_needing_an_installed_package_run(tmp_path):
    """tensorboard, onnx: each example in its own interpreter, where its packages are installed."""
    pytest.importorskip("torch")
    ready = [e for e in PACKAGE_RUNNABLE if not _missing_required_packages(e)]
    if not ready:
        pytest.skip("none of " + ", ".join(sorted({r for e in PACKAGE_RUNNABLE for r in e.requires})) + " is installed")
    failures = _run_each(ready, tmp_path, timeout=600)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_runnable_examples_run_on_cpu(tmp_path):
    """Run every runnable example in one fresh interpreter, each in its own namespace."""
    pytest.importorskip("torch")
    script = ["import traceback, sys", "failures = []"]
    for i, entry in enumerate(RUNNABLE):
        script.append(
            f"try:\n    exec(compile({entry.example!r}, {entry.name!r}, 'exec'), {{'__name__': 'example'}})\n"
            f"except BaseException:\n    failures.append(({entry.name!r}, traceback.format_exc()))"
        )
    script.append("for name, tb in failures:\n    print('FAILED', name); print(tb)")
    script.append("sys.exit(1 if failures else 0)")
    path = tmp_path / "examples.py"
    path.write_text("\n".join(script))
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-5000:]


def test_every_related_name_has_an_entry():
    """A "See also" name the knowledge base cannot show is a dead end in the hover."""
    dangling = sorted({f"{entry.name} -> {name}" for entry in KB.entries for name in entry.related if name not in KB})
    assert not dangling, f"{len(dangling)} related names without an entry:\n" + "\n".join(dangling)
