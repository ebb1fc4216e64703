"""``column_property()``: a read-only attribute loaded from a SQL expression of the row.

``fullname: Mapped[str] = column_property(first + " " + last)`` selects the
expression with every query of the class, as ``query_expression(default_expr)``
does; on the class, ``User.fullname`` is that expression for ``select()`` and
``where()``. An object that never loaded it (new, or expired by a commit) runs
one SELECT of the expression by primary key on first access. A flush does not
write it; a flush that UPDATEs the row expires it, so that it loads again when
read. ``column_property(Column(...))`` maps a plain column, as older code
writes it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import ObjectStatus
from corral.orm.mapping.dataclass_fields import take_dataclass_options
from corral.orm.mapping.instance_state import state_of
from corral.orm.mapping.mapped_column import MappedColumn, deferred
from corral.orm.mapping.multi_table import joined_columns
from corral.orm.mapping.query_expression import QueryExpression, QueryExpressionAttribute
from corral.sql.elements import ColumnElement
from corral.sql.schema import Column
from corral.sql.selectable import SelectBase

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: Keyword arguments SQLAlchemy's column_property() takes that change nothing here (the
#: attribute is read-only, so there is no history to keep active).
_ACCEPTED = frozenset({"doc", "active_history"})


class ColumnPropertyDeclaration(QueryExpression):
    """What ``column_property(expression)`` returns in the class body: a query expression
    always selected, whose class attribute is the expression itself."""

    __slots__ = ("expire_on_flush",)

    def __init__(
        self, default_expr: Any, dataclass_options: dict[str, Any], expire_on_flush: bool
    ) -> None:
        super().__init__(default_expr, dataclass_options)
        self.expire_on_flush = expire_on_flush

    def attribute(self, class_: type, key: str) -> ColumnPropertyAttribute:
        if self.expire_on_flush:
            mapper: Mapper = class_.__mapper__  # type: ignore[attr-defined]
            mapper.expire_on_flush = mapper.expire_on_flush | {key}
        return ColumnPropertyAttribute(class_, key, self.default_expr)


class ColumnPropertyAttribute(QueryExpressionAttribute, ColumnElement[Any]):  # type: ignore[misc]
    """``User.fullname``: the mapped SQL expression on the class; on an object, its value."""

    def __init__(self, class_: type, key: str, expression: ColumnElement[Any]) -> None:
        super().__init__(class_, key, expression)
        self.expression = expression
        self.type = expression.type

    def __clause_element__(self) -> ColumnElement[Any]:
        return self.expression

    def __repr__(self) -> str:
        return f"<ColumnPropertyAttribute {self.describe()}>"

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        d = instance.__dict__
        if self.key in d:
            return d[self.key]
        return self._load(instance)

    def __set__(self, instance: object, value: Any) -> None:
        instance.__dict__[self.key] = value  # the object's own until the next load

    def _load(self, instance: object) -> Any:
        """The expression's value for this object's row (None before it has one)."""
        state = state_of(instance)
        if state.status is not ObjectStatus.PERSISTENT or state.session is None:
            return None
        from corral.sql.selectable import select

        mapper = state.mapper
        statement = select(self.expression)
        d = instance.__dict__
        for key, column in zip(mapper.primary_key_attrs, mapper.primary_key, strict=True):
            value = d.get(key)
            if value is None:
                value = getattr(instance, key)
            statement = statement.where(column == value)
        value = state.session.scalar(statement)
        d[self.key] = value
        return value


def column_property(
    expression: Any,
    *more: Any,
    deferred: bool = False,
    group: str | None = None,
    raiseload: bool = False,
    expire_on_flush: bool = True,
    **kwargs: Any,
) -> Any:
    """A read-only attribute holding a SQL expression of the row (or maps a ``Column``);
    ``expire_on_flush=False`` keeps the value loaded when a flush UPDATEs the row."""
    dataclass_options = take_dataclass_options(kwargs, with_default=True)
    unknown = sorted(set(kwargs) - _ACCEPTED)
    if more and not unknown and not dataclass_options:
        if deferred or group is not None or raiseload or not expire_on_flush:
            raise exc.ArgumentError(
                f"column_property({', '.join(_describe(c) for c in (expression, *more))}) "
                "maps several columns under one attribute, which corral does without "
                "deferred=, group=, raiseload= or expire_on_flush=; remove them"
            )
        if isinstance(expression, Column) and expression.table is None:
            return _with_inherited(expression, more)  # a joined subclass's own column
        return joined_columns((expression, *more))  # a class mapped against a join
    if unknown or more:
        extra = ", ".join(unknown) or "more than one column"
        raise exc.ArgumentError(
            f"column_property() does not support {extra}; it takes one expression (or "
            "Column) and deferred=, group=, raiseload=, expire_on_flush=, doc= and the "
            "dataclass options"
        )
    if isinstance(expression, Column | MappedColumn):
        if dataclass_options or not expire_on_flush:
            raise exc.ArgumentError(
                "column_property(Column(...)) takes no dataclass options or expire_on_flush; "
                "write mapped_column(..., init=...) instead"
            )
        if deferred or group is not None or raiseload:
            return _deferred(expression, group, raiseload)
        return expression
    element = getattr(expression, "__clause_element__", None)
    expression = element() if element is not None else expression
    if isinstance(expression, SelectBase):
        warnings.warn(
            "column_property() was given a SELECT; it is used as its scalar subquery. "
            "Call .scalar_subquery() on it to say so",
            UserWarning,
            stacklevel=2,
        )
        expression = expression.scalar_subquery()
    if not isinstance(expression, ColumnElement):
        raise exc.ArgumentError(
            f"column_property() takes a SQL expression or a Column, got {expression!r}"
        )
    if deferred or group is not None or raiseload:
        raise exc.ArgumentError(
            "column_property(expression, deferred=True) is not supported; use "
            "query_expression() and load it with with_expression() when wanted"
        )
    return ColumnPropertyDeclaration(expression, dataclass_options, expire_on_flush)


def _describe(given: Any) -> str:
    """``Class.attr`` for a mapped attribute, ``table.column`` for a column."""
    owner, key = getattr(given, "class_", None), getattr(given, "key", None)
    if isinstance(owner, type) and isinstance(key, str):
        return f"{owner.__name__}.{key}"
    table = getattr(given, "table", None)
    if isinstance(given, Column) and table is not None:
        return f"{table.name}.{given.name}"
    return repr(given)


#: Columns given to ``column_property(own, *inherited)``: id -> (own, inherited columns),
#: taken and checked when the class is mapped (``take_inherited_columns``).
_INHERITED: dict[int, tuple[Column, tuple[Column, ...]]] = {}


def _with_inherited(column: Column, more: tuple[Any, ...]) -> Column:
    """``column_property(Column(...), Parent.id)``: a joined subclass's own column mapped
    under the attribute of the inherited one, which corral does for a column of the
    inherited attribute's name; the inherited columns are checked at mapping."""
    inherited: list[Column] = []
    for given in more:
        element = getattr(given, "__clause_element__", None)
        found = element() if element is not None else given
        if not isinstance(found, Column):
            raise exc.ArgumentError(
                f"column_property(Column(...), {given!r}): the columns after the first must "
                "be inherited mapped columns (Parent.id)"
            )
        inherited.append(found)
    _INHERITED[id(column)] = (column, tuple(inherited))
    return column


def take_inherited_columns(column: Column) -> tuple[Column, ...]:
    """The inherited columns ``column_property()`` mapped with ``column`` (usually none)."""
    if not _INHERITED:
        return ()
    entry = _INHERITED.pop(id(column), None)
    return entry[1] if entry is not None and entry[0] is column else ()


def _deferred(column: Any, group: str | None, raiseload: bool) -> Any:
    return deferred(column, group=group, raiseload=raiseload)


__all__ = ["ColumnPropertyAttribute", "ColumnPropertyDeclaration", "column_property"]
