"""MySQL's names for SQL types and its value conversions (stub; the types work fills this)."""

from corral.sql.compiler.types import TypeCompiler


class MySQLTypeCompiler(TypeCompiler):
    """Type DDL as MySQL spells it."""
