"""What a run's settings tell the rules while they run: missing-no-grad's fix context
(``fix-grad-off-context``) and the oldest torch the checked code supports
(``torch-version``). The run decides them (its config file, ``--config``, ``--isolated``)
and carries them to the pool's workers with each job; outside a run (a test, a rule asked
directly) a rule reads the ``[tool.torchwise]`` that applies to the file.

``torch-version`` works as ruff's ``target-version``: a deprecated API whose replacement
the oldest supported torch lacks is the only one that code can use, so it is not reported
(``torch.cuda.amp.GradScaler`` where ``torch-version = "2.1"``: ``torch.amp.GradScaler``
came in 2.3). Unset, what the project pins (``inferred``: ``torch>=1.7`` in its
``requirements.txt``) keeps such a finding but makes its fix unsafe (``pinned_without``):
a pin's lower bound is often stale, the deprecation holds on a newer torch. A torch Poetry
pins exactly (``torch = "2.2.1"``, installed from its lock file) is the only one the code runs
on (``predates``)."""

from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator, NamedTuple

from torchwise.lazy_pattern import lazy

VERSION = lazy(r"^(\d+)\.(\d+)(?:\.\d+)?$")
GRAD_OFF_CONTEXTS = ("no_grad", "inference_mode")  # what missing-no-grad's fix may wrap loops in


class RuleOptions(NamedTuple):
    grad_off: str  # "no_grad" or "inference_mode"
    torch_version: str | None  # "2.1": the oldest torch the code supports; None: any
    torch_pin: str | None = None  # the oldest torch the file's project pins (``inferred``), if any


_UNSET = object()
_grad_off: ContextVar[object] = ContextVar("torchwise_grad_off_fix", default=_UNSET)
_torch_version: ContextVar[object] = ContextVar("torchwise_torch_version", default=_UNSET)
_torch_pin: ContextVar[object] = ContextVar("torchwise_torch_pin", default=_UNSET)


def of(settings, where=None) -> RuleOptions:
    """The options a file ``where`` with these ``LintSettings`` is checked with (``where``
    None: no project file is read for its pins)."""
    pin = inferred(str(where)) if where is not None and settings.torch_version is None else None
    return RuleOptions(settings.fix_grad_off_context or "no_grad", settings.torch_version, pin)


@contextmanager
def applied(options: RuleOptions) -> Iterator[None]:
    """Rules run inside this block see ``options``."""
    token = _torch_version.set(options.torch_version)
    pin_token = _torch_pin.set(options.torch_pin)
    try:
        with grad_off_setting(options.grad_off):
            yield
    finally:
        _torch_pin.reset(pin_token)
        _torch_version.reset(token)


@contextmanager
def grad_off_setting(name: str | None) -> Iterator[None]:
    """missing-no-grad's fixes built inside this block use ``name`` (``no_grad`` or
    ``inference_mode``; anything else: the file's setting)."""
    token = _grad_off.set(name) if name in GRAD_OFF_CONTEXTS else None
    try:
        yield
    finally:
        if token is not None:
            _grad_off.reset(token)


def _chosen(var: ContextVar[object], path: str | None, attr: str) -> object:
    """The running block's value of an option, else the ``[tool.torchwise]`` that applies
    to ``path`` (its ``LintSettings`` attribute ``attr``); None when neither says."""
    chosen = var.get()
    if chosen is not _UNSET:
        return chosen
    if not path or path.startswith("<"):
        return None
    from pathlib import Path

    from torchwise.lint.config import ConfigError, load_config

    try:
        return getattr(load_config(Path(path)).settings, attr)
    except (ConfigError, OSError):
        return None


def grad_off_context(path: str | None = None) -> str:
    """What missing-no-grad's fix wraps loops in: ``no_grad`` (default) or ``inference_mode``."""
    chosen = _chosen(_grad_off, path, "fix_grad_off_context")
    return chosen if isinstance(chosen, str) else "no_grad"


def parse_version(text: str) -> tuple[int, int] | None:
    """``"2.1"``, ``"2.1.2"`` -> (2, 1); anything else -> None."""
    match = VERSION.match(text.strip()) if isinstance(text, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def torch_version(path: str | None) -> tuple[int, int] | None:
    """The oldest torch the file's code supports, as configured (the running block's
    setting, else the file's ``torch-version``); None: any."""
    chosen = _chosen(_torch_version, path, "torch_version")
    return parse_version(chosen) if isinstance(chosen, str) else None


def torch_pin(path: str | None) -> str | None:
    """The oldest torch the file's project pins (the running block's, else ``inferred``),
    when no ``torch-version`` is configured."""
    pin = _torch_pin.get()
    if pin is _UNSET:
        pin = inferred(path) if path and not path.startswith("<") and torch_version(path) is None else None
    return pin if isinstance(pin, str) else None


# what pins torch in a project: pip's ``torch==1.9.1`` / ``torch>=1.7``, conda's ``pytorch=1.13.1``,
# on a line of its own or in a list (``install_requires=["torch>=1.7", ...]``)
_PIN = lazy(r"""(?:^|[\[(,])[\s"'-]*(?:py)?torch\s*(?:\[[^\]\n]*\])?\s*(==|>=|~=|===|=)\s*v?(\d+\.\d+)""",
            re.MULTILINE | re.IGNORECASE)
# an upper bound among torch's specifiers (``torch>=1.4, <=2.0.1``: deeplite-torch-zoo's
# ``install_requires``; ``torch<2.4``): pip installs no newer torch
_CEILING = lazy(r"""(?:^|[\[(,])[\s"'-]*(?:py)?torch\s*(?:\[[^\]\n]*\])?\s*"""
                r"""(?:(?:==|>=|~=|!=|>)\s*v?[\w.*+]+\s*,\s*)*(<=|<)\s*v?(\d+)\.(\d+)(?:\.(\d+))?""",
                re.MULTILINE | re.IGNORECASE)
# a compatible release, ``torch~=2.1.0``: ``>=2.1.0, ==2.1.*``, so pip installs no 2.2
# (FoundationVision/VAR); ``torch~=2.1`` allows no 3.0
_COMPATIBLE = lazy(r"""(?:^|[\[(,])[\s"'-]*(?:py)?torch\s*(?:\[[^\]\n]*\])?\s*~=\s*v?(\d+)\.(\d+)(\.\d+)?""",
                   re.MULTILINE | re.IGNORECASE)
# a requirements file compiled from another one: a lock, whose ``==`` installs that very torch
# (cheind/pure-torch-ngp's ``torch==1.12.1+cu113`` from pip-compile)
# (rye's ``requirements.lock``, "# generated by rye": sakami0000's sleep-states solution locks
# ``torch==2.0.1+cu118``, which its Dockerfile installs)
_COMPILED = lazy(r"autogenerated by (?:pip-compile|uv)|^# generated by rye", re.IGNORECASE | re.MULTILINE)
# ``pipenv requirements`` (``pipenv lock -r``): the lock's packages, each ``==`` its locked
# version, under the index line it always writes first (ybabakhin/kaggle-feedback-
# effectiveness-1st-place-solution's ``torch==1.11.0+cu113`` among 130 such pins)
_PIPENV = lazy(r"\A(?:\s*#[^\n]*\n)*\s*-i https://pypi\.org/simple/?[ \t]*$", re.MULTILINE)
# ``conda env export``'s lines, each package pinned to its exact build (``- torchaudio=0.12.1=py310_cpu``),
# and ``conda list --export``'s, the same without the dash (joansj/hat's requirements.txt, which
# ``conda create --file`` reads: ``pytorch=0.2.0=py36hf0d2509_4cu75``): an environment file written
# that way is a lock too (SuperMedIntel/Medical-SAM-Adapter's ``torch==1.12.1+cu113`` among them)
_CONDA_EXPORT = lazy(r"^\s*(?:-\s*)?[A-Za-z0-9_.-]+=[^=\s]+=[^=\s]+\s*$", re.MULTILINE)
# Poetry's ``torch = "2.2.1+cu121"`` or ``torch = { version = "2.2.1", ... }``: a version with no
# operator is an exact one there, and the lock file installs that very torch (a pip or conda
# ``==`` pin records the authors' environment, often newer on a user's machine: a lower bound)
_POETRY = lazy(r"""^\s*torch\s*=\s*(?:\{[^}\n]*?\bversion\s*=\s*)?["'](==|\^|~|>=)?\s*v?(\d+\.\d+)""",
               re.MULTILINE | re.IGNORECASE)
# detectron2's ``setup.py``: ``assert torch_ver >= [1, 8], "Requires PyTorch >= 1.8"``
_ASSERTED = lazy(r"^\s*assert\s+torch\w*\s*>=\s*[\[(]\s*(\d+)\s*,\s*(\d+)", re.MULTILINE | re.IGNORECASE)
_PIN_FILES = ("pyproject.toml", "requirements.txt", "environment.yml", "environment.yaml", "setup.cfg", "setup.py")
# nbdev's ``settings.ini`` (fastai/course22p2: ``pip_requirements = torch>=1.7,<2.1``, which its
# ``setup.py`` hands to ``install_requires``): read where a project's root holds it, never a
# root's marker itself (other tools keep a ``settings.ini`` of their own)
# A lock file beside ``pyproject.toml`` (Poetry's, uv's, PDM's) is read first: what it locks is
# the torch the project installs, whatever range ``pyproject.toml`` allows (metavoiceio/
# metavoice-src: ``torch = "^2.1.0"``, locked at 2.1.0)
_LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock")
_READ_FILES = (*_LOCK_FILES, "requirements.lock", *_PIN_FILES, "settings.ini")  # (rye's lock: a requirements list)
_LOCKED = lazy(r"""^\[\[package\]\]\s*\n\s*name\s*=\s*["']torch["']\s*\n\s*version\s*=\s*["'](\d+\.\d+)""",
               re.MULTILINE)
# pip's hash-checking mode takes only exact pins: a requirements file with ``--hash`` is a lock
# (``pip-compile --generate-hashes``, ``poetry export``)
_HASHED = lazy(r"--hash[= ]sha256:")
_NBDEV_REQUIREMENTS = lazy(r"^\s*(?:pip_|conda_)?requirements\s*=([^\n]*)$", re.MULTILINE)
_inferred: dict[str, tuple[tuple, str | None]] = {}


def inferred(path: str) -> str | None:
    """The oldest torch a file's project pins, like ruff's ``target-version`` from
    ``requires-python``: in the nearest folder above it that holds a project's files,
    ``torch``'s lower bound in ``pyproject.toml``, ``requirements.txt``, a conda
    ``environment.yml`` or setuptools' ``setup.cfg``/``setup.py`` (the first that names one;
    petals pins ``torch>=1.12`` in ``setup.cfg``; detectron2's ``setup.py`` asserts its floor).
    Reviews found research code pinned to
    torch 1.8-2.1 told to switch to ``torch.amp.GradScaler`` (2.3): the fix marked safe
    broke it there. Kept per folder while its files are unchanged."""
    import os

    from torchwise.lint.pool import PROJECT_MARKERS

    markers = tuple(dict.fromkeys((*PROJECT_MARKERS, *_PIN_FILES, "requirements.lock")))  # a project's root, or a folder of pins
    # (each asked once: pyproject.toml, setup.py and setup.cfg are in both)
    folder = os.path.dirname(os.path.abspath(path))
    described = None  # the nearest folder with a README: a project of scripts has only that
    others = None  # the root's pin files under other names, where the walk has listed them
    while True:
        if any(os.path.exists(os.path.join(folder, m)) for m in markers):
            break
        readme = any(os.path.exists(os.path.join(folder, name)) for name in _READMES)
        if readme and (others := _other_pin_files(folder)):
            break  # (a described folder of pins under other names is a project's root too: matchmaker)
        if described is None and readme:
            described = folder
        up = os.path.dirname(folder)
        if up == folder:
            return _readme_ceiling([os.path.join(described, name) for name in _READMES]) or None \
                if described is not None else None
        folder = up
    stamps = []
    for name in _READ_FILES:
        try:
            stat = os.stat(os.path.join(folder, name))
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append(None)
    environments = _environment_files(folder)
    readmes = [os.path.join(folder, name) for name in _READMES]
    if not others:
        others = _other_pin_files(folder)
    for path in (*environments, *readmes, *others):
        try:
            stat = os.stat(path)
            stamps.append((path, stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append(None)
    key = tuple(stamps)
    known = _inferred.get(folder)
    if known is not None and known[0] == key:
        return known[1]
    found = None
    for name, stamp in zip(_READ_FILES, stamps):
        if stamp is None:
            continue
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                text = f.read(8_000_000 if name in _LOCK_FILES else 200_000)  # (a lock lists every package)
        except OSError:
            continue
        if name in _LOCK_FILES:
            locked = _LOCKED.search(text)
            if locked:
                found = "==" + locked.group(1)
                break
            continue
        if name == "settings.ini":  # one requirement per line, as pip reads them
            text = "\n".join(spec for m in _NBDEV_REQUIREMENTS.finditer(text) for spec in m.group(1).split())
        found = _pinned_in(text)
        if found:
            break
        asserted = _ASSERTED.search(text) if name == "setup.py" else None
        if asserted:
            found = f"{asserted.group(1)}.{asserted.group(2)}"
            break
    if found is None:  # (``pip-requirements.txt``, ``conda_splade_env.yml``: pins under other names)
        pins = [pin for text in _texts(others) if (pin := _pinned_in(text))]
        found = pins[0] if pins else None
        if found is not None and not (found.startswith("==") or "<" in found):
            # (matchmaker: ``pytorch==1.9.0`` in its conda file, AllenNLP, which caps torch, in its pip one)
            found += next((pin[pin.index("<"):] for pin in pins[1:] if "<" in pin and not pin.startswith("==")), "")
    if found is None or not (found.startswith("==") or "<" in found):
        ceiling = _python_ceiling(environments) or _readme_ceiling(readmes)
        if ceiling:
            found = (found or "") + ceiling
    _inferred[folder] = (key, found)
    return found


# conda's ``- python=3.7`` (or ``==3.7.16``): an environment on that Python, where no torch
# 2.0 or later installs (2.0 dropped 3.7; 1.11 dropped 3.6): autonomousvision/carla_garage,
# whose CARLA 0.9.10 client runs only on Python 3.7
_CONDA_PYTHON = lazy(r"^\s*-\s*python\s*==?\s*3\.(\d+)\b", re.MULTILINE)


def _environment_files(folder: str) -> list[str]:
    """The conda environment files of the folder and of the folders a few levels above it,
    up to the repository's root (whose environment installs the folder's requirements)."""
    import os

    out = []
    for _ in range(4):
        out += [os.path.join(folder, name) for name in ("environment.yml", "environment.yaml")]
        up = os.path.dirname(folder)
        if up == folder or os.path.exists(os.path.join(folder, ".git")):
            break
        folder = up
    return out


# requirement and conda environment files under other names (``pip-requirements.txt``,
# ``requirements-gpu.txt``, ``conda_splade_env.yml``), read where the usual ones name no torch
_OTHER_REQUIREMENTS = lazy(r"^[\w.-]*requirements[\w.-]*\.txt$|^[\w.-]*\.ya?ml$", re.IGNORECASE)


def _other_pin_files(folder: str) -> list[str]:
    """The folder's requirement files under other names, and its YAML files that are conda
    environments (they list ``dependencies:``), in name order; at most ten."""
    import os

    try:
        names = sorted(n for n in os.listdir(folder) if _OTHER_REQUIREMENTS.match(n)
                       and n not in _READ_FILES and n not in ("environment.yml", "environment.yaml"))
    except OSError:
        return []
    out = []
    for name in names:
        path = os.path.join(folder, name)
        if name.lower().endswith((".yml", ".yaml")):
            text = next(_texts([path]), "")
            if not re.search(r"^dependencies\s*:", text, re.MULTILINE):
                continue  # (a config, not an environment)
        out.append(path)
        if len(out) == 10:
            break
    return out


def _texts(paths: list[str]) -> Iterator[str]:
    """The start of each of these files that can be read, in order."""
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                yield f.read(200_000)
        except OSError:
            continue


def _first_excluded(bound: "re.Match[str]") -> str:
    """``"<X.Y"``: the first release an upper bound leaves out, from its match's groups (the
    operator, major, minor, patch): ``<=2.0.1`` and ``<2.0.1`` still allow a 2.0; ``<2.4`` and
    ``<2.4.0`` allow no 2.4."""
    op, major, minor, patch = bound.group(1), int(bound.group(2)), int(bound.group(3)), int(bound.group(4) or 0)
    return f"<{major}.{minor + 1 if op == '<=' or patch else minor}"


def _python_ceiling(paths: list[str]) -> str:
    """The first torch that the Python the nearest of these conda environments pins cannot run."""
    for text in _texts(paths):
        pinned = _CONDA_PYTHON.search(text)
        if not pinned:
            return ""
        minor = int(pinned.group(1))
        return "<1.11" if minor <= 6 else "<2.0" if minor == 7 else ""
    return ""


_READMES = ("README.md", "README.rst", "README.txt", "README", "readme.md")
# a README's requirement line with an upper bound on torch, on a line of its own as in a list or
# a code block (BICLab/Spike-Driven-Transformer's ``1.10.0 <= pytorch < 2.0.0``, ``- torch<2.0``);
# not one inside a sentence or a ``pip install`` command
_README_CEILING = lazy(r"""^[ \t>*+`|-]*(?:\d+[.)][ \t]+)?(?:v?\d+(?:\.\d+)*\s*(?:<=?|=<)\s*)?(?:py)?torch\s*"""
                       r"""(?:(?:==|>=|~=|!=|>)\s*v?[\w.*+]+\s*,\s*)*"""
                       r"""(<=|<)\s*v?(\d+)\.(\d+)(?:\.(\d+))?[ \t`|]*$""", re.MULTILINE | re.IGNORECASE)


def _readme_ceiling(paths: list[str]) -> str:
    """The first torch a README's requirements exclude (``"<2.0"``), or ``""``: an upper bound
    written by hand is a limit the authors state (a lower bound or an ``==`` there only records
    their environment, and is not read)."""
    for text in _texts(paths):
        found = _README_CEILING.search(text)
        if found is not None:
            return _first_excluded(found)
    return ""


def _pinned_in(text: str) -> str | None:
    """The torch a project file pins: its lower bound (``"1.7"``); pinned exactly by Poetry
    or in a compiled lock, ``"==2.2"``; with an upper bound, the first version it excludes
    after a ``<`` (``"1.4<2.1"`` for ``torch>=1.4, <=2.0.1``, ``"<2.4"`` for ``torch<2.4``,
    ``"2.1<2.2"`` for ``torch~=2.1.0``);
    None when it names none."""
    lower = _PIN.search(text)
    poetry = _POETRY.search(text)
    if poetry is not None and (lower is None or poetry.start() < lower.start()):
        return ("==" if poetry.group(1) in (None, "==") else "") + poetry.group(2)
    if lower is not None and lower.group(1) in ("==", "===") and (
            _COMPILED.search(text, 0, 2000) or _pipenv_lock(text) or _HASHED.search(text, lower.end())):
        return "==" + lower.group(2)
    if lower is not None and lower.group(1) in ("==", "===", "=") and len(_CONDA_EXPORT.findall(text, 0, 20_000)) >= 3:
        return "==" + lower.group(2)  # (``conda env export``: every package at its exact build)
    ceiling = _CEILING.search(text)
    above = ""
    if ceiling is not None:
        above = _first_excluded(ceiling)
    elif _CAPPED_BY.search(text):
        above = "<1.13"  # (every AllenNLP release caps torch below 1.13: sebastian-hofstaetter/matchmaker)
    elif lower is not None and lower.group(1) == "~=" and (compatible := _COMPATIBLE.search(text)) is not None:
        major, minor = int(compatible.group(1)), int(compatible.group(2))
        above = f"<{major}.{minor + 1}" if compatible.group(3) else f"<{major + 1}.0"
    if lower is not None and lower.group(1) in ("==", "==="):
        return lower.group(2)  # (a pip or conda ``==`` records one environment: a lower bound)
    return (lower.group(2) if lower is not None else "") + above or None


# a requirement on a library that caps torch in every release: AllenNLP (archived; its last,
# 2.10.1, requires ``torch<1.13``), and its models
_CAPPED_BY = lazy(r"""(?:^|[\[(,])[\s"'-]*allennlp(?:-models)?\s*(?:[=<>~!;\["',)]|$)""", re.MULTILINE | re.IGNORECASE)


def _pipenv_lock(text: str) -> bool:
    """``pipenv requirements`` output: its index line first, then only ``==`` pins."""
    if _PIPENV.match(text) is None:
        return False
    from torchwise.text import split_lines

    lines = [line.strip() for line in split_lines(text)]
    packages = [line for line in lines if line and not line.startswith(("#", "-"))]
    return len(packages) >= 3 and all("==" in line for line in packages)


def _pin_version(pin: str) -> tuple[int, int] | None:
    """The oldest torch a pin allows (None: no lower bound)."""
    return parse_version(pin[2:] if pin.startswith("==") else pin.partition("<")[0])


def _pin_ceiling(pin: str) -> tuple[int, int] | None:
    """The first torch a pin excludes: past an exact pin's, or its upper bound's."""
    if pin.startswith("=="):
        exact = parse_version(pin[2:])
        return (exact[0], exact[1] + 1) if exact is not None else None
    return parse_version(pin.partition("<")[2]) if "<" in pin else None


def has(ctx, since: str | None) -> bool:
    """Whether every torch the code of ``ctx``'s file supports, as configured, has what
    came in ``since`` (None: long enough ago to be everywhere). A replacement it lacks is
    not asked for. Asked per finding: the answer is kept on the file's analysis (a
    config's look-up walks up the folders)."""
    if since is None:
        return True
    wanted = parse_version(since)
    if predates(ctx, since):
        return False
    oldest = _memo(ctx, "torch_version", _torch_version, lambda: torch_version(ctx.path))
    return oldest is None or oldest >= wanted  # type: ignore[operator]


def predates(ctx, version: str) -> bool:
    """Every torch the file's code can run on predates ``version``: its Poetry project or a
    compiled lock file pins torch exactly to an older one (``torch = "2.2.1"``), its
    requirements bound it below ``version`` (``torch<=2.0.1``), or it imports
    ``torch._six`` (removed in 2.0) at its top, unguarded, itself or through a module of
    its project it imports (baaivision/EVA's ``from torch._six import inf`` beside
    ``torch.cuda.amp.GradScaler()``, deprecated in 2.4; xiaolai-sqlai/mobilenetv3's
    ``engine.py`` imports ``utils``, which imports ``torch._six``; a few imports deeper too),
    or calls ``torch.stft`` the way torch 2.0 forbids, or imports DataLoader internals that
    later releases dropped (``_code_removed_in``)."""
    bound = _removed_in(ctx.analysis)
    if bound is not None and bound <= parse_version(version):  # type: ignore[operator]
        return True
    pin = _memo(ctx, "torch_pin", _torch_pin, lambda: torch_pin(ctx.path))
    ceiling = _pin_ceiling(pin) if pin is not None else None  # thawro/pytorch-human-pose: Poetry's
    # ``torch = "2.2.1+cu121"``; deeplite-torch-zoo's ``torch>=1.4, <=2.0.1``
    return ceiling is not None and ceiling <= parse_version(version)  # type: ignore[operator]


def _removed_in(a) -> tuple[int, int] | None:
    """The first torch release the file's code cannot run on (its own code's, that of a
    module of its project it imports, or what all its importers reach:
    ``_project_removed_in``); None: no such release known. Once per file (and project revision)."""
    from torchwise.lint.flow import per_revision

    def compute(project) -> tuple[int, int] | None:
        if project is None:
            return _code_removed_in(a)
        try:
            with project.lock:
                return _project_removed_in(project, a)
        except Exception:  # the project model must never break a rule
            return _code_removed_in(a)

    return per_revision(a, "removed_in", compute)  # type: ignore[return-value]


def _project_removed_in(project, a, depth: int = 3, seen: frozenset = frozenset()) -> tuple[int, int] | None:
    """The earliest of the module's own bound, its imports' and its importers'
    (``_importers_removed_in``, up to ``depth`` levels). ``a``: the module's analysis, or an
    importer's file (whose facts are memoized: ``_path_removed_in``, ``_import_facts``)."""
    own = _path_removed_in(project, a) if isinstance(a, Path) else _code_removed_in(a, thc_extensions(project))
    return min((b for b in (own, _imports_removed_through(project, a),
                            _importers_removed_in(project, a, depth, seen)) if b is not None), default=None)


# a C++/CUDA source that includes the TH/THC headers, which torch 1.11 removed
# (``THC/THC.h`` or ``TH/TH.h`` itself: ``THC/THCAtomics.cuh`` was kept after 1.11 as a shim over
# ``ATen/cuda/Atomic.cuh``, pytorch/pytorch#65470, and MONAI's and detectron2's sources still build with it)
_THC_INCLUDE = lazy(rb"""^[ \t]*#[ \t]*include[ \t]*[<"](?:THC/THC|TH/TH)\.h[>"]""", re.MULTILINE)
# the extensions a ``setup.py`` builds: ``CUDAExtension(name="pointops._C", ...)``
_EXTENSION = lazy(r"""\b(?:CUDAExtension|CppExtension)\(\s*(?:name\s*=\s*)?["']([A-Za-z_][\w.]*)["']""")
# ... or through a name bound to either (maskrcnn-benchmark's ``extension = CppExtension``, then
# ``extension = CUDAExtension`` where CUDA is found, and ``extension("maskrcnn_benchmark._C", sources, ...)``)
_EXTENSION_ALIAS = lazy(r"^\s*([A-Za-z_]\w*)\s*=\s*(?:CUDAExtension|CppExtension)\s*$", re.MULTILINE)
_SOURCE_SUFFIXES = (".cpp", ".cu", ".cc", ".cuh", ".h", ".hpp", ".cxx")


def thc_extensions(project) -> frozenset[str]:
    """The top-level names of the C++/CUDA extensions the project's ``setup.py`` files build
    from sources that include ``THC/THC.h`` (or ``TH/TH.h``): torch 1.11 removed those
    headers, so the extension builds, and the code that imports it runs, only on an older
    torch (Gofinge/PointTransformerV2's ``pointops``, built by ``libs/pointops/setup.py``,
    imported by every model). Once per project revision; at most 400 source files read."""
    return project.remembered(("thc_extensions", project.revision), lambda: _find_thc_extensions(project))


def _find_thc_extensions(project) -> frozenset[str]:
    import os

    names: set[str] = set()
    budget = [400]
    for setup in [f for f in project.files() if f.name == "setup.py"][:50]:
        try:
            text = setup.read_text(encoding="utf-8", errors="replace")[:200_000]
        except OSError:
            continue
        built = {m.group(1).split(".")[0] for m in _EXTENSION.finditer(text)}
        for alias in {m.group(1) for m in _EXTENSION_ALIAS.finditer(text)}:
            built |= {m.group(1).split(".")[0] for m in re.finditer(
                rf"""\b{alias}\(\s*(?:name\s*=\s*)?["']([A-Za-z_][\w.]*)["']""", text)}
        if built and not built <= names and _includes_thc(os.fspath(setup.parent), budget):
            names |= built
    return frozenset(names)


def _includes_thc(folder: str, budget: list[int]) -> bool:
    """Some C++/CUDA source under ``folder`` includes a TH/THC header."""
    import os

    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("build", "node_modules")]
        for name in files:
            if not name.endswith(_SOURCE_SUFFIXES):
                continue
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            try:
                with open(os.path.join(root, name), "rb") as f:
                    head = f.read(65_536)
            except OSError:
                continue
            if _THC_INCLUDE.search(head):
                return True
    return False


def _imports_removed_through(project, a, depth: int = 4, most: int = 200) -> tuple[int, int] | None:
    """The earliest ``_code_removed_in`` of the project's modules that ``a`` imports at its top
    (or a package above one, whose ``__init__`` an import runs first), directly or through
    up to ``depth`` such imports (autonomousvision/sdfstudio's trainer reaches its
    ``torch._six`` through three; EDSR's ``main.py`` reaches ``DataLoaderIter`` through
    ``data/__init__.py`` and ``dataloader.py``): breadth first, each module once, found as
    a script would find it (``_imported_path``). Each module's facts are kept per project
    revision (``_import_facts``): the importers of a common name each walk the same modules."""
    start = a if isinstance(a, Path) else getattr(a.env, "path", None)
    seen, frontier, found = {start}, [a], None
    for _ in range(depth):
        following = []
        for current in frontier:
            parents, imports = _import_facts(project, current)
            for path in (*parents, *imports):
                if path in seen:
                    continue
                seen.add(path)
                bound = _path_removed_in(project, path)
                if bound is not None and (found is None or bound < found):
                    found = bound
                following.append(path)
                if len(seen) > most:
                    return found
        frontier = following
    return found


def _import_facts(project, current) -> tuple[tuple, tuple]:
    """(the files of the packages above the module, whose ``__init__`` an import of it runs
    first; the files of the project's modules it imports at its top) for an analysis, or for
    a file of the project by its path (memoized per revision: the project's memo is cleared
    on every change, an open document's edits included)."""
    path = current if isinstance(current, Path) else None  # (an analysis given: its own text's, not memoized)
    key = ("import_facts", path)
    found = project.memo.get(key) if path is not None else None
    if found is not None:
        return found  # type: ignore[return-value]
    if path is not None:
        unit = project.unit_at(path)
        analysis = unit.analysis if unit is not None else None
    else:
        analysis = current
    env = getattr(analysis, "env", None)
    if env is None:
        found = ((), ())
    else:
        module = getattr(env, "module", None) or ""
        parents = [module.rsplit(".", i)[0] for i in range(module.count("."), 0, -1)]
        # (importing ``timm.utils.cuda`` runs ``timm/__init__.py`` first: SIIM-FISABIO-RSNA's
        # bundled timm, whose package imports ``torch._six``)
        here = getattr(env, "path", None)
        above = [p for name in parents if (p := project.unit_path(name)) is not None]
        imported = [p for name in _top_imports(analysis) if (p := _imported_path(project, env, here, name)) is not None]
        found = (tuple(above), tuple(imported))
    if path is not None:
        project.memo[key] = found
    return found


def _path_removed_in(project, path: Path) -> tuple[int, int] | None:
    """``_code_removed_in`` of the project's file at ``path`` (memoized per revision)."""
    def compute() -> tuple[int, int] | None:
        unit = project.unit_at(path)
        if unit is None:
            return None
        found = _code_removed_in(unit.analysis, thc_extensions(project))
        _import_facts(project, path)  # (while the analysis is at hand: the walk asks it next, by when
        # a check's few kept units have moved on; FGVC-PIM's bundled timm: 288 analyses built again)
        return found

    return project.remembered(("code_removed_in", path), compute)


def _imported_path(project, env, here, name: str) -> Path | None:
    """The file of the module ``import name`` runs in the file at ``here``: the nearest folder
    above the file that holds it (``Resolver.above``: a script's folder comes first), else the
    one the project resolves it to. Found without analysing it (EasyNLP's 735 files: 1,718
    analyses built for their paths alone)."""
    found = project.resolver.above(here, name) if here is not None else None
    if found is not None:
        return found if project.source(found) is not None else None
    return project.unit_path(env.imported(name))


def _importers_removed_in(project, a, depth: int = 3, seen: frozenset = frozenset()) -> tuple[int, int] | None:
    """The first torch none of the scripts that import the file can run on: the file has
    importers in the project, and each of them, through its own imports or its own importers
    (up to ``depth`` levels: a package's ``__init__`` passes its modules on), reaches code a
    torch release removed (damo-cv/TransReID's ``train.py`` imports the ``processor``
    package and a model package whose backbone imports ``torch._six``; RNAN's ``main.py``
    imports ``trainer`` and ``data``, whose ``dataloader.py`` subclasses ``DataLoaderIter``):
    the latest of their releases. None when the file has no importer (a script), or one of
    them may run on any torch."""
    from torchwise.project.callers import Incomplete, _mentioning

    if isinstance(a, Path):
        path, module = a, project.resolver.module_of(a)
    else:
        path, module = getattr(a.env, "path", None), getattr(a.env, "module", None)
    if path is None or not module or depth == 0 or path in seen:
        return None
    try:
        candidates = _mentioning(project, module.rpartition(".")[2], None)
    except Incomplete:
        return None
    bounds = []
    for candidate in candidates:
        if candidate == path or candidate in seen:
            continue  # (a module further down the chain imports its package back: a cycle, no script;
            # researchmm/Stark's ``ltr_trainer.py`` imports ``lib.train.trainers``, whose ``__init__`` imports it)
        if not any(_same_file(project, found, path) for found in _import_facts(project, candidate)[1]):
            continue  # (no import of it: nor a unit, whose facts are those of no importer)
        bound = _project_removed_in(project, candidate, depth - 1, seen | {path})
        if bound is None:
            return None
        bounds.append(bound)
    return max(bounds, default=None)


def _same_file(project, found, path) -> bool:
    return found is not None and (found == path or _real_path(project, found) == _real_path(project, path))


def _real_path(project, path) -> str:
    """``os.path.realpath(path)``, memoized per project revision: it reads every folder of
    the path, and a module's importers each compare their imports with it (EasyNLP: 7 % of
    a check)."""
    import os

    return project.remembered(("real_path", path), lambda: os.path.realpath(path))


def _code_removed_in(a, extensions: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """The first torch the module's own code cannot run on: Python 3 cannot parse it for a
    Python 2 statement (1.5 dropped Python 2), it imports, at its top, a name that release
    removed (``removed_in``: ``torch._six``, DataLoader internals) or one of
    the project's ``extensions`` built on the THC headers (``thc_extensions``: 1.11), or it calls
    ``torch.stft`` without ``return_complex`` and never names that argument (an error for real
    input from 2.0 on, pytorch/pytorch#86724: MasayaKawamura/MB-iSTFT-VITS's
    ``mel_processing``; a module that passes it somewhere, as vits2_pytorch does on torch 2,
    may be choosing by version)."""
    found = min((b for b in map(removed_in, a.tree.body) if b is not None), default=None)
    if (found is None or found > (1, 5)) and python_2_only(a):
        found = (1, 5)
    if (found is None or found > (0, 4)) and _retains_variables(a):
        found = (0, 4)
    elif (found is None or found > (0, 5)) and indexes_zero_dim_data(a):
        found = (0, 5)
    elif (found is None or found > (1, 1)) and _unpacks_packed_pair(a):
        found = (1, 1)
    if extensions and (found is None or found > (1, 11)) and any(
            name.partition(".")[0] in extensions for name in _top_imports(a)):
        found = (1, 11)
    if found is not None and found <= (2, 0):
        return found
    source = getattr(a, "source", "") or ""
    if "torch.stft(" not in source or "return_complex" in source:
        return found  # (named anywhere, even in a comment: the module knows the argument)
    from torchwise.lint.flow import index

    if any(c.func.__class__ is ast.Attribute and c.func.value.__class__ is ast.Name  # type: ignore[attr-defined]
           and c.func.value.id == "torch" and not any(k.arg is None for k in c.keywords)  # type: ignore[attr-defined]
           for c in index(a).calls_by_name.get("stft", ())):
        return (2, 0)
    return found


def python_2_only(a) -> bool:
    """Python 3 cannot parse the file for a Python 2 statement (``print 'x'``, ``exec "..."``):
    it runs only on Python 2, whose last torch was 1.4 (zlckanata/DeepGlobe-Road-Extraction-
    Challenge's ``train.py`` and ``test.py``, the only importers of its networks)."""
    error = getattr(a, "syntax_error", None)
    message = getattr(error, "msg", "") or ""
    if not message.startswith(("Missing parentheses in call to 'print'", "Missing parentheses in call to 'exec'")):
        return False
    return not _python_3_syntax(a.tree)  # (then the statement is a slip: a file being edited, or broken)


_PYTHON_3_ONLY = (ast.JoinedStr, ast.AsyncFunctionDef, ast.Await, ast.Nonlocal, ast.AnnAssign, ast.YieldFrom,
                  ast.MatMult)


def _python_3_syntax(tree: ast.AST) -> bool:
    """The rest of the file (as recovered around its syntax error) holds syntax that Python 2
    never had: f-strings, ``async``, ``nonlocal``, annotations, keyword-only parameters,
    ``yield from``, ``@``, starred targets, or ``print(..., end=...)``."""
    for node in ast.walk(tree):
        if isinstance(node, _PYTHON_3_ONLY) or (isinstance(node, ast.Starred) and isinstance(node.ctx, ast.Store)):
            return True  # (``f(*args)`` is Python 2 too; ``first, *rest = x`` is not)
        if isinstance(node, ast.arguments) and (node.kwonlyargs or any(
                arg.annotation is not None for arg in (*node.posonlyargs, *node.args))):
            return True
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            return True
        if isinstance(node, ast.Call) and node.func.__class__ is ast.Name and node.func.id == "print" \
                and any(k.arg in ("end", "sep", "file", "flush") for k in node.keywords):
            return True
    return False


def indexes_zero_dim_data(a) -> bool:
    """The file indexes a 0-dim tensor's ``.data``: ``loss.data[0]`` (a loss), or a name bound
    to a full reduction (``l2_norm = torch.sqrt(torch.mean(g ** 2)) + 1e-5``, then
    ``g / l2_norm.data[0]``: thtang/CheXNet-with-localization). Indexing a 0-dim tensor is an
    error from PyTorch 0.5 on, so the code runs only on torch 0.4 or older (yuhuixu1993/PC-DARTS's
    ``train.py``; its 1.0 copy uses ``.item()``)."""
    found = a.queries.get("zero_dim_data_0")
    if found is None:
        from torchwise.lint import flow  # (the rules' helpers sit beside this module)

        found = False
        if ".data[0]" in (getattr(a, "source", "") or ""):  # (a scan of the text first: most files have none)
            idx = flow.index(a)
            for attr in idx.refs_by_name.get("data", ()):
                sub = idx.parents.get(attr)
                if attr.__class__ is not ast.Attribute or sub.__class__ is not ast.Subscript or sub.value is not attr \
                        or sub.slice.__class__ is not ast.Constant or sub.slice.value != 0:  # type: ignore[attr-defined]
                    continue
                base = attr.value  # type: ignore[attr-defined]
                if "loss" in (flow.last_name(base) or "").lower() or (
                        base.__class__ is ast.Name and _zero_dim(flow.binding_value(a, base))):
                    found = True
                    break
        a.queries["zero_dim_data_0"] = found
    return found


def _retains_variables(a) -> bool:
    """A ``backward(..., retain_variables=...)``: the keyword torch 0.4 removed (for
    ``retain_graph``), a TypeError there: code for torch 0.3 or older (jayleicn/animeGAN)."""
    if "retain_variables" not in (getattr(a, "source", "") or ""):
        return False
    from torchwise.lint import flow  # (the rules' helpers sit beside this module)

    return any(k.arg == "retain_variables" for c in flow.index(a).calls_by_name.get("backward", ())
               for k in c.keywords)


def _unpacks_packed_pair(a) -> bool:
    """``scores, _ = pack_padded_sequence(...)``: a ``PackedSequence`` unpacked into two
    names, which its four fields since torch 1.1 refuse (too many values to unpack): code for
    torch 1.0 or older (sgrvinod/a-PyTorch-Tutorial-to-Image-Captioning's ``train.py``)."""
    source = getattr(a, "source", "") or ""
    if "pack_padded_sequence" not in source and "pack_sequence" not in source:
        return False
    from torchwise.lint import flow  # (the rules' helpers sit beside this module)

    idx = flow.index(a)
    for call in (*idx.calls_by_name.get("pack_padded_sequence", ()), *idx.calls_by_name.get("pack_sequence", ())):
        stmt = idx.parents.get(call)
        if stmt.__class__ is ast.Assign and len(stmt.targets) == 1 and stmt.targets[0].__class__ is ast.Tuple \
                and len(stmt.targets[0].elts) == 2:  # type: ignore[attr-defined]
            return True
    return False


_REDUCTIONS = frozenset({"mean", "sum", "norm", "prod", "std", "var"})
_ELEMENTWISE = frozenset({"sqrt", "exp", "log", "abs", "rsqrt"})


def _zero_dim(expr: ast.expr | None) -> bool:
    """``expr`` is a 0-dim tensor by its form: a full reduction (``torch.mean(x)``, ``x.sum()``),
    an element-wise function of one, or one combined with numbers."""
    if expr.__class__ is ast.BinOp:
        left, right = expr.left, expr.right  # type: ignore[attr-defined]
        return (_zero_dim(left) or left.__class__ is ast.Constant) and (_zero_dim(right) or right.__class__ is ast.Constant) \
            and not (left.__class__ is ast.Constant and right.__class__ is ast.Constant)
    if expr.__class__ is not ast.Call or expr.keywords or expr.func.__class__ is not ast.Attribute:  # type: ignore[attr-defined]
        return False
    func = expr.func  # type: ignore[attr-defined]
    on_torch = func.value.__class__ is ast.Name and func.value.id == "torch"
    args = expr.args  # type: ignore[attr-defined]
    if func.attr in _REDUCTIONS:
        return len(args) == 1 if on_torch else not args
    if func.attr in _ELEMENTWISE:
        return _zero_dim(args[0]) if on_torch and len(args) == 1 else (not args and _zero_dim(func.value))
    return False


# Names ``torch.utils.data.dataloader`` dropped, with the first release without them (read from
# the torch wheels of 1.0.0 to 2.0.0; ``DataLoaderIter`` became ``_DataLoaderIter`` in 0.4.0:
# sanghyun-son/EDSR-PyTorch#31). EDSR and the super-resolution code derived from it (RCAN, MSRN,
# OISR, AWSRN, RNAN) subclass them, so their scripts run only on the torch they were written for.
_DATALOADER_REMOVED = {
    "DataLoaderIter": (0, 4), "_worker_manager_loop": (1, 0), "_DataLoaderIter": (1, 2),
    **dict.fromkeys(("_pin_memory_loop", "_use_shared_memory", "numpy_type_map", "pin_memory_batch", "_worker_loop",
                     "_set_SIGCHLD_handler", "_update_worker_pids", "_remove_worker_pids",
                     "_set_worker_signal_handlers", "_SIGCHLD_handler_set", "int_classes",
                     "MP_STATUS_CHECK_INTERVAL", "_error_if_any_worker_fails"), (1, 1)),
}


# torchtext's data abstractions of before 0.9 (``torchtext.data.Field``), which 0.9 (paired with
# torch 1.8) moved to ``torchtext.legacy``, and 0.12 (torch 1.11) removed (pytorch/text#1422, #1437)
_TORCHTEXT_LEGACY = frozenset({
    "Field", "RawField", "ReversibleField", "SubwordField", "NestedField", "LabelField", "BucketIterator",
    "Iterator", "BPTTIterator", "Dataset", "TabularDataset", "Example", "Pipeline", "Batch"})


def _torchtext_removed_in(stmt: ast.stmt) -> tuple[int, int] | None:
    """``torchtext.legacy`` (gone in torchtext 0.12, torch 1.11) and the legacy names from
    ``torchtext.data`` (gone in 0.9, torch 1.8)."""
    if stmt.__class__ is ast.Import:
        return (1, 11) if any(n.name == "torchtext.legacy" or n.name.startswith("torchtext.legacy.")
                              for n in stmt.names) else None  # type: ignore[attr-defined]
    if stmt.__class__ is not ast.ImportFrom or stmt.level:  # type: ignore[attr-defined]
        return None
    module = stmt.module or ""  # type: ignore[attr-defined]
    if module == "torchtext.legacy" or module.startswith("torchtext.legacy.") or (
            module == "torchtext" and any(n.name == "legacy" for n in stmt.names)):  # type: ignore[attr-defined]
        return (1, 11)
    if module == "torchtext.data" and any(n.name in _TORCHTEXT_LEGACY for n in stmt.names):  # type: ignore[attr-defined]
        return (1, 8)
    return None


def _old_torchtext_location(stmt: ast.stmt) -> bool:
    """``from torchtext import data`` (or ``datasets``): where the legacy abstractions lived
    before 0.9, the other arm of a ``torchtext.legacy`` import's version test."""
    return stmt.__class__ is ast.ImportFrom and not stmt.level and stmt.module == "torchtext" and all(  # type: ignore[attr-defined]
        n.name in ("data", "datasets") for n in stmt.names)  # type: ignore[attr-defined]


def _arms_removed_in(stmt: ast.stmt) -> tuple[int, int] | None:
    """A top-level ``if``/``else`` (a version test) or ``try``/``except`` whose one arm
    imports from ``torchtext.legacy`` and whose others import what the legacy import
    replaces from where it was before 0.9 (kh-kim/simple-nmt's data loader): whichever
    torchtext runs, the legacy abstractions must exist, so torch 1.11 cannot run it."""
    if stmt.__class__ is ast.If and stmt.orelse:  # type: ignore[attr-defined]
        arms = [stmt.body, stmt.orelse]  # type: ignore[attr-defined]
    elif stmt.__class__ is ast.Try and stmt.handlers:  # type: ignore[attr-defined]
        arms = [stmt.body, *(h.body for h in stmt.handlers)]  # type: ignore[attr-defined]
    else:
        return None
    legacy = old = 0
    for arm in arms:
        if any(_torchtext_removed_in(s) == (1, 11) for s in arm):
            legacy += 1
        elif any(_old_torchtext_location(s) for s in arm):
            old += 1
        else:
            return None
    return (1, 11) if legacy and old else None


def removed_in(stmt: ast.stmt) -> tuple[int, int] | None:
    """The first torch release without what the import statement imports: 2.0 for
    ``torch._six`` (``imports_six``), the releases of ``_DATALOADER_REMOVED`` for
    ``from torch.utils.data.dataloader import ...``, 1.11 for ``torchtext.legacy`` (1.8 for
    torchtext's legacy names from ``torchtext.data``, ``_torchtext_removed_in``); None for
    anything else."""
    if imports_six(stmt):
        return (2, 0)
    kind = stmt.__class__
    if kind is ast.If or kind is ast.Try:
        return _arms_removed_in(stmt)
    if kind is not ast.Import and kind is not ast.ImportFrom:
        return None
    found = _torchtext_removed_in(stmt)
    if found is not None:
        return found
    if stmt.__class__ is ast.ImportFrom and not stmt.level and stmt.module == "torch.utils.data.dataloader":  # type: ignore[attr-defined]
        return min((_DATALOADER_REMOVED[n.name] for n in stmt.names if n.name in _DATALOADER_REMOVED),  # type: ignore[attr-defined]
                   default=None)
    return None


def imports_six(stmt: ast.stmt) -> bool:
    """``from torch._six import ...``, ``from torch import _six`` or ``import torch._six``."""
    if stmt.__class__ is ast.ImportFrom and not stmt.level:  # type: ignore[attr-defined]
        return stmt.module == "torch._six" or (  # type: ignore[attr-defined]
            stmt.module == "torch" and any(a.name == "_six" for a in stmt.names))  # type: ignore[attr-defined]
    return stmt.__class__ is ast.Import and any(a.name == "torch._six" for a in stmt.names)  # type: ignore[attr-defined]


def _top_imports(a) -> list[str]:
    """The modules the file imports at its top (``import utils``, ``from utils import x``,
    and ``x`` itself where it is a submodule; relative ones too: SSL4EO-S12's MAE engine's
    ``from .util import misc``, whose ``misc`` imports ``torch._six``), but torch's."""
    names = []
    for stmt in a.tree.body:
        if stmt.__class__ is ast.Import:
            names += [n.name for n in stmt.names]
        elif stmt.__class__ is ast.ImportFrom:
            module = a.absolute_module(stmt) if stmt.level else stmt.module
            if module:
                names.append(module)
                names += [f"{module}.{n.name}" for n in stmt.names if n.name != "*"]  # (a submodule, maybe)
    return [n for n in dict.fromkeys(names) if n.partition(".")[0] not in ("torch", "torchvision", "numpy")]


def pinned_without(ctx, since: str | None) -> str | None:
    """The torch the file's project pins (``torch>=1.7``), when it predates ``since``: the
    finding stands (the old API is deprecated where torch is newer) but its fix, which the
    pinned torch cannot run, is not safe."""
    if since is None:
        return None
    pin = _memo(ctx, "torch_pin", _torch_pin, lambda: torch_pin(ctx.path))
    pinned = _pin_version(pin) if pin is not None else None
    return pin.partition("<")[0].lstrip("=") if pinned is not None and pinned < parse_version(since) else None  # type: ignore[operator, union-attr]


def _memo(ctx, name: str, var: ContextVar[object], compute):
    queries = ctx.analysis.queries
    key = (name, var.get())
    found = queries.get(key, _UNSET)
    if found is _UNSET:
        found = queries[key] = compute()
    return found


def for_pin(ctx, fix, since: str | None):
    """``fix``, or, where the project pins a torch that predates ``since``, the same edits
    marked unsafe and saying why (``pinned_without``)."""
    pin = pinned_without(ctx, since) if fix is not None else None
    if pin is None:
        return fix
    from torchwise.lint.base import Fix

    return Fix("unsafe", f"{fix.message} (unsafe: the project pins torch {pin}, and this needs {since})", fix.edits)
