"""Module names <-> files of the workspace folders, without importing anything.

Roots are the workspace folders and their ``src/`` folders (``src`` layouts; a ``src/`` with
an ``__init__.py`` is a package, ``src``, instead). A dotted
name is a module when a root holds ``a/b/c.py`` or ``a/b/c/__init__.py`` (a package), or
a plain directory ``a/b/c`` (a namespace package). torch and its siblings are never the
workspace's: they come from the knowledge base.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

EXCLUDED_TOPS = frozenset({"torch", "torchvision", "torchaudio"})
# Folders no walk of the workspace enters, committed or not (as ruff's default excludes):
# version control, caches, environments, installed packages, build output, Jupyter's
# autosaved copies of notebooks (``.ipynb_checkpoints/x-checkpoint.ipynb``), the macOS
# metadata a zip made on a Mac carries (``__MACOSX/._train.py``: binary, never code). Both walks
# also skip a folder holding ``pyvenv.cfg`` (a virtual environment, whatever its name).
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "__pycache__", ".venv", "venv", ".tox", ".nox",
                          ".mypy_cache", ".ruff_cache", ".pytest_cache", ".pytype", "node_modules",
                          ".ipynb_checkpoints", "__pypackages__", "site-packages", ".eggs", ".direnv",
                          "dist", "_build", "buck-out", "__MACOSX"})
# The project index also leaves out every dot-folder and ``build``/``env``: a module found
# twice (``build/lib/pkg/x.py`` beside ``pkg/x.py``) would make imports ambiguous, while
# ``torchwise check`` on a folder checks what the user keeps there, as ruff does.
INDEX_SKIPPED_DIRS = SKIPPED_DIRS | {"build", "env"}


def is_virtualenv(folder: str | Path) -> bool:
    return os.path.exists(os.path.join(folder, "pyvenv.cfg"))
MAX_FILES = 20_000


class Resolver:
    def __init__(self, folders: list[str] | tuple[str, ...] = ()) -> None:
        self.set_folders(folders)

    def set_folders(self, folders) -> None:
        roots: list[Path] = []
        for folder in folders:
            root = Path(folder)
            # ``src/`` is a layout's folder of packages, unless it is a package itself: then
            # its modules are ``src.x`` (youyuge34/Anime-InPainting's ``from src.edge_connect
            # import EdgeConnect``), and a root there would give them a second name
            src = root / "src"
            for candidate in ((root,) if (src / "__init__.py").is_file() else (src, root)):
                if candidate.is_dir() and candidate not in roots:
                    roots.append(candidate)
        self.folders = [Path(f) for f in folders]
        self._folder_roots = roots
        self.clear()

    def clear(self) -> None:
        """Forget what was found on disk (files were created or deleted)."""
        self._found: dict[str, Path | None] = {}
        self._added: dict[Path, list[Path]] = {}
        self._roots: list[Path] | None = None
        self._names: list[str] | None = None

    @property
    def roots(self) -> list[Path]:
        """The folders modules are imported from: the workspace folders (and their ``src/``),
        then every folder below them whose name is no Python identifier and that holds code
        (``09 Training urban sound classifier/``, ``ERFNet-CULane-PyTorch/``): no import
        crosses it, so its scripts run with it first on ``sys.path`` and import their
        siblings from there (``from cnn import CNNNetwork``). Found by one walk of the
        folders' directories before any answer, so no answer depends on the order of questions."""
        if self._roots is None:
            self._roots = self._folder_roots + _script_roots(self._folder_roots)
        return self._roots

    def is_folder_root(self, path: Path) -> bool:
        """Whether ``path`` is a workspace folder's root (or its ``src/``), not a script
        folder found below one."""
        return path in self._folder_roots

    @property
    def _root_names(self) -> list[str]:
        if self._names is None:
            self._names = [str(r) for r in self.roots]
        return self._names

    def find(self, module: str) -> Path | None:
        """The file (``.py`` or ``__init__.py``) or namespace directory of ``module``."""
        found = self._found.get(module, False)
        if found is not False:
            return found  # type: ignore[return-value]
        found = self._find(module)
        self._found[module] = found
        return found

    def _find(self, module: str) -> Path | None:
        parts = module.split(".")
        if parts[0] in EXCLUDED_TOPS or not all(p.isidentifier() for p in parts):
            return None
        namespace: Path | None = None
        for root in self._root_names:  # strings and os.path: a package's many imports ask thousands
            base = os.path.join(root, *parts)
            found = _module_file(base)
            if found is not None:
                return found
            if namespace is None and os.path.isdir(base):
                namespace = Path(base)
        return namespace

    def above(self, path: str | Path, module: str) -> Path | None:
        """The file of ``module`` in the nearest folder above ``path`` that holds it (its own
        folder first, up to its workspace folder), package or not: what ``import module``
        runs when the file's scripts run from there, as research code's do (Python puts a
        script's folder first on ``sys.path``). Nearer than the roots: noahzn/Lite-Mono's
        ``lite-mono-pretrain-code/engine.py`` imports its own ``utils.py``, not the root's;
        MSRN-PyTorch's ``MSRN/Train/data/__init__.py`` imports ``dataloader`` from
        ``MSRN/Train/``, which has an ``__init__.py``. A guess about how the code is run:
        for questions that only silence a rule, never for what a name means."""
        parts = module.split(".")
        if parts[0] in EXCLUDED_TOPS or not all(p.isidentifier() for p in parts):
            return None
        here = Path(path).parent
        top = next((f for f in self.folders if here == f or f in here.parents), None)
        while top is not None:
            found = _module_file(os.path.join(here, *parts))
            if found is not None:
                return found
            if here == top:
                return None
            here = here.parent
        return None

    def forget_added_paths(self, paths) -> None:
        """Files were edited: forget the folders read for scripts beside them (a script's own
        ``sys.path`` lines, or a helper of its folder such as ``_init_paths.py``)."""
        folders = {Path(p).parent for p in paths}
        for script in [s for s in self._added if s.parent in folders]:
            del self._added[script]

    def on_added_path(self, path: Path, module: str, read: Callable[[Path], str | None] | None = None) -> str | None:
        """The project name of ``module`` (dotted, perhaps with names inside it after the
        module) in a folder the script ``path`` puts on ``sys.path`` itself
        (``torchwise.project.sys_path``): ``utils.rescore.rescore_valid`` from HRNet/DEKR's
        ``tools/valid.py``, which imports ``_init_paths`` (adding ``lib/``), is
        ``lib.utils.rescore.rescore_valid``. None when no such folder holds it. ``read``: the
        text of a file (the project's), by default the disk's."""
        parts = module.split(".")
        if parts[0] in EXCLUDED_TOPS or not all(p.isidentifier() for p in parts):
            return None
        folders = self._added.get(path)
        if folders is None:
            from torchwise.project.sys_path import added_folders

            inside = [f for f in self.folders if f == path or f in path.parents]
            folders = self._added[path] = [d for d in added_folders(path, read)
                                           if any(d == f or f in d.parents for f in inside)] if inside else []
        for folder in folders:
            for i in range(len(parts), 0, -1):
                found = _module_file(os.path.join(folder, *parts[:i]))
                if found is None:
                    continue
                name = self.module_of(found)
                return None if name is None else ".".join([name, *parts[i:]])
        return None

    def is_module(self, module: str) -> bool:
        return self.find(module) is not None

    def shadowed_in_script_root(self, path: Path, top: str) -> bool:
        """``path`` sits at the top of a script root (a folder no import can name, whose
        scripts run with it first on ``sys.path``) that holds its own module ``top``, while the
        project's name ``top`` is another root's file: the script imports its own
        (xavysp/DexiNed's ``DexiNed-TF2/run_model.py``: ``from model import *`` is the Keras
        ``DexiNed-TF2/model.py``, not the root's torch ``model.py``)."""
        holder = path.parent
        if holder in self._folder_roots or holder not in self.roots or top in EXCLUDED_TOPS or not top.isidentifier():
            return False
        own = _module_file(os.path.join(holder, top))
        return own is not None and self.find(top) != own

    def module_of(self, path: str | Path) -> str | None:
        """The dotted name a file is imported as (the innermost root that holds it wins)."""
        path = Path(path)
        best: tuple[int, str] | None = None
        for root in self.roots:
            try:
                relative = path.relative_to(root)
            except ValueError:
                continue
            parts = list(relative.parts)
            if not parts or not parts[-1].endswith(".py"):
                continue
            parts[-1] = parts[-1][:-3]
            if parts[-1] == "__init__":
                parts.pop()
            if parts and all(p.isidentifier() for p in parts) and parts[0] not in EXCLUDED_TOPS:
                depth = len(root.parts)
                if best is None or depth > best[0]:
                    best = (depth, ".".join(parts))
        return best[1] if best else None

    def files(self, ignored_in: Callable[[Path], frozenset[str]] | None = None) -> Iterator[Path]:
        """Every ``.py`` file of the workspace folders (hidden, tool and git-ignored folders
        skipped; ``ignored_in``: what git ignores in a folder, when the caller knows it)."""
        count = 0
        for folder in self.folders:
            for path in walk(folder, ".py", ignored_in(folder) if ignored_in else None):
                count += 1
                if count > MAX_FILES:
                    return
                yield path


def _module_file(base: str) -> Path | None:
    """``base.py``, else the package ``base/__init__.py``, where one exists."""
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return Path(candidate)
    return None


def _entered(dirpath: str, dirnames: list[str], prefix: str = "", ignored: frozenset[str] = frozenset()) -> list[str]:
    """The subfolders a walk of the project enters, sorted: no hidden, tool or build folder,
    no virtual environment, nothing git ignores (``prefix``: the folder's path in ``ignored``)."""
    return sorted(d for d in dirnames if not d.startswith(".") and d not in INDEX_SKIPPED_DIRS
                  and prefix + d not in ignored and not is_virtualenv(os.path.join(dirpath, d)))


MAX_SCRIPT_DIRS = 20_000  # directories one walk for script roots looks at


def _script_roots(roots: list[Path]) -> list[Path]:
    """The folders below ``roots`` whose name is no identifier and that hold ``.py`` files or
    notebooks directly (outermost first; a root already listed is not repeated)."""
    found: list[Path] = []
    seen = 0
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            seen += 1
            if seen > MAX_SCRIPT_DIRS:
                return found
            dirnames[:] = _entered(dirpath, dirnames)
            here = Path(dirpath)
            if here != root and not here.name.isidentifier() and here not in roots and here not in found \
                    and any(f.endswith((".py", ".ipynb")) for f in filenames):
                found.append(here)
    return found


def walk(folder: Path, suffix: str, ignored: frozenset[str] | None = None) -> Iterator[Path]:
    """The files of ``folder`` ending in ``suffix``, sorted per directory, skipping hidden
    and tool folders, virtual environments, and what git ignores (``.gitignore``,
    ``.git/info/exclude``; bundled or generated code is not the project's): ``ignored``,
    or asked of git."""
    if ignored is None:
        ignored = git_ignored(folder)
    for dirpath, dirnames, filenames in os.walk(folder):
        prefix = "" if dirpath == str(folder) else os.path.relpath(dirpath, folder).replace(os.sep, "/") + "/"
        dirnames[:] = _entered(dirpath, dirnames, prefix, ignored)
        for name in sorted(filenames):
            if name.endswith(suffix) and prefix + name not in ignored:
                yield Path(dirpath, name)


def git_ignored(folder: Path) -> frozenset[str]:
    """The files and folders (relative to ``folder``, ``/``-separated) that git ignores
    there; empty outside a git checkout, without git, or when ``folder`` itself is
    ignored (a folder given on purpose is checked)."""
    if outside_git(folder):
        return frozenset()  # what git would answer there (it fails), without starting it
    import subprocess  # only when the project lists its files

    try:
        out = subprocess.run(["git", "-C", str(folder), "ls-files", "-z", "--others", "--ignored",
                              "--exclude-standard", "--directory", "--", "."], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if out.returncode != 0:
        return frozenset()
    found = frozenset(os.fsdecode(raw).rstrip("/") for raw in out.stdout.split(b"\0") if raw)
    return frozenset() if "." in found or "" in found else found


def outside_git(folder: Path) -> bool:
    """No ``.git`` in ``folder`` or any folder above it (as given or with its links
    resolved) and no ``GIT_DIR``: git finds no repository there."""
    if "GIT_DIR" in os.environ:
        return False
    given = os.path.abspath(folder)
    for start in {given, os.path.realpath(given)}:
        here, above = start, None
        while here != above:
            if os.path.lexists(os.path.join(here, ".git")):
                return False
            here, above = os.path.dirname(here), here
    return True
