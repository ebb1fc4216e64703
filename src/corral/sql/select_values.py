"""A SELECT used as a value: ``(SELECT ...)`` as a column, and ``EXISTS (SELECT ...)``."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from corral import exc
from corral.sql import operators as ops
from corral.sql.columns import literal_column
from corral.sql.elements import BindParameter, ColumnElement
from corral.sql.selectable import Select, SelectBase
from corral.sql.text import TextClause
from corral.sql.type_api import TypeEngine


class ScalarSelect(ColumnElement[Any]):
    """A one-column SELECT used as a value: ``(SELECT ...)``."""

    visit_name = "scalar_select"

    def __init__(self, element: SelectBase) -> None:
        self.element = element
        columns = element._exported_columns()
        if len(columns) != 1:
            raise exc.ArgumentError(
                f"scalar_subquery() needs a select() of exactly one column, got {len(columns)}"
            )
        self.type: TypeEngine = columns[0][1].type

    def _select(self, method: str) -> Select:
        if not isinstance(self.element, Select):
            raise exc.InvalidRequestError(f"{method}() on a scalar subquery needs a plain select()")
        return self.element

    def where(self, *conditions: ColumnElement[Any] | TextClause | bool) -> ScalarSelect:
        """The same subquery with more WHERE conditions."""
        return ScalarSelect(self._select("where").where(*conditions))

    def correlate(self, *froms: Any) -> ScalarSelect:
        """The same subquery with ``Select.correlate(*froms)``."""
        return ScalarSelect(self._select("correlate").correlate(*froms))

    def correlate_except(self, *froms: Any) -> ScalarSelect:
        """The same subquery with ``Select.correlate_except(*froms)``."""
        return ScalarSelect(self._select("correlate_except").correlate_except(*froms))

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("scalar", self.element._key(binds))


class Exists(ColumnElement[bool]):
    """``EXISTS (SELECT ...)``: true or false, as a condition or a selected column."""

    visit_name = "exists"
    precedence = ops.ATOM

    def __init__(self, element: Any = None, *more: Any) -> None:
        from corral.sql.types import Boolean

        if element is None:
            element = Select([literal_column("*")])
        elif not isinstance(element, SelectBase):
            element = Select([element, *more])  # exists(User.id): EXISTS (SELECT id FROM ...)
        elif more:
            raise exc.ArgumentError("exists() takes one select(), or columns to select")
        self.element = element
        self.type: TypeEngine = Boolean()

    def _select(self, method: str) -> Select:
        if not isinstance(self.element, Select):
            raise exc.InvalidRequestError(f"{method}() on exists() needs a plain select()")
        return self.element

    def where(self, *conditions: ColumnElement[Any] | TextClause | bool) -> Exists:
        return Exists(self._select("where").where(*conditions))

    def select_from(self, *froms: Any) -> Exists:
        """The same EXISTS reading FROM these too."""
        return Exists(self._select("select_from").select_from(*froms))

    def correlate(self, *froms: Any) -> Exists:
        """The same EXISTS with ``Select.correlate(*froms)``."""
        return Exists(self._select("correlate").correlate(*froms))

    def correlate_except(self, *froms: Any) -> Exists:
        """The same EXISTS with ``Select.correlate_except(*froms)``."""
        return Exists(self._select("correlate_except").correlate_except(*froms))

    def select(self) -> Select:
        """``SELECT EXISTS (...)``: one row, one true-or-false column."""
        return Select([self])

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("exists", self.element._key(binds))


def exists(element: Any = None, *more: Any) -> Exists:
    """``EXISTS`` of a select, of columns (``exists(User.id)``), or of ``SELECT *`` refined
    with ``.where()``."""
    return Exists(element, *more)
