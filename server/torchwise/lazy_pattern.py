"""Regular expressions compiled on first use.

A ``torchwise check`` process imports every rule module, and compiling their
module-level patterns took about 4 % of a check of one large file, most of it for
patterns that file never asks (version pins, READMEs, notebooks' magics...).
``lazy(pattern, flags)`` stands in for ``re.compile(pattern, flags)``: the first use of
any attribute compiles it and copies the compiled pattern's methods onto the object, so
every later call costs what the compiled pattern's own does.
"""

from __future__ import annotations

import re

_COPIED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner",
           "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    """``re.compile(pattern, flags)``, compiled when first used."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.__dict__["_source"] = (pattern, flags)

    def __getattr__(self, name: str):
        # only reached while an attribute is missing: before the first use, or a name a
        # compiled pattern does not have either (then its AttributeError, as re's)
        compiled = re.compile(*self.__dict__["_source"])
        for attr in _COPIED:
            self.__dict__[attr] = getattr(compiled, attr)
        self.__dict__["compiled"] = compiled
        return self.__dict__[name] if name in self.__dict__ else getattr(compiled, name)

    def __repr__(self) -> str:
        pattern, flags = self.__dict__["_source"]
        return f"lazy({pattern!r}, {flags!r})"


def lazy(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
