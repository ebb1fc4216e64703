"""A legacy Query over a UNION: ``q1.union(q2)`` selects from ``(q1 UNION q2) AS anon_1``.

The classes the first query selected are read from that subquery (``aliased(User,
subquery)``), its columns by their exported names; criteria added afterwards, written
against the classes, are moved onto the subquery's columns, as SQLAlchemy adapts them.
"""

from __future__ import annotations

from typing import Any

from corral.orm.mapping.aliased import aliased
from corral.sql.elements import ClauseElement, ColumnElement
from corral.sql.from_clause import Subquery
from corral.sql.selectable import Select, SelectBase
from corral.sql.visitors import substitute


def is_entity(entity: Any) -> bool:
    """Whether ``entity`` is a mapped class (or an alias of one): a Query of it yields objects."""
    return getattr(entity, "__mapper__", None) is not None


def entities_over(first: Select, subquery: Subquery) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """What a Query over ``subquery`` selects for each entity of ``first``, and the
    (original, replacement) pairs that later criteria are moved along."""
    entities: list[Any] = []
    pairs: list[tuple[Any, Any]] = []
    exported = dict(subquery.columns.items())
    for entity, (name, column) in zip(first._entities, _entity_columns(first), strict=False):
        if is_entity(entity):
            alias = aliased(entity, subquery)
            entities.append(alias)
            pairs.append((entity, alias))
        else:
            entities.append(exported.get(name, column))
            pairs.append((entity, entities[-1]))
    return entities, pairs


def _entity_columns(statement: Select) -> list[tuple[str, Any]]:
    """One (exported name, column) per selected entity: a class counts as its first column."""
    out: list[tuple[str, Any]] = []
    exported = statement._exported_columns()
    position = 0
    for raw in statement._raw_columns:
        width = (
            len(raw.columns)
            if hasattr(raw, "columns") and not isinstance(raw, ColumnElement)
            else 1
        )
        out.append(exported[position])
        position += width
    return out


def adapt(item: Any, pairs: list[tuple[Any, Any]]) -> Any:
    """``item`` with attributes of the classes (and columns) in ``pairs`` moved onto their
    counterparts over a subquery."""
    replacements: dict[int, Any] = {}
    for original, replacement in pairs:
        mapper = getattr(original, "__mapper__", None)
        if mapper is not None:
            for key, column in mapper.columns_by_key.items():
                replacements[id(column)] = getattr(replacement, key).__clause_element__()
        elif isinstance(original, ClauseElement):
            replacements[id(_column_of(original))] = replacement
    if isinstance(item, SelectBase) or not isinstance(item, ClauseElement):
        return item
    return substitute(item, lambda element: replacements.get(id(element), element))


def _column_of(element: Any) -> Any:
    clause = getattr(element, "__clause_element__", None)
    return clause() if clause is not None else element
