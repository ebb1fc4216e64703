"""Renders SQL types as DDL for a dialect (stub; the types work replaces this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.type_api import TypeEngine


class TypeCompiler:
    """Turns a type into its DDL spelling by calling ``visit_<type.visit_name>``."""

    def __init__(self, dialect: SQLDialect) -> None:
        self.dialect = dialect

    def process(self, type_: TypeEngine) -> str:
        method = getattr(self, f"visit_{type_.visit_name}", None)
        if method is None:
            from corral.exc import CompileError

            raise CompileError(f"{self.dialect.name} has no DDL for the type {type_.describe()}")
        result: str = method(type_)
        return result
