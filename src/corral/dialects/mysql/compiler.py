"""MySQL's spelling of statements and DDL."""

from corral.sql.compiler.ddl import DDLCompiler
from corral.sql.compiler.statement import StatementCompiler


class MySQLStatementCompiler(StatementCompiler):
    """Statements as MySQL writes them."""


class MySQLDDLCompiler(DDLCompiler):
    """DDL as MySQL writes it."""
