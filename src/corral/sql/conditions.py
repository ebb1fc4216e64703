"""Conditions: ``and_``, ``or_``, ``not_`` and the clause lists they build."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql import operators as ops
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ColumnElement,
    False_,
    True_,
    UnaryExpression,
    _short,
)
from corral.sql.text import TextClause, TextColumn
from corral.sql.types import Boolean

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause


class BooleanClauseList(ColumnElement[bool]):
    """Conditions joined by AND or OR."""

    visit_name = "boolean_list"

    def __init__(self, operator: ops.Operator, clauses: Sequence[ColumnElement[Any]]) -> None:
        self.operator = operator
        self.clauses = [c.__clause_element__() for c in clauses]
        self.precedence = operator.precedence
        self.type = Boolean()

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("bool", self.operator.name, tuple(c._key(binds) for c in self.clauses))

    def _from_objects(self) -> list[FromClause]:
        return [f for c in self.clauses for f in c._from_objects()]


def _condition(value: object, where: str) -> ColumnElement[Any]:
    if isinstance(value, ColumnElement):
        return value.__clause_element__()
    if isinstance(value, bool):
        return True_() if value else False_()
    if isinstance(value, TextClause):
        return TextColumn(value)
    if isinstance(value, str):
        raise exc.ArgumentError(
            f"{where} got the string {_short(value)}; wrap raw SQL in text(), "
            "or build the condition from columns"
        )
    raise exc.ArgumentError(f"{where} takes SQL expressions, got {type(value).__name__}")


def and_(*clauses: ColumnElement[Any] | TextClause | bool) -> ColumnElement[bool]:
    """All of the conditions (``true()`` when there are none)."""
    items = [_condition(c, "and_()") for c in clauses]
    if not items:
        return True_()
    if len(items) == 1:
        return items[0]
    return BooleanClauseList(ops.AND, items)


def or_(*clauses: ColumnElement[Any] | TextClause | bool) -> ColumnElement[bool]:
    """Any of the conditions (``false()`` when there are none)."""
    items = [_condition(c, "or_()") for c in clauses]
    if not items:
        return False_()
    if len(items) == 1:
        return items[0]
    return BooleanClauseList(ops.OR, items)


def not_(clause: ColumnElement[Any]) -> ColumnElement[bool]:
    """The negation of a condition (``!=`` for ``==``, ``NOT IN`` for ``IN``, else ``NOT``)."""
    element = _condition(clause, "not_()")
    if isinstance(element, BinaryExpression) and element.operator in ops.NEGATIONS:
        return BinaryExpression(
            element.left,
            element.right,
            ops.NEGATIONS[element.operator],
            escape=element.escape,
        )
    return UnaryExpression(element, operator="NOT", type_=Boolean(), precedence=ops.NOT.precedence)
