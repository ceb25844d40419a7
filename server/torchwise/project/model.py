"""The project's inputs (file texts, folders) and its memo tables.

A *unit* is one module's :class:`Analysis`, kept while its content hash matches (a
bounded LRU: the summaries outlive it). A check keeps the last few files it linted apart
(``max_adopted``): they neither stay alive long nor push out what importers ask for.
Query results live in ``memo`` until the next *revision*: any input change (an edit, a
file changed on disk, new folders) bumps it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, TypeVar

from torchwise.analysis import Analysis, build_analysis
from torchwise.project.resolver import Resolver
from torchwise.project.summaries import ModuleSummary, called_names, parse_for_summary, summarize
from torchwise.records import record

T = TypeVar("T")
_MISSING = object()

_UNSET = object()

MAX_SOURCE_CHARS = 2_000_000
MAX_UNITS = 64
# modules one question about a function's callers may parse in the editor (a hover, a
# lint): past that, "unknown" (``callers.Incomplete``) rather than seconds of parsing
EDITOR_PARSE_BUDGET = 16


@record()
class Unit:
    path: Path
    module: str | None
    digest: int
    analysis: Analysis
    revision: int

    def __init__(self, path: Path, module: str | None, digest: int, analysis: Analysis, revision: int) -> None:
        self.path, self.module, self.digest, self.analysis, self.revision = path, module, digest, analysis, revision


def digest_of(text: str) -> int:
    return hash((len(text), text))


class Project:
    def __init__(self, folders=(), overlay: Callable[[Path], str | None] | None = None,
                 log: Callable[[str], None] | None = None, max_units: int = MAX_UNITS,
                 max_adopted: int | None = None, parse_budget: int | None = None,
                 caller_limit: int | None = None) -> None:
        self.max_units = max_units  # a check keeps few: analyses are cyclic, the collector's work grows with them
        # how many modules one question about a function's callers may parse (None: all).
        # The editor's: a hover or a lint in a large workspace answers "unknown" rather than
        # parse hundreds of modules that mention a common name (``update``, ``step``)
        self.parse_budget = parse_budget
        # how many modules that mention a function's name one question about its callers
        # looks at (None: all); past that its answer is "unknown" (``callers.Incomplete``).
        # Counted from the texts alone, so the answer does not depend on what is cached.
        self.caller_limit = caller_limit
        # adopted analyses (the files a check lints) kept apart from the units built for
        # importers, at most ``max_adopted`` of them (None: in the one LRU, as the server's)
        self.max_adopted = max_adopted
        self.resolver = Resolver(folders)
        self.overlay = overlay or (lambda path: None)
        self.log = log or (lambda message: None)
        self.revision = 0
        self.last_query = 0.0  # time.monotonic() of the last request's query
        self.lock = threading.RLock()
        self.memo: dict[tuple, object] = {}
        self.active: set[tuple] = set()  # queries in progress (import cycles end here)
        self._texts: dict[Path, str | None] = {}
        self._units: OrderedDict[Path, Unit] = OrderedDict()
        self._adopted: OrderedDict[Path, Unit] = OrderedDict()
        self._summaries: dict[Path, ModuleSummary] = {}
        # what ``from module import *`` binds, by file, kept while its text is the same
        # (``ProjectEnv._export_table``): an edit elsewhere must not parse the package again
        self.export_tables: dict[Path, tuple[int, tuple]] = {}
        self._files: list[Path] | None = None
        self._reported: set[Path] = set()

    def remembered(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, kept in ``memo`` under ``key`` until the project's next revision
        (a None or empty answer is kept too)."""
        found = self.memo.get(key, _MISSING)
        if found is _MISSING:
            found = self.memo[key] = compute()
        return found  # type: ignore[return-value]

    # -- inputs ------------------------------------------------------------------------
    def set_folders(self, folders) -> None:
        with self.lock:
            self.resolver.set_folders(folders)
            self.changed(structure=True)

    def changed(self, paths=(), structure: bool = False) -> None:
        """Inputs changed: ``paths`` were edited; ``structure``: files were created or deleted."""
        paths = list(paths)
        with self.lock:
            self.revision += 1
            self.memo.clear()
            for path in paths:
                self._texts.pop(Path(path), None)
                self._summaries.pop(Path(path), None)
                self._reported.discard(Path(path))
            self.resolver.forget_added_paths(paths)  # (an edit may move a script's ``sys.path`` lines)
            if structure:
                self.resolver.clear()
                self._files = None
                self._texts.clear()
                self.export_tables.clear()

    @contextmanager
    def seeing(self, path: Path, text: str):
        """The project as it was while ``path`` read ``text``: the editor asks what the previous
        version of an open document showed the rest of the file (``incremental_statement``);
        that version's adopted unit answers for the file again (not a fresh analysis of the new
        text, one the editor is about to splice), and what is inferred meanwhile, another
        version's answers, is forgotten after."""
        with self.lock:
            saved = self._texts.get(path, _UNSET)
            self._texts[path] = text
        try:
            yield
        finally:
            with self.lock:
                if saved is _UNSET:
                    self._texts.pop(path, None)
                else:
                    self._texts[path] = saved
                self.memo.clear()

    def source(self, path: Path) -> str | None:
        """The text of ``path`` (the open document's, else the disk's); None, logged once,
        for what cannot be analysed (binary, too large, unreadable)."""
        if path in self._texts:
            return self._texts[path]
        text = self.overlay(path)
        problem = None
        if text is None:
            try:
                if path.stat().st_size > 4 * MAX_SOURCE_CHARS:
                    raise ValueError("too large")
                data = path.read_bytes()
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                problem = "not UTF-8 text"
            except ValueError:
                problem = "too large"
            except OSError as exc:
                problem = f"unreadable ({exc.strerror or exc})"
        if text is not None and problem is None:
            if "\x00" in text:
                problem, text = "looks like a binary file", None
            elif len(text) > MAX_SOURCE_CHARS:
                problem, text = f"too large ({len(text) / 1e6:.1f} MB)", None
        if problem is not None:
            text = None
            if path not in self._reported and self.overlay(path) is None:  # open documents: the server says so
                self._reported.add(path)
                self.log(f"project: not indexing {path}: {problem}; the rest of the project is still analysed")
        self._texts[path] = text
        return text

    def preload(self, path: Path, text: str) -> None:
        """A text its caller has read already (a check reads every file it lints, before
        its pool forks): the project, and the workers that inherit it, do not read it again."""
        if path not in self._texts and len(text) <= MAX_SOURCE_CHARS and "\x00" not in text:
            self._texts[path] = text

    def files(self) -> list[Path]:
        if self._files is None:
            self._files = list(self.resolver.files(self.git_ignored))
        return self._files

    def git_ignored(self, folder: Path) -> frozenset[str]:
        """What git ignores in ``folder``: asked once per revision, for its ``.py`` files and
        its notebooks alike."""
        from torchwise.project.resolver import git_ignored

        return self.remembered(("git_ignored", folder), lambda: git_ignored(folder))

    # -- units ---------------------------------------------------------------------
    def unit(self, module: str) -> Unit | None:
        path = self.resolver.find(module)
        if path is None or path.is_dir():
            return None
        return self.unit_at(path, module)

    def unit_path(self, module: str) -> Path | None:
        """The file ``unit(module)`` analyses, where it gives one, without analysing it: for
        a question about where a module is, not what it holds (a parse costs more than the
        rest of most questions, and a check keeps few units)."""
        path = self.resolver.find(module)
        if path is None or path.is_dir() or self.source(path) is None:
            return None
        return path

    def unit_at(self, path: Path, module: str | None = None) -> Unit | None:
        from torchwise.project.inference import ProjectEnv

        text = self.source(path)
        if text is None:
            return None
        digest = digest_of(text)
        unit = self._units.get(path)
        if unit is None and self._adopted:
            unit = self._adopted.get(path)
            if unit is not None and unit.digest == digest:
                self.refresh(unit.analysis)
                return unit
        if unit is None or unit.digest != digest:
            module = module or self.resolver.module_of(path)
            analysis = build_analysis(text, str(path), env=ProjectEnv(self, module, path))
            unit = Unit(path, module, digest, analysis, self.revision)
            self._units[path] = unit
            if len(self._units) > self.max_units:
                self._units.popitem(last=False)
        else:
            self._units.move_to_end(path)
            self.refresh(unit.analysis)
        return unit

    def adopt(self, path: Path, text: str, analysis: Analysis) -> None:
        """An open document's analysis serves as its module's unit (no second parse)."""
        with self.lock:
            env = analysis.env
            unit = Unit(path, env.module if env else None, digest_of(text), analysis, self.revision)
            units, limit = self._units, self.max_units
            if self.max_adopted is not None and path not in units:
                units, limit = self._adopted, self.max_adopted
            units[path] = unit
            units.move_to_end(path)
            if len(units) > limit:  # bounded here too: a check adopts every file it lints
                units.popitem(last=False)
            self._texts[path] = text

    def refresh(self, analysis: Analysis) -> None:
        """Drop what an analysis inferred under an older revision (other modules changed)."""
        env = analysis.env
        if env is not None and env.revision != self.revision:
            analysis.forget_inferences()
            env.revision = self.revision

    def summary(self, path: Path) -> ModuleSummary | None:
        """The module's summary, computed once per content hash. The parse happens outside
        the lock (the background indexer must not hold requests up)."""
        with self.lock:
            text = self.source(path)
            if text is None:
                return None
            digest = digest_of(text)
            cached = self._summaries.get(path)
            if cached is not None and cached.digest == digest:
                return cached
            unit = self._units.get(path) or self._adopted.get(path)
            module = unit.module if unit is not None else self.resolver.module_of(path)
            tree = unit.analysis.tree if unit is not None and unit.digest == digest else None
        error = None
        if tree is None:
            tree, error = parse_for_summary(text, str(path))
            if error is not None:  # a module that does not parse: summarise what repairs save
                with self.lock:
                    unit = self.unit_at(path, module)
                if unit is not None:
                    tree = unit.analysis.tree
        summary = summarize(tree, text, module, str(path), digest, error)
        with self.lock:
            self._summaries[path] = summary
        return summary

    def has_unit(self, path: Path) -> bool:
        """Whether the module's analysis is at hand (asking for it parses nothing new)."""
        return path in self._units or path in self._adopted

    def may_call(self, path: Path, name: str) -> bool:
        """Whether the module at ``path`` may call ``name``: its summary if indexed, else its
        text's called names (``name(``), found once per revision (reading is cheap, parsing is
        not: a request never parses the workspace). A plain search for the name let through
        every module that only mentions it: EasyNLP's questions about ``train`` parsed 452
        modules, most of which never call a ``train``."""
        summary = self._summaries.get(path)
        if summary is not None:
            return name in summary.called

        def compute() -> frozenset[str]:
            text = self.source(path)
            return called_names(text) if text is not None else frozenset()

        return name in self.remembered(("called_names", path), compute)

    def env_for(self, path: Path):
        from torchwise.project.inference import ProjectEnv

        return ProjectEnv(self, self.resolver.module_of(path), path)

    def analysis_for(self, uri: str, text: str, adopt: bool = True) -> Analysis:
        """A fresh analysis of an open document, seeing the project (and, with ``adopt``,
        serving as its unit). The parse holds no lock: a large document analysed on a
        worker thread must not hold the requests of other documents up."""
        from torchwise.jedi_fallback import uri_to_path

        if not uri.startswith("file:"):
            return build_analysis(text, uri)
        path = Path(uri_to_path(uri))
        analysis = build_analysis(text, uri, env=self.env_for(path))  # construction asks env nothing
        if adopt:
            self.adopt(path, text, analysis)
        return analysis

    def adopt_document(self, uri: str, text: str, analysis: Analysis) -> None:
        """``adopt`` by uri, for an analysis built elsewhere (a worker thread) from ``text``."""
        from torchwise.jedi_fallback import uri_to_path

        if uri.startswith("file:") and analysis.env is not None:
            self.adopt(Path(uri_to_path(uri)), text, analysis)
