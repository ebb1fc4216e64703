"""FROM clauses that read from a function or refer back to earlier FROMs:
``func.json_each(x).table_valued("key", "value")``, ``.column_valued()`` and
``select(...).lateral()``."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.columns import ColumnClause, NamedColumn
from corral.sql.elements import BindParameter, ColumnElement
from corral.sql.from_clause import ColumnCollection, FromClause, Subquery
from corral.sql.type_api import TypeEngine

if TYPE_CHECKING:
    from corral.sql.functions import Function


class Lateral(Subquery):
    """``LATERAL (SELECT ...) AS name``: a subquery that may use the FROMs to its left."""

    visit_name = "lateral"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("lateral", super()._key(binds))


class TableValuedAlias(FromClause):
    """``function(...) AS name`` in a FROM list, with the columns the function returns."""

    visit_name = "table_valued"

    def __init__(
        self,
        function: Function,
        columns: list[tuple[str, TypeEngine | None]],
        name: str | None,
        *,
        derived: bool = False,
        with_types: bool = False,
    ) -> None:
        self.function = function
        self.name = name
        self.derived = derived
        self.with_types = with_types
        self._column_spec = columns
        self._columns = ColumnCollection(f"{function.describe()} AS {name or '(anonymous)'}")
        for key, type_ in columns:
            self._columns.add(key, ColumnClause(key, type_, table=self))
        self._shape: Hashable | None = None

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    @property
    def column(self) -> ColumnElement[Any]:
        """The function's value as one column (``SELECT name`` of the whole row)."""
        return TableValuedColumn(self)

    def describe(self) -> str:
        return self.name or self.function.describe()

    def alias(self, name: str | None = None) -> TableValuedAlias:  # type: ignore[override]
        return TableValuedAlias(
            self.function,
            self._column_spec,
            name,
            derived=self.derived,
            with_types=self.with_types,
        )

    def render_derived(self, name: str | None = None, with_types: bool = False) -> TableValuedAlias:
        """Name the columns after the alias: ``AS name(key, value)``."""
        return TableValuedAlias(
            self.function,
            self._column_spec,
            name if name is not None else self.name,
            derived=True,
            with_types=with_types,
        )

    def lateral(self, name: str | None = None) -> TableValuedAlias:
        raise exc.ArgumentError(
            "lateral() on a table-valued function is not supported by corral: a function "
            "in FROM may already refer to the tables before it on PostgreSQL and SQLite"
        )

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        name: Hashable = self.name if self.name is not None else ("anonymous", id(self))
        spec = tuple((k, t.cache_key() if t is not None else None) for k, t in self._column_spec)
        return (
            "table_valued",
            name,
            self.derived,
            self.with_types,
            spec,
            self.function._key(binds),
        )

    def shape(self) -> Hashable:
        """The key without collecting values: how its columns name it in cache keys."""
        if self._shape is None:
            self._shape = self._key([])
        return self._shape


class TableValuedColumn(NamedColumn[Any]):
    """The row of a table-valued function as one value (``column_valued()``)."""

    visit_name = "table_valued_column"

    def __init__(self, source: TableValuedAlias) -> None:
        super().__init__(source.name or "anon", source.function.type)
        self.source = source

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("table_valued_column", self.source.shape())

    def _from_objects(self) -> list[FromClause]:
        return [self.source]


def table_valued_columns(
    names: tuple[object, ...], what: str
) -> list[tuple[str, TypeEngine | None]]:
    """``table_valued("key", column("value", JSON))``: names, or columns with types."""
    out: list[tuple[str, TypeEngine | None]] = []
    for item in names:
        if isinstance(item, str):
            out.append((item, None))
        elif isinstance(item, NamedColumn):
            out.append((item.name, item.type))
        else:
            raise exc.ArgumentError(
                f"{what}() takes column names or column() objects, got {type(item).__name__}"
            )
    return out


def lateral(selectable: Any, name: str | None = None) -> Lateral:
    """``LATERAL (SELECT ...) AS name``: the same as ``select(...).lateral(name)``."""
    from corral.sql.selectable import SelectBase

    if not isinstance(selectable, SelectBase):
        raise exc.ArgumentError(f"lateral() takes a select(), got {type(selectable).__name__}")
    return selectable.lateral(name)
