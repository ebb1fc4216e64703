"""SQLite's spelling of statements and DDL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from corral import exc
from corral.sql.compiler import flags
from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.compiler.upsert import OnConflictCompiler
from corral.sql.ddl import CreateIndex
from corral.sql.json_ops import JSONIndex
from corral.sql.schema import Column, Index, PrimaryKeyConstraint, Table, UniqueConstraint

#: Words SQLite reserves (quoted with backticks when used as names).
RESERVED_WORDS = frozenset(
    """
    abort action add after all alter always analyze and as asc attach autoincrement
    before begin between by cascade case cast check collate column commit conflict
    constraint create cross current current_date current_time current_timestamp database
    default deferrable deferred delete desc detach distinct do drop each else end escape
    except exclude exclusive exists explain fail filter first following for foreign from
    full generated glob group groups having if ignore immediate in index indexed
    initially inner insert instead intersect into is isnull join key last left like
    limit match materialized natural no not nothing notnull null nulls of offset on or
    order others outer over partition plan pragma preceding primary query raise range
    recursive references regexp reindex release rename replace restrict returning right
    rollback row rows savepoint select set table temp temporary then ties to transaction
    trigger unbounded union unique update user using vacuum values view virtual when
    where window with without
    """.split()  # noqa: SIM905 - a word list reads best as text
)

#: ``extract()`` fields as ``strftime`` formats.
_STRFTIME = {
    "year": "%Y",
    "month": "%m",
    "day": "%d",
    "hour": "%H",
    "minute": "%M",
    "second": "%S",
    "dow": "%w",
    "doy": "%j",
    "week": "%W",
    "epoch": "%s",
}


class SQLiteStatementCompiler(OnConflictCompiler, StatementCompiler):
    """Statements as SQLite writes them."""

    #: SQLite's ON CONFLICT names columns only.
    conflict_on_constraint = False

    reserved_words = RESERVED_WORDS
    shown_as: ClassVar[Mapping[str, object]] = {
        "now_as_current_timestamp": True,
        "returning_include_table": False,
        "limit_offset_as_parameters": True,
    }

    #: The key of the last row this connection inserted (for ``lastrowid_range``).
    last_insert_id_sql = "SELECT last_insert_rowid()"

    def extract_sql(self, field: str, expression: str) -> str:
        return f"CAST(STRFTIME('{_STRFTIME[field]}', {expression}) AS INTEGER)"

    def json_index_sql(self, element: JSONIndex, kw: dict[str, Any]) -> str:
        document = self.process(element.element, **flags.plain(kw))
        path = self.process(element.dollar_path, **flags.plain(kw))
        value = f"JSON_EXTRACT({document}, {path})"
        # JSON_QUOTE keeps a string a JSON string ("x"), so the JSON type reads it back.
        return f"JSON_QUOTE({value})" if element.read_as == "json" else value


class SQLiteDDLCompiler(SQLiteStatementCompiler, DDLCompiler):
    """DDL as SQLite writes it, with the ``sqlite_`` options of schema objects."""

    has_table_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = :name"
    defer_foreign_keys_sql = "PRAGMA defer_foreign_keys = ON"
    option_prefixes = ("sqlite",)
    deferrable_kinds = frozenset({"foreign_key"})

    def autoincrement_spec(self, column: Column) -> str:
        # Only a column declared exactly INTEGER with the primary key becomes the rowid,
        # which SQLite numbers itself; BIGINT would not.
        self.plain_identity_only(column, "numbers an INTEGER PRIMARY KEY as its rowid")
        spec = f"{self.quote(column.name)} INTEGER NOT NULL" + self.not_null_suffix(column)
        if isinstance(column.table, Table) and self.primary_key_inline(column.table):
            # AUTOINCREMENT (never reuse a deleted row's key) exists only on an inline key.
            conflict = self._conflict(column.table.primary_key, column, "on_conflict_primary_key")
            spec += f" PRIMARY KEY{conflict} AUTOINCREMENT"
        return spec

    def primary_key_inline(self, table: Table) -> bool:
        # sqlite_autoincrement=True applies to a key SQLite numbers (one integer column); on
        # any other key it has nothing to apply to and the key is written as usual, as
        # SQLAlchemy does (a table copied with to_metadata() may gain key columns).
        if not self.option(table, "autoincrement"):
            return False
        columns = table.primary_key.columns
        return len(columns) == 1 and columns[0].is_autoincrement

    def not_null_suffix(self, column: Column) -> str:
        return self._conflict(None, column, "on_conflict_not_null")

    def column_suffix(self, column: Column) -> str:
        for name, applies in (
            ("on_conflict_primary_key", column.primary_key),
            ("on_conflict_not_null", not column.nullable),
            ("on_conflict_unique", column.unique),
        ):
            if self.option(column, name) is not None and not applies:
                flag = {"on_conflict_primary_key": "primary_key=True"}.get(
                    name, "nullable=False" if name == "on_conflict_not_null" else "unique=True"
                )
                raise exc.CompileError(
                    f"sqlite_{name} on {column.describe()} needs {flag} on that column"
                )
        return ""

    def primary_key_options(self, constraint: PrimaryKeyConstraint) -> str:
        only = constraint.columns[0] if len(constraint.columns) == 1 else None
        return self._conflict(constraint, only, "on_conflict_primary_key")

    def unique_spec(self, constraint: UniqueConstraint) -> str:
        only = constraint.columns[0] if len(constraint.columns) == 1 else None
        return super().unique_spec(constraint) + self._conflict(
            constraint, only, "on_conflict_unique"
        )

    def _conflict(self, constraint: Any, column: Column | None, column_option: str) -> str:
        """`` ON CONFLICT x`` from the constraint's option, else its single column's."""
        value = self.option(constraint, "on_conflict") if constraint is not None else None
        if value is None and column is not None:
            value = self.option(column, column_option)
        return f" ON CONFLICT {value}" if value is not None else ""

    def table_options(self, table: Table) -> str:
        options = []
        if self.option(table, "with_rowid") is False:
            options.append("WITHOUT ROWID")
        if self.option(table, "strict"):
            options.append("STRICT")
        return " " + ", ".join(options) if options else ""

    # An attached database (a schema) is named on the index, never on its table, and a
    # foreign key refers to a table of its own database by the bare name.
    def created_index_name(self, index: Index) -> str:
        return self.index_name(index)

    def index_table(self, index: Index) -> str:
        return self.quote(index.table.name if index.table is not None else "")

    def referred_name(self, table: Table) -> str:
        return self.quote(table.name or "")

    def visit_create_index(self, create: CreateIndex, **kw: Any) -> str:
        sql = super().visit_create_index(create, **kw)
        where = self.option(create.index, "where")
        return sql if where is None else f"{sql} WHERE {self.condition(where)}"
