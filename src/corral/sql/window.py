"""What follows a function call: ``OVER (...)``, ``WITHIN GROUP (ORDER BY ...)`` and
``FILTER (WHERE ...)``, built by ``func.x().over()``, ``.within_group()``, ``.filter()``."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement
from corral.sql.types import Integer

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause

#: One end of a window frame: None is UNBOUNDED, 0 the current row, -n n PRECEDING,
#: n n FOLLOWING (the meaning SQLAlchemy gives the ``rows=`` / ``range_=`` tuples).
FrameBound = int | None


class WindowName(ColumnElement[Any]):
    """A string in ``over(partition_by=..., order_by=...)``: a column of the enclosing SELECT
    found by name when it compiles (in its ORDER BY / GROUP BY, a selected column's label or
    name first); in a window that stands alone, written as given, as SQLAlchemy does."""

    visit_name = "window_name"

    def __init__(self, name: str) -> None:
        self.name = name

    def describe(self) -> str:
        return repr(self.name)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("window_name", self.name)


def _elements(value: object, what: str) -> list[ColumnElement[Any]]:
    """``partition_by`` / ``order_by`` values: one expression or a list of them."""
    if value is None:
        return []
    items: Sequence[object] = value if isinstance(value, list | tuple) else [value]
    from corral.sql.selectable import _order_element

    out = []
    for item in items:
        if not isinstance(item, ColumnElement | str | ClauseElement):
            raise exc.ArgumentError(
                f"over({what}=...) takes column expressions, got {type(item).__name__}"
            )
        out.append(WindowName(item) if isinstance(item, str) else _order_element(item))
    return out


def _frame(value: object, what: str) -> tuple[FrameBound, FrameBound] | None:
    if value is None:
        return None
    if not isinstance(value, tuple) or len(value) != 2:
        raise exc.ArgumentError(
            f"over({what}=...) takes a (start, end) pair such as (None, 0): None is "
            f"UNBOUNDED, 0 the current row, negative numbers PRECEDING, positive FOLLOWING; "
            f"got {value!r}"
        )
    for bound in value:
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise exc.ArgumentError(
                f"over({what}=...) bounds are ints or None, got {bound!r} in {value!r}"
            )
    return (value[0], value[1])


class Over(ColumnElement[Any]):
    """``function OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE BETWEEN ...)``."""

    visit_name = "over"

    def __init__(
        self,
        element: ColumnElement[Any],
        partition_by: object = None,
        order_by: object = None,
        rows: object = None,
        range_: object = None,
        groups: object = None,
    ) -> None:
        if groups is not None:
            raise exc.ArgumentError(
                "over(groups=...) is not supported by corral (MariaDB has no GROUPS frames); "
                "use rows= or range_="
            )
        if rows is not None and range_ is not None:
            raise exc.ArgumentError("over() takes rows= or range_=, not both")
        self.element = element
        self.partition_by = _elements(partition_by, "partition_by")
        self.order_by = _elements(order_by, "order_by")
        self.rows = _frame(rows, "rows")
        self.range_ = _frame(range_, "range_")
        #: Each ``n PRECEDING`` / ``n FOLLOWING`` count as a value, by (keyword, 0 start or
        #: 1 end): printed SQL shows it as a parameter, as SQLAlchemy does.
        self.offsets: dict[tuple[str, int], BindParameter[int]] = {
            (keyword, end): BindParameter(None, abs(bound), Integer())
            for keyword, frame in (("ROWS", self.rows), ("RANGE", self.range_))
            if frame is not None
            for end, bound in enumerate(frame)
            if bound
        }
        self.type = element.type

    def describe(self) -> str:
        return f"{self.element.describe()} OVER (...)"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "over",
            self.element._key(binds),
            tuple(p._key(binds) for p in self.partition_by),
            tuple(o._key(binds) for o in self.order_by),
            self.rows,
            self.range_,
            tuple(offset._key(binds) for offset in self.offsets.values()),
        )

    def _from_objects(self) -> list[FromClause]:
        froms = self.element._from_objects()
        for item in (*self.partition_by, *self.order_by):
            froms += item._from_objects()
        return froms


class WindowCapable(ColumnElement[Any]):
    """What ``OVER`` may follow: a function call, alone or with ``FILTER`` / ``WITHIN GROUP``."""

    def over(
        self,
        *,
        partition_by: object = None,
        order_by: object = None,
        rows: tuple[FrameBound, FrameBound] | None = None,
        range_: tuple[FrameBound, FrameBound] | None = None,
        groups: tuple[FrameBound, FrameBound] | None = None,
    ) -> Over:
        """This function as a window function."""
        return Over(self, partition_by, order_by, rows, range_, groups)


class WithinGroup(WindowCapable):
    """``function WITHIN GROUP (ORDER BY ...)``: ordered-set aggregates (``percentile_cont``)."""

    visit_name = "within_group"

    def __init__(self, element: ColumnElement[Any], *order_by: object) -> None:
        if not order_by:
            raise exc.ArgumentError("within_group() needs the ORDER BY expressions")
        self.element = element
        self.order_by = _elements(list(order_by), "within_group")
        self.type = self.order_by[0].type if element.type.affinity == "null" else element.type

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "within_group",
            self.element._key(binds),
            tuple(o._key(binds) for o in self.order_by),
        )

    def _from_objects(self) -> list[FromClause]:
        froms = self.element._from_objects()
        for item in self.order_by:
            froms += item._from_objects()
        return froms


class FunctionFilter(WindowCapable):
    """``aggregate FILTER (WHERE condition)``: the aggregate over the rows that match."""

    visit_name = "function_filter"

    def __init__(self, element: ColumnElement[Any], *criterion: object) -> None:
        from corral.sql.conditions import and_

        if not criterion:
            raise exc.ArgumentError("filter() on a function needs a condition")
        self.element = element
        self.criterion = and_(*criterion)  # type: ignore[arg-type]
        self.type = element.type

    def filter(self, *criterion: object) -> FunctionFilter:
        """More conditions, joined with AND."""
        return FunctionFilter(self.element, self.criterion, *criterion)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("filter", self.element._key(binds), self.criterion._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects() + self.criterion._from_objects()


def over(
    element: WindowCapable,
    partition_by: object = None,
    order_by: object = None,
    rows: tuple[FrameBound, FrameBound] | None = None,
    range_: tuple[FrameBound, FrameBound] | None = None,
    groups: tuple[FrameBound, FrameBound] | None = None,
) -> Over:
    """``element OVER (...)``: the same as ``element.over(...)``."""
    if not isinstance(element, WindowCapable):
        raise exc.ArgumentError(
            f"over() takes a function call such as func.row_number(), got {type(element).__name__}"
        )
    return Over(element, partition_by, order_by, rows, range_, groups)


def within_group(element: ColumnElement[Any], *order_by: object) -> WithinGroup:
    """``element WITHIN GROUP (ORDER BY ...)``: the same as ``element.within_group(...)``."""
    return WithinGroup(element, *order_by)


def funcfilter(element: ColumnElement[Any], *criterion: object) -> FunctionFilter:
    """``element FILTER (WHERE ...)``: the same as ``element.filter(...)``."""
    return FunctionFilter(element, *criterion)
