"""``__mapper_args__`` keys that restate or rename what declarative mapping finds itself:
``inherits`` (the mapped parent class, or its mapper) and ``properties`` (attribute name ->
column(s) of the class's table, as SQLAlchemy's classical mapping takes them).

``inherits`` must name the class the bases already make the parent (corral takes the parent
from the bases); ``None`` says the class has none. ``properties`` maps a table column under
another attribute name (the column is then keyed by it in its table, as a declarative
``Column("name")`` under another attribute is); a tuple of columns is accepted when it is
the class's own column followed by the inherited columns of the same attribute, which is
how a joined subclass maps a column of its parent's name anyway. ``column_property(own,
Parent.id)`` says the same in a class body and is checked here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corral import exc

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.sql.schema import Column


def check_inherits(cls: type, args: dict[str, Any], parent: Mapper | None) -> None:
    """Take ``inherits`` out of ``args``; refuse one that is not the parent the bases give."""
    if "inherits" not in args:
        return
    given = args.pop("inherits")
    target = getattr(given, "__mapper__", given) if isinstance(given, type) else given
    if target is parent:
        return
    expected = parent.class_.__name__ if parent is not None else "no mapped class"
    raise exc.MappingError(
        f"{cls.__name__}.__mapper_args__['inherits'] is {given!r}, but {cls.__name__}'s bases "
        f"make it inherit from {expected}; corral takes the parent from the class's bases: "
        "derive the class from the one it inherits"
    )


def apply_properties(
    cls: type, args: dict[str, Any], columns: dict[str, Column], parent: Mapper | None
) -> set[str]:
    """Take ``properties`` out of ``args`` and rename ``columns`` entries as it says; the
    attribute names it gives."""
    properties = args.pop("properties", None) or {}
    if not isinstance(properties, dict):
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__['properties'] takes a dict of attribute name -> "
            f"column(s), got {properties!r}"
        )
    for key, value in properties.items():
        given = list(value) if isinstance(value, tuple | list) else [value]
        given = [getattr(c, "expression", c) for c in given]  # a ColumnProperty's column
        own = [c for c in given if any(c is mapped for mapped in columns.values())]
        rest = [c for c in given if c not in own]
        if len(own) != 1 or not _inherited(parent, key, rest):
            raise exc.MappingError(
                f"{cls.__name__}.__mapper_args__['properties'][{key!r}] is {value!r}; corral "
                "maps a property to one column of the class's table (optionally followed by "
                "the inherited column of the same attribute name)"
            )
        column = own[0]
        old_key = next(k for k, c in columns.items() if c is column)
        if old_key != key:
            del columns[old_key]
            columns[key] = column
            rekey_columns(column.table, {id(column): key})
    return set(properties)


def rekey_columns(table: Any, keys: dict[int, str]) -> None:
    """Key columns of ``table`` (by id) by their attributes, as a declarative
    ``Column("name")`` under another attribute is (``table.c.<name>`` still finds it)."""
    entries = [(keys.get(id(c), k), c) for k, c in table.columns.items()]
    table._columns = type(table.columns)(f"Table {table.name!r}")
    for entry_key, entry in entries:
        table._columns.add(entry_key, entry)
    for column in table.columns:
        key = keys.get(id(column))
        if key is not None:
            column.key = key
            column.keyed_by_attribute = column.name != key


def check_inherited_columns(
    cls: type, columns: dict[str, Column], parent: Mapper | None
) -> set[str]:
    """Check each ``column_property(own, *inherited)`` of the class: the inherited columns
    must be what the parent maps under the attribute the own column takes. The attribute
    names of those that name inherited columns."""
    from corral.orm.mapping.column_property import take_inherited_columns

    named: set[str] = set()
    for key, column in columns.items():
        inherited = take_inherited_columns(column)
        if inherited:
            named.add(key)
        if inherited and not _inherited(parent, key, inherited):
            raise exc.MappingError(
                f"{cls.__name__}.{key} = column_property(Column(...), ...): corral maps a "
                "column with columns of its parent only when they are the parent's column "
                f"for the same attribute {key!r}; name the own column after that attribute "
                "and pass Parent.<attribute>"
            )
    return named


def _inherited(parent: Mapper | None, key: str, columns: Sequence[Any]) -> bool:
    """Whether each of ``columns`` is one the parent maps under ``key``."""
    if not columns:
        return True
    if parent is None or key not in parent.columns_by_key:
        return False
    mapped = parent.column_attrs[key].columns
    return all(any(c is m for m in mapped) for c in columns)
