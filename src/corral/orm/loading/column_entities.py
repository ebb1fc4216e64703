"""What a select's mapped classes add to its FROM and WHERE, for columns as for classes.

``select(Manager.name)`` names a column of the base table, yet it reads managers:
as SQLAlchemy does, a selected attribute brings the FROM its class selects
(``employee JOIN manager``; the join a class mapped against a join selects) when
the statement names no FROM of its own, and every selected class or attribute of a
single-table subclass brings ``type IN (...)`` on the class's FROM (an aliased
class's alias), once per class and FROM; so does a class named by ``select_from()``
(``select(func.count()).select_from(Engineer)``). A column named only in WHERE or
ORDER BY adds neither.

The SQL layer asks for both while it compiles and keys a select, so subqueries
(``query.count()``, ``in_(select(Engineer.id))``) and Core execution get them too,
and the statement's own ``whereclause`` stays what its builder gave.

An expression counts through the first attribute it is built on (``func.count(Engineer.id)``,
``Engineer.name.label("n")``; ``ColumnElement._selected_through`` carries the class up).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from corral.orm.mapping.aliased import AliasedClass
from corral.orm.mapping.mapper import Mapper
from corral.sql.from_clause import FromClause, _as_from

if TYPE_CHECKING:
    from corral.sql.elements import ColumnElement
    from corral.sql.selectable import Select


def _parents(statement: Select) -> Iterator[tuple[Mapper, FromClause, list[FromClause] | None]]:
    """Per class selected or named by ``select_from()``, or expression selected that is
    built on a class's attribute (the first one):
    the class's mapper, the FROM the class selects, and the FROMs the expression reads
    (None for a class)."""
    for entity in (*statement._entities, *statement._from_entities):
        if isinstance(entity, type | AliasedClass):
            owner: Any = entity
            reads = None
        else:
            owner = getattr(entity, "_selected_through", None)
            if owner is None:
                continue
            reads = entity.__clause_element__()._from_objects()
        mapper = getattr(owner, "__mapper__", None)
        if isinstance(mapper, Mapper):
            yield mapper, _as_from(owner), reads


def entity_froms(statement: Select) -> list[FromClause]:
    """The FROMs of the classes of the selected attributes whose own table is only part of
    what the class selects, for a statement without FROMs of its own."""
    selected = {id(f) for _m, f, reads in _parents(statement) if reads is None}
    out: list[FromClause] = []
    for _mapper, selectable, reads in _parents(statement):
        if (
            not reads
            or any(f is selectable for f in reads)
            or id(selectable) in selected
            or any(f is selectable for f in out)
        ):
            continue
        covered = selectable._covers()
        if any(f is table for table in reads for f in covered):
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
