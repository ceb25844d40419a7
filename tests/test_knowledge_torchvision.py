"""Static name checks for knowledge entries whose package cannot be imported here.

torchvision cannot be imported in this environment, so its documented names are checked
against the source of the torchvision wheel that matches the installed torch, parsed with
``ast`` straight from the zip (nothing is installed or imported). The wheel is fetched once by
``scripts/fetch-torchvision-source.sh`` into ``.cache/torchvision/``; the test runs the script
itself when the cache is empty and skips with the reason when the wheel cannot be had.

The same resolver checks torch names whose import needs a missing optional package
(``torch.utils.tensorboard`` needs tensorboard) against torch's own installed source files.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

from torchwise.knowledge import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "torchvision"
FETCH = ROOT / "scripts" / "fetch-torchvision-source.sh"

KB = KnowledgeBase.load(strict=True)
VISION_ENTRIES = [e for e in KB.entries if e.name.split(".")[0] == "torchvision"]


# --- a static resolver over a tree of Python sources -------------------------------------------


class SourceTree:
    """Python sources of a package, from a wheel (zip) or a directory, read on demand."""

    def __init__(self, files: dict[str, callable]):
        self._files = files  # "pkg/sub/mod.py" -> () -> source text

    @classmethod
    def from_wheel(cls, wheel: Path) -> "SourceTree":
        zf = zipfile.ZipFile(wheel)
        return cls({n: (lambda n=n: zf.read(n).decode("utf-8")) for n in zf.namelist() if n.endswith(".py")})

    @classmethod
    def from_directory(cls, top: Path, package: str) -> "SourceTree":
        base = top.parent
        return cls(
            {p.relative_to(base).as_posix(): (lambda p=p: p.read_text(encoding="utf-8")) for p in top.rglob("*.py")}
        )

    def module_file(self, module: str) -> str | None:
        stem = module.replace(".", "/")
        for candidate in (f"{stem}/__init__.py", f"{stem}.py"):
            if candidate in self._files:
                return candidate
        return None

    @lru_cache(maxsize=None)
    def tree(self, module: str) -> ast.Module:
        return ast.parse(self._files[self.module_file(module)]())

    def is_package(self, module: str) -> bool:
        return (self.module_file(module) or "").endswith("__init__.py")

    # namespace: name -> ("node", ast node) | ("import", module, name) | ("module", module)
    @lru_cache(maxsize=None)
    def namespace(self, module: str) -> dict:
        names: dict = {}
        package = module if self.is_package(module) else module.rpartition(".")[0]

        def absolute(node: ast.ImportFrom) -> str:
            if not node.level:
                return node.module or ""
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            return ".".join(base + ([node.module] if node.module else []))

        def visit(stmts):
            for stmt in stmts:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names[stmt.name] = ("node", stmt)
                elif isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        for t in ast.walk(target):
                            if isinstance(t, ast.Name):
                                names[t.id] = ("node", stmt)
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    names[stmt.target.id] = ("node", stmt)
                elif isinstance(stmt, ast.Import):
                    for alias in stmt.names:
                        if alias.asname:
                            names[alias.asname] = ("module", alias.name)
                        else:
                            top = alias.name.split(".")[0]
                            names[top] = ("module", top)
                elif isinstance(stmt, ast.ImportFrom):
                    source = absolute(stmt)
                    for alias in stmt.names:
                        if alias.name == "*":
                            if self.module_file(source):
                                for star in self.star_names(source):
                                    names[star] = ("import", source, star)
                        else:
                            names[alias.asname or alias.name] = ("import", source, alias.name)
                elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
                    visit(stmt.body)
                    for handler in getattr(stmt, "handlers", []):
                        visit(handler.body)
                    visit(getattr(stmt, "orelse", []))
                    visit(getattr(stmt, "finalbody", []))

        visit(self.tree(module).body)
        return names

    def star_names(self, module: str) -> list[str]:
        for stmt in self.tree(module).body:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets
            ):
                try:
                    return list(ast.literal_eval(stmt.value))
                except ValueError:
                    break
        return [n for n in self.namespace(module) if not n.startswith("_")]

    def lookup(self, module: str, name: str, depth: int = 0):
        """What ``module.name`` is: ("node", module, node) | ("module", module) | None."""
        if depth > 20:
            return None
        bound = self.namespace(module).get(name)
        if bound is None:
            sub = f"{module}.{name}"
            return ("module", sub) if self.module_file(sub) else None
        if bound[0] == "node":
            return ("node", module, bound[1])
        if bound[0] == "module":
            return ("module", bound[1]) if self.module_file(bound[1]) else ("external", bound[1])
        _, source, original = bound
        if not self.module_file(source):
            return ("external", f"{source}.{original}")
        return self.lookup(source, original, depth + 1)

    def class_member(self, module: str, cls: ast.ClassDef, name: str, depth: int = 0) -> bool:
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.name == name:
                return True
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                return True
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
                return True
        if depth > 20:
            return False
        for base in cls.bases:
            if isinstance(base, ast.Subscript):  # Generic[T], Dataset[T_co]
                base = base.value
            if isinstance(base, ast.Name):
                found = self.lookup(module, base.id)
                if found and found[0] == "node" and isinstance(found[2], ast.ClassDef):
                    if self.class_member(found[1], found[2], name, depth + 1):
                        return True
        return False

    def resolve(self, qualname: str) -> str | None:
        """None when ``qualname`` is defined in this tree, else a reason why not."""
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            if self.module_file(".".join(parts[:i])):
                break
        else:
            return f"no module for {qualname}"
        current = ("module", ".".join(parts[:i]))
        for attr in parts[i:]:
            kind = current[0]
            if kind == "module":
                found = self.lookup(current[1], attr)
                if found is None:
                    return f"{current[1]} defines no {attr!r}"
                current = found
            elif kind == "node" and isinstance(current[2], ast.ClassDef):
                if not self.class_member(current[1], current[2], attr):
                    return f"class {current[2].name} has no member {attr!r}"
                current = ("member", attr)
            else:
                return f"cannot look up {attr!r} in {current}"
        if current[0] == "external":
            return f"{qualname} is re-exported from {current[1]}, outside this package"
        return None


# --- torchvision --------------------------------------------------------------------------------


def _torchvision_wheel() -> Path | str:
    """The cached wheel, fetching it once; a str is the reason it cannot be had."""
    wheels = sorted(CACHE.glob("torchvision-*.whl"))
    if not wheels and os.environ.get("TORCHWISE_NO_FETCH") != "1":
        try:
            proc = subprocess.run(["bash", str(FETCH)], capture_output=True, text=True, timeout=300, cwd=ROOT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"fetching the torchvision wheel failed: {exc}"
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return f"fetching the torchvision wheel failed ({FETCH.name}): {last}"
        wheels = sorted(CACHE.glob("torchvision-*.whl"))
    if not wheels:
        return f"no torchvision wheel in {CACHE}; run scripts/fetch-torchvision-source.sh"
    return wheels[-1]


@pytest.fixture(scope="module")
def torchvision_source() -> SourceTree:
    wheel = _torchvision_wheel()
    if isinstance(wheel, str):
        pytest.skip(wheel)
    return SourceTree.from_wheel(wheel)


def test_there_are_torchvision_entries():
    assert len(VISION_ENTRIES) >= 20


@pytest.mark.parametrize("entry", VISION_ENTRIES, ids=lambda e: e.name)
def test_torchvision_entries_need_torchvision_and_do_not_run(entry):
    assert "torchvision" in entry.requires, f"{entry.name}: requires must name torchvision"
    assert not entry.runnable, f"{entry.name}: torchvision examples cannot run here"


@pytest.mark.parametrize("entry", VISION_ENTRIES, ids=lambda e: e.name)
def test_every_torchvision_name_is_defined(entry, torchvision_source):
    for name in entry.names:
        problem = torchvision_source.resolve(name)
        assert problem is None, f"{name}: {problem}"


def test_resolver_rejects_wrong_names(torchvision_source):
    """The static check can fail: misspelt, moved or private-only names are reported."""
    assert torchvision_source.resolve("torchvision.models.resnet18") is None
    assert torchvision_source.resolve("torchvision.models.ResNet18_Weights.DEFAULT") is None
    assert torchvision_source.resolve("torchvision.models.resnet19") is not None
    assert torchvision_source.resolve("torchvision.models.ResNet18_Weights.IMAGENET1K_V9") is not None
    assert torchvision_source.resolve("torchvision.transforms.v2.ToTensorr") is not None
    assert torchvision_source.resolve("torchvision.nonexistent.thing") is not None


# --- torch names whose import needs an optional package -----------------------------------------
# Checked statically against torch's source whether or not the package is installed (when it is,
# test_knowledge.py also checks them at run time).


def _optional(entry) -> bool:
    return any(r not in {"cuda", "distributed", "torchvision", "compiler", "network"} for r in entry.requires)


OPTIONAL_TORCH_ENTRIES = [e for e in KB.entries if e.name.split(".")[0] == "torch" and _optional(e)]


@lru_cache(maxsize=1)
def _torch_source() -> SourceTree | None:
    spec = importlib.util.find_spec("torch")  # locates torch without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return SourceTree.from_directory(Path(list(spec.submodule_search_locations)[0]), "torch")


@pytest.mark.parametrize("entry", OPTIONAL_TORCH_ENTRIES, ids=lambda e: e.name)
def test_torch_names_needing_missing_packages_are_defined_in_torch_source(entry):
    source = _torch_source()
    if source is None:
        pytest.skip("torch is not installed")
    for name in entry.names:
        problem = source.resolve(name)
        assert problem is None, f"{name}: {problem}"


def test_torch_source_resolver_rejects_wrong_names():
    source = _torch_source()
    if source is None:
        pytest.skip("torch is not installed")
    assert source.resolve("torch.utils.tensorboard.SummaryWriter.add_scalar") is None
    assert source.resolve("torch.utils.tensorboard.SummaryWriter.add_scalarz") is not None
    assert source.resolve("torch.utils.tensorboard.SummaryWritter") is not None
