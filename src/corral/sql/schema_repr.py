"""Helpers of schema objects kept apart from ``corral.sql.schema``: SQLAlchemy-style reprs
and ``Index.create()`` / ``.drop()``, which reach the DDL layer lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral.sql.from_clause import TableClause

if TYPE_CHECKING:
    from corral.sql.schema import Column, Index


def column_repr(column: Column) -> str:
    """``Column('name', String(length=30), table=<users>, nullable=False)``, as SQLAlchemy
    writes it."""
    table = column.table
    shown = [repr(column.name), repr(column.type), *(repr(fk) for fk in column.foreign_keys)]
    shown.append(f"table=<{table.name}>" if isinstance(table, TableClause) else "table=None")
    options = {
        "key": column.key != column.name,
        "primary_key": column.primary_key,
        "nullable": not column.nullable,
        "comment": column.comment is not None,
    }
    shown += [f"{k}={getattr(column, k)!r}" for k, wanted in options.items() if wanted]
    return f"Column({', '.join(shown)})"


def index_ddl(bind: Any, index: Index, action: str, checkfirst: bool) -> None:
    """``Index.create()`` / ``.drop()``."""
    from corral.sql.ddl import index_ddl as run

    run(bind, index, action, checkfirst)


def table_repr(table: Any) -> str:
    """``Table('name', MetaData(), Column(...), ..., schema=None)``, as SQLAlchemy shows a
    table (programs print it); corral has no schemas yet."""
    parts = [repr(table.name), repr(table.metadata), *(repr(c) for c in table.columns)]
    return f"Table({', '.join(parts)}, schema=None)"
