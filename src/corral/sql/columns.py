"""Named columns: of a table (``Column`` in ``schema``), of a subquery, or free-standing."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from corral.sql.elements import BindParameter, ColumnElement, next_serial
from corral.sql.type_api import TypeEngine, to_instance

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause

T = TypeVar("T")


class NamedColumn(ColumnElement[T]):
    """A named column, optionally of a table: what ``ColumnClause`` and ``Column`` share.

    The two are siblings, not parent and child: Python lets a subclass's ``__eq__``
    run first, which would write ``alias.c.id == table.c.id`` back to front.
    """

    key: str

    visit_name = "column"

    #: A declarative class named the column apart from its attribute (``left =
    #: Column("lft", ...)``): corral keys it by the attribute, SQLAlchemy by the name, and
    #: a ``.c`` collection and DML ``values()`` accept the name too (see ColumnCollection).
    keyed_by_attribute = False

    def __init__(
        self,
        name: str,
        type_: TypeEngine | type[TypeEngine] | None = None,
        *,
        table: FromClause | None = None,
        is_literal: bool = False,
    ) -> None:
        self.name = name
        self.key = name
        self.type = to_instance(type_)
        self.table = table
        self.is_literal = is_literal
        self._serial = next_serial()

    @property
    def description(self) -> str:
        return self.name

    def describe(self) -> str:
        table_name = getattr(self.table, "name", None)
        return f"{table_name}.{self.name}" if table_name else self.name

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        table = self.table
        if table is None:
            return ("column", self.name, self.is_literal, self.type.cache_key())
        shape = getattr(table, "shape", None)
        if shape is not None:  # a column of an alias, subquery or CTE: keyed by their shape
            return ("alias_column", shape(), self.name)
        return ("column", self._serial)

    def _from_objects(self) -> list[FromClause]:
        return [self.table] if self.table is not None else []


class ColumnClause(NamedColumn[T]):
    """A column by name (``column()``, ``literal_column()``, a subquery's columns)."""


def column(name: str, type_: TypeEngine | type[TypeEngine] | None = None) -> ColumnClause[Any]:
    """A column by name, not tied to a table object."""
    return ColumnClause(name, type_)


def literal_column(
    text: str, type_: TypeEngine | type[TypeEngine] | None = None
) -> ColumnClause[Any]:
    """A column expression written into the SQL exactly as given."""
    return ColumnClause(text, type_, is_literal=True)
