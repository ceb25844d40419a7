"""The knowledge base's on-disk cache (start-up of ``torchwise check``): it must never
change what is loaded, and must follow edits of the TOML files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from torchwise import knowledge
from torchwise.knowledge import KnowledgeBase, load_cached
from torchwise.resources import cache_root, data_dir


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped entries, and a cache folder of its own (XDG_CACHE_HOME)."""
    monkeypatch.delenv("TORCHWISE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    target = tmp_path / "api"
    shutil.copytree(data_dir("knowledge") / "api", target)
    return target


def _same(a: KnowledgeBase, b: KnowledgeBase) -> bool:
    return a.entries == b.entries and [e.source for e in a.entries] == [e.source for e in b.entries]


def test_cached_load_equals_parsing_and_lands_under_xdg_cache_home(kb_dir: Path, tmp_path: Path):
    reference = KnowledgeBase.load(kb_dir, strict=False)
    first = load_cached(kb_dir)
    assert cache_root() == tmp_path / "xdg" / "torchwise"
    files = list(cache_root().glob("knowledge-*.marshal"))
    assert len(files) == 1
    second = load_cached(kb_dir)
    assert _same(first, reference) and _same(second, reference)
    assert len(second) == len(reference) > 200


def test_a_warm_cache_does_not_parse_toml(kb_dir: Path, monkeypatch: pytest.MonkeyPatch):
    expected = load_cached(kb_dir)

    def refuse(*args, **kwargs):
        raise AssertionError("parsed TOML although the cache is fresh")

    monkeypatch.setattr(knowledge.tomllib, "loads", refuse)
    assert _same(load_cached(kb_dir), expected)


def test_an_edited_file_invalidates_the_cache(kb_dir: Path):
    load_cached(kb_dir)
    path = kb_dir / "optim.toml" if (kb_dir / "optim.toml").exists() else sorted(kb_dir.glob("*.toml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n[[entry]]\nnames = ["torch.cache_test_name"]\nkind = "function"\n'
                    'summary = "Only in this test."\ndocs = "https://pytorch.org/docs/stable/"\n', encoding="utf-8")
    edited = load_cached(kb_dir)
    assert "torch.cache_test_name" in edited
    assert _same(edited, KnowledgeBase.load(kb_dir, strict=False))
    path.unlink()  # a removed file too
    assert _same(load_cached(kb_dir), KnowledgeBase.load(kb_dir, strict=False))


def test_a_corrupt_cache_is_ignored_and_rewritten(kb_dir: Path):
    load_cached(kb_dir)
    (cache_file,) = cache_root().glob("knowledge-*.marshal")
    for garbage in (b"", b"\x00garbage", cache_file.read_bytes()[:1000]):
        cache_file.write_bytes(garbage)
        assert _same(load_cached(kb_dir), KnowledgeBase.load(kb_dir, strict=False))
        assert cache_file.read_bytes() not in (b"", b"\x00garbage") and len(cache_file.read_bytes()) > 1000


def test_an_unwritable_cache_folder_still_loads(kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("TORCHWISE_CACHE_DIR", str(blocker / "torchwise"))
    assert _same(load_cached(kb_dir), KnowledgeBase.load(kb_dir, strict=False))
    assert blocker.read_text(encoding="utf-8") == "a file where the cache folder would be"


def test_the_default_knowledge_is_the_cached_load():
    assert _same(knowledge.default_knowledge(), KnowledgeBase.load(strict=False))


def test_cached_entries_are_built_on_demand_and_answer_like_the_parsed_ones(kb_dir: Path):
    """The cache's knowledge base builds an entry when it is first asked for: every
    name, membership test and look-up answers as the parsed knowledge base does."""
    reference = KnowledgeBase.load(kb_dir, strict=False)
    load_cached(kb_dir)  # writes the cache
    cached = load_cached(kb_dir)
    name = reference.names()[0]
    assert cached.get(name) == reference.get(name)
    assert cached.get(name) is cached.get(name)  # built once, then kept
    assert cached.names() == reference.names()
    assert all(cached.get(n) == reference.get(n) and n in cached for n in reference.names())
    assert cached.get("torch.no_such_name") is None and "torch.no_such_name" not in cached
    assert _same(cached, reference)
