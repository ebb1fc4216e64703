"""The views a result and a row mapping hand out for ``keys()``, ``values()`` and
``items()``, named and behaving as SQLAlchemy's (``RMKeyView``, ``ROMappingKeysValuesView``,
``ROMappingItemsView``).

They are sequences in disguise: iteration keeps the columns' order, ``==`` compares with
any iterable element by element (``result.keys() == ["id", "name"]``), and the repr names
the view (``RMKeyView(['id', 'name'])``), as a program written for SQLAlchemy prints and
tests them. None of them can be indexed: ``list(result.keys())[0]`` reads the first name.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corral.engine.row import Row


class _InOrder:  # noqa: PLW1641 (unhashable, as Python makes a class that defines __eq__)
    """What every view here shares: its items in order (``_items``), counted, iterated
    and compared with any iterable element by element (unhashable, as a list is)."""

    __slots__ = ()

    _items: Sequence[Any]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        return _same_sequence(self._items, other)

    def __ne__(self, other: object) -> bool:
        return not _same_sequence(self._items, other)


class RMKeyView(_InOrder, KeysView[Any]):
    """The column names of a result's rows, in order (``Result.keys()``).

    ``in`` finds a name, and also an object the statement selected
    (``users.c.id in result.keys()``); a position is never a key (``0 in keys`` is False).
    """

    __slots__ = ("_items", "_row_type")

    def __init__(self, row_type: type[Row]) -> None:
        self._row_type = row_type
        self._items = row_type._fields

    def __contains__(self, key: object) -> bool:
        if isinstance(key, int):
            return False
        row_type = self._row_type
        try:
            if key in row_type._index:
                return True
        except TypeError:  # unhashable: names no column
            return False
        objects = row_type._objects
        return (
            objects is not None
            and not isinstance(key, str)
            and objects.position_of(key) is not None
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._items)!r})"


class ROMappingView(_InOrder):
    """What the two row-mapping views share: the mapping they came from, for the repr."""

    __slots__ = ()

    _mapping: Mapping[Any, Any]

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._mapping)!r})"


class ROMappingKeysValuesView(ROMappingView, KeysView[Any], ValuesView[Any]):
    """A row mapping's values (``row._mapping.values()``), in the row's order."""

    __slots__ = ("_items",)

    def __init__(self, mapping: Mapping[Any, Any], items: Sequence[Any]) -> None:
        self._mapping = mapping
        self._items = items


class ROMappingItemsView(ROMappingView, ItemsView[Any, Any]):
    """A row mapping's ``(name, value)`` pairs (``row._mapping.items()``), in order."""

    __slots__ = ("_items",)

    def __init__(self, mapping: Mapping[Any, Any], items: Sequence[tuple[Any, Any]]) -> None:
        self._mapping = mapping
        self._items = items


def _same_sequence(items: Sequence[Any], other: Any) -> bool:
    """``view == other`` as the views define it: the same elements in the same order
    (False for something that cannot be iterated)."""
    try:
        others = list(other)
    except TypeError:
        return False
    return others == list(items)
