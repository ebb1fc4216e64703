"""PostgreSQL's catalog, read for ``inspect(engine)``: ``pg_catalog`` queries.

A name without ``schema=`` is looked up in ``current_schema()``. Types come from
``format_type()`` and map to corral's (``character varying(30)`` is
``VARCHAR(30)``, ``timestamp with time zone`` is ``TIMESTAMP(timezone=True)``, an
enum type is ``ENUM(..., name=...)`` with its labels in order, ``integer[]`` is
``ARRAY(INTEGER)``); a type corral does not know reads as ``NullType``. Identity and
``serial`` columns report ``autoincrement`` True.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.dialects.postgresql.types import ARRAY, CIDR, ENUM, INET, JSON, JSONB, UUID
from corral.engine.reflected import (
    DialectReflection,
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedEnum,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
    ReflectedUniqueConstraint,
    foreign_key_options,
)
from corral.sql import standard_types as std
from corral.sql.type_api import NULLTYPE, TypeEngine
from corral.sql.types import Interval

if TYPE_CHECKING:
    from corral.engine.base import Connection

_TYPES: dict[str, type[TypeEngine]] = {
    "integer": std.INTEGER,
    "bigint": std.BIGINT,
    "smallint": std.SMALLINT,
    "character varying": std.VARCHAR,
    "character": std.CHAR,
    "text": std.TEXT,
    "boolean": std.BOOLEAN,
    "numeric": std.NUMERIC,
    "real": std.REAL,
    "double precision": std.DOUBLE_PRECISION,
    "date": std.DATE,
    "timestamp without time zone": std.TIMESTAMP,
    "time without time zone": std.TIME,
    "time with time zone": std.TIME,
    "interval": Interval,
    "bytea": std.BLOB,
    "json": JSON,
    "jsonb": JSONB,
    "uuid": UUID,
    "inet": INET,
    "cidr": CIDR,
}
_FORMAT = re.compile(r"^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?( with time zone| without time zone)?$")
_ACTIONS = {"a": None, "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

#: A table of the schema asked for (``{schema}`` filled with the condition on n.nspname).
_RELATION = (
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = :table AND {schema}"
)


def column_type(formatted: str, enum_labels: list[str] | None, type_name: str) -> TypeEngine:
    """The corral type of a column whose ``format_type()`` is ``formatted``."""
    if enum_labels is not None:
        return ENUM(*enum_labels, name=type_name)
    if formatted.endswith("[]"):
        item = column_type(formatted.rstrip("[]"), None, "")
        if item is NULLTYPE:
            return NULLTYPE
        dimensions = formatted.count("[]")
        return ARRAY(item, dimensions=dimensions) if dimensions > 1 else ARRAY(item)
    match = _FORMAT.match(formatted)
    if match is None:
        return NULLTYPE
    name, first, second, zone = match.groups()
    if name == "timestamp" or (zone == " with time zone" and name.startswith("timestamp")):
        return std.TIMESTAMP(timezone=zone == " with time zone")
    if zone is not None:
        name += zone
    kind = _TYPES.get(name)
    if kind is None:
        return NULLTYPE
    if kind in (std.VARCHAR, std.CHAR) and first is not None:
        return kind(int(first))
    if kind is std.NUMERIC and first is not None:
        return std.NUMERIC(int(first), int(second) if second is not None else None)
    return kind()


class PostgreSQLReflection(DialectReflection):
    """The catalog queries of PostgreSQL."""

    def _schema(self, schema: str | None, column: str = "n.nspname") -> str:
        return f"{column} = current_schema()" if schema is None else f"{column} = :schema"

    def _relation(self, schema: str | None) -> str:
        return _RELATION.format(schema=self._schema(schema))

    def default_schema_name(self, connection: Connection) -> str | None:
        return str(connection.exec_driver_sql("SELECT current_schema()").scalar())

    def schema_names(self, connection: Connection) -> list[str]:
        sql = (
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg~_%' "
            "ESCAPE '~' AND nspname <> 'information_schema' ORDER BY nspname"
        )
        return [row[0] for row in self.rows(connection, sql)]

    def _names(self, connection: Connection, kinds: str, schema: str | None) -> list[str]:
        sql = (
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE c.relkind IN ({kinds}) AND {self._schema(schema)} "
            "ORDER BY c.relname"
        )
        return [row[0] for row in self.rows(connection, sql, schema=schema)]

    def table_names(self, connection: Connection, schema: str | None) -> list[str]:
        return self._names(connection, "'r', 'p', 'f'", schema)

    def view_names(self, connection: Connection, schema: str | None) -> list[str]:
        return self._names(connection, "'v', 'm'", schema)

    def view_definition(self, connection: Connection, view: str, schema: str | None) -> str:
        sql = f"SELECT pg_catalog.pg_get_viewdef(c.oid) {self._relation(schema)}"
        rows = self.rows(connection, sql, table=view, schema=schema)
        if not rows:
            raise exc.NoSuchTableError(f"The database has no view {view!r}")
        return str(rows[0][0])

    def has_table(self, connection: Connection, table: str, schema: str | None) -> bool:
        sql = f"SELECT 1 {self._relation(schema)} AND c.relkind IN ('r', 'p', 'f', 'v', 'm')"
        return bool(self.rows(connection, sql, table=table, schema=schema))

    def _enum_labels(self, connection: Connection) -> dict[int, list[str]]:
        sql = "SELECT enumtypid, enumlabel FROM pg_catalog.pg_enum ORDER BY enumsortorder"
        labels: dict[int, list[str]] = {}
        for type_oid, label in self.rows(connection, sql):
            labels.setdefault(type_oid, []).append(label)
        return labels

    def enums(self, connection: Connection, schema: str | None) -> list[ReflectedEnum]:
        where = "" if schema == "*" else f"AND {self._schema(schema)} "
        sql = (
            "SELECT t.typname, n.nspname, pg_catalog.pg_type_is_visible(t.oid), "
            "ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid "
            "ORDER BY e.enumsortorder) "
            "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
            f"WHERE t.typtype = 'e' {where}ORDER BY n.nspname, t.typname"
        )
        return [
            {"name": name, "schema": nsp, "visible": visible, "labels": list(labels)}
            for name, nsp, visible, labels in self.rows(connection, sql, schema=schema)
        ]

    def columns(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedColumn]:
        sql = (
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, "
            "pg_catalog.col_description(c.oid, a.attnum), a.atttypid, t.typname "
            "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
            "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            f"WHERE c.relname = :table AND {self._schema(schema)} AND a.attnum > 0 "
            "AND NOT a.attisdropped ORDER BY a.attnum"
        )
        enums = self._enum_labels(connection)
        columns: list[ReflectedColumn] = []
        for name, formatted, notnull, default, identity, comment, type_oid, type_name in self.rows(
            connection, sql, table=table, schema=schema
        ):
            serial = default is not None and default.startswith("nextval(")
            columns.append(
                {
                    "name": name,
                    "type": column_type(formatted, enums.get(type_oid), type_name),
                    "nullable": not notnull,
                    "default": default,
                    "autoincrement": bool(identity) or serial,
                    "comment": comment,
                }
            )
        return columns

    def _constraints(
        self, connection: Connection, table: str, schema: str | None, kind: str
    ) -> list[tuple[str, list[str], Any]]:
        """Constraints of one kind: name, columns in order, and the pg_constraint row."""
        sql = (
            "SELECT con.conname, "
            "ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num "
            "ORDER BY k.ord), "
            "ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num "
            "ORDER BY k.ord), "
            "rc.relname, rn.nspname, con.confupdtype, con.confdeltype, "
            "pg_catalog.pg_get_constraintdef(con.oid, true), rn.nspname = current_schema() "
            "FROM pg_catalog.pg_constraint con "
            "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
            "LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
            f"WHERE c.relname = :table AND {self._schema(schema)} AND con.contype = :kind "
            "ORDER BY con.conname"
        )
        rows = self.rows(connection, sql, table=table, schema=schema, kind=kind)
        return [(row[0], list(row[1]), row) for row in rows]

    def pk_constraint(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedPrimaryKeyConstraint:
        found = self._constraints(connection, table, schema, "p")
        if not found:
            return {"constrained_columns": [], "name": None}
        name, columns, _ = found[0]
        return {"constrained_columns": columns, "name": name}

    def foreign_keys(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedForeignKeyConstraint]:
        result: list[ReflectedForeignKeyConstraint] = []
        for name, columns, row in self._constraints(connection, table, schema, "f"):
            referred_columns, referred, referred_schema, on_update, on_delete, _, in_default = row[
                2:
            ]
            result.append(
                {
                    "name": name,
                    "constrained_columns": columns,
                    "referred_schema": None if in_default else referred_schema,
                    "referred_table": referred,
                    "referred_columns": list(referred_columns),
                    "options": foreign_key_options(
                        _ACTIONS.get(on_delete), _ACTIONS.get(on_update)
                    ),
                }
            )
        return result

    def unique_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedUniqueConstraint]:
        found = self._constraints(connection, table, schema, "u")
        return [{"name": name, "column_names": columns} for name, columns, _ in found]

    def check_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedCheckConstraint]:
        result: list[ReflectedCheckConstraint] = []
        for name, _, row in self._constraints(connection, table, schema, "c"):
            definition = re.sub(r"^CHECK\s*\((.*)\)( NOT VALID)?$", r"\1", row[7], flags=re.S)
            result.append({"name": name, "sqltext": definition})
        return result

    def indexes(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedIndex]:
        sql = (
            "SELECT ic.relname, i.indisunique, "
            "ARRAY(SELECT a.attname "
            "FROM unnest(CAST(i.indkey AS int2[])) WITH ORDINALITY k(num, ord) "
            "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num "
            "ORDER BY k.ord), con.conname "
            "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
            "LEFT JOIN pg_catalog.pg_constraint con "
            "ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x') "
            f"WHERE c.relname = :table AND {self._schema(schema)} AND NOT i.indisprimary "
            "AND (con.contype IS NULL OR con.contype = 'u') ORDER BY ic.relname"
        )
        result: list[ReflectedIndex] = []
        for name, unique, columns, constraint in self.rows(
            connection, sql, table=table, schema=schema
        ):
            index: ReflectedIndex = {
                "name": name,
                "column_names": list(columns),
                "unique": unique,
                "dialect_options": {},
            }
            if constraint is not None:
                index["duplicates_constraint"] = constraint
            result.append(index)
        return result

    def table_comment(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedTableComment:
        sql = f"SELECT pg_catalog.obj_description(c.oid, 'pg_class') {self._relation(schema)}"
        rows = self.rows(connection, sql, table=table, schema=schema)
        return {"text": rows[0][0] if rows else None}
