"""Test entity mixins with the names and meanings of ``sqlalchemy.testing.entities``.

``BasicEntity`` gives a keyword constructor and a repr of the public attributes set;
``ComparableEntity`` adds a "sparse" equality used to compare loaded objects with expected
ones written by hand: only the attributes the expected object has (and that are not None)
are compared.
"""

from __future__ import annotations

from typing import Any

from corral.orm.base import STATE_ATTR
from corral.orm.mapping.instance_state import InstanceState

_IN_REPR: set[int] = set()
_IN_EQ: set[int] = set()


def _public(obj: object) -> list[str]:
    return [key for key in obj.__dict__ if not key.startswith("_")]


class BasicEntity:
    """``Thing(a=1, b=2)`` sets those attributes; the repr lists the public ones set."""

    def __init__(self, **kw: Any) -> None:
        for key, value in kw.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        if id(self) in _IN_REPR:  # an object graph with cycles
            return object.__repr__(self)
        _IN_REPR.add(id(self))
        try:
            shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in sorted(_public(self)))
            return f"{type(self).__name__}({shown})"
        finally:
            _IN_REPR.discard(id(self))


def _persistent(obj: object) -> bool:
    state = obj.__dict__.get(STATE_ATTR)
    if not isinstance(state, InstanceState):
        return False
    return state.key is not None


class ComparableMixin:
    """Sparse, deep equality: objects of one class are equal when every public attribute of
    the one not yet persisted (the expected object) that is not None equals the other's;
    collections compare as lists (or as sets when unordered). Instances hash by their
    class (equal objects must hash alike, and the equality is loose)."""

    def __hash__(self) -> int:
        return hash(type(self))

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if type(other) is not type(self):
            return False
        if id(self) in _IN_EQ:  # already being compared further up: assume equal
            return True
        _IN_EQ.add(id(self))
        try:
            expected, actual = (other, self) if _persistent(self) else (self, other)
            return all(_attribute_matches(expected, actual, key) for key in _public(expected))
        finally:
            _IN_EQ.discard(id(self))


def _attribute_matches(expected: object, actual: object, key: str) -> bool:
    from corral import exc
    from corral.orm.relationships.write_only import WriteOnlyCollection

    value = getattr(expected, key)
    if isinstance(value, WriteOnlyCollection):
        return True
    try:
        found = getattr(actual, key)
    except (AttributeError, exc.UnboundExecutionError):
        return False
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        return value is None or bool(value == found)
    if hasattr(value, "__getitem__") and not hasattr(value, "keys"):
        return list(value) == list(found)
    return set(value) == set(found)


class ComparableEntity(ComparableMixin, BasicEntity):
    """``BasicEntity`` with the sparse equality."""


__all__ = ["BasicEntity", "ComparableEntity", "ComparableMixin"]
