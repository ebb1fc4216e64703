"""SQLite's catalog, read for ``inspect(engine)``: ``sqlite_master`` and the PRAGMAs.

Columns, foreign keys and indexes come from ``PRAGMA table_xinfo``,
``foreign_key_list``, ``index_list`` and ``index_info``. SQLite keeps no names of
constraints nor CHECK conditions anywhere but in the ``CREATE TABLE`` text, so those
are read from it. Declared type names map to corral's types; a name corral does
not know takes the type of its SQLite affinity (``INT`` in it: INTEGER; ``CHAR``,
``CLOB`` or ``TEXT``: TEXT; ``REAL``, ``FLOA`` or ``DOUB``: REAL; else NUMERIC).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.dialects.sqlite.types import JSON
from corral.engine.reflected import (
    DialectReflection,
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
    ReflectedUniqueConstraint,
    foreign_key_options,
)
from corral.sql import standard_types as std
from corral.sql.type_api import NULLTYPE, TypeEngine
from corral.sql.types import Interval, Uuid

if TYPE_CHECKING:
    from corral.engine.base import Connection

#: Declared type names (upper case, without length) and the corral type each means.
_TYPES: dict[str, type[TypeEngine]] = {
    "INTEGER": std.INTEGER,
    "INT": std.INTEGER,
    "BIGINT": std.BIGINT,
    "SMALLINT": std.SMALLINT,
    "VARCHAR": std.VARCHAR,
    "NVARCHAR": std.VARCHAR,
    "CHARACTER VARYING": std.VARCHAR,
    "CHAR": std.CHAR,
    "NCHAR": std.CHAR,
    "CHARACTER": std.CHAR,
    "TEXT": std.TEXT,
    "CLOB": std.TEXT,
    "BOOLEAN": std.BOOLEAN,
    "BOOL": std.BOOLEAN,
    "NUMERIC": std.NUMERIC,
    "DECIMAL": std.DECIMAL,
    "FLOAT": std.FLOAT,
    "REAL": std.REAL,
    "DOUBLE": std.DOUBLE,
    "DOUBLE PRECISION": std.DOUBLE_PRECISION,
    "DATE": std.DATE,
    "DATETIME": std.DATETIME,
    "TIMESTAMP": std.TIMESTAMP,
    "TIME": std.TIME,
    "BLOB": std.BLOB,
    "JSON": JSON,
    "UUID": Uuid,
    "INTERVAL": Interval,
}
_TYPE_PATTERN = re.compile(r"^\s*([A-Za-z_][\w ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$")
#: An identifier in CREATE TABLE text: "quoted", `quoted`, [quoted] or bare.
_NAME = r'(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|(\w+))'


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unquote(match: re.Match[str], first: int) -> str:
    for group in range(first, first + 4):
        value = match.group(group)
        if value is not None:
            return value.replace('""', '"') if group == first else value
    raise AssertionError("an identifier pattern matched nothing")


def _split_names(text: str) -> list[str]:
    return [_unquote(m, 1) for m in re.finditer(_NAME, text)]


def column_type(declared: str) -> TypeEngine:
    """The corral type a declared SQLite type name means (its affinity's if unknown)."""
    if not declared.strip():
        return NULLTYPE
    match = _TYPE_PATTERN.match(declared)
    name = " ".join(match.group(1).upper().split()) if match else declared.upper()
    numbers = [int(n) for n in (match.groups()[1:] if match else ()) if n is not None]
    kind = _TYPES.get(name)
    if kind is None:
        if "INT" in name:
            return std.INTEGER()
        if any(word in name for word in ("CHAR", "CLOB", "TEXT")):
            return std.TEXT()
        if any(word in name for word in ("REAL", "FLOA", "DOUB")):
            return std.REAL()
        return std.NUMERIC()
    if issubclass(kind, std.VARCHAR | std.CHAR | std.TEXT | std.BLOB) and numbers:
        return kind(numbers[0])
    if issubclass(kind, std.NUMERIC | std.DECIMAL) and numbers:
        return kind(*numbers)  # type: ignore[arg-type]
    return kind()


def _balanced(text: str, start: int) -> int:
    """The index just past the parenthesis closing the one at ``text[start]``."""
    depth = 0
    quote: str | None = None
    for index in range(start, len(text)):
        char = text[index]
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


class SQLiteReflection(DialectReflection):
    """The catalog queries of SQLite (``schema`` names an attached database)."""

    def _prefix(self, schema: str | None) -> str:
        return f"{_quote(schema)}." if schema is not None else "main."

    def _pragma(self, connection: Connection, pragma: str, name: str, schema: str | None) -> Any:
        sql = f"PRAGMA {self._prefix(schema)}{pragma}({_quote(name)})"
        return connection.exec_driver_sql(sql).all()

    def _names(self, connection: Connection, kind: str, schema: str | None) -> list[str]:
        sql = (
            f"SELECT name FROM {self._prefix(schema)}sqlite_master WHERE type = :kind "
            "AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name"
        )
        return [row[0] for row in self.rows(connection, sql, kind=kind)]

    def _sql(self, connection: Connection, table: str, schema: str | None) -> str:
        sql = f"SELECT sql FROM {self._prefix(schema)}sqlite_master WHERE name = :name"
        rows = self.rows(connection, sql, name=table)
        return rows[0][0] or "" if rows else ""

    def default_schema_name(self, connection: Connection) -> str | None:
        return "main"

    def schema_names(self, connection: Connection) -> list[str]:
        rows = connection.exec_driver_sql("PRAGMA database_list").all()
        return [row[1] for row in rows if row[1] != "temp"]

    def table_names(self, connection: Connection, schema: str | None) -> list[str]:
        return self._names(connection, "table", schema)

    def view_names(self, connection: Connection, schema: str | None) -> list[str]:
        return self._names(connection, "view", schema)

    def view_definition(self, connection: Connection, view: str, schema: str | None) -> str:
        if view not in self.view_names(connection, schema):
            raise exc.NoSuchTableError(f"The database has no view {view!r}")
        return self._sql(connection, view, schema)

    def has_table(self, connection: Connection, table: str, schema: str | None) -> bool:
        if schema is not None and schema not in self.schema_names(connection):
            return False
        sql = (
            f"SELECT name FROM {self._prefix(schema)}sqlite_master "
            "WHERE type IN ('table', 'view') AND name = :name"
        )
        return bool(self.rows(connection, sql, name=table))

    def columns(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedColumn]:
        rows = [r for r in self._pragma(connection, "table_xinfo", table, schema) if r[6] != 1]
        pk_count = sum(1 for row in rows if row[5])
        columns: list[ReflectedColumn] = []
        for _cid, name, declared, notnull, default, pk, _hidden in rows:
            rowid = pk_count == 1 and bool(pk) and declared.upper() == "INTEGER"
            columns.append(
                {
                    "name": name,
                    "type": column_type(declared),
                    "nullable": not notnull,
                    "default": default,
                    "autoincrement": rowid,
                    "comment": None,
                }
            )
        return columns

    def pk_constraint(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedPrimaryKeyConstraint:
        rows = sorted(
            (r for r in self._pragma(connection, "table_xinfo", table, schema) if r[5]),
            key=lambda r: r[5],
        )
        found = re.search(
            rf"CONSTRAINT\s+{_NAME}\s+PRIMARY\s+KEY", self._sql(connection, table, schema), re.I
        )
        return {
            "constrained_columns": [row[1] for row in rows],
            "name": _unquote(found, 1) if found else None,
        }

    def _constraint_names(self, sql: str, kind: str) -> dict[tuple[str, ...], str]:
        """Named table constraints of ``kind`` in CREATE TABLE text, by their columns."""
        names = {}
        pattern = rf"CONSTRAINT\s+{_NAME}\s+{kind}\s*\(([^)]*)\)"
        for match in re.finditer(pattern, sql, re.I):
            names[tuple(_split_names(match.group(5)))] = _unquote(match, 1)
        return names

    def foreign_keys(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedForeignKeyConstraint]:
        grouped: dict[int, list[Any]] = {}
        for row in self._pragma(connection, "foreign_key_list", table, schema):
            grouped.setdefault(row[0], []).append(row)
        names = self._constraint_names(self._sql(connection, table, schema), "FOREIGN\\s+KEY")
        result: list[ReflectedForeignKeyConstraint] = []
        for _id, rows in sorted(grouped.items(), reverse=True):
            rows.sort(key=lambda r: r[1])
            referred = rows[0][2]
            referred_columns = [row[4] for row in rows]
            if any(c is None for c in referred_columns):  # REFERENCES t: its primary key
                referred_columns = self.pk_constraint(connection, referred, schema)[
                    "constrained_columns"
                ]
            constrained = [row[3] for row in rows]
            result.append(
                {
                    "name": names.get(tuple(constrained)),
                    "constrained_columns": constrained,
                    "referred_schema": schema,
                    "referred_table": referred,
                    "referred_columns": referred_columns,
                    "options": foreign_key_options(rows[0][6], rows[0][5]),
                }
            )
        return result

    def _index_columns(self, connection: Connection, index: str, schema: str | None) -> list[Any]:
        rows = sorted(self._pragma(connection, "index_info", index, schema), key=lambda r: r[0])
        return [row[2] for row in rows]

    def indexes(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedIndex]:
        result: list[ReflectedIndex] = []
        for row in self._pragma(connection, "index_list", table, schema):
            if row[3] != "c":
                continue  # made by a PRIMARY KEY or UNIQUE constraint
            columns = self._index_columns(connection, row[1], schema)
            result.append(
                {
                    "name": row[1],
                    "column_names": columns,
                    "unique": bool(row[2]),
                    "dialect_options": {},
                }
            )
        return sorted(result, key=lambda ix: ix["name"])

    def unique_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedUniqueConstraint]:
        names = self._constraint_names(self._sql(connection, table, schema), "UNIQUE")
        result: list[ReflectedUniqueConstraint] = []
        for row in reversed(self._pragma(connection, "index_list", table, schema)):
            if row[3] == "u":
                columns = self._index_columns(connection, row[1], schema)
                result.append({"name": names.get(tuple(columns)), "column_names": columns})
        return result

    def check_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedCheckConstraint]:
        sql = self._sql(connection, table, schema)
        result: list[ReflectedCheckConstraint] = []
        for match in re.finditer(rf"(?:CONSTRAINT\s+{_NAME}\s+)?CHECK\s*\(", sql, re.I):
            end = _balanced(sql, match.end() - 1)
            name = _unquote(match, 1) if match.group(1) or match.group(4) else None
            result.append({"name": name, "sqltext": sql[match.end() : end - 1].strip()})
        return result

    def table_comment(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedTableComment:
        return {"text": None}  # SQLite keeps no comments
