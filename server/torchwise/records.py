"""Plain-data classes with ``@dataclass``'s behaviour, made without compiling anything.

``dataclasses`` writes each class's ``__init__``, ``__repr__``, ``__eq__`` (and, frozen,
``__hash__``, ``__setattr__``, ``__delattr__``) as source and compiles it when the module
is imported: about a millisecond a class, a third of ``torchwise check``'s imports. A
record writes its own ``__init__`` (a frozen one stores with ``setfield``, as dataclasses do);
``record`` adds the rest, with the same results as the dataclass it replaces.
"""

from __future__ import annotations

from operator import attrgetter
from reprlib import recursive_repr


# A frozen record's ``__init__`` stores each field with this, as a frozen dataclass does.
# Not ``self.__dict__.update(...)``: asking for ``__dict__`` gives each instance a dict
# of its own, 2.4x the memory of the compact layout attribute stores keep (the summaries
# of a 500,000-line workspace grew the server by 15 MB).
setfield = object.__setattr__


def record(*, frozen: bool = False, unshown: tuple[str, ...] = (), uncompared: tuple[str, ...] = ()):
    """``@dataclass(frozen=frozen)`` minus ``__init__``, over the annotated fields in order;
    ``unshown`` fields are left out of the repr, ``uncompared`` ones out of ``==`` and
    ``hash`` (``field(repr=False)``, ``field(compare=False)``)."""

    def decorate(cls):
        names = tuple(cls.__annotations__)
        shown = tuple(n for n in names if n not in unshown)
        compared = tuple(n for n in names if n not in uncompared)
        if len(compared) > 1:
            key = attrgetter(*compared)
        else:  # a tuple always, as the dataclass compares: (x,) == (x,) even for NaN
            key = (lambda self, name=compared[0]: (getattr(self, name),)) if compared else (lambda self: ())

        def __eq__(self, other):
            if other.__class__ is self.__class__:
                return key(self) == key(other)
            return NotImplemented

        @recursive_repr()
        def __repr__(self):
            return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

        cls.__eq__, cls.__repr__, cls.__match_args__ = __eq__, __repr__, names
        if not frozen:
            cls.__hash__ = None  # mutable and compared by value: unhashable, as a dataclass
            return cls
        fields = frozenset(names)

        def __setattr__(self, name, value):
            if type(self) is cls or name in fields:
                from dataclasses import FrozenInstanceError

                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in fields:
                from dataclasses import FrozenInstanceError

                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        cls.__hash__ = lambda self: hash(key(self))
        cls.__setattr__, cls.__delattr__ = __setattr__, __delattr__
        return cls

    return decorate


def replace(obj, **changes):
    """A copy of a record with some fields changed (``dataclasses.replace``)."""
    return type(obj)(**{**vars(obj), **changes})
