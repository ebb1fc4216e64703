"""What a select's mapped classes add to its FROM and WHERE, for columns as for classes.

``select(Manager.name)`` names a column of the base table, yet it reads managers:
as SQLAlchemy does, a selected attribute brings the FROM its class selects
(``employee JOIN manager``; the join a class mapped against a join selects) when
the statement names no FROM of its own, and every selected class or attribute of a
single-table subclass brings ``type IN (...)`` on the class's FROM (an aliased
class's alias), once per class and FROM; so does a class named by ``select_from()``
(``select(func.count()).select_from(Engineer)``), and the related class of an
``any()``/``has()`` subquery. A column named only in WHERE or ORDER BY adds neither.

An ``update()`` or ``delete()`` of a single-table subclass (``update(Engineer)``) brings
its ``type IN (...)`` to the statement's WHERE likewise (``target_criteria``), however it
runs or prints; a bulk UPDATE by primary key goes without.

A class a join leads to (``join(Engineer, on)``, ``join(Company.engineers)``, an
aliased class, joinedload's alias) brings its criteria to that join's ON clause
instead (``join_criteria``), and then not to WHERE as well.

The SQL layer asks for all of them while it compiles and keys a statement, so subqueries
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
from corral.sql.from_clause import FromClause, Join, _as_from
from corral.sql.schema import Table

if TYPE_CHECKING:
    from corral.sql.elements import ColumnElement
    from corral.sql.selectable import Select


Parent = tuple[Mapper, FromClause, list[FromClause] | None]


def _selected_parents(statement: Select) -> list[Parent]:
    """``_parents`` of ``statement``, found once per statement (both hooks ask; a clone,
    which may select other things, finds its own)."""
    found: list[Parent] | None = statement.__dict__.get("_entity_parents")
    if found is None:
        found = statement.__dict__["_entity_parents"] = list(_parents(statement))
    return found


def _parents(statement: Select) -> Iterator[Parent]:
    """Per class selected or named by ``select_from()``, or expression selected that is
    built on a class's attribute (the first one):
    the class's mapper, the FROM the class selects, and the FROMs the expression reads
    (None for a class)."""
    for entity in statement._entities:
        if isinstance(entity, type | AliasedClass):
            owner: Any = entity
        else:
            owner = getattr(entity, "_selected_through", None)
            if owner is None:
                continue
        mapper = _mapper_of(owner)
        if mapper is None or not _adds_anything(mapper):
            continue
        reads = None if owner is entity else entity.__clause_element__()._from_objects()
        yield mapper, _as_from(owner), reads
    for owner, selectable in statement._from_entities:
        mapper = _mapper_of(owner)
        if mapper is not None and _adds_anything(mapper):
            yield mapper, selectable, None


def _mapper_of(entity: Any) -> Mapper | None:
    mapper = getattr(entity, "__mapper__", None)
    return mapper if isinstance(mapper, Mapper) else None


def _adds_anything(mapper: Mapper) -> bool:
    """Whether reading ``mapper``'s rows can add a FROM or criteria: a class in an
    inheritance hierarchy, or one mapped against a join. A plain class (the common case)
    selects its own table and adds neither, and is passed over cheaply."""
    return mapper.inheritance is not None or not isinstance(mapper.table, Table)


def entity_froms(statement: Select) -> list[FromClause]:
    """The FROMs of the classes of the selected attributes whose own table is only part of
    what the class selects, for a statement without FROMs of its own."""
    parents = _selected_parents(statement)
    if not parents:  # plain classes only: nothing to add
        return []
    selected = {id(f) for _m, f, reads in parents if reads is None}
    out: list[FromClause] = []
    for _mapper, selectable, reads in parents:
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
    selected, on the FROM it selects; once per class and FROM, and not for one the
    statement joins to (its ON clause has them, ``join_criteria``)."""
    parents = _selected_parents(statement)
    if not parents:  # plain classes only: nothing to add
        return []
    seen = {
        (id(mapper), id(join.right))
        for f in statement._from_obj
        for join in f._covers()
        if isinstance(join, Join) and (mapper := _mapper_of(join._right_entity)) is not None
    }
    out: list[ColumnElement[Any]] = []
    for mapper, selectable, _column in parents:
        if (id(mapper), id(selectable)) in seen:
            continue
        seen.add((id(mapper), id(selectable)))
        condition = _criteria(mapper, selectable)
        if condition is not None:
            out.append(condition)
    return out


def join_criteria(join: Join) -> list[ColumnElement[Any]]:
    """``type IN (...)`` on the right side of a join to a single-table subclass (named as the
    join's target, or the class a relationship leads to), for its ON clause."""
    mapper = _mapper_of(join._right_entity)
    condition = None if mapper is None else _criteria(mapper, join.right)
    return [] if condition is None else [condition]


def target_criteria(statement: Any) -> list[ColumnElement[Any]]:
    """``type IN (...)`` for the rows an ``update()`` / ``delete()`` of a single-table
    subclass writes (``update(Engineer)``), after its own WHERE, as SQLAlchemy adds them."""
    mapper = _mapper_of(statement._entity)
    condition = None if mapper is None else _criteria(mapper, statement.table)
    return [] if condition is None else [condition]


def _criteria(mapper: Mapper, selectable: FromClause) -> ColumnElement[Any] | None:
    """What reading ``mapper``'s rows from ``selectable`` adds: a single-table subclass's
    ``type IN (...)``, else nothing."""
    info = mapper.inheritance
    return None if info is None else info.single_criteria(selectable)


__all__ = ["entity_criteria", "entity_froms", "join_criteria", "target_criteria"]
