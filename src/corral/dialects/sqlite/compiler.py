"""SQLite's spelling of statements and DDL."""

from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler


class SQLiteStatementCompiler(StatementCompiler):
    """Statements as SQLite writes them."""


class SQLiteDDLCompiler(DDLCompiler):
    """DDL as SQLite writes it."""
