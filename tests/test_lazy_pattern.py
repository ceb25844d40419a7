"""``lazy`` patterns behave as ``re.compile``'s and compile only when first used."""

import re

import pytest

from torchwise.lazy_pattern import LazyPattern, lazy


def test_not_compiled_until_used(monkeypatch):
    compiled = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real(*a))
    pattern = lazy(r"(\w+)=(\d+)", re.I)
    assert compiled == []
    assert pattern.search("x A=1").groups() == ("A", "1")
    assert pattern.findall("a=1 b=2") == [("a", "1"), ("b", "2")]
    assert compiled == [(r"(\w+)=(\d+)", re.I)]  # once, whatever is asked after


@pytest.mark.parametrize("method, args", [
    ("search", ("ab12",)), ("match", ("12ab",)), ("fullmatch", ("123",)), ("findall", ("1 22 333",)),
    ("sub", ("#", "a1b22")), ("subn", ("#", "a1b22")), ("split", ("a1b22c",)),
])
def test_same_answers_as_compiled(method, args):
    eager, deferred = re.compile(r"\d+"), lazy(r"\d+")
    got, want = getattr(deferred, method)(*args), getattr(eager, method)(*args)
    if isinstance(want, re.Match):
        assert (got.span(), got.group()) == (want.span(), want.group())
    else:
        assert got == want
    assert [m.span() for m in lazy(r"\d+").finditer("a1b22")] == [(1, 2), (3, 5)]
    assert (deferred.pattern, deferred.flags, deferred.groups) == (eager.pattern, eager.flags, eager.groups)


def test_unknown_attribute_raises_as_a_pattern_does():
    pattern = lazy("x")
    with pytest.raises(AttributeError):
        pattern.no_such_method  # noqa: B018
    assert pattern.search("x")  # still usable
    assert isinstance(pattern, LazyPattern) and "lazy('x'" in repr(pattern)


def test_a_bad_pattern_fails_when_used():
    pattern = lazy("(")
    with pytest.raises(re.error):
        pattern.search("(")


def test_every_deferred_pattern_of_the_package_compiles():
    """A typo in a pattern would otherwise surface only on the input that first asks it."""
    import importlib
    import pkgutil

    import torchwise

    found = 0
    for info in pkgutil.walk_packages(torchwise.__path__, "torchwise."):
        if ".kernel" in info.name or info.name.endswith("__main__"):
            continue  # (the kernel side imports torch; __main__ runs the command line)
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            for item in (value.values() if isinstance(value, dict) else (value,)):
                if isinstance(item, LazyPattern):
                    found += 1
                    assert isinstance(item.compiled, re.Pattern)
    assert found >= 60
