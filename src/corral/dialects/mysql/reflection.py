"""MariaDB's and MySQL's catalog, read for ``inspect(engine)``: ``information_schema``.

A name without ``schema=`` is looked up in the connection's database
(``DATABASE()``). Column types come from ``COLUMN_TYPE`` and map to corral's:
``tinyint(1)`` (what ``Boolean`` creates) is ``BOOLEAN``, ``enum('a','b')`` an
``Enum``, the TEXT and BLOB sizes the dialect's own types. UNIQUE constraints are
unique indexes here: ``get_unique_constraints()`` lists them, and ``get_indexes()``
lists them too, marked ``duplicates_constraint``. The index MariaDB makes by itself
for a foreign key (named as the constraint) is left out, so that a table
``create_all`` made reads back with the indexes it was given.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.dialects.mysql.types import (
    DOUBLE,
    LONGBLOB,
    LONGTEXT,
    MEDIUMBLOB,
    MEDIUMTEXT,
    SET,
    TINYBLOB,
    TINYINT,
    TINYTEXT,
)
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
from corral.sql.enum_type import Enum
from corral.sql.type_api import NULLTYPE, TypeEngine
from corral.sql.types import JSON

if TYPE_CHECKING:
    from corral.engine.base import Connection

_TYPES: dict[str, type[TypeEngine]] = {
    "int": std.INTEGER,
    "integer": std.INTEGER,
    "mediumint": std.INTEGER,
    "bigint": std.BIGINT,
    "smallint": std.SMALLINT,
    "varchar": std.VARCHAR,
    "char": std.CHAR,
    "text": std.TEXT,
    "tinytext": TINYTEXT,
    "mediumtext": MEDIUMTEXT,
    "longtext": LONGTEXT,
    "decimal": std.DECIMAL,
    "numeric": std.NUMERIC,
    "double": DOUBLE,
    "float": std.FLOAT,
    "date": std.DATE,
    "datetime": std.DATETIME,
    "timestamp": std.TIMESTAMP,
    "time": std.TIME,
    "blob": std.BLOB,
    "tinyblob": TINYBLOB,
    "mediumblob": MEDIUMBLOB,
    "longblob": LONGBLOB,
    "json": JSON,
}
_COLUMN_TYPE = re.compile(r"^(\w+)(?:\((.*)\))?")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def column_type(column_type: str) -> TypeEngine:
    """The corral type of a column whose ``COLUMN_TYPE`` is ``column_type``."""
    match = _COLUMN_TYPE.match(column_type.lower())
    if match is None:
        return NULLTYPE
    name, arguments = match.groups()
    if name in ("enum", "set"):
        values = [v.replace("''", "'") for v in _LITERAL.findall(column_type)]
        return Enum(*values) if name == "enum" else SET(*values)
    numbers = [int(n) for n in re.findall(r"\d+", arguments or "")]
    if name == "tinyint":
        if numbers == [1]:
            return std.BOOLEAN()
        return TINYINT(unsigned="unsigned" in column_type.lower())
    kind = _TYPES.get(name)
    if kind is None:
        return NULLTYPE
    if kind in (std.VARCHAR, std.CHAR) and numbers:
        return kind(numbers[0])
    if kind in (std.DECIMAL, std.NUMERIC) and numbers:
        return kind(*numbers)  # type: ignore[arg-type]
    return kind()


def _default_sql(written: str | None, extra: str, data_type: str, mariadb: bool) -> str | None:
    """A column's default as SQL text. MariaDB writes SQL ("NULL" for no default on a
    nullable column); MySQL writes a string default's bare value."""
    if written is None or (mariadb and written == "NULL"):
        return None
    textual = data_type in ("char", "varchar", "text", "enum", "set")
    if not mariadb and textual and "DEFAULT_GENERATED" not in extra:
        return "'" + written.replace("'", "''") + "'"
    return written


class MySQLReflection(DialectReflection):
    """The catalog queries of MariaDB and MySQL."""

    def _schema(self, schema: str | None, column: str = "table_schema") -> str:
        return f"{column} = DATABASE()" if schema is None else f"{column} = :schema"

    def _is_mariadb(self, connection: Connection) -> bool:
        return "mariadb" in str(connection.exec_driver_sql("SELECT VERSION()").scalar()).lower()

    def default_schema_name(self, connection: Connection) -> str | None:
        value = connection.exec_driver_sql("SELECT DATABASE()").scalar()
        return None if value is None else str(value)

    def schema_names(self, connection: Connection) -> list[str]:
        sql = "SELECT schema_name FROM information_schema.schemata ORDER BY schema_name"
        return [row[0] for row in self.rows(connection, sql)]

    def _names(self, connection: Connection, kind: str, schema: str | None) -> list[str]:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_type = :kind "
            f"AND {self._schema(schema)} ORDER BY table_name"
        )
        return [row[0] for row in self.rows(connection, sql, kind=kind, schema=schema)]

    def table_names(self, connection: Connection, schema: str | None) -> list[str]:
        return self._names(connection, "BASE TABLE", schema)

    def view_names(self, connection: Connection, schema: str | None) -> list[str]:
        return self._names(connection, "VIEW", schema)

    def view_definition(self, connection: Connection, view: str, schema: str | None) -> str:
        sql = (
            "SELECT view_definition FROM information_schema.views "
            f"WHERE table_name = :table AND {self._schema(schema)}"
        )
        rows = self.rows(connection, sql, table=view, schema=schema)
        if not rows:
            raise exc.NoSuchTableError(f"The database has no view {view!r}")
        return str(rows[0][0])

    def has_table(self, connection: Connection, table: str, schema: str | None) -> bool:
        sql = (
            "SELECT 1 FROM information_schema.tables "
            f"WHERE table_name = :table AND {self._schema(schema)}"
        )
        return bool(self.rows(connection, sql, table=table, schema=schema))

    def columns(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedColumn]:
        sql = (
            "SELECT column_name, column_type, is_nullable, column_default, extra, "
            "column_comment, data_type FROM information_schema.columns "
            f"WHERE table_name = :table AND {self._schema(schema)} ORDER BY ordinal_position"
        )
        mariadb = self._is_mariadb(connection)
        columns: list[ReflectedColumn] = []
        for name, type_text, nullable, written, extra, comment, data_type in self.rows(
            connection, sql, table=table, schema=schema
        ):
            default = _default_sql(written, extra, data_type, mariadb)
            columns.append(
                {
                    "name": name,
                    "type": column_type(type_text),
                    "nullable": nullable == "YES",
                    "default": default,
                    "autoincrement": "auto_increment" in extra.lower(),
                    "comment": comment or None,
                }
            )
        return columns

    def _key_columns(
        self, connection: Connection, table: str, schema: str | None, condition: str
    ) -> list[Any]:
        sql = (
            "SELECT k.constraint_name, k.column_name, k.referenced_table_schema, "
            "k.referenced_table_name, k.referenced_column_name "
            "FROM information_schema.key_column_usage k "
            f"WHERE k.table_name = :table AND {self._schema(schema, 'k.table_schema')} "
            f"AND {condition} ORDER BY k.constraint_name, k.ordinal_position"
        )
        return self.rows(connection, sql, table=table, schema=schema)

    def pk_constraint(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedPrimaryKeyConstraint:
        rows = self._key_columns(connection, table, schema, "k.constraint_name = 'PRIMARY'")
        return {"constrained_columns": [row[1] for row in rows], "name": None}

    def foreign_keys(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedForeignKeyConstraint]:
        rules_sql = (
            "SELECT constraint_name, update_rule, delete_rule "
            "FROM information_schema.referential_constraints "
            f"WHERE table_name = :table AND {self._schema(schema, 'constraint_schema')}"
        )
        rules = {
            row[0]: (row[1], row[2])
            for row in self.rows(connection, rules_sql, table=table, schema=schema)
        }
        default = self.default_schema_name(connection)
        grouped: dict[str, list[Any]] = {}
        for row in self._key_columns(
            connection, table, schema, "k.referenced_table_name IS NOT NULL"
        ):
            grouped.setdefault(row[0], []).append(row)
        result: list[ReflectedForeignKeyConstraint] = []
        for name, rows in grouped.items():
            on_update, on_delete = rules.get(name, (None, None))
            referred_schema = rows[0][2]
            result.append(
                {
                    "name": name,
                    "constrained_columns": [row[1] for row in rows],
                    "referred_schema": None if referred_schema == default else referred_schema,
                    "referred_table": rows[0][3],
                    "referred_columns": [row[4] for row in rows],
                    "options": foreign_key_options(on_delete, on_update),
                }
            )
        return result

    def _statistics(
        self, connection: Connection, table: str, schema: str | None
    ) -> dict[str, tuple[bool, list[Any]]]:
        sql = (
            "SELECT index_name, non_unique, column_name FROM information_schema.statistics "
            f"WHERE table_name = :table AND {self._schema(schema)} AND index_name <> 'PRIMARY' "
            "ORDER BY index_name, seq_in_index"
        )
        found: dict[str, tuple[bool, list[Any]]] = {}
        for name, non_unique, column in self.rows(connection, sql, table=table, schema=schema):
            found.setdefault(name, (not int(non_unique), []))[1].append(column)
        return found

    def _foreign_key_names(
        self, connection: Connection, table: str, schema: str | None
    ) -> set[str]:
        rows = self._key_columns(connection, table, schema, "k.referenced_table_name IS NOT NULL")
        return {row[0] for row in rows}

    def indexes(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedIndex]:
        result: list[ReflectedIndex] = []
        foreign_keys = self._foreign_key_names(connection, table, schema)
        for name, (unique, columns) in self._statistics(connection, table, schema).items():
            if name in foreign_keys and not unique:
                continue  # the index MariaDB makes for a foreign key by itself
            index: ReflectedIndex = {
                "name": name,
                "column_names": columns,
                "unique": unique,
                "dialect_options": {},
            }
            if unique:
                index["duplicates_constraint"] = name
            result.append(index)
        return result

    def unique_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedUniqueConstraint]:
        return [
            {"name": name, "column_names": columns, "duplicates_index": name}
            for name, (unique, columns) in self._statistics(connection, table, schema).items()
            if unique
        ]

    def check_constraints(
        self, connection: Connection, table: str, schema: str | None
    ) -> list[ReflectedCheckConstraint]:
        if self._is_mariadb(connection):
            sql = (
                "SELECT constraint_name, check_clause FROM information_schema.check_constraints "
                f"WHERE table_name = :table AND {self._schema(schema, 'constraint_schema')} "
                "AND level = 'Table' ORDER BY constraint_name"
            )
        else:
            sql = (
                "SELECT c.constraint_name, c.check_clause "
                "FROM information_schema.check_constraints c "
                "JOIN information_schema.table_constraints t "
                "ON t.constraint_schema = c.constraint_schema "
                "AND t.constraint_name = c.constraint_name "
                f"WHERE t.table_name = :table AND {self._schema(schema, 't.table_schema')} "
                "AND t.constraint_type = 'CHECK' ORDER BY c.constraint_name"
            )
        return [
            {"name": name, "sqltext": clause}
            for name, clause in self.rows(connection, sql, table=table, schema=schema)
        ]

    def table_comment(
        self, connection: Connection, table: str, schema: str | None
    ) -> ReflectedTableComment:
        sql = (
            "SELECT table_comment FROM information_schema.tables "
            f"WHERE table_name = :table AND {self._schema(schema)}"
        )
        rows = self.rows(connection, sql, table=table, schema=schema)
        return {"text": rows[0][0] or None if rows else None}
