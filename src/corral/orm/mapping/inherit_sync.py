"""The values a joined subclass's row copies from its parent's row, read from the
inheritance join condition.

A joined subclass usually shares its parent's primary key attribute, so the child row's key
is the parent's. When the condition joins on another column (``parent.id ==
child.parent_id``, with the child keeping its own key), that column is an attribute of its
own and the flush copies the parent's value into it before the child row is written, as
SQLAlchemy does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral.sql import operators
from corral.sql.conditions import BooleanClauseList
from corral.sql.elements import BinaryExpression

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper


def set_inherit_sync(mapper: Mapper, join: Any) -> None:
    """Give a joined subclass's own flush view the (parent attribute, own attribute) pairs
    the join condition ``join.onclause`` equates under different names."""
    parent = mapper.inherits
    if parent is None or len(mapper.flush_views) < 2:
        return
    view = mapper.flush_views[-1]
    own = {id(column): key for key, column in view.columns_by_key.items()}
    inherited: dict[int, str] = {}
    for source in (parent, *parent.flush_views):
        for key, column in source.columns_by_key.items():
            inherited.setdefault(id(column), key)
    pairs: list[tuple[str, str]] = []
    for left, right in equalities(join.onclause):
        for mine, theirs in ((left, right), (right, left)):
            if id(mine) in own and id(theirs) in inherited:
                source_key, own_key = inherited[id(theirs)], own[id(mine)]
                if source_key != own_key:
                    pairs.append((source_key, own_key))
    view.inherit_sync = tuple(pairs)


def equalities(condition: Any) -> list[tuple[Any, Any]]:
    if isinstance(condition, BooleanClauseList):
        return [pair for clause in condition.clauses for pair in equalities(clause)]
    if isinstance(condition, BinaryExpression) and condition.operator is operators.eq:
        return [(condition.left, condition.right)]
    return []


def copy_inherited_values(view: Mapper, objects: list[object]) -> None:
    """Before a joined subclass's rows are written: copy the parent row's values in."""
    for source, target in view.inherit_sync:
        for obj in objects:
            d = obj.__dict__
            d[target] = d.get(source)
