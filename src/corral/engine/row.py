"""``Row``: a tuple with access by column name, and ``RowMapping``, its dict-like view.

Each distinct tuple of result keys gets one small ``Row`` subclass holding the
name-to-index map as class data, so a row costs no more than the tuple it is. A
compiled statement's rows get a subclass of that one which also knows the objects the
statement selected (``row._mapping[users.c.id]``); names are looked up first, objects
only when no name matches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, ClassVar, Generic, cast

from corral import exc
from corral.engine.key_views import (
    RMKeyView,
    ROMappingItemsView,
    ROMappingKeysValuesView,
    ROMappingView,  # noqa: F401 (SQLAlchemy's module path for it)
)
from corral.sql.compiler.result_objects import AMBIGUOUS, ResultObjects, describe_key
from corral.util.row_typing import TP_co

#: Sentinel index for a name shared by two columns (e.g. ``id`` in a join).
_AMBIGUOUS = AMBIGUOUS
#: Tuple methods a column of the same name replaces, as in SQLAlchemy: ``row.count`` is
#: the column ``count`` when the row has one, else the sequence method.
_COLUMN_OVER_METHOD = frozenset({"count", "index"})


class Row(tuple[Any, ...], Generic[TP_co]):
    """A result row: a tuple with ``row.name``, ``row._mapping["name"]``, ``row._asdict()``."""

    __slots__ = ()

    _fields: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[Mapping[str, int]] = {}
    #: The objects the statement selected, for lookups by object; None when unknown.
    _objects: ClassVar[ResultObjects | None] = None

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


class RowMapping(Mapping[Any, Any]):
    """A read-only view of a row keyed by column name, and by the column objects (table
    columns, labels, expressions, ORM attributes and entities) the statement selected."""

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def __getitem__(self, key: Any) -> Any:
        row = self._row
        index = type(row)._index.get(key)
        if index is None:
            index = _object_position(row, key)
        if index == _AMBIGUOUS:
            raise exc.InvalidRequestError(
                f"Ambiguous column name {_named(key)} in this row (several columns share "
                "it); label the columns, or look the value up by its column object or index"
            )
        return row[index]

    def __contains__(self, key: object) -> bool:
        row = self._row
        try:
            if key in type(row)._index:
                return True
        except TypeError:  # unhashable: names no column
            return False
        objects = type(row)._objects
        return objects is not None and objects.position_of(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._row._fields)

    def __len__(self) -> int:
        return len(self._row)

    def __repr__(self) -> str:
        return repr(self._row._asdict())

    def keys(self) -> RMKeyView:
        """The column names, in order (SQLAlchemy's ``RMKeyView``)."""
        return RMKeyView(type(self._row))

    def values(self) -> ROMappingKeysValuesView:
        """The values, in the row's order."""
        return ROMappingKeysValuesView(self, tuple(self._row))

    def items(self) -> ROMappingItemsView:
        """The ``(name, value)`` pairs, in the row's order."""
        row = self._row
        return ROMappingItemsView(self, tuple(zip(row._fields, row, strict=False)))


def _named(key: object) -> str:
    """A key as a message names it: a name quoted, an object described."""
    return repr(key) if isinstance(key, str) else describe_key(key)


def _object_position(row: Row, key: object) -> int:
    """The position of the column the object ``key`` names; NoSuchColumnError when none."""
    objects = type(row)._objects
    position = None if objects is None or isinstance(key, str) else objects.position_of(key)
    if position is None:
        raise exc.NoSuchColumnError(
            f"Row has no column {_named(key)}; its columns are {', '.join(row._fields) or 'none'}"
        )
    return position


@lru_cache(maxsize=512)
def row_class(fields: tuple[str, ...]) -> type[Row]:
    """The ``Row`` subclass for rows with these column names (one per distinct key tuple)."""
    return type("Row", (Row,), _row_namespace(fields))


def _row_namespace(fields: tuple[str, ...]) -> dict[str, Any]:
    """The class data of a ``Row`` subclass for these names: the name-to-index map and a
    fast property per plain name."""
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
    return namespace


def keyed_row_class(fields: tuple[str, ...], columns: tuple[Any, ...]) -> type[Row]:
    """The ``Row`` subclass for rows with these names that are also looked up by the
    objects selected at each position (results the ORM builds; cached by both)."""
    try:
        return _keyed_row_class(fields, columns)
    except TypeError:  # an unhashable object selected: a class of its own, not kept
        return objects_row_class(fields, ResultObjects(columns))


@lru_cache(maxsize=512)
def _keyed_row_class(fields: tuple[str, ...], columns: tuple[Any, ...]) -> type[Row]:
    return objects_row_class(fields, ResultObjects(columns))


def statement_row_class(fields: tuple[str, ...], objects: ResultObjects | None) -> type[Row]:
    """The ``Row`` class of a compiled statement's rows (``objects``: what it selected),
    made at its first execution and kept with the compiled statement."""
    if objects is None:
        return row_class(fields)
    made: type[Row] | None = objects.row_type
    if made is None:
        made = objects.row_type = objects_row_class(fields, objects)
    return made


def objects_row_class(fields: tuple[str, ...], objects: ResultObjects) -> type[Row]:
    """A ``Row`` subclass for rows with these names, looked up by ``objects`` too."""
    # A direct subclass of Row, as row_class(fields) is: one more class level would cost
    # every row a step more when it is freed.
    namespace = _row_namespace(fields)
    namespace["_objects"] = objects
    return type("Row", (Row,), namespace)


def make_row(fields: Sequence[str], values: Sequence[Any]) -> Row:
    """One row with these column names and values."""
    return row_class(tuple(fields))(values)
