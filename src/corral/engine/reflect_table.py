"""Filling a ``Table`` from what an ``Inspector`` reads (``Table(..., autoload_with=)``).

Columns the Table was given explicitly stay as given (they override the reflected
ones of the same name); the others are added in the database's order, then the
primary key, foreign keys (with the tables they refer to reflected into the same
MetaData, unless ``resolve_fks=False``), UNIQUE and CHECK constraints, indexes and
the comment.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from corral.engine.reflected import ReflectedColumn
from corral.sql.schema import (
    CheckConstraint,
    Column,
    Constraint,
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from corral.sql.schema_names import table_key
from corral.sql.text import text

if TYPE_CHECKING:
    from corral.engine.reflection import Inspector


def _column(reflected: ReflectedColumn) -> Column:
    default = reflected["default"]
    return Column(
        reflected["name"],
        reflected["type"],
        nullable=reflected["nullable"],
        server_default=text(default) if default is not None else None,
        autoincrement=reflected["autoincrement"],
        comment=reflected["comment"],
    )


def _add_constraint(table: Table, constraint: Constraint) -> None:
    """Add ``constraint`` unless the table has one of its kind on the same columns (a
    second reflection, with ``extend_existing``, adds nothing twice)."""
    constraint._set_table(table)
    for existing in table.constraints:
        if type(existing) is type(constraint) and _signature(existing) == _signature(constraint):
            return
    table.constraints.add(constraint)


def _signature(constraint: Constraint) -> tuple[object, ...]:
    if isinstance(constraint, CheckConstraint):
        return (str(getattr(constraint.sqltext, "text", constraint.sqltext)),)
    return tuple(getattr(constraint, "columns", ()))


def fill_table(
    inspector: Inspector,
    table: Table,
    include_columns: Collection[str] | None,
    exclude_columns: Collection[str],
    resolve_fks: bool,
) -> None:
    """Add what the database has for ``table`` to it (see the module's docstring)."""
    name = table.name
    # The schema the connection's schema_translate_map puts the table in (None: default).
    schema = inspector.bind.schema_for_object(table)
    given = {column.name for column in table.columns if isinstance(column, Column)}
    for reflected in inspector.get_columns(name, schema):
        column_name = reflected["name"]
        if include_columns is not None and column_name not in include_columns:
            continue
        if column_name in exclude_columns or column_name in given:
            continue
        column = _column(reflected)
        column.table = table
        table.columns.add(column_name, column)
    present = {column.name: column for column in table.columns if isinstance(column, Column)}

    primary_key = inspector.get_pk_constraint(name, schema)
    pk_columns = [present[c] for c in primary_key["constrained_columns"] if c in present]
    if pk_columns:
        constraint = PrimaryKeyConstraint(*pk_columns, name=primary_key["name"])
        constraint._set_table(table)
        table.primary_key = constraint
        for column in pk_columns:  # nullable stays as the database reports it
            column.primary_key = True

    metadata = table.metadata
    for fk in inspector.get_foreign_keys(name, schema):
        columns = fk["constrained_columns"]
        if not all(c in present for c in columns):
            continue
        referred = fk["referred_table"]
        # A table in the same schema as this one is named as this one is (the schema as
        # the Table gives it, before schema_translate_map); another schema by its name.
        referred_schema = fk["referred_schema"]
        if referred_schema in (None, schema):
            referred_schema = table.schema
        if resolve_fks and table_key(referred, referred_schema) not in metadata.tables:
            Table(referred, metadata, schema=referred_schema, autoload_with=inspector.bind)
        prefix = table_key(referred, referred_schema)
        options = fk["options"]
        _add_constraint(
            table,
            ForeignKeyConstraint(
                list(columns),
                [f"{prefix}.{c}" for c in fk["referred_columns"]],
                name=fk["name"],
                ondelete=options.get("ondelete"),
                onupdate=options.get("onupdate"),
            ),
        )

    for unique in inspector.get_unique_constraints(name, schema):
        if all(c in present for c in unique["column_names"]):
            _add_constraint(table, UniqueConstraint(*unique["column_names"], name=unique["name"]))

    for check in inspector.get_check_constraints(name, schema):
        _add_constraint(table, CheckConstraint(check["sqltext"], name=check["name"]))

    known_indexes = {index.name for index in table.indexes}
    for index in inspector.get_indexes(name, schema):
        names = index["column_names"]
        if "duplicates_constraint" in index or index["name"] in known_indexes:
            continue
        if all(c in present for c in names):
            # An Index given the table's Column objects attaches itself to the table.
            Index(index["name"], *(present[c] for c in names), unique=index["unique"])

    if table.comment is None:  # a comment given to Table() stays
        table.comment = inspector.get_table_comment(name, schema)["text"]
