"""``query_expression()``: an attribute a query fills from a SQL expression it chooses.

``book_count: Mapped[int] = query_expression()`` maps no column. A query loads
it with ``.options(with_expression(User.book_count, func.count(Book.id)))``;
otherwise it reads ``None`` (or the value of ``default_expr``, selected with
every query of the class). It is not written by a flush.
"""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.mapping.dataclass_fields import take_dataclass_options


class QueryExpression:
    """What ``query_expression()`` returns, in the class body until the class is mapped."""

    __slots__ = ("dataclass_options", "default_expr")

    def __init__(self, default_expr: Any, dataclass_options: dict[str, Any] | None = None) -> None:
        self.default_expr = default_expr
        #: ``init=``, ``default=``... for ``MappedAsDataclass`` (see dataclass_fields).
        self.dataclass_options = dataclass_options or {}

    def attribute(self, class_: type, key: str) -> QueryExpressionAttribute:
        """The descriptor the mapped class gets under ``key``."""
        return QueryExpressionAttribute(class_, key, self.default_expr)


class QueryExpressionAttribute:
    """``User.book_count``: names the attribute for ``with_expression()``; on an object, the
    value the query loaded (None when it loaded none)."""

    def __init__(self, class_: type, key: str, default_expr: Any) -> None:
        self.class_ = class_
        self.key = key
        self.default_expr = default_expr

    def describe(self) -> str:
        return f"{self.class_.__name__}.{self.key}"

    def __repr__(self) -> str:
        return f"<QueryExpressionAttribute {self.describe()}>"

    def __get__(self, instance: object | None, owner: Any) -> Any:
        if instance is None:
            return self
        return instance.__dict__.get(self.key)

    def __set__(self, instance: object, value: Any) -> None:
        # Not a column: the value is the object's own until the next load fills it.
        instance.__dict__[self.key] = value


def query_expression(default_expr: Any = None, *, repr: bool = True, **kwargs: Any) -> Any:
    """An attribute filled by ``with_expression()`` at query time (``None`` otherwise, or
    ``default_expr`` selected with each query of the class)."""
    dataclass_options = take_dataclass_options(kwargs, with_default=True)
    if kwargs:
        raise exc.ArgumentError(
            f"query_expression() does not support {', '.join(sorted(kwargs))}; it takes "
            "default_expr and repr"
        )
    if default_expr is not None:
        element = getattr(default_expr, "__clause_element__", None)
        default_expr = element() if element is not None else default_expr
    return QueryExpression(default_expr, dataclass_options)


__all__ = ["QueryExpression", "QueryExpressionAttribute", "query_expression"]
