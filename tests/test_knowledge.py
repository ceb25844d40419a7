"""The knowledge base: schema, facts against the installed torch, runnable examples."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest

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
_NOT_PACKAGES = {"cuda", "distributed"}


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
