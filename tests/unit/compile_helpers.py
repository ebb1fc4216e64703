"""Compile-side dialects for unit tests (no driver needed) and expected-SQL helpers."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from corral.sql.compiler.compiled import Compiled
from corral.sql.compiler.dialect import SQLDialect
from corral.sql.elements import ClauseElement

DIALECT_NAMES = ("sqlite", "postgresql", "mysql")
_CLASS_PREFIX = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL"}


@cache
def compile_dialect(name: str) -> SQLDialect:
    """The compile-side half of a dialect, assembled from its folder's modules."""
    prefix = _CLASS_PREFIX[name]
    compiler = importlib.import_module(f"corral.dialects.{name}.compiler")
    types = importlib.import_module(f"corral.dialects.{name}.types")
    features = importlib.import_module(f"corral.dialects.{name}.features")
    namespace: dict[str, Any] = {
        "name": name,
        "features": features.FEATURES,
        "statement_compiler": getattr(compiler, f"{prefix}StatementCompiler"),
        "ddl_compiler": getattr(compiler, f"{prefix}DDLCompiler"),
        "type_compiler": getattr(types, f"{prefix}TypeCompiler"),
    }
    dialect_class = type(f"{prefix}CompileDialect", (SQLDialect,), namespace)
    dialect: SQLDialect = dialect_class()
    return dialect


def compiled(
    statement: ClauseElement, dialect: str, keys: tuple[str, ...] | None = None
) -> Compiled:
    return statement._compile_for(compile_dialect(dialect), keys)[0]


def executed_sql(statement: ClauseElement, dialect: str) -> str:
    """The SQL ``dialect`` runs for ``statement`` (ORM options applied, as ``compile()`` applies
    them); ``compile()`` itself shows the statement as SQLAlchemy prints it."""
    shown = statement._for_display()
    return shown._compile_for(compile_dialect(dialect), shown._display_keys())[0].sql


def sql(statement: ClauseElement, dialect: str, keys: tuple[str, ...] | None = None) -> str:
    return compiled(statement, dialect, keys).sql


def translate(neutral: str, dialect: str) -> str:
    """Expected SQL written with ``?`` and ``"`` quoting, spelled for ``dialect``."""
    if dialect in ("postgresql", "mysql"):
        neutral = neutral.replace("%", "%%").replace("?", "%s")
    if dialect in ("sqlite", "mysql"):
        neutral = neutral.replace('"', "`")
    return neutral
