"""What a select's mapped classes add to its FROM and WHERE, for columns as for classes.

``select(Manager.name)`` names a column of the base table, yet it reads managers:
as SQLAlchemy does, a selected attribute brings the FROM its class selects
(``employee JOIN manager``; the join a class mapped against a join selects) when
the statement names no FROM of its own, and every selected class or attribute of a
single-table subclass brings ``type IN (...)`` on the class's FROM (an aliased
class's alias), once per class and FROM. A column named only in WHERE or ORDER BY
adds neither.

The SQL layer asks for both while it compiles and keys a select, so subqueries
(``query.count()``, ``in_(select(Engineer.id))``) and Core execution get them too,
and the statement's own ``whereclause`` stays what its builder gave.

Only attributes selected as they are count: ``func.count(Engineer.id)`` or a label
keeps no trace of its class in corral's expressions (SQLAlchemy finds it there too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from corral.orm.mapping.aliased import AliasedAttribute, AliasedClass
from corral.orm.mapping.attributes import InstrumentedAttribute
from corral.orm.mapping.mapper import Mapper
from corral.sql.from_clause import FromClause, _as_from

if TYPE_CHECKING:
    from corral.sql.elements import ColumnElement
    from corral.sql.selectable import Select


def _parents(statement: Select) -> Iterator[tuple[Mapper, FromClause, Any]]:
    """Per selected class or class attribute: the class's mapper, the FROM the class
    selects, and the attribute's column (None for a class)."""
    for entity in statement._entities:
        if isinstance(entity, InstrumentedAttribute):
            owner: Any = entity.class_
            column: Any = entity.column
        elif isinstance(entity, AliasedAttribute):
            owner, column = entity.entity, entity.column
        elif isinstance(entity, type | AliasedClass):
            owner, column = entity, None
        else:
            continue
        mapper = getattr(owner, "__mapper__", None)
        if isinstance(mapper, Mapper):
            yield mapper, _as_from(owner), column


def entity_froms(statement: Select) -> list[FromClause]:
    """The FROMs of the classes of the selected attributes whose own table is only part of
    what the class selects, for a statement without FROMs of its own."""
    selected = {id(f) for _m, f, column in _parents(statement) if column is None}
    out: list[FromClause] = []
    for _mapper, selectable, column in _parents(statement):
        table = getattr(column, "table", None)
        if (
            table is None
            or selectable is table
            or id(selectable) in selected
            or any(f is selectable for f in out)
        ):
            continue
        if any(f is table for f in selectable._covers()):
            out.append(selectable)
    return out


def entity_criteria(statement: Select) -> list[ColumnElement[Any]]:
    """``type IN (...)`` for each single-table subclass selected, or with an attribute
    selected, on the FROM it selects; once per class and FROM."""
    seen: set[tuple[int, int]] = set()
    out: list[ColumnElement[Any]] = []
    for mapper, selectable, _column in _parents(statement):
        info = mapper.inheritance
        if info is None or (id(mapper), id(selectable)) in seen:
            continue
        seen.add((id(mapper), id(selectable)))
        condition = info.single_criteria(selectable)
        if condition is not None:
            out.append(condition)
    return out


__all__ = ["entity_criteria", "entity_froms"]
