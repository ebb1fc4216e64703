"""``Bundle("user", User.name, User.fullname)``: columns selected together as one value.

In a select, a bundle stands for its columns (they go into the SELECT list and
their tables into FROM); in each result row it is one value, a ``Row`` of those
columns by key (``row.user.name``). A subclass may build another value by
overriding ``create_row_processor``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from operator import itemgetter
from typing import Any

from corral import exc
from corral.engine.row import row_class
from corral.sql.elements import BindParameter, ColumnElement
from corral.sql.from_clause import ColumnCollection, FromClause


class Bundle(FromClause):
    """Several column expressions selected under one name, loaded as one row value."""

    visit_name = "bundle"

    def __init__(self, name: str, *exprs: Any, single_entity: bool = False) -> None:
        if not isinstance(name, str):
            raise exc.ArgumentError(f"Bundle() takes its name first, got {name!r}")
        if not exprs:
            raise exc.ArgumentError(f"Bundle({name!r}) needs at least one column expression")
        self.name = name
        self.single_entity = single_entity
        self.exprs: list[ColumnElement[Any]] = []
        self._columns = ColumnCollection(f"Bundle {name!r}")
        for position, expr in enumerate(exprs):
            if not isinstance(expr, ColumnElement):
                raise exc.ArgumentError(
                    f"Bundle({name!r}) takes column expressions (User.name, table.c.x, "
                    f"func.count(...)), got {expr!r}"
                )
            element = expr.__clause_element__()
            self.exprs.append(element)
            key = getattr(expr, "key", None) or f"anon_{position + 1}"
            self._columns.add(key, element)

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    def _from_objects(self) -> list[FromClause]:
        froms: list[FromClause] = []
        for expr in self.exprs:
            froms.extend(expr._from_objects())
        return froms

    def _covers(self) -> list[FromClause]:
        return []

    def label(self, name: str) -> Bundle:
        """The same columns under another name."""
        bundle = Bundle.__new__(type(self))
        bundle.__dict__.update(self.__dict__)
        bundle.name = name
        return bundle

    def create_row_processor(
        self, query: Any, procs: Sequence[Callable[[Any], Any]], labels: Sequence[str]
    ) -> Callable[[Any], Any]:
        """The function making this bundle's value from a result row: by default a
        ``Row`` of its columns by key. ``procs`` read each column from the row."""
        make = row_class(tuple(labels))

        def proc(row: Any) -> Any:
            return make([p(row) for p in procs])

        return proc

    def _row_processor(self, query: Any, first: int) -> Callable[[Any], Any]:
        keys = self._columns.keys()
        procs = [itemgetter(first + i) for i in range(len(keys))]
        return self.create_row_processor(query, procs, keys)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("bundle", self.name, tuple(e._key(binds) for e in self.exprs))

    def __repr__(self) -> str:
        return f"Bundle({self.name!r}, {', '.join(self._columns.keys())})"
