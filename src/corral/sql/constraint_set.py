"""``Table.constraints``: the table's constraints as a set (as SQLAlchemy's, so programs
can ``discard`` one), iterated in the order they were added so DDL stays stable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableSet
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corral.sql.schema import Constraint


class ConstraintSet(MutableSet["Constraint"]):
    """An insertion-ordered set of constraints."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Constraint] = ()) -> None:
        self._items: dict[Constraint, None] = dict.fromkeys(items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __iter__(self) -> Iterator[Constraint]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def add(self, value: Constraint) -> None:
        self._items[value] = None

    def discard(self, value: Constraint) -> None:
        self._items.pop(value, None)

    def append(self, value: Constraint) -> None:
        """The list-era spelling of ``add``, kept for corral code written against it."""
        self.add(value)

    def __repr__(self) -> str:
        return f"ConstraintSet({list(self._items)!r})"
