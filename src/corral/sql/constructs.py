"""Standalone SQL constructs: ``desc()``, ``distinct()``, ``tuple_()``, ``extract()``, ...

The ordering and comparison functions build the same elements as the column
methods of the same name (``desc(col)`` is ``col.desc()``); the classes here are
the constructs that have no column method: a row value, ``EXTRACT``,
``COLLATE`` and a type given to an expression without a ``CAST``.
"""

from __future__ import annotations

import builtins
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from corral import exc
from corral.sql import operators as ops
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ClauseElement,
    ClauseList,
    ColumnElement,
    UnaryExpression,
)
from corral.sql.type_api import NULLTYPE, TypeEngine, to_instance
from corral.sql.types import Integer, type_for_value

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause

T = TypeVar("T")

#: The fields ``extract()`` takes (the ones every supported database understands).
EXTRACT_FIELDS = frozenset(
    {"year", "month", "day", "hour", "minute", "second", "dow", "doy", "week", "epoch"}
)


def _expression(value: object, what: str) -> ColumnElement[Any]:
    """A column expression; a string names a label of the enclosing SELECT (as in order_by)."""
    if isinstance(value, ColumnElement):
        return value.__clause_element__()
    if isinstance(value, str):
        from corral.sql.text import LabelReference

        return LabelReference(value)
    if isinstance(value, ClauseElement):
        from corral.sql.text import TextClause, TextColumn

        if isinstance(value, TextClause):
            return TextColumn(value)
    raise exc.ArgumentError(f"{what}() takes a column expression, got {type(value).__name__}")


def desc(column: object) -> UnaryExpression[Any]:
    """``column DESC``: ``select(t).order_by(desc(t.c.x))``."""
    element = _expression(column, "desc")
    return UnaryExpression(element, modifier="DESC", type_=element.type)


def asc(column: object) -> UnaryExpression[Any]:
    """``column ASC``."""
    element = _expression(column, "asc")
    return UnaryExpression(element, modifier="ASC", type_=element.type)


def nulls_first(column: object) -> UnaryExpression[Any]:
    """``column NULLS FIRST`` (emulated where the database lacks it)."""
    element = _expression(column, "nulls_first")
    return UnaryExpression(element, modifier="NULLS FIRST", type_=element.type)


def nulls_last(column: object) -> UnaryExpression[Any]:
    """``column NULLS LAST`` (emulated where the database lacks it)."""
    element = _expression(column, "nulls_last")
    return UnaryExpression(element, modifier="NULLS LAST", type_=element.type)


def distinct(expression: object) -> UnaryExpression[Any]:
    """``DISTINCT expression``: ``select(distinct(t.c.x))``, ``func.count(distinct(t.c.x))``."""
    element = _expression(expression, "distinct")
    return UnaryExpression(element, operator="DISTINCT", type_=element.type)


def between(
    expression: object, lower_bound: object, upper_bound: object, symmetric: bool = False
) -> BinaryExpression[bool]:
    """``expression BETWEEN lower AND upper``."""
    if symmetric:
        raise exc.ArgumentError(
            "between(..., symmetric=True) is not supported by corral; "
            "write or_(x.between(a, b), x.between(b, a)) instead"
        )
    if not isinstance(expression, ColumnElement):
        from corral.sql.elements import literal

        expression = literal(expression)
    return expression.__clause_element__().between(lower_bound, upper_bound)


class Collate(ColumnElement[Any]):
    """``expression COLLATE name``."""

    visit_name = "collate"
    precedence = ops.EQ.precedence + 1

    def __init__(self, element: ColumnElement[Any], collation: str) -> None:
        if not isinstance(collation, str) or not collation:
            raise exc.ArgumentError(f"collate() takes a collation name, got {collation!r}")
        self.element = element.__clause_element__()
        self.collation = collation
        self.type = self.element.type

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("collate", self.collation, self.element._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


def collate(expression: object, collation: str) -> Collate:
    """``expression COLLATE collation``; the name is quoted when it needs quoting."""
    return Collate(_expression(expression, "collate"), collation)


class Tuple(ColumnElement[Any]):
    """A row value ``(a, b)``, compared or matched with ``IN`` as a whole."""

    visit_name = "tuple"

    def __init__(self, *elements: object) -> None:
        if not elements:
            raise exc.ArgumentError("tuple_() needs at least one element")
        self.clauses = [
            e.__clause_element__()
            if isinstance(e, ColumnElement)
            else BindParameter(None, e, type_for_value(e))
            for e in elements
        ]

    def describe(self) -> str:
        return f"({', '.join(c.describe() for c in self.clauses)})"

    def _row(self, op: ops.Operator, value: object) -> ColumnElement[Any]:
        """``value`` as a row of as many values as this tuple, each checked by its column."""
        if isinstance(value, ColumnElement):
            return value.__clause_element__()
        if isinstance(value, str | bytes) or not isinstance(value, builtins.tuple | list):
            raise exc.ArgumentError(
                f"{op.sql} on tuple_{self.describe()} takes tuples of "
                f"{len(self.clauses)} values, got {value!r}"
            )
        if len(value) != len(self.clauses):
            raise exc.ArgumentError(
                f"tuple_{self.describe()} has {len(self.clauses)} elements but "
                f"{value!r} has {len(value)}"
            )
        from corral.sql.wrappers import Grouping

        return Grouping(
            ClauseList([c._operand(op, v) for c, v in zip(self.clauses, value, strict=True)])
        )

    def _compare(self, op: ops.Operator, other: object) -> BinaryExpression[bool]:
        return BinaryExpression(self, self._row(op, other), op)

    def _in(self, op: ops.Operator, values: Any) -> ColumnElement[bool]:
        if isinstance(values, BindParameter) and values.expanding:
            typed = values._expanding_for([c.type for c in self.clauses], rows=True)
            return BinaryExpression(self, typed, op)
        if isinstance(values, ClauseElement):
            return super()._in(op, values)
        rows = [self._row(op, row) for row in values]
        if not rows:
            return super()._in(op, [])
        from corral.sql.wrappers import Grouping

        return BinaryExpression(self, Grouping(ClauseList(rows)), op)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("tuple", builtins.tuple(c._key(binds) for c in self.clauses))

    def _from_objects(self) -> list[FromClause]:
        return [f for c in self.clauses for f in c._from_objects()]


def tuple_(*elements: object) -> Tuple:
    """A row value: ``tuple_(t.c.a, t.c.b).in_([(1, 2), (3, 4)])``."""
    return Tuple(*elements)


class Extract(ColumnElement[int]):
    """``EXTRACT(field FROM expression)``; an integer (SQLite: ``strftime``)."""

    visit_name = "extract"

    def __init__(self, field: str, expression: ColumnElement[Any]) -> None:
        if not isinstance(field, str) or field.lower() not in EXTRACT_FIELDS:
            raise exc.ArgumentError(
                f"extract() does not know the field {field!r}; corral supports "
                f"{', '.join(sorted(EXTRACT_FIELDS))}"
            )
        self.field = field.lower()
        self.expression = expression.__clause_element__()
        self.type = Integer()

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("extract", self.field, self.expression._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.expression._from_objects()


def extract(field: str, expr: object) -> Extract:
    """``EXTRACT(field FROM expr)``: ``extract("year", t.c.created)``."""
    return Extract(field, _expression(expr, "extract"))


class TypeCoerce(ColumnElement[T]):
    """An expression given a Python-side type without changing its SQL (no ``CAST``)."""

    visit_name = "type_coerce"

    def __init__(self, element: ColumnElement[Any], type_: TypeEngine) -> None:
        self.element = element
        self.type = type_
        self.key = element.key
        self.precedence = element.precedence

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("coerce", self.type.cache_key(), self.element._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


def type_coerce(expression: object, type_: TypeEngine | type[TypeEngine]) -> TypeCoerce[Any]:
    """``expression`` read and bound as ``type_``; the SQL is unchanged."""
    target = to_instance(type_)
    if isinstance(expression, ColumnElement):
        element = expression.__clause_element__()
    elif isinstance(expression, ClauseElement):
        element = _expression(expression, "type_coerce")
    else:
        element = BindParameter(None, expression, target if target is not NULLTYPE else None)
    return TypeCoerce(element, target)
