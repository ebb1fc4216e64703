"""``Table(..., autoload_with=)`` and ``MetaData.reflect()``: Tables read from the database.

The questions go to the ``Inspector`` that ``corral.inspection.inspect(bind)`` gives
(the engine registers it); this layer only chooses the names and builds the Tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.inspection import inspect
from corral.sql.schema_names import table_key

if TYPE_CHECKING:
    from corral.sql.schema import MetaData, Table
    from corral.sql.schema_keywords import Reflection


def reflect_table(table: Table, reflection: Reflection | None) -> None:
    """Fill ``table`` from the database ``reflection.bind`` reaches (``autoload_with=``)."""
    if reflection is None:
        return
    try:
        inspector = inspect(reflection.bind)
    except exc.InvalidRequestError:
        inspector = None
    if not hasattr(inspector, "reflect_table"):
        raise exc.ArgumentError(
            f"Table {table.name!r}: autoload_with= takes an Engine or a Connection, got "
            f"{type(reflection.bind).__name__}"
        )
    inspector.reflect_table(table, reflection.include_columns, (), reflection.resolve_fks)


def reflect_metadata(
    metadata: MetaData,
    bind: Any,
    schema: str | None,
    views: bool,
    only: Sequence[str] | Callable[[str, MetaData], bool] | None,
    extend_existing: bool,
    autoload_replace: bool,
    resolve_fks: bool,
    dialect_kwargs: dict[str, Any],
) -> None:
    """Build the Tables ``MetaData.reflect()`` asks for (see its docstring)."""
    from corral.sql.schema import Table

    if dialect_kwargs:
        raise exc.ArgumentError(
            f"MetaData.reflect() does not take {', '.join(sorted(dialect_kwargs))}; corral "
            "reflects no dialect-specific options, so leave them out"
        )
    if autoload_replace is not True:
        raise exc.ArgumentError(
            "MetaData.reflect(autoload_replace=False) is not supported; tables this MetaData "
            "already has are kept as they are unless extend_existing=True"
        )
    in_schema = schema if schema is not None else metadata.schema
    inspector = inspect(bind)
    available = inspector.get_table_names(in_schema)
    if views:
        available += inspector.get_view_names(in_schema)
    if only is None:
        names = available
    elif callable(only):
        names = [name for name in available if only(name, metadata)]
    else:
        if isinstance(only, str):
            raise exc.ArgumentError("MetaData.reflect(only=) takes a list of table names")
        missing = [name for name in only if name not in available]
        if missing:
            raise exc.InvalidRequestError(
                f"MetaData.reflect(only=...): the database has no table {', '.join(missing)}; "
                f"it has {', '.join(available) or 'none'}"
            )
        names = list(only)
    for name in names:
        if table_key(name, in_schema) in metadata.tables and not extend_existing:
            continue
        Table(
            name,
            metadata,
            schema=in_schema,
            autoload_with=bind,
            extend_existing=extend_existing,
            resolve_fks=resolve_fks,
        )
