"""``torchwise.records`` replaced dataclasses on ``torchwise check``'s import path (they
compile their methods at import): each record must still behave as the dataclass it was,
in construction, repr, equality, hashing, immutability, pickling and ``replace``."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from torchwise.knowledge import Entry, Shape
from torchwise.lint.base import Edit, Finding, Fix, Rule
from torchwise.lint.config import Config
from torchwise.lint.engine import LintSettings
from torchwise.lint.files import SourceFile
from torchwise.lint.pool import FileFix
from torchwise.project.model import Unit
from torchwise.project.summaries import ClassSummary, FunctionSummary, ModuleSummary
from torchwise.records import replace


def _check(ctx):  # a rule's check function (module level: picklable by name)
    return None


@dataclasses.dataclass(frozen=True)
class _Rule:  # lint.base.Rule as the dataclass it was
    code: str
    name: str
    group: str
    severity: str
    summary: str
    default: bool
    fix: str | None
    check: object = dataclasses.field(compare=False, repr=False)
    module_wide: bool = False
    runtime: bool = False


@dataclasses.dataclass(frozen=True)
class _Finding:
    rule: object
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    fix: object = None
    url: object = None


@dataclasses.dataclass
class _Config:
    path: object
    settings: object


def _twin(obj, twin_cls):
    return twin_cls(**{k: v for k, v in vars(obj).items()})


def _same(record, twin) -> None:
    assert repr(record).replace(type(record).__qualname__, "T", 1) == repr(twin).replace(
        type(twin).__qualname__, "T", 1)


def test_records_behave_as_the_dataclasses_they_replaced():
    rule = Rule("TW101", "missing-zero-grad", "training", "warning", "s", True, None, _check)
    other_check = Rule(**{**vars(rule), "check": print})
    assert rule == other_check and hash(rule) == hash(other_check)  # check: neither compared nor hashed
    twin = _twin(rule, _Rule)
    _same(rule, twin)
    assert hash(rule) == hash(twin)
    fix = Fix("safe", "m", (Edit(1, 0, 1, 3, "x"),))
    finding = Finding(rule, 1, 0, 1, 3, "message", fix)
    _same(finding, _twin(finding, _Finding))
    assert finding == Finding(rule, 1, 0, 1, 3, "message", fix) != Finding(rule, 1, 0, 1, 4, "message", fix)
    assert finding != _twin(finding, _Finding) and finding.__eq__(0) is NotImplemented
    assert Finding(rule, 1, 0, 1, 3, "message").fix is None
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'line'"):
        finding.line = 2
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'line'"):
        del finding.line
    with pytest.raises(TypeError):
        Finding(rule, 1, 0, 1, 3)
    assert pickle.loads(pickle.dumps(finding)) == finding
    moved = replace(finding, line=2)
    assert moved.line == 2 and moved.fix is fix and finding.line == 1
    config = Config(None, "settings")
    _same(config, _twin(config, _Config))
    assert config == Config(None, "settings") and Config.__hash__ is None  # mutable: unhashable, as before
    config.path = "pyproject.toml"
    assert config.path == "pyproject.toml"


def test_record_fields_are_those_of_the_init():
    """Every record's annotated fields, in order, are its ``__init__``'s parameters."""
    for cls in (Edit, Fix, Rule, Finding, Entry, Shape, Config, LintSettings, SourceFile, FileFix, Unit,
                FunctionSummary, ClassSummary, ModuleSummary):
        assert list(inspect.signature(cls.__init__).parameters)[1:] == list(cls.__annotations__), cls


def test_what_records_leave_out_of_repr_and_equality():
    summary = ModuleSummary("m", "m.py", 1, (), (), (FunctionSummary("f", 1, "(x)"),), "text")
    assert summary == ModuleSummary("m", "m.py", 1, (), (), (FunctionSummary("f", 1, "(y)"),), "other")
    assert "text" not in repr(summary) and "header" not in repr(summary.functions[0])
    assert summary._memo == {} and summary._memo is not ModuleSummary("m", "m.py", 1, (), (), (), "")._memo
    entry = Entry(("torch.f",), "function", "s", "https://x", source="a.toml")
    assert entry == Entry(("torch.f",), "function", "s", "https://x", source="b.toml")  # source: not compared
    assert "source='a.toml'" in repr(entry) and hash(entry) == hash(replace(entry, source="c.toml"))
    assert FileFix([], "").errors == [] and FileFix([], "").errors is not FileFix([], "").errors
    assert LintSettings().select == [] and LintSettings().select is not LintSettings().select
    assert repr(LintSettings(root="/p")).startswith("LintSettings(select=[], ignore=[], extend_select=[], ")


def test_a_record_takes_no_more_memory_than_plain_attributes():
    """A workspace holds hundreds of thousands of summaries: a record's ``__init__`` must
    keep the compact attribute layout (``self.__dict__.update`` gave each instance a dict
    of its own, 2.4x the memory, and the server grew by 15 MB)."""
    import tracemalloc

    class Plain:
        def __init__(self, name, line, header):
            self.name, self.line, self.header = name, line, header

    def bytes_for(make) -> int:
        tracemalloc.start()
        try:
            kept = [make(i) for i in range(2000)]
            return tracemalloc.get_traced_memory()[0] // len(kept)
        finally:
            tracemalloc.stop()

    plain = bytes_for(lambda i: Plain("f", i, None))
    for make in (lambda i: FunctionSummary("f", i, None), lambda i: Edit(i, 0, i, 1, "x"),
                 lambda i: Shape("x", "(N,)", "")):
        assert bytes_for(make) <= 1.3 * plain
