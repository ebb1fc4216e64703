"""How schema-qualified names are spelled and resolved: a MetaData's table keys
(``"schema.table"``) and the targets of ``ForeignKey("schema.table.column")``.

A table in a schema is keyed ``schema.name`` in ``MetaData.tables``; a table in the
connection's default schema by its name alone. A foreign key naming ``table.column``
(two parts) refers to a table in the MetaData's default schema (``MetaData(schema=)``),
as SQLAlchemy reads it; three parts name the schema themselves.
"""

from __future__ import annotations

from typing import Any

from corral import exc


def table_key(name: str, schema: str | None) -> str:
    """The key of table ``name`` in ``schema`` in ``MetaData.tables``."""
    return f"{schema}.{name}" if schema is not None else name


def table_schema(kwargs: dict[str, Any], metadata: Any, what: str) -> str | None:
    """The schema a ``Table()`` is in: its ``schema=``, else the MetaData's default."""
    if kwargs.pop("quote_schema", None) is not None:
        raise exc.ArgumentError(
            f"{what}: quote_schema= is not supported; corral quotes a schema name exactly "
            "when it needs it (reserved words, capitals, other characters), so leave it out"
        )
    schema = kwargs.pop("schema", None)
    if schema is None:
        return getattr(metadata, "schema", None)
    if not isinstance(schema, str) or not schema:
        raise exc.ArgumentError(f"{what}: schema= takes a schema name (a string), got {schema!r}")
    return schema


def metadata_schema(schema: str | None, quote_schema: bool | None) -> str | None:
    """``MetaData(schema=)``: the schema of its tables that name none."""
    if quote_schema is not None:
        raise exc.ArgumentError(
            "MetaData(): quote_schema= is not supported; corral quotes a schema name exactly "
            "when it needs it, so leave it out"
        )
    if schema is not None and (not isinstance(schema, str) or not schema):
        raise exc.ArgumentError(f"MetaData(): schema= takes a schema name, got {schema!r}")
    return schema


def foreign_key_target(target: str, default_schema: str | None) -> tuple[str, str]:
    """The MetaData key of the table ``target`` (``[schema.]table.column``) refers to, and
    the column's name; a target without a schema is in ``default_schema``."""
    parts = target.split(".")
    if len(parts) == 2:
        return table_key(parts[0], default_schema), parts[1]
    if len(parts) == 3:
        return table_key(parts[1], parts[0]), parts[2]
    raise exc.ArgumentError(
        f"ForeignKey({target!r}) must name 'table.column' or 'schema.table.column'"
    )
