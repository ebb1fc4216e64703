"""A join of tables a class is mapped to, its columns keyed by the class's attributes.

A joined-inheritance subclass selects ``parent JOIN child`` and a class mapped against
several tables selects the join it was given; either way ``select(cls)`` reads the join's
columns in the order of the mapped attributes, one column per attribute.
"""

from __future__ import annotations

from typing import Any

from corral.sql.from_clause import ColumnCollection, FromClause, Join
from corral.sql.schema import Column, Table
from corral.sql.visitors import substitute


class AttributeJoin(Join):
    """``left JOIN right`` whose ``columns`` are the mapped columns by attribute name."""

    #: An alias of such a join (``alias()``): each original table (by id) -> its alias.
    aliased_tables: dict[int, FromClause] | None = None

    def __init__(
        self,
        left: FromClause,
        right: FromClause,
        onclause: Any,
        columns: dict[str, Column],
        *,
        isouter: bool = False,
        full: bool = False,
    ) -> None:
        super().__init__(left, right, onclause, isouter=isouter, full=full)
        self._columns = ColumnCollection(f"the columns of {self.describe()}")
        for key, column in columns.items():
            self._columns.add(key, column)

    def alias(self, name: str | None = None) -> Any:
        """The same join of each table aliased (``a AS a_1 JOIN b AS b_1 ON ...``): a
        database cannot alias a join itself. ``name`` ending in ``_N`` numbers the tables'
        aliases ``<table>_N``; otherwise they are anonymous."""
        suffix = name.rpartition("_")[2] if name is not None else ""
        renamed: dict[int, FromClause] = {}
        for part in self._covers():
            if isinstance(part, Table):
                renamed[id(part)] = part.alias(
                    f"{part.name}_{suffix}" if suffix.isdigit() else None
                )

        def rebuilt(side: FromClause) -> FromClause:
            if isinstance(side, Join):
                return Join(
                    rebuilt(side.left),
                    rebuilt(side.right),
                    _moved(side.onclause, renamed),
                    isouter=side.isouter,
                    full=side.full,
                )
            return renamed.get(id(side), side)

        columns = {
            key: renamed[id(column.table)].columns[column.key]
            for key, column in self.columns.items()
            if isinstance(column, Column) and id(column.table) in renamed
        }
        aliased = AttributeJoin(
            rebuilt(self.left),
            rebuilt(self.right),
            _moved(self.onclause, renamed),
            {},
            isouter=self.isouter,
            full=self.full,
        )
        for key, column in columns.items():
            aliased._columns.add(key, column)
        aliased.name = name
        aliased.aliased_tables = renamed
        return aliased

    @property
    def foreign_keys(self) -> list[Any]:
        found: list[Any] = []
        for table in self._covers():
            if isinstance(table, Table):
                found.extend(table.foreign_keys)
        return found


def table_aliases(selectable: Any, alias: FromClause) -> dict[int, FromClause]:
    """Each table (by id) of ``selectable`` -> its alias in ``alias``, an alias of it: the
    alias itself for a table, each table's alias for a join of tables."""
    aliased = getattr(alias, "aliased_tables", None)
    if isinstance(alias, AttributeJoin) and aliased is not None:
        return dict(aliased)
    return {id(selectable): alias}


def _moved(clause: Any, renamed: dict[int, FromClause]) -> Any:
    """``clause`` with each column of a renamed table replaced by its alias's column."""

    def aliased_column(column: Any) -> Any:
        table = getattr(column, "table", None)
        replacement = renamed.get(id(table)) if table is not None else None
        return column if replacement is None else replacement.columns[column.key]

    return substitute(clause, aliased_column)


__all__ = ["AttributeJoin", "table_aliases"]
