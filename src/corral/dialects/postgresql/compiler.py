"""PostgreSQL's spelling of statements and DDL."""

from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler


class PostgreSQLStatementCompiler(StatementCompiler):
    """Statements as PostgreSQL writes them."""


class PostgreSQLDDLCompiler(DDLCompiler):
    """DDL as PostgreSQL writes it."""
