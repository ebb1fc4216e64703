"""The concrete SQL types, with SQLAlchemy 2.0's names and constructor arguments.

Each type states which Python values it accepts, and converts values on their
way to and from the driver so that a value read back equals, and has the same
class as, the value written, on every dialect. The conversions that depend on
a capability (a native boolean, UUID, JSON or interval; time zones in
timestamps) read ``dialect.features`` here; those that depend on a driver
live in the dialect's ``types.py`` (see ``corral.sql.type_api``).

Date and time types are in ``corral.sql.datetime_types``; ``Enum`` is in
``corral.sql.enum_type``. All are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import uuid
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from corral import exc
from corral.sql.datetime_types import Date, DateTime, Interval, Time
from corral.sql.enum_type import Enum
from corral.sql.number_storage import fraction_dropped, inexact_decimal, special_number_check
from corral.sql.type_api import (
    NULLTYPE,
    NullType,
    Processor,
    StorageCheck,
    TypeEngine,
    describe_value,
    integer_range_check,
)

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

__all__ = [
    "JSON",
    "BigInteger",
    "Boolean",
    "Date",
    "DateTime",
    "Enum",
    "Float",
    "Integer",
    "Interval",
    "LargeBinary",
    "NullType",
    "Numeric",
    "SmallInteger",
    "String",
    "Text",
    "Time",
    "Unicode",
    "UnicodeText",
    "Uuid",
    "type_for_value",
]


def _check_length(owner: str, length: int | None) -> None:
    if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
        raise exc.ArgumentError(f"{owner}(length=...) must be an int, got {length!r}")
    if length is not None and length <= 0:
        raise exc.ArgumentError(f"{owner}(length={length}) must be a positive length or None")


# --- integers ---------------------------------------------------------------------------


class Integer(TypeEngine):
    """A 32-bit whole number: ``INTEGER``. Accepts ``int`` but not ``bool``; never converted.

    ``True`` is refused because PostgreSQL rejects a boolean for an integer column:
    saying so before anything is sent is clearer, and the same on every database.
    A value written to the column must fit its width (on SQLite every integer
    column holds 64 bits); one that does not raises ``DataError`` naming the
    column before anything is sent.
    """

    python_types = (int,)
    affinity = "integer"
    visit_name = "integer"
    expected = "an int"
    #: The width of the column type, two's complement.
    bits: ClassVar[int] = 32

    def accepts(self, value: object) -> bool:
        return value is None or (isinstance(value, int) and not isinstance(value, bool))

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        bits = dialect.features.integer_bits
        if bits is not None:
            return integer_range_check(
                bits, f"{dialect.name} stores and binds", "use Numeric for larger whole numbers"
            )
        if not stored:
            return None
        wider = "BigInteger" if self.bits < 64 else "Numeric"
        return integer_range_check(
            self.bits,
            f"{self.describe()} holds",
            f"use {wider} for larger whole numbers",
        )


class BigInteger(Integer):
    """A 64-bit whole number: ``BIGINT``."""

    visit_name = "big_integer"
    bits = 64


class SmallInteger(Integer):
    """A 16-bit whole number: ``SMALLINT``."""

    visit_name = "small_integer"
    bits = 16


# --- strings ----------------------------------------------------------------------------


class String(TypeEngine):
    """Text of bounded length: ``VARCHAR(length)``. Never converted.

    Without a length, dialects that need one (MySQL) refuse to create the
    column (``CompileError``), as SQLAlchemy does. PostgreSQL's text cannot
    hold the NUL character: such a value raises ``DataError`` naming the
    column before anything is sent.
    """

    python_types = (str,)
    affinity = "string"
    visit_name = "string"
    expected = "a str"

    def __init__(self, length: int | None = None) -> None:
        _check_length(type(self).__name__, length)
        self.length = length

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        if dialect.features.text_allows_nul:
            return None
        name = dialect.name

        def nul_check(value: Any) -> str | None:
            if isinstance(value, str) and "\x00" in value:
                return (
                    f"{name} text cannot hold the NUL character (\\x00); remove it, or keep "
                    "such data in a LargeBinary column"
                )
            return None

        return nul_check

    def describe(self) -> str:
        name = type(self).__name__
        return name if self.length is None else f"{name}({self.length})"


class Text(String):
    """Text of unbounded length: ``TEXT``, ``LONGTEXT`` on MySQL.

    ``Text(length)`` is ``TEXT(length)`` on MySQL, where the server picks the
    smallest text type that holds that many characters (as with SQLAlchemy);
    other databases ignore the length.
    """

    visit_name = "text"


class Unicode(String):
    """Text of bounded length kept as Unicode: ``VARCHAR(length)`` (every corral dialect
    stores text as Unicode)."""


class UnicodeText(Text):
    """Text of unbounded length kept as Unicode: ``TEXT`` (``LONGTEXT`` on MySQL)."""


# --- booleans ---------------------------------------------------------------------------


def _int_to_bool(value: Any) -> Any:
    return value if value is None else bool(value)


class Boolean(TypeEngine):
    """True or false: ``BOOLEAN`` where native, else a small integer read back as ``bool``."""

    python_types = (bool,)
    affinity = "boolean"
    visit_name = "boolean"
    expected = "a bool"

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        # DB-API drivers bind bool as 1/0 on their own; only the way out needs help.
        return None if dialect.features.native_boolean else _int_to_bool


# --- numbers ----------------------------------------------------------------------------


def _to_float(value: Any) -> Any:
    return value if value is None else float(value)


class Numeric(TypeEngine):
    """An exact decimal number: ``NUMERIC(precision, scale)``, read back as ``Decimal``.

    With ``asdecimal=False`` values come back as ``float``. SQLite has no
    exact decimal storage: a whole number of up to 64 bits, or a value an
    8-byte float holds exactly in its shortest form (about 15 significant
    digits), round-trips; any other value written to the column raises
    ``DataError`` naming it before anything is sent. Results are quantized to
    ``scale``. NaN and infinity are stored where the database can (PostgreSQL;
    infinity on SQLite); elsewhere they raise ``DataError``. On MySQL a
    ``Numeric()`` without precision is ``DECIMAL(10, 0)``, as with SQLAlchemy:
    a value with a fraction raises ``DataError`` instead of being rounded.
    """

    python_types: ClassVar[tuple[type, ...]] = (Decimal, int, float)
    affinity = "numeric"
    visit_name = "numeric"
    expected = "a Decimal, int or float"

    def __init__(
        self,
        precision: int | None = None,
        scale: int | None = None,
        asdecimal: bool = True,
    ) -> None:
        owner = type(self).__name__
        for label, number in (("precision", precision), ("scale", scale)):
            if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
                raise exc.ArgumentError(f"{owner}({label}=...) must be an int, got {number!r}")
        if precision is not None and precision <= 0:
            raise exc.ArgumentError(f"{owner}(precision={precision}) must be positive")
        if scale is not None and scale < 0:
            raise exc.ArgumentError(f"{owner}(scale={scale}) must not be negative")
        if scale is not None and precision is None:
            raise exc.ArgumentError(f"{owner}(scale={scale}) needs a precision as well")
        if scale is not None and precision is not None and scale > precision:
            raise exc.ArgumentError(
                f"{owner}(precision={precision}, scale={scale}): the scale (digits after the "
                f"point) cannot exceed the precision (all digits)"
            )
        self.precision = precision
        self.scale = scale
        self.asdecimal = asdecimal

    @property
    def python_type(self) -> type:
        return Decimal if self.asdecimal else float

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        checks = [special_number_check(dialect)]
        if stored and not isinstance(self, Float):
            features = dialect.features
            if not features.exact_decimal:
                checks.append(inexact_decimal)
            if features.unsized_numeric_is_whole and self.precision is None:
                checks.append(partial(fraction_dropped, dialect.name))
        found = [check for check in checks if check is not None]
        if len(found) <= 1:
            return found[0] if found else None

        def number_check(value: Any) -> str | None:
            for check in found:
                reason = check(value)
                if reason is not None:
                    return reason
            return None

        return number_check

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        # Drivers return Decimal for NUMERIC columns.
        return None if self.asdecimal else _to_float

    def describe(self) -> str:
        args = [str(a) for a in (self.precision, self.scale) if a is not None]
        if not self.asdecimal:
            args.append("asdecimal=False")
        name = type(self).__name__
        return f"{name}({', '.join(args)})" if args else name


class Float(Numeric):
    """A double-precision floating point number, read back as ``float``.

    ``precision`` is kept for compatibility and not rendered: corral always
    uses the database's 8-byte float so that a Python float round-trips.
    NaN round-trips on PostgreSQL only and infinity on PostgreSQL and SQLite;
    elsewhere they raise ``DataError`` naming the column before anything is
    sent (SQLite would read a NaN back as NULL).
    With ``asdecimal=True`` values come back as ``Decimal`` (rounded to
    ``decimal_return_scale`` when given).
    """

    python_types = (float, int, Decimal)
    visit_name = "float"
    expected = "a float, int or Decimal"

    def __init__(
        self,
        precision: int | None = None,
        asdecimal: bool = False,
        decimal_return_scale: int | None = None,
    ) -> None:
        super().__init__(precision=precision, asdecimal=asdecimal)
        if decimal_return_scale is not None and decimal_return_scale < 0:
            raise exc.ArgumentError(
                f"Float(decimal_return_scale={decimal_return_scale}) must not be negative"
            )
        self.decimal_return_scale = decimal_return_scale

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        if not self.asdecimal:
            return None
        scale = self.decimal_return_scale
        exponent = Decimal(1).scaleb(-scale) if scale is not None else None

        def float_to_decimal(value: Any) -> Any:
            if value is None:
                return None
            # repr() is the shortest text that reads back as the same float.
            number = Decimal(repr(float(value)))
            if exponent is None or not number.is_finite():
                return number
            return number.quantize(exponent)

        return float_to_decimal

    def describe(self) -> str:
        args = [] if self.precision is None else [str(self.precision)]
        if self.asdecimal:
            args.append("asdecimal=True")
        return f"Float({', '.join(args)})" if args else "Float"


# --- binary -----------------------------------------------------------------------------


class LargeBinary(TypeEngine):
    """Bytes of any length: ``BLOB`` / ``BYTEA`` / ``LONGBLOB``, read back as ``bytes``.

    ``LargeBinary(length)`` is ``BLOB(length)`` on MySQL, where the server picks
    the smallest binary type that holds that many bytes; elsewhere the length is
    ignored.
    """

    python_types = (bytes, bytearray, memoryview)
    affinity = "binary"
    visit_name = "large_binary"
    expected = "bytes, bytearray or memoryview"

    def __init__(self, length: int | None = None) -> None:
        _check_length("LargeBinary", length)
        self.length = length


# --- JSON -------------------------------------------------------------------------------

#: How deeply nested a JSON value may be before ``accepts`` refuses it.
JSON_MAX_DEPTH = 200


def _is_json_value(value: object, depth: int = 0) -> bool:
    """Whether ``value`` serializes to JSON and reads back equal (str keys, finite floats)."""
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if depth >= JSON_MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and _is_json_value(item, depth + 1) for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return all(_is_json_value(item, depth + 1) for item in value)
    return False


def _dump_json(value: Any) -> Any:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _load_json(value: Any) -> Any:
    if isinstance(value, str | bytes | bytearray):
        return json.loads(value)
    return value


class JSON(TypeEngine):
    """A JSON document: ``JSON`` on PostgreSQL, text elsewhere.

    Accepts dicts with str keys, lists, tuples (read back as lists), str,
    int, finite float, bool and ``None`` nested in any way. Values are sent
    as JSON text on every dialect; databases without native JSON return the
    text and it is parsed here. A Python ``None`` given as the whole value is
    SQL NULL.
    """

    python_types = (dict, list, tuple, str, int, float, bool)
    affinity = "json"
    visit_name = "json"
    expected = "a JSON value (dict with str keys, list, tuple, str, int, float, bool or None)"

    @property
    def python_type(self) -> type:
        return dict

    def accepts(self, value: object) -> bool:
        return _is_json_value(value)

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        # Drivers with native JSON still take the text: psycopg sends a str untyped
        # and the server casts it to the column's json/jsonb.
        return _dump_json

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        return None if dialect.features.native_json else _load_json


# --- UUID -------------------------------------------------------------------------------


def _uuid_to_hex(value: Any) -> Any:
    if value is None:
        return None
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex


def _hex_to_uuid(value: Any) -> Any:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(value)


def _hex_to_uuid_str(value: Any) -> Any:
    return value if value is None else str(uuid.UUID(str(value)))


class Uuid(TypeEngine):
    """A UUID: ``UUID`` where native, else ``CHAR(32)`` holding its hex digits.

    With ``as_uuid=True`` (the default) values are ``uuid.UUID`` both ways;
    with ``as_uuid=False`` a UUID's text is accepted too and values come back
    as canonical text (lower case, with hyphens).
    """

    python_types = (uuid.UUID,)
    affinity = "uuid"
    visit_name = "uuid"

    expected = "a uuid.UUID"

    def __init__(self, as_uuid: bool = True) -> None:
        self.as_uuid = as_uuid

    def rejection(self, value: object) -> str:
        if self.as_uuid:
            return super().rejection(value)
        return (
            f"expected a uuid.UUID or the text of one for {self.describe()}, "
            f"got {describe_value(value)}"
        )

    @property
    def python_type(self) -> type:
        return uuid.UUID if self.as_uuid else str

    def accepts(self, value: object) -> bool:
        if value is None or isinstance(value, uuid.UUID):
            return True
        if self.as_uuid or not isinstance(value, str):
            return False
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        # A native UUID column takes uuid.UUID, and text cast by the server.
        return None if dialect.features.native_uuid else _uuid_to_hex

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.as_uuid:
            return None if dialect.features.native_uuid else _hex_to_uuid
        return _hex_to_uuid_str

    def describe(self) -> str:
        return "Uuid" if self.as_uuid else "Uuid(as_uuid=False)"


# --- picking a type for a value ---------------------------------------------------------


def type_for_value(value: object) -> TypeEngine:
    """The type a plain Python value binds as (``NullType`` when there is none)."""
    if value is None:
        return NULLTYPE
    if isinstance(value, bool):
        return Boolean()
    if isinstance(value, enum.Enum):  # before int and str: IntEnum, StrEnum
        return Enum(type(value))
    if isinstance(value, int):
        return Integer()
    if isinstance(value, str):
        return String()
    if isinstance(value, float):
        return Float()
    if isinstance(value, Decimal):
        return Numeric()
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return DateTime(timezone=value.tzinfo is not None)
    if isinstance(value, dt.date):
        return Date()
    if isinstance(value, dt.time):
        return Time()
    if isinstance(value, dt.timedelta):
        return Interval()
    if isinstance(value, bytes | bytearray | memoryview):
        return LargeBinary()
    if isinstance(value, uuid.UUID):
        return Uuid()
    if isinstance(value, dict | list):
        return JSON()
    return NULLTYPE
