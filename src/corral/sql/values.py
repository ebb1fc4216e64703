"""``values(column("id", Integer), column("name", String), name="v").data([(1, "a")])``.

A ``Values`` is a FROM made of literal rows: ``(VALUES (1, 'a'), (2, 'b')) AS v (id, name)``
where the database names a derived table's columns that way, else an equivalent
``(SELECT ... UNION ALL SELECT ...) AS v`` (``Features.values_derived_columns``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from corral import exc
from corral.sql.columns import ColumnClause, NamedColumn
from corral.sql.elements import BindParameter
from corral.sql.from_clause import ColumnCollection, FromClause


class Values(FromClause):
    """Rows of values used as a table; ``.data(rows)`` adds the rows."""

    visit_name = "values"

    def __init__(
        self, *columns: NamedColumn[Any], name: str | None = None, literal_binds: bool = False
    ) -> None:
        if not columns:
            raise exc.ArgumentError("values() needs its columns: values(column('id', Integer))")
        self.name = name
        self.literal_binds = literal_binds
        self._columns = ColumnCollection(f"values {name or '(anonymous)'}")
        for col in columns:
            if not isinstance(col, NamedColumn):
                raise exc.ArgumentError(
                    f"values() takes columns made with column(name, type), got {col!r}"
                )
            self._columns.add(col.key, ColumnClause(col.name, col.type, table=self))
        self.rows: list[list[BindParameter[Any]]] = []

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    def _clone(self) -> Values:
        clone = Values.__new__(Values)
        clone.__dict__.update(self.__dict__)
        clone.rows = list(self.rows)
        # The copy's columns must name the copy, or a select of them would miss its FROM.
        clone._columns = ColumnCollection(f"values {self.name or '(anonymous)'}")
        for key, col in self._columns.items():
            assert isinstance(col, NamedColumn)
            clone._columns.add(key, ColumnClause(col.name, col.type, table=clone))
        return clone

    def data(self, rows: Sequence[Sequence[Any]]) -> Values:
        """A copy with these rows added: each a tuple with one value per column."""
        clone = self._clone()
        columns = list(self._columns)
        for row in rows:
            if not isinstance(row, list | tuple) or len(row) != len(columns):
                raise exc.ArgumentError(
                    f"values().data() takes rows of {len(columns)} values "
                    f"({', '.join(self._columns.keys())}), got {row!r}"
                )
            clone.rows.append(
                [_value_bind(col, value) for col, value in zip(columns, row, strict=True)]
            )
        return clone

    def alias(self, name: str | None = None) -> Any:
        """The same rows under another name."""
        clone = self._clone()
        clone.name = name
        return clone

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        # Keyed by identity, like an unnamed alias: its columns point at this object.
        return (
            "values",
            id(self),
            self.literal_binds,
            tuple(tuple(b._key(binds) for b in row) for row in self.rows),
        )


def values(
    *columns: NamedColumn[Any], name: str | None = None, literal_binds: bool = False
) -> Values:
    """A FROM of literal rows with these columns; add the rows with ``.data([...])``."""
    return Values(*columns, name=name, literal_binds=literal_binds)


def _value_bind(column: Any, value: object) -> BindParameter[Any]:
    bind: BindParameter[Any] = BindParameter(None, value, column.type, origin=column.describe())
    bind.display_name = "param"  # str() numbers VALUES parameters as SQLAlchemy does
    return bind
