"""SQLite's names for SQL types and its value conversions (stub; the types work fills this)."""

from corral.sql.compiler.types import TypeCompiler


class SQLiteTypeCompiler(TypeCompiler):
    """Type DDL as SQLite spells it."""
