"""INSERT, UPDATE and DELETE statements."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from corral import exc
from corral.sql.conditions import _condition
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement
from corral.sql.execution_options import HasExecutionOptions
from corral.sql.from_clause import ColumnCollection, TableClause
from corral.sql.selectable import SelectBase, _column_or_from
from corral.sql.text import TextClause


def _check_table(table: object, statement: str) -> TableClause:
    if not isinstance(table, TableClause):
        target = getattr(table, "__table__", None)  # a mapped class
        if isinstance(target, TableClause):
            return target
        raise exc.ArgumentError(f"{statement}() takes a Table, got {type(table).__name__}")
    return table


class DMLStatement(ClauseElement, HasExecutionOptions):
    """What INSERT, UPDATE and DELETE share: a table, RETURNING and value binding."""

    kind = "dml"

    def __init__(self, table: TableClause, entity: Any = None) -> None:
        self.table = table
        #: The mapped class the statement was made from (``update(User)``), else None.
        self._entity = entity
        self._returning: list[ColumnElement[Any]] = []
        #: (mapped class, first, stop) for each class in returning(): its columns' positions.
        self._returning_entities: list[tuple[Any, int, int]] = []
        self._values: dict[str, BindParameter[Any] | ColumnElement[Any]] = {}

    def _clone(self) -> Any:
        clone = type(self).__new__(type(self))
        clone.__dict__ = {
            key: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
            for key, v in self.__dict__.items()
        }
        return clone

    def returning(self, *columns: Any) -> Any:
        clone = self._clone()
        for col in columns:
            entity = _column_or_from(col)
            if isinstance(entity, ColumnElement):
                clone._returning.append(entity)
            else:
                first = len(clone._returning)
                clone._returning.extend(entity.columns)
                if hasattr(col, "__mapper__"):
                    clone._returning_entities.append((col, first, len(clone._returning)))
        return clone

    def _value_element(self, key: str, value: object) -> BindParameter[Any] | ColumnElement[Any]:
        column = self.table.columns.get(key)
        if column is None:
            raise exc.NoSuchColumnError(
                f"{type(self).__name__.lower()}() on table {self.table.name!r} got a value for "
                f"{key!r}, which is not one of its columns: {', '.join(self.table.columns.keys())}"
            )
        if isinstance(value, ColumnElement):
            return value.__clause_element__()
        if isinstance(value, SelectBase):
            return value.scalar_subquery()
        if value is not None and not column.type.accepts(value):
            raise exc.ArgumentError(
                f"Bad value for {column.describe()}: {column.type.rejection(value)}"
            )
        return BindParameter(key, value, column.type, origin=column.describe())

    def _set_values(self, values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            self._values[key] = self._value_element(key, value)

    @property
    def exported_columns(self) -> ColumnCollection:
        collection = ColumnCollection("returning")
        for col in self._returning:
            collection.add(col.key or "", col)
        return collection

    def _base_key(self, binds: list[BindParameter[Any]]) -> tuple[Hashable, ...]:
        return (
            type(self).__name__,
            self.table._key(binds),
            tuple((k, v._key(binds)) for k, v in self._values.items()),
            tuple(r._key(binds) for r in self._returning),
        )


class Insert(DMLStatement):
    """``INSERT INTO table (columns) VALUES (...)``, many rows, or ``... SELECT``."""

    visit_name = "insert"

    def __init__(self, table: TableClause, entity: Any = None) -> None:
        super().__init__(table, entity)
        self._multi_values: list[dict[str, BindParameter[Any] | ColumnElement[Any]]] = []
        self._from_select: tuple[list[str], SelectBase] | None = None

    def values(self, *args: Any, **kwargs: Any) -> Insert:
        """Values for one row (a dict or keywords) or many rows (a list of dicts)."""
        clone: Insert = self._clone()
        if args and isinstance(args[0], list | tuple) and len(args) == 1:
            rows = args[0]
            if not rows or not all(isinstance(r, Mapping) for r in rows):
                raise exc.ArgumentError("insert().values([...]) takes a non-empty list of dicts")
            for row in rows:
                clone._multi_values.append({k: clone._value_element(k, v) for k, v in row.items()})
            return clone
        if args:
            if len(args) != 1 or not isinstance(args[0], Mapping):
                raise exc.ArgumentError(
                    "insert().values() takes one dict, a list of dicts or keywords"
                )
            clone._set_values(args[0])
        clone._set_values(kwargs)
        return clone

    def from_select(self, names: Sequence[str], select: SelectBase) -> Insert:
        """``INSERT INTO table (names) SELECT ...``."""
        clone: Insert = self._clone()
        for name in names:
            if name not in self.table.columns:
                raise exc.NoSuchColumnError(
                    f"from_select(): table {self.table.name!r} has no column {name!r}"
                )
        clone._from_select = (list(names), select)
        return clone

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        multi = tuple(
            tuple((k, v._key(binds)) for k, v in row.items()) for row in self._multi_values
        )
        from_select = (
            (tuple(self._from_select[0]), self._from_select[1]._key(binds))
            if self._from_select
            else None
        )
        return (*self._base_key(binds), multi, from_select)


class _FilteredDML(DMLStatement):
    def __init__(self, table: TableClause, entity: Any = None) -> None:
        super().__init__(table, entity)
        self._where: list[ColumnElement[Any]] = []

    def where(self, *conditions: ColumnElement[Any] | TextClause | bool) -> Any:
        clone = self._clone()
        clone._where.extend(_condition(c, "where()") for c in conditions)
        return clone

    filter = where

    def filter_by(self, **values: Any) -> Any:
        return self.where(*(self.table.columns[k] == v for k, v in values.items()))

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (*self._base_key(binds), tuple(w._key(binds) for w in self._where))


class Update(_FilteredDML):
    """``UPDATE table SET ... WHERE ...``."""

    visit_name = "update"

    def values(self, *args: Mapping[str, Any], **kwargs: Any) -> Update:
        clone: Update = self._clone()
        for mapping in args:
            clone._set_values(mapping)
        clone._set_values(kwargs)
        return clone


class Delete(_FilteredDML):
    """``DELETE FROM table WHERE ...``."""

    visit_name = "delete"


def _entity(table: Any) -> Any:
    """The mapped class a statement is made from, or None for a Table."""
    return table if hasattr(table, "__mapper__") else None


def insert(table: Any) -> Insert:
    return Insert(_check_table(table, "insert"), _entity(table))


def update(table: Any) -> Update:
    return Update(_check_table(table, "update"), _entity(table))


def delete(table: Any) -> Delete:
    return Delete(_check_table(table, "delete"), _entity(table))
