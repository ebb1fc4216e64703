"""SQLite, through the standard library's ``sqlite3``: the dialect, its ``insert()``
with ``ON CONFLICT``, and its ``JSON`` type."""

from corral.dialects.sqlite.base import SQLiteDialect
from corral.dialects.sqlite.dml import Insert, insert
from corral.dialects.sqlite.types import JSON

dialect = SQLiteDialect

__all__ = ["JSON", "Insert", "SQLiteDialect", "dialect", "insert"]
