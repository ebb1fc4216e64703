"""``IdentitySet``: what ``Session.new`` / ``dirty`` / ``deleted`` return."""

from __future__ import annotations

from typing import Any


class IdentitySet(list[Any]):
    """Objects compared by identity, in the order they were recorded.

    A list (so ``len()``, iteration, ``in`` and ``==`` with a list work) shown as
    SQLAlchemy shows its identity sets, which programs print.
    """

    __slots__ = ()

    def __contains__(self, obj: object) -> bool:
        return any(item is obj for item in self)

    def __repr__(self) -> str:
        return f"IdentitySet({list(self)!r})"
