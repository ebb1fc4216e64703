"""``with_parent(user, User.addresses)``: the rows related to one object, as a WHERE criterion.

``select(Address).where(with_parent(user, User.addresses))`` selects the
addresses of ``user`` without loading the collection; the object's key values
are read when the statement runs (after autoflush), as a lazy load would.
"""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.expressions import RelationshipPath, _shown_reversed, _value_of
from corral.sql.conditions import and_
from corral.sql.elements import ColumnElement
from corral.sql.from_clause import FromClause


def with_parent(instance: object, prop: Any, from_entity: Any = None) -> ColumnElement[bool]:
    """The criterion selecting the targets of relationship ``prop`` of ``instance``
    (from ``from_entity``, an ``aliased()`` target class, when given)."""
    rel = getattr(prop, "prop", prop)
    if isinstance(prop, RelationshipPath):
        rel = prop.rel
    parent_mapper = getattr(rel, "parent", None)
    if parent_mapper is None or not hasattr(rel, "synchronize_pairs"):
        raise exc.ArgumentError(
            f"with_parent() takes a relationship attribute such as User.addresses, got {prop!r}"
        )
    if not isinstance(instance, parent_mapper.class_):
        raise exc.ArgumentError(
            f"with_parent({instance!r}, {rel.describe()}): expected a "
            f"{parent_mapper.class_.__name__} object, the parent of {rel.describe()}"
        )
    target: FromClause = rel.mapper.table
    if from_entity is not None:
        if getattr(from_entity, "__mapper__", None) is not rel.mapper:
            raise exc.ArgumentError(
                f"with_parent(..., from_entity={from_entity!r}): {rel.describe()} leads to "
                f"{rel.mapper.class_.__name__}; pass aliased({rel.mapper.class_.__name__})"
            )
        target = from_entity.__table__
    if rel.direction is Direction.MANYTOMANY:
        assert rel.secondary is not None
        secondary = rel.secondary
        return and_(
            *(
                rel.mapper.selected_column(target, t) == secondary.columns[s.key]
                for t, s in rel.target_pairs
            ),
            *(
                secondary.columns[s.key]
                == _value_of(instance, parent_mapper, p, secondary.columns[s.key])
                for p, s in rel.secondary_pairs
            ),
        )
    terms = []
    for src, fk in rel.synchronize_pairs:
        if rel.direction is Direction.MANYTOONE:  # the target's key is in the parent's FK
            column = rel.mapper.selected_column(target, src)
            terms.append(column == _value_of(instance, parent_mapper, fk, column))
        else:  # the targets' FK holds the parent's key
            column = rel.mapper.selected_column(target, fk)
            terms.append(_shown_reversed(column == _value_of(instance, parent_mapper, src, column)))
    return and_(*terms)
