"""Elements that wrap one other: parentheses, a name (``AS``), a type (``CAST``)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from corral.sql.elements import BindParameter, ClauseElement, ColumnElement, carried_entity
from corral.sql.type_api import TypeEngine, to_instance

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause

T = TypeVar("T")


class Grouping(ColumnElement[Any]):
    """Parentheses around an element."""

    visit_name = "grouping"

    def __init__(self, element: ClauseElement) -> None:
        if isinstance(element, ColumnElement):
            element = element.__clause_element__()
            self.type = element.type
        self.element = element

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("group", self.element._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class Label(ColumnElement[T]):
    """``expression AS name``."""

    visit_name = "label"

    def __init__(self, name: str | None, element: ColumnElement[T]) -> None:
        self.name = name
        self.key = name
        self.element = element.__clause_element__()
        self._selected_through = carried_entity(element)
        self.type = element.type

    @property
    def description(self) -> str | None:
        return self.name

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("label", self.name, self.element._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class Cast(ColumnElement[T]):
    """``CAST(expression AS type)``."""

    visit_name = "cast"

    def __init__(self, expression: object, type_: TypeEngine | type[TypeEngine]) -> None:
        self.type = to_instance(type_)
        self.element = (
            expression.__clause_element__()
            if isinstance(expression, ColumnElement)
            else BindParameter(None, expression, None)
        )
        self._selected_through = carried_entity(expression)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("cast", self.type.cache_key(), self.element._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


def cast(expression: object, type_: TypeEngine | type[TypeEngine]) -> Cast[Any]:
    return Cast(expression, type_)
