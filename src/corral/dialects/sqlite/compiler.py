"""SQLite's spelling of statements and DDL."""

from __future__ import annotations

from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.schema import Column

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


class SQLiteStatementCompiler(StatementCompiler):
    """Statements as SQLite writes them."""

    reserved_words = RESERVED_WORDS

    #: The key of the last row this connection inserted (for ``lastrowid_range``).
    last_insert_id_sql = "SELECT last_insert_rowid()"


class SQLiteDDLCompiler(SQLiteStatementCompiler, DDLCompiler):
    """DDL as SQLite writes it."""

    has_table_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = :name"
    defer_foreign_keys_sql = "PRAGMA defer_foreign_keys = ON"

    def autoincrement_spec(self, column: Column) -> str:
        # Only a column declared exactly INTEGER with the primary key becomes the rowid,
        # which SQLite numbers itself; BIGINT would not.
        return f"{self.quote(column.name)} INTEGER NOT NULL"
