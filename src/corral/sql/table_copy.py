"""``Table.to_metadata()``: a copy of a table, with its own columns and constraints, in a
MetaData (the same one under a new name, or another).

The copy has new Column objects (types, defaults, flags and ``info`` carried over, ``info``
as a new dict), its primary key, foreign keys (referring to the same ``table.column``
names), unique and check constraints and indexes, each rebuilt on the new columns; the
constraints and indexes a column's ``unique=`` / ``index=`` flag made are made again by
those flags.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.elements import next_serial
from corral.sql.schema_names import table_key

if TYPE_CHECKING:
    from corral.sql.schema import Column, MetaData, Table


def copy_table(
    table: Table, metadata: MetaData, name: str | None = None, schema: str | None = None
) -> Table:
    """``table`` copied into ``metadata`` as ``name`` (its own name by default), in
    ``schema`` (None: the target MetaData's default schema)."""
    from corral.sql.schema import (
        CheckConstraint,
        Column,
        ForeignKeyConstraint,
        Index,
        PrimaryKeyConstraint,
        Table,
        UniqueConstraint,
    )

    new_name = name or table.name
    if table_key(new_name, schema or metadata.schema) in metadata.tables:
        raise exc.InvalidRequestError(
            f"Table.to_metadata(): the MetaData already has a table {new_name!r}; give "
            "name= another name"
        )
    items: list[Any] = [_column_copy(c) for c in table.columns if isinstance(c, Column)]
    primary_key = table.primary_key
    if primary_key.name is not None:
        items.append(PrimaryKeyConstraint(*_keys(primary_key.columns), name=primary_key.name))
    for constraint in table.constraints:
        common: dict[str, Any] = {"name": constraint.name, "info": dict(constraint.info)}
        common.update(constraint.dialect_kwargs)
        if isinstance(constraint, ForeignKeyConstraint):
            items.append(
                ForeignKeyConstraint(
                    _keys(constraint.columns),
                    [fk.target for fk in constraint.elements],
                    ondelete=constraint.ondelete,
                    onupdate=constraint.onupdate,
                    use_alter=constraint.use_alter,
                    match=constraint.match,
                    deferrable=constraint.deferrable,
                    initially=constraint.initially,
                    **common,
                )
            )
        elif isinstance(constraint, UniqueConstraint):
            if not _made_by_flag(constraint):
                items.append(
                    UniqueConstraint(
                        *_keys(constraint.columns),
                        deferrable=constraint.deferrable,
                        initially=constraint.initially,
                        **common,
                    )
                )
        elif isinstance(constraint, CheckConstraint):
            items.append(CheckConstraint(constraint.sqltext, **common))
    for index in table.indexes:
        if index.name == f"ix_{table.name}_{_single_name(index.columns)}" and all(
            column.index for column in index.columns
        ):
            continue  # made again by the column's index=True
        index_name = index.name
        if index_name.startswith(f"ix_{table.name}_") and name:
            index_name = f"ix_{new_name}_" + index_name.removeprefix(f"ix_{table.name}_")
        items.append(
            Index(
                index_name,
                *_keys(index.columns),
                unique=index.unique,
                info=dict(index.info),
                **index.dialect_kwargs,
            )
        )
    return Table(
        new_name,
        metadata,
        *items,
        schema=schema,
        comment=table.comment,
        info=dict(table.info),
        prefixes=list(table.prefixes),
        **table.dialect_kwargs,
    )


def _column_copy(column: Column) -> Column:
    clone = copy.copy(column)
    clone._serial = next_serial()
    clone.table = None
    clone.foreign_keys = []  # the table's ForeignKeyConstraints are copied whole
    clone.info = dict(column.info)
    clone.primary_key = column.primary_key
    return clone


def _keys(columns: list[Column]) -> list[str]:
    return [column.key for column in columns]


def _single_name(columns: list[Column]) -> str:
    return columns[0].name if len(columns) == 1 else ""


def _made_by_flag(constraint: Any) -> bool:
    """Whether a UNIQUE constraint is the one a column's ``unique=True`` made."""
    columns = constraint.columns
    return constraint.name is None and len(columns) == 1 and bool(columns[0].unique)


__all__ = ["copy_table"]
