"""Compiles CREATE / DROP / ALTER statements (being written)."""

from __future__ import annotations

from corral.sql.compiler.statement import StatementCompiler


class DDLCompiler(StatementCompiler):
    """Writes DDL for tables, indexes and constraints."""
