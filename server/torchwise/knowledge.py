"""The curated PyTorch knowledge base: loading, validation and lookup.

Entries live in ``knowledge/api/*.toml`` as ``[[entry]]`` tables; see
``knowledge/README.md`` for the format. Loading is pure stdlib (tomllib) so the
server stays light and never touches torch.
"""

from __future__ import annotations

import marshal
import os
import sys
from functools import lru_cache
from pathlib import Path

from torchwise.records import record, setfield
from torchwise.resources import data_dir


def _toml():
    """tomllib, imported on first use: the knowledge base usually comes from its cache."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib


def __getattr__(name: str):  # ``knowledge.tomllib``, as before the import became lazy
    if name == "tomllib":
        return _toml()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


KINDS = ("module", "class", "function", "method", "attribute", "property", "constant")

# field name -> (type, required)
SCHEMA: dict[str, tuple[type, bool]] = {
    "names": (list, True),
    "kind": (str, True),
    "summary": (str, True),
    "signature": (str, False),
    "shapes": (list, False),
    "pitfalls": (list, False),
    "example": (str, False),
    "runnable": (bool, False),
    "related": (list, False),
    "docs": (str, True),
    "rules": (list, False),
    "bases": (list, False),
    "returns": (str, False),
    "requires": (list, False),
}
SHAPE_KEYS = {"name", "shape", "note"}


@record(frozen=True)
class Shape:
    name: str
    shape: str
    note: str = ""

    def __init__(self, name: str, shape: str, note: str = "") -> None:
        setfield(self, "name", name)
        setfield(self, "shape", shape)
        setfield(self, "note", note)


@record(frozen=True, uncompared=("source",))
class Entry:
    names: tuple[str, ...]
    kind: str
    summary: str
    docs: str
    signature: str = ""
    shapes: tuple[Shape, ...] = ()
    pitfalls: tuple[str, ...] = ()
    example: str = ""
    runnable: bool = False
    related: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    # For classes: qualified names of base classes (drives inherited-method lookup).
    bases: tuple[str, ...] = ()
    # For functions/methods: qualified type name of the returned value ("self" for
    # methods returning their receiver), used by the static inference.
    returns: str = ""
    # Extra requirements of the example ("torchvision", "cuda", "distributed").
    requires: tuple[str, ...] = ()
    source: str = ""

    def __init__(self, names: tuple[str, ...], kind: str, summary: str, docs: str, signature: str = "",
                 shapes: tuple[Shape, ...] = (), pitfalls: tuple[str, ...] = (), example: str = "",
                 runnable: bool = False, related: tuple[str, ...] = (), rules: tuple[str, ...] = (),
                 bases: tuple[str, ...] = (), returns: str = "", requires: tuple[str, ...] = (),
                 source: str = "") -> None:
        setfield(self, "names", names)
        setfield(self, "kind", kind)
        setfield(self, "summary", summary)
        setfield(self, "docs", docs)
        setfield(self, "signature", signature)
        setfield(self, "shapes", shapes)
        setfield(self, "pitfalls", pitfalls)
        setfield(self, "example", example)
        setfield(self, "runnable", runnable)
        setfield(self, "related", related)
        setfield(self, "rules", rules)
        setfield(self, "bases", bases)
        setfield(self, "returns", returns)
        setfield(self, "requires", requires)
        setfield(self, "source", source)

    @property
    def name(self) -> str:
        return self.names[0]


class KnowledgeError(ValueError):
    """A knowledge file does not follow the schema."""


def validate_entry(raw: dict, where: str) -> list[str]:
    """Return a list of problems with one raw ``[[entry]]`` table (empty when valid)."""
    problems: list[str] = []
    for key in raw:
        if key not in SCHEMA:
            problems.append(f"{where}: unknown field {key!r}")
    for key, (typ, required) in SCHEMA.items():
        if key not in raw:
            if required:
                problems.append(f"{where}: missing required field {key!r}")
            continue
        if not isinstance(raw[key], typ):
            problems.append(f"{where}: field {key!r} must be {typ.__name__}")
    if problems:
        return problems
    if not raw["names"] or not all(isinstance(n, str) and n for n in raw["names"]):
        problems.append(f"{where}: 'names' must be a non-empty list of strings")
    if raw["kind"] not in KINDS:
        problems.append(f"{where}: kind {raw['kind']!r} not one of {KINDS}")
    if not raw["summary"].strip() or "\n" in raw["summary"].strip():
        problems.append(f"{where}: 'summary' must be one non-empty line")
    if not raw["docs"].startswith("https://"):
        problems.append(f"{where}: 'docs' must be an https URL")
    for key in ("pitfalls", "related", "rules", "bases", "requires"):
        if not all(isinstance(x, str) and x.strip() for x in raw.get(key, [])):
            problems.append(f"{where}: {key!r} must be a list of non-empty strings")
    for shape in raw.get("shapes", []):
        if not isinstance(shape, dict) or not {"name", "shape"} <= set(shape) or set(shape) - SHAPE_KEYS:
            problems.append(f"{where}: each shape needs 'name' and 'shape' (and optional 'note')")
    if raw.get("runnable") and not raw.get("example", "").strip():
        problems.append(f"{where}: runnable entry without an example")
    return problems


def _entry_from_raw(raw: dict, source: str) -> Entry:
    return Entry(
        names=tuple(raw["names"]),
        kind=raw["kind"],
        summary=raw["summary"].strip(),
        docs=raw["docs"],
        signature=raw.get("signature", "").strip(),
        shapes=tuple(Shape(s["name"], s["shape"], s.get("note", "")) for s in raw.get("shapes", [])),
        pitfalls=tuple(p.strip() for p in raw.get("pitfalls", [])),
        example=raw.get("example", "").strip("\n"),
        runnable=raw.get("runnable", False),
        related=tuple(raw.get("related", [])),
        rules=tuple(raw.get("rules", [])),
        bases=tuple(raw.get("bases", [])),
        returns=raw.get("returns", ""),
        requires=tuple(raw.get("requires", [])),
        source=source,
    )


class KnowledgeBase:
    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self._by_name: dict[str, Entry] = {}
        for entry in entries:
            for name in entry.names:
                self._by_name.setdefault(name, entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Entry | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return list(self._by_name)

    @classmethod
    def load(cls, directory: Path | None = None, *, strict: bool = True) -> "KnowledgeBase":
        tomllib = _toml()
        directory = directory or data_dir("knowledge") / "api"
        entries: list[Entry] = []
        problems: list[str] = []
        for path in sorted(directory.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                problems.append(f"{path.name}: {exc}")
                continue
            for i, raw in enumerate(data.get("entry", [])):
                where = f"{path.name} entry #{i + 1} ({(raw.get('names') or ['?'])[0]})"
                errs = validate_entry(raw, where)
                if errs:
                    problems.extend(errs)
                    continue
                entries.append(_entry_from_raw(raw, path.name))
        if problems and strict:
            raise KnowledgeError("\n".join(problems))
        return cls(entries)


class _RowsKnowledgeBase(KnowledgeBase):
    """The cached knowledge base: an entry is built from its row when first asked for
    (a check asks for a few dozen of ~800; building them all was ~20 ms of its start-up).
    A row's raw table stays marshalled bytes until then (unmarshalling every table was
    ~10 ms more), and the name index comes from the cache as it is."""

    def __init__(self, rows: list[tuple[str, bytes]], index: dict[str, int]):  # not super().__init__
        self._rows = rows
        self._built: list[Entry | None] = [None] * len(rows)
        self._index = index

    def _at(self, i: int) -> Entry:
        entry = self._built[i]
        if entry is None:  # two threads may both build it: equal entries, either is kept
            source, raw = self._rows[i]
            entry = self._built[i] = _entry_from_raw(marshal.loads(raw), source)
        return entry

    @property
    def entries(self) -> list[Entry]:  # type: ignore[override]
        return [self._at(i) for i in range(len(self._rows))]

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, name: str) -> bool:
        return name in self._index

    def get(self, name: str) -> Entry | None:
        i = self._index.get(name)
        return None if i is None else self._at(i)

    def names(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """The shipped knowledge base, loaded once; invalid entries are skipped (tests catch them)."""
    return load_cached()


# ---------------------------------------------------------------- cache
# Parsing the TOML files is most of a short ``torchwise check`` run's start-up: the valid
# entries' raw tables are kept in a marshal file (plain data only: loading it runs no
# code), keyed by each file's name, size and mtime and by this module's own. Each table
# is stored as its own marshal bytes, beside the name -> row index (see _RowsKnowledgeBase).
CACHE_FORMAT = 2


def _cache_key(directory: Path) -> tuple | None:
    try:
        files = sorted(directory.glob("*.toml"))
        stats = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        own = Path(__file__).stat()
    except OSError:
        return None
    return (CACHE_FORMAT, tuple(sys.version_info[:2]), str(directory), own.st_mtime_ns, own.st_size, stats)


def _cache_file(directory: Path) -> Path:
    import zlib  # (hashlib's import costs more than this whole lookup)

    from torchwise.resources import cache_root

    digest = f"{zlib.crc32(str(directory).encode('utf-8', 'surrogatepass')):08x}"
    return cache_root() / f"knowledge-{digest}-{CACHE_FORMAT}.marshal"  # formats side by side


def load_cached(directory: Path | None = None) -> KnowledgeBase:
    """``KnowledgeBase.load(directory, strict=False)``, through the on-disk cache: a
    missing, stale, unreadable or corrupt cache means parsing the files (and rewriting
    it when the cache folder is writable); it never changes the result."""
    directory = directory or data_dir("knowledge") / "api"
    key = _cache_key(directory)
    if key is None:
        return KnowledgeBase.load(directory, strict=False)
    path = _cache_file(directory)
    try:
        stored_key, rows, index = marshal.loads(path.read_bytes())
        if stored_key == key:
            return _RowsKnowledgeBase(rows, index)
    except Exception:  # missing, truncated or from another format: parse the files
        pass
    rows = [(source, marshal.dumps(raw)) for source, raw in _valid_rows(directory)]
    index: dict[str, int] = {}
    for i, (_, raw) in enumerate(rows):
        for name in marshal.loads(raw)["names"]:
            index.setdefault(name, i)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps((key, rows, index)))
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except (OSError, ValueError):
        pass  # a read-only home: no cache, same answer
    return _RowsKnowledgeBase(rows, index)


def _valid_rows(directory: Path) -> list[tuple[str, dict]]:
    """(file name, raw table) of every valid entry, in ``KnowledgeBase.load``'s order."""
    tomllib = _toml()
    rows: list[tuple[str, dict]] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            continue
        for i, raw in enumerate(data.get("entry", [])):
            if not validate_entry(raw, f"{path.name} entry #{i + 1}"):
                rows.append((path.name, raw))
    return rows
