"""PostgreSQL's names for SQL types and its value conversions (stub; the types work fills this)."""

from corral.sql.compiler.types import TypeCompiler


class PostgreSQLTypeCompiler(TypeCompiler):
    """Type DDL as PostgreSQL spells it."""
