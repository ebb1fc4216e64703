"""A plain ``Column`` written in a declarative class body, mapped like ``mapped_column()``."""

from __future__ import annotations

import copy

from corral import exc
from corral.sql.elements import next_serial
from corral.sql.schema import Column


def plain_column(
    column: Column,
    attribute: str,
    owner: str,
    taken: dict[str, Column],
    inherited_table: object = None,
) -> Column:
    """``column`` ready to be the mapped attribute ``attribute``: named, keyed, not shared.

    A single-table subclass may name a column its table already has (one that a sibling
    subclass added): ``inherited_table`` is that table, and the column maps as it is.
    """
    table = column.table
    if table is not None and table is inherited_table and column.key == attribute:
        return column
    if table is not None:
        raise exc.MappingError(
            f"{owner} is the column {column.name!r} of table {getattr(table, 'name', table)!r}; "
            "a class body needs a Column of its own: write Column(...) or mapped_column(...) "
            "here, or map that table with __table__"
        )
    for other, existing in taken.items():
        if existing is column:
            raise exc.MappingError(
                f"{owner} and {owner.rsplit('.', 1)[0]}.{other} are one Column object; "
                "a column maps to one attribute (use a Python property for a second name)"
            )
    if not column.name:
        column.name = attribute
    # The ORM finds an attribute's value under its column's key, as for mapped_column().
    column.key = attribute
    column.keyed_by_attribute = column.name != attribute
    return column


def copy_mixin_column(column: Column, owner: str) -> Column:
    """A fresh copy of a mixin's ``Column`` (with its ForeignKeys) for one mapped class."""
    if column.table is not None:
        raise exc.MappingError(
            f"{owner} comes from a mixin whose column already belongs to table "
            f"{getattr(column.table, 'name', column.table)!r}; declare it with Column(...) or "
            "mapped_column(...) in the mixin"
        )
    clone = copy.copy(column)
    clone._serial = next_serial()
    clone.foreign_keys = []
    for fk in column.foreign_keys:
        fk_clone = copy.copy(fk)
        fk_clone.parent = clone
        fk_clone.constraint = None
        clone.foreign_keys.append(fk_clone)
    return clone
