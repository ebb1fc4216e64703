"""MySQL's and MariaDB's names for SQL types and the conversions PyMySQL needs.

Timestamps and times keep microseconds (``DATETIME(6)``, ``TIME(6)``).
``Text`` and ``LargeBinary`` without a length are ``LONGTEXT`` and
``LONGBLOB`` (up to 4 GiB; ``TEXT`` and ``BLOB`` stop at 64 KiB); with a
length they are ``TEXT(n)`` and ``BLOB(n)``, for which the server picks the
smallest type that holds ``n`` characters or bytes, as with SQLAlchemy.
``String`` needs a length (``VARCHAR(n)``). The connection adds
``STRICT_ALL_TABLES`` to the session's ``sql_mode`` (see ``base.py``), so a
value too long or out of range for its column raises instead of being cut.
PyMySQL reads a TIME column as a ``timedelta`` (MySQL's TIME is also a
duration), so a driver override turns it back into a ``datetime.time``; and
it would write a ``memoryview`` as its ``repr``, so binary values are made
``bytes`` first.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from corral.sql.compiler.types import TypeCompiler
from corral.sql.type_api import Processor, ProcessorFactory, TypeEngine

if TYPE_CHECKING:
    from collections.abc import Mapping

    from corral.sql import types as sqltypes
    from corral.sql.compiler.dialect import SQLDialect

_MIDNIGHT = dt.datetime(2000, 1, 1)


def _timedelta_to_time(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return (_MIDNIGHT + value).time()
    return value


def _binary_to_bytes(value: Any) -> Any:
    return value if value is None or type(value) is bytes else bytes(value)


def _time_result(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    return _timedelta_to_time


def _binary_bind(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    return _binary_to_bytes


class MySQLTypeCompiler(TypeCompiler):
    """Type DDL as MySQL spells it, and the PyMySQL driver's conversions."""

    bind_processors: ClassVar[Mapping[str, ProcessorFactory]] = {
        "large_binary": _binary_bind,
    }
    result_processors: ClassVar[Mapping[str, ProcessorFactory]] = {
        "time": _time_result,
    }

    def string_literal(self, text: str) -> str:
        # MySQL reads a backslash in a string literal as an escape.
        return super().string_literal(text.replace("\\", "\\\\"))

    def process_cast(self, type_: TypeEngine) -> str:
        """MySQL's CAST takes only a few names: SIGNED, DECIMAL, DOUBLE, CHAR, BINARY, dates."""
        type_ = type_.dialect_impl(self.dialect)
        affinity = type_.affinity
        if affinity in ("integer", "boolean", "interval"):
            return "SIGNED"
        if type_.visit_name == "numeric":
            return self.process(type_).replace("NUMERIC", "DECIMAL")
        if affinity in ("string", "enum", "json", "uuid"):
            length = 32 if affinity == "uuid" else getattr(type_, "length", None)
            if length is None or affinity == "json" or type_.visit_name == "text":
                return "CHAR"
            return f"CHAR({length})"
        if affinity == "binary":
            return "BINARY"
        return self.process(type_)

    def visit_boolean(self, type_: sqltypes.Boolean) -> str:
        return "BOOL"

    def visit_float(self, type_: sqltypes.Float) -> str:
        return "DOUBLE"

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        return "DATETIME(6)"

    def visit_time(self, type_: sqltypes.Time) -> str:
        return "TIME(6)"

    def visit_text(self, type_: sqltypes.Text) -> str:
        return "LONGTEXT" if type_.length is None else f"TEXT({type_.length})"

    def visit_large_binary(self, type_: sqltypes.LargeBinary) -> str:
        return "LONGBLOB" if type_.length is None else f"BLOB({type_.length})"

    def visit_json(self, type_: sqltypes.JSON) -> str:
        return "LONGTEXT"
