"""What an INSERT does with a row that collides with an existing key (an "upsert").

The dialect folders give these clauses their SQLAlchemy names:
``corral.dialects.postgresql.insert(t).on_conflict_do_nothing()`` /
``.on_conflict_do_update()`` (also SQLite's), and
``corral.dialects.mysql.insert(t).on_duplicate_key_update()``. The clauses here
only record what was asked; each is spelled by the compiler of the dialect it
was made for, and ``compile_insert`` refuses it on any other dialect.
``ProposedRow`` is ``stmt.excluded`` (PostgreSQL, SQLite) and ``stmt.inserted``
(MySQL): the row the INSERT proposed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Self

from corral import exc
from corral.sql import dml
from corral.sql.columns import NamedColumn
from corral.sql.conditions import _condition
from corral.sql.dialect_options import option_value
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement

if TYPE_CHECKING:
    from corral.sql.dml import Insert
    from corral.sql.from_clause import TableClause

#: The module a user imports each dialect's ``insert()`` from, for messages.
INSERT_MODULES = {
    "postgresql": "corral.dialects.postgresql",
    "sqlite": "corral.dialects.sqlite",
    "mysql": "corral.dialects.mysql",
}


class ProposedColumn(ColumnElement[Any]):
    """A column of the row an INSERT proposed: ``excluded.x`` / MySQL's ``VALUES(x)``."""

    visit_name = "proposed_column"

    def __init__(self, column: NamedColumn[Any], row_name: str) -> None:
        self.column = column
        self.key = column.key
        self.type = column.type
        self.row_name = row_name

    def describe(self) -> str:
        return f"{self.row_name}.{self.column.name}"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("proposed", self.row_name, self.column._key(binds))


class ProposedRow:
    """``stmt.excluded`` / ``stmt.inserted``: the table's columns as the proposed row's."""

    def __init__(self, table: TableClause, row_name: str) -> None:
        self._table = table
        self._row_name = row_name
        self._columns = {
            key: ProposedColumn(column, row_name)
            for key, column in table.columns.items()
            if isinstance(column, NamedColumn)
        }

    def __getitem__(self, key: str) -> ProposedColumn:
        column = self._columns.get(key)
        if column is None:
            raise KeyError(
                f"{self._row_name}[{key!r}]: table {self._table.name!r} has no column {key!r}; "
                f"its columns are {', '.join(self._columns)}"
            )
        return column

    def __getattr__(self, key: str) -> ProposedColumn:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as error:
            raise AttributeError(error.args[0]) from None

    def __iter__(self) -> Iterator[ProposedColumn]:
        return iter(self._columns.values())

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, key: object) -> bool:
        return key in self._columns

    def keys(self) -> list[str]:
        return list(self._columns)

    @property
    def c(self) -> ProposedRow:
        return self


def _target_key(insert: Insert, key: object, where: str) -> str:
    """The table's key for a column named in ``set_`` / ``on_duplicate_key_update``: a
    column key, an attribute name of the mapped class, a Column or a mapped attribute."""
    table = insert.table
    if isinstance(key, str):
        if key in table.columns:
            return key
        entity = insert._entity
        by_attribute = getattr(getattr(entity, "__mapper__", None), "columns_by_key", {})
        column = by_attribute.get(key)
        if column is not None and column.key in table.columns:
            return str(column.key)
        raise exc.NoSuchColumnError(
            f"{where} names {key!r}, which is not a column of table {table.name!r}; its "
            f"columns are {', '.join(table.columns.keys())}"
        )
    return insert._column_key(key)


def assignments(
    insert: Insert, values: Mapping[Any, Any], where: str
) -> dict[str, ColumnElement[Any]]:
    """The SET list of an upsert by column key: plain values become typed parameters."""
    out: dict[str, ColumnElement[Any]] = {}
    for given, value in values.items():
        key = _target_key(insert, given, where)
        column = insert.table.columns[key]
        if isinstance(value, ColumnElement):
            out[key] = value.__clause_element__()
        elif isinstance(value, ClauseElement) and hasattr(value, "scalar_subquery"):
            out[key] = value.scalar_subquery()
        else:
            if value is not None and not column.type.accepts(value):
                raise exc.ArgumentError(
                    f"Bad value for {column.describe()} in {where}: {column.type.rejection(value)}"
                )
            out[key] = BindParameter(None, value, column.type, origin=column.describe())
    return out


class UpsertClause(ClauseElement):
    """What the INSERT does on a key collision; made for one dialect (``dialect_name``)."""

    #: The dialect whose compiler spells the clause (``Dialect.name``).
    dialect_name: str = ""
    #: The method that made it, for messages: ``on_conflict_do_update()``.
    method = ""


class OnConflictClause(UpsertClause):
    """``ON CONFLICT [target] DO ...`` (PostgreSQL, SQLite)."""

    def __init__(
        self,
        insert: Insert,
        index_elements: Any,
        index_where: Any,
        constraint: Any,
    ) -> None:
        if constraint is not None and index_elements is not None:
            raise exc.ArgumentError(
                f"{self.method} takes constraint= or index_elements=, not both: the "
                "constraint already names the columns"
            )
        self.constraint_name: str | None = None
        self.index_elements: list[ColumnElement[Any] | str] | None = None
        self.index_where: ColumnElement[Any] | None = None
        if constraint is not None:
            if isinstance(constraint, str):
                self.constraint_name = constraint
            else:
                name = getattr(constraint, "name", None)
                columns = getattr(constraint, "columns", None)
                if name:
                    self.constraint_name = name
                elif columns is not None:  # an unnamed constraint or index: its columns
                    index_elements = list(columns)
                    options = getattr(constraint, "dialect_options", None)
                    if options is not None and index_where is None:
                        index_where = option_value(options, ("postgresql",), "where")
                else:
                    raise exc.ArgumentError(
                        f"{self.method}(constraint=...) takes a constraint name, an Index or a "
                        f"UniqueConstraint / PrimaryKeyConstraint, got {constraint!r}"
                    )
        if index_elements is not None:
            if isinstance(index_elements, str) or not hasattr(index_elements, "__iter__"):
                raise exc.ArgumentError(
                    f"{self.method}(index_elements=...) takes a list of columns or column "
                    f"names, got {index_elements!r}"
                )
            elements: list[ColumnElement[Any] | str] = []
            for element in index_elements:
                if isinstance(element, str):
                    column = insert.table.columns[_target_key(insert, element, self.method)]
                    elements.append(column.name if isinstance(column, NamedColumn) else element)
                elif isinstance(element, ColumnElement):
                    elements.append(element.__clause_element__())
                else:
                    raise exc.ArgumentError(
                        f"{self.method}(index_elements=...) takes columns, attributes or column "
                        f"names, got {element!r}"
                    )
            if not elements:
                raise exc.ArgumentError(f"{self.method}(index_elements=[]) names no column")
            self.index_elements = elements
        if index_where is not None:
            if self.index_elements is None:
                raise exc.ArgumentError(
                    f"{self.method}(index_where=...) qualifies index_elements=, which is not given"
                )
            self.index_where = _condition(index_where, f"{self.method}(index_where=...)")

    def _target_key(self, binds: list[BindParameter[Any]]) -> Hashable:
        elements = (
            tuple(e if isinstance(e, str) else e._key(binds) for e in self.index_elements)
            if self.index_elements is not None
            else None
        )
        where = self.index_where._key(binds) if self.index_where is not None else None
        return (self.dialect_name, self.constraint_name, elements, where)


class OnConflictDoNothing(OnConflictClause):
    """``ON CONFLICT [target] DO NOTHING``."""

    visit_name = "on_conflict_do_nothing"
    method = "on_conflict_do_nothing()"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("do_nothing", self._target_key(binds))


class OnConflictDoUpdate(OnConflictClause):
    """``ON CONFLICT target DO UPDATE SET ... [WHERE ...]``."""

    visit_name = "on_conflict_do_update"
    method = "on_conflict_do_update()"

    def __init__(
        self,
        insert: Insert,
        index_elements: Any,
        index_where: Any,
        constraint: Any,
        set_: Any,
        where: Any,
        target_required: bool,
    ) -> None:
        super().__init__(insert, index_elements, index_where, constraint)
        if target_required and self.index_elements is None and self.constraint_name is None:
            raise exc.ArgumentError(
                "on_conflict_do_update() needs the key it resolves: give index_elements= "
                "(the columns of a unique index) or constraint= (its name)"
            )
        if isinstance(set_, ProposedRow):  # stmt.excluded: every column to its proposed value
            pairs: dict[Any, Any] = {column.key: column for column in set_}
        elif isinstance(set_, Mapping):
            pairs = dict(set_)
        else:
            raise exc.ArgumentError(
                "on_conflict_do_update(set_=...) takes a dict of columns (or column names) to "
                f"new values, got {type(set_).__name__}"
            )
        if not pairs:
            raise exc.ArgumentError(
                "on_conflict_do_update(set_={}) sets nothing; give the columns to update, "
                "or use on_conflict_do_nothing()"
            )
        self.set_ = assignments(insert, pairs, "on_conflict_do_update(set_=...)")
        self.where = (
            _condition(where, "on_conflict_do_update(where=...)") if where is not None else None
        )

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "do_update",
            self._target_key(binds),
            tuple((k, v._key(binds)) for k, v in self.set_.items()),
            self.where._key(binds) if self.where is not None else None,
        )


class OnDuplicateClause(UpsertClause):
    """``ON DUPLICATE KEY UPDATE ...`` (MySQL, MariaDB)."""

    visit_name = "on_duplicate_key_update"
    method = "on_duplicate_key_update()"
    dialect_name = "mysql"

    def __init__(self, insert: Insert, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        if args and kwargs:
            raise exc.ArgumentError(
                "on_duplicate_key_update() takes either a dict (or a list of (column, value) "
                "pairs) or keyword arguments, not both"
            )
        if len(args) > 1:
            raise exc.ArgumentError(
                "on_duplicate_key_update() takes one positional argument: a dict or a list of "
                f"(column, value) pairs; got {len(args)}"
            )
        #: Whether the caller gave an order (a list of pairs): SET follows it.
        self.ordered = False
        given: Mapping[Any, Any]
        if args:
            value = args[0]
            if isinstance(value, list):
                if not all(isinstance(p, tuple) and len(p) == 2 for p in value):
                    raise exc.ArgumentError(
                        "on_duplicate_key_update([...]) takes a list of (column, value) pairs"
                    )
                given = dict(value)
                self.ordered = True
            elif isinstance(value, Mapping):
                given = value
            elif isinstance(value, ProposedRow):  # stmt.inserted: every column to its own
                given = {column.key: column for column in value}
            else:
                raise exc.ArgumentError(
                    "on_duplicate_key_update() takes a dict, a list of (column, value) pairs or "
                    f"keywords, got {type(value).__name__}"
                )
        else:
            given = kwargs
        if not given:
            raise exc.ArgumentError(
                "on_duplicate_key_update() needs at least one column to update; to ignore "
                "duplicates, update a column to itself (e.g. id=stmt.inserted.id)"
            )
        self.update = assignments(insert, given, "on_duplicate_key_update()")

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "duplicate_key",
            self.ordered,
            tuple((k, v._key(binds)) for k, v in self.update.items()),
        )


class OnConflictInsert(dml.Insert):
    """What PostgreSQL's and SQLite's ``insert()`` share: the proposed row (``excluded``) and
    at most one ``ON CONFLICT`` clause, compiled only by the dialect named
    ``stringify_dialect``."""

    #: The dialect whose compiler writes this INSERT (and ``str()`` shows it as).
    stringify_dialect: str

    @property
    def excluded(self) -> ProposedRow:
        """The row the INSERT proposed, for ``set_`` and ``where``: ``excluded.column``."""
        return ProposedRow(self.table, "excluded")

    def _with_conflict(self, clause: OnConflictClause) -> Self:
        if self._upsert is not None:
            raise exc.InvalidRequestError(
                f"This INSERT already has an ON CONFLICT clause; {clause.method} cannot add another"
            )
        clause.dialect_name = self.stringify_dialect
        clone: Self = self._clone()
        clone._upsert = clause
        return clone
