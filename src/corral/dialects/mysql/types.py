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

from corral import exc
from corral.sql import types as sqltypes
from corral.sql.compiler.types import TypeCompiler
from corral.sql.type_api import Processor, ProcessorFactory, StorageCheck, TypeEngine

if TYPE_CHECKING:
    from collections.abc import Mapping

    from corral.sql.compiler.dialect import SQLDialect

__all__ = [
    "DOUBLE",
    "LONGBLOB",
    "LONGTEXT",
    "MEDIUMBLOB",
    "MEDIUMTEXT",
    "SET",
    "TINYBLOB",
    "TINYINT",
    "TINYTEXT",
    "VARCHAR",
]

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


class _CharsetText:
    """``CHARACTER SET`` / ``COLLATE`` options of MySQL's text types."""

    charset: str | None
    collation: str | None

    def _set_charset(
        self, charset: str | None, collation: str | None, extra: dict[str, Any]
    ) -> None:
        if extra:
            raise exc.ArgumentError(
                f"mysql.{type(self).__name__}() got {', '.join(sorted(extra))}, which corral "
                "does not support; it takes charset= and collation="
            )
        self.charset = charset
        self.collation = collation

    def charset_sql(self) -> str:
        sql = f" CHARACTER SET {self.charset}" if self.charset else ""
        return sql + (f" COLLATE {self.collation}" if self.collation else "")


class TINYTEXT(_CharsetText, sqltypes.Text):
    """Text of up to 255 bytes (``TINYTEXT``)."""

    visit_name = "tinytext"

    def __init__(
        self, charset: str | None = None, collation: str | None = None, **extra: Any
    ) -> None:
        super().__init__()
        self._set_charset(charset, collation, extra)


class MEDIUMTEXT(TINYTEXT):
    """Text of up to 16 MiB (``MEDIUMTEXT``)."""

    visit_name = "mediumtext"


class LONGTEXT(TINYTEXT):
    """Text of up to 4 GiB (``LONGTEXT``)."""

    visit_name = "longtext"


class VARCHAR(_CharsetText, sqltypes.String):
    """``VARCHAR(length)`` with MySQL's ``CHARACTER SET`` and ``COLLATE``."""

    visit_name = "mysql_varchar"

    def __init__(
        self,
        length: int | None = None,
        charset: str | None = None,
        collation: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(length)
        self._set_charset(charset, collation, extra)


class TINYBLOB(sqltypes.LargeBinary):
    """Bytes, up to 255 (``TINYBLOB``)."""

    visit_name = "tinyblob"

    def __init__(self) -> None:
        super().__init__()


class MEDIUMBLOB(TINYBLOB):
    """Bytes, up to 16 MiB (``MEDIUMBLOB``)."""

    visit_name = "mediumblob"


class LONGBLOB(TINYBLOB):
    """Bytes, up to 4 GiB (``LONGBLOB``)."""

    visit_name = "longblob"


class TINYINT(sqltypes.Integer):
    """A one-byte whole number (``TINYINT``): -128 to 127, or 0 to 255 ``unsigned``."""

    visit_name = "tinyint"
    bits = 8

    def __init__(
        self, display_width: int | None = None, unsigned: bool = False, zerofill: bool = False
    ) -> None:
        self.display_width = display_width
        self.unsigned = unsigned
        self.zerofill = zerofill

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        if not (stored and self.unsigned):
            return super().storage_check(dialect, stored=stored)

        def unsigned_check(value: Any) -> str | None:
            if 0 <= value <= 255:
                return None
            return "it is outside 0 to 255, which TINYINT(unsigned=True) holds; use SmallInteger"

        return unsigned_check


class DOUBLE(sqltypes.Float):
    """MySQL's 8-byte float (``DOUBLE``); as with SQLAlchemy, read back as ``Decimal``
    unless ``asdecimal=False``."""

    visit_name = "double"

    def __init__(
        self,
        precision: int | None = None,
        scale: int | None = None,
        asdecimal: bool = True,
        decimal_return_scale: int | None = None,
    ) -> None:
        if precision is not None or scale is not None:
            raise exc.ArgumentError(
                "mysql.DOUBLE(precision, scale) would round stored values (and MySQL deprecates "
                "it); corral keeps DOUBLE unconstrained: use Numeric(precision, scale) for "
                "exact decimals"
            )
        super().__init__(asdecimal=asdecimal, decimal_return_scale=decimal_return_scale)


def _set_to_text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else ",".join(sorted(value))


def _text_to_set(value: Any) -> Any:
    if value is None or isinstance(value, set):
        return value
    if isinstance(value, bytes):
        value = value.decode()
    return set(value.split(",")) if value else set()


class SET(TypeEngine):
    """MySQL's ``SET('a', 'b', ...)``: a Python ``set`` of some of the given strings."""

    python_types = (set, frozenset, list, tuple)
    affinity = "string"
    visit_name = "mysql_set"
    expected = "a set of the SET's values"

    def __init__(self, *values: str, retrieve_as_bitwise: bool = False) -> None:
        if retrieve_as_bitwise:
            raise exc.ArgumentError(
                "mysql.SET(retrieve_as_bitwise=True) is not supported; values come back as sets"
            )
        bad = [v for v in values if not isinstance(v, str) or "," in v]
        if not values or bad:
            raise exc.ArgumentError(
                "mysql.SET() takes the allowed values as strings without commas"
                + (f", got {bad[0]!r}" if bad else "")
            )
        self.length = max(len(v) for v in values)
        self.values = values

    @property
    def python_type(self) -> type:
        return set

    def accepts(self, value: object) -> bool:
        if value is None:
            return True
        if not isinstance(value, set | frozenset | list | tuple):
            return False
        return all(item in self.values for item in value)

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        return _set_to_text

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        return _text_to_set

    def describe(self) -> str:
        return f"SET({', '.join(map(repr, self.values))})"


class MySQLTypeCompiler(TypeCompiler):
    """Type DDL as MySQL spells it, and the PyMySQL driver's conversions."""

    bind_processors: ClassVar[Mapping[str, ProcessorFactory]] = {
        "large_binary": _binary_bind,
        "tinyblob": _binary_bind,
        "mediumblob": _binary_bind,
        "longblob": _binary_bind,
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

    def visit_tinytext(self, type_: TINYTEXT) -> str:
        return "TINYTEXT" + type_.charset_sql()

    def visit_mediumtext(self, type_: MEDIUMTEXT) -> str:
        return "MEDIUMTEXT" + type_.charset_sql()

    def visit_longtext(self, type_: LONGTEXT) -> str:
        return "LONGTEXT" + type_.charset_sql()

    def visit_mysql_varchar(self, type_: VARCHAR) -> str:
        return self._varchar(type_.length) + type_.charset_sql()

    def visit_tinyblob(self, type_: TINYBLOB) -> str:
        return "TINYBLOB"

    def visit_mediumblob(self, type_: MEDIUMBLOB) -> str:
        return "MEDIUMBLOB"

    def visit_longblob(self, type_: LONGBLOB) -> str:
        return "LONGBLOB"

    def visit_tinyint(self, type_: TINYINT) -> str:
        width = f"({type_.display_width})" if type_.display_width is not None else ""
        return (
            f"TINYINT{width}"
            + (" UNSIGNED" if type_.unsigned else "")
            + (" ZEROFILL" if type_.zerofill else "")
        )

    def visit_double(self, type_: DOUBLE) -> str:
        return "DOUBLE"

    def visit_mysql_set(self, type_: SET) -> str:
        return f"SET({','.join(self.string_literal(v) for v in type_.values)})"
