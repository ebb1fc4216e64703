"""``Row``: a tuple with access by column name, and ``RowMapping``, its dict-like view.

Each distinct tuple of result keys gets one small ``Row`` subclass holding the
name-to-index map as class data, so a row costs no more than the tuple it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar, Generic, cast

from corral import exc
from corral.util.row_typing import TP_co

#: Sentinel index for a name shared by two columns (e.g. ``id`` in a join).
_AMBIGUOUS = -1
#: Tuple methods a column of the same name replaces, as in SQLAlchemy: ``row.count`` is
#: the column ``count`` when the row has one, else the sequence method.
_COLUMN_OVER_METHOD = frozenset({"count", "index"})


class Row(tuple[Any, ...], Generic[TP_co]):
    """A result row: a tuple with ``row.name``, ``row._mapping["name"]``, ``row._asdict()``."""

    __slots__ = ()

    _fields: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[Mapping[str, int]] = {}

    def __getattr__(self, name: str) -> Any:
        index = type(self)._index.get(name)
        if index is None:
            raise AttributeError(
                f"Row has no column {name!r}; its columns are {', '.join(self._fields) or 'none'}"
            )
        if index == _AMBIGUOUS:
            raise exc.InvalidRequestError(
                f"Column name {name!r} is ambiguous in this row (several columns share it); "
                "label the columns or use the index"
            )
        return self[index]

    @property
    def _mapping(self) -> RowMapping:
        """The row as a read-only mapping from column name to value."""
        return RowMapping(self)

    def _asdict(self) -> dict[str, Any]:
        """The row as a new dict from column name to value."""
        return dict(zip(self._fields, self, strict=False))

    def _tuple(self) -> TP_co:
        """The row as a plain tuple, typed as what the statement selects (``tuple[int, str]``
        for ``select(User.id, User.name)``): unpacking it gives typed values."""
        return cast("TP_co", tuple(self))

    @property
    def _t(self) -> TP_co:
        """The row as a plain tuple, typed (as ``_tuple()``)."""
        return cast("TP_co", tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_row, (self._fields, tuple(self)))


def _rebuild_row(fields: tuple[str, ...], values: tuple[Any, ...]) -> Row:
    return row_class(fields)(values)


class RowMapping(Mapping[str, Any]):
    """A read-only view of a row keyed by column name."""

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def __getitem__(self, key: str) -> Any:
        index = type(self._row)._index.get(key)
        if index is None:
            raise exc.NoSuchColumnError(
                f"Row has no column {key!r}; its columns are {', '.join(self._row._fields)}"
            )
        if index == _AMBIGUOUS:
            raise exc.InvalidRequestError(f"Column name {key!r} is ambiguous in this row")
        return self._row[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._row._fields)

    def __len__(self) -> int:
        return len(self._row)

    def __repr__(self) -> str:
        return repr(self._row._asdict())


@lru_cache(maxsize=512)
def row_class(fields: tuple[str, ...]) -> type[Row]:
    """The ``Row`` subclass for rows with these column names (one per distinct key tuple)."""
    index: dict[str, int] = {}
    for position, name in enumerate(fields):
        index[name] = _AMBIGUOUS if name in index else position
    namespace: dict[str, Any] = {"__slots__": (), "_fields": fields, "_index": index}
    for name, position in index.items():
        # Fast attribute access for plain names that shadow nothing a tuple or Row has.
        if position == _AMBIGUOUS or not name.isidentifier():
            continue
        if name in _COLUMN_OVER_METHOD or not hasattr(Row, name):
            namespace[name] = property(itemgetter(position))
    return type("Row", (Row,), namespace)


def make_row(fields: Sequence[str], values: Sequence[Any]) -> Row:
    """One row with these column names and values."""
    return row_class(tuple(fields))(values)
