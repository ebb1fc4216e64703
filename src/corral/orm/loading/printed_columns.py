"""Every column of a multi-column attribute in a printed ORM select.

A joined subclass's primary key attribute maps two columns (``engineer.id`` and
``employee.id``). corral loads it from one, but SQLAlchemy's printed SQL lists each column
an attribute maps, the subclass table's first (``SELECT engineer.id, employee.id AS id_1,
...``). ``str(statement)`` shows the statement that way; the statement that runs is
compiled apart and keeps one column per attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral.orm.mapping.attribute_join import AttributeJoin

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.sql.selectable import Select


def _extra_columns(mapper: Mapper) -> dict[int, list[Any]]:
    """By the column the ORM loads an attribute from: every column the attribute maps, in
    SQLAlchemy's order (only for attributes mapping more than one)."""
    out: dict[int, list[Any]] = {}
    for prop in mapper.column_attrs.values():
        if len(prop.columns) > 1:
            out[id(prop.expression)] = list(prop.columns)
    return out


def with_every_column(
    shown: Select,
    original: Select,
    mappers: list[Mapper | None],
    layout: list[tuple[tuple[str, ...] | None, int, int]] | None,
) -> Select:
    """``shown`` (the ORM select as printed) with each joined-inheritance entity's
    multi-column attributes listed column by column; ``layout`` is where each entity's
    columns sit in ``shown`` when a load plan rewrote it (None: ``shown`` is ``original``).
    Unchanged when no entity has such an attribute."""
    extra: dict[int, dict[int, list[Any]]] = {}  # by entity position
    for position, (raw, mapper) in enumerate(zip(original._raw_columns, mappers, strict=True)):
        if mapper is not None and isinstance(raw, AttributeJoin):
            found = _extra_columns(mapper)
            if found:
                extra[position] = found
    if not extra:
        return shown
    statement = shown._clone()
    columns: list[Any] = []
    if layout is None:
        for position, raw in enumerate(statement._raw_columns):
            if position not in extra or not isinstance(raw, AttributeJoin):
                columns.append(raw)
                continue
            columns.extend(c for own in raw.columns for c in extra[position].get(id(own), [own]))
            if not any(raw is f for existing in statement._from_obj for f in existing._covers()):
                statement._from_obj.insert(0, raw)  # its columns alone would not join it
    else:
        spans = {
            index: extra[entity]
            for entity, (_keys, start, width) in enumerate(layout)
            if entity in extra
            for index in range(start, start + width)
        }
        for index, column in enumerate(statement._raw_columns):
            by_column = spans.get(index)
            columns.extend([column] if by_column is None else by_column.get(id(column), [column]))
    statement._raw_columns = columns
    return statement
