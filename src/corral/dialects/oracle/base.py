"""The Oracle Database dialect: compile-side only.

corral writes Oracle's SQL so that ``statement.compile(dialect=oracle.dialect())`` prints
what SQLAlchemy prints; it has no Oracle driver support, so the dialect refuses to connect.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from corral import exc
from corral.dialects.oracle.compiler import OracleDDLCompiler, OracleStatementCompiler
from corral.dialects.oracle.features import FEATURES
from corral.dialects.oracle.types import OracleTypeCompiler
from corral.engine.default import DefaultDialect
from corral.engine.url import URL

#: Why an Oracle engine cannot be made, and what works instead.
NO_DRIVER = (
    "corral cannot connect to Oracle Database: it has no Oracle driver support. The oracle "
    "dialect only writes SQL for printing (statement.compile(dialect=oracle.dialect())); "
    "use PostgreSQL, MySQL/MariaDB or SQLite to run statements"
)


class OracleDialect(DefaultDialect):
    """Oracle Database's SQL, for printing; connecting raises ``ArgumentError``."""

    name = "oracle"
    driver = "oracledb"
    cannot_connect = NO_DRIVER
    features = FEATURES
    statement_compiler = OracleStatementCompiler
    ddl_compiler = OracleDDLCompiler
    type_compiler = OracleTypeCompiler

    @property
    def dbapi(self) -> ModuleType:
        raise exc.ArgumentError(NO_DRIVER)

    def create_connect_args(self, url: URL) -> dict[str, Any]:
        raise exc.ArgumentError(NO_DRIVER)
