"""Compiles SELECT, INSERT, UPDATE, DELETE and text statements (being written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect


class StatementCompiler:
    """Walks a statement and writes SQL text with positional placeholders."""

    def __init__(self, dialect: SQLDialect) -> None:
        self.dialect = dialect
