"""Changing a ``Table`` after it is built: ``Table.append_column()`` and
``Table.append_constraint()``.

A column added later is treated as one given to ``Table()``: its ``ForeignKey``\\ s become
foreign key constraints, ``unique=True`` a unique constraint, ``index=True`` an index and
``primary_key=True`` a member of the primary key. With ``replace_existing=True`` a column of
the same key takes the old one's place (the old one leaves the primary key and the
constraints and index its own flags made); a constraint naming the old column by itself
would be left pointing at a column no longer in the table, so that is refused.

Statements over the table are cached by the table's identity; a change gives the table a new
one so no statement compiled before the change is reused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.elements import next_serial

if TYPE_CHECKING:
    from corral.sql.schema import Column, Constraint, Index, Table


def attach_column_flags(table: Table, column: Column) -> None:
    """The constraints and index ``column``'s own arguments stand for (``ForeignKey``,
    ``unique=True``, ``index=True``), added to ``table``."""
    from corral.sql.schema import ForeignKeyConstraint, Index, UniqueConstraint

    for fk in column.foreign_keys:
        if fk.constraint is None:
            table.constraints.add(ForeignKeyConstraint._from_foreign_key(fk, column, table))
    if column.unique:
        unique = UniqueConstraint(column)
        unique._set_table(table)
        table.constraints.add(unique)
    if column.index:
        Index(f"ix_{table.name}_{column.name}", column)  # attaches itself to the table


def append_column(table: Table, column: Column, replace_existing: bool) -> None:
    """Add ``column`` to ``table`` (see the module's docstring)."""
    from corral.sql.schema import Table

    what = f"Table {table.name!r}.append_column()"
    if not column.name:
        raise exc.ArgumentError(f"{what}: the column has no name; give Column() a name")
    if isinstance(column.table, Table):
        raise exc.ArgumentError(
            f"{what}: column {column.name!r} already belongs to table {column.table.name!r}; "
            "give each table its own Column objects"
        )
    key = column.key or column.name
    existing = table.columns.get(key)
    if existing is None:
        existing = next((c for c in table.columns if getattr(c, "name", None) == column.name), None)
    if existing is not None and not replace_existing:
        raise exc.ArgumentError(
            f"{what}: the table already has a column {column.name!r}; pass "
            "replace_existing=True to replace it"
        )
    if existing is not None:
        _check_replaceable(table, existing, what)
        _detach(table, existing, key)
    column.table = table
    table._columns.add(key, column)  # an old column's key keeps its place
    if column.primary_key:
        table.primary_key.columns.append(column)
        column.nullable = False
    attach_column_flags(table, column)
    table._serial = next_serial()


def _check_replaceable(table: Table, old: Any, what: str) -> None:
    made_by_flags = _flag_made(table, old)
    for item in [*table.constraints, *table.indexes]:
        if item in made_by_flags:
            continue
        if any(c is old for c in getattr(item, "columns", ())):
            name = getattr(item, "name", None)
            described = f"{type(item).__name__} {name!r}" if name else type(item).__name__
            raise exc.ArgumentError(
                f"{what}: column {old.name!r} is named by the table's {described}; replacing "
                "the column would leave it naming a column no longer there. Remove it first "
                "(table.constraints.discard(...) / table.indexes.remove(...))"
            )


def _flag_made(table: Table, column: Any) -> list[Any]:
    """The constraints and index made by ``column``'s own flags."""
    from corral.sql.schema import ForeignKeyConstraint, UniqueConstraint

    made: list[Any] = []
    for constraint in table.constraints:
        only_this = [*getattr(constraint, "columns", ())] == [column]
        if isinstance(constraint, ForeignKeyConstraint) and only_this:
            if any(fk.constraint is constraint for fk in column.foreign_keys):
                made.append(constraint)
        elif isinstance(constraint, UniqueConstraint) and only_this and column.unique:
            made.append(constraint)
    made.extend(
        index
        for index in table.indexes
        if column.index and index.name == f"ix_{table.name}_{column.name}"
    )
    return made


def _detach(table: Table, old: Any, new_key: str) -> None:
    for item in _flag_made(table, old):
        if item in table.indexes:
            table.indexes.remove(item)
        else:
            table.constraints.discard(item)
    table.primary_key.columns = [c for c in table.primary_key.columns if c is not old]
    old_key = table.columns.key_for(old.name)
    if old_key != new_key:
        del table._columns._columns[old_key]


def append_constraint(table: Table, constraint: Constraint | Index) -> None:
    """Add ``constraint`` (or an ``Index``) to ``table``; a ``PrimaryKeyConstraint``
    becomes the table's primary key."""
    from corral.sql.schema import Constraint, Index, PrimaryKeyConstraint

    if isinstance(constraint, Index):
        constraint._set_table(table)
        if constraint not in table.indexes:
            table.indexes.append(constraint)
    elif isinstance(constraint, PrimaryKeyConstraint):
        constraint._set_table(table)
        for column in table.primary_key.columns:
            column.primary_key = False
        table.primary_key = constraint
        for column in constraint.columns:
            column.primary_key = True
            column.nullable = False
    elif isinstance(constraint, Constraint):
        constraint._set_table(table)
        table.constraints.add(constraint)
    else:
        raise exc.ArgumentError(
            f"Table {table.name!r}.append_constraint() takes a Constraint or an Index, got "
            f"{constraint!r}"
        )
    table._serial = next_serial()
