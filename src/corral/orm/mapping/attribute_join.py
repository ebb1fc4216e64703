"""A join of tables a class is mapped to, its columns keyed by the class's attributes.

A joined-inheritance subclass selects ``parent JOIN child`` and a class mapped against
several tables selects the join it was given; either way ``select(cls)`` reads the join's
columns in the order of the mapped attributes, one column per attribute.
"""

from __future__ import annotations

from typing import Any

from corral.sql.from_clause import ColumnCollection, FromClause, Join
from corral.sql.schema import Column, Table


class AttributeJoin(Join):
    """``left JOIN right`` whose ``columns`` are the mapped columns by attribute name."""

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

    @property
    def foreign_keys(self) -> list[Any]:
        found: list[Any] = []
        for table in self._covers():
            if isinstance(table, Table):
                found.extend(table.foreign_keys)
        return found


__all__ = ["AttributeJoin"]
