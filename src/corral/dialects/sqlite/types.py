"""SQLite's names for SQL types and the conversions its driver needs.

SQLite stores every value as NULL, INTEGER, REAL, TEXT or BLOB, and the
standard library's ``sqlite3`` runs here without adapters (``detect_types=0``).
So the driver overrides below turn dates and times into ISO 8601 text
(always with microseconds, so text order is time order) and back, and
decimals into INTEGER or REAL and back, quantized to the column's scale.

What SQLite would change is refused before it is sent (``Features``:
``stores_nan``, ``integer_bits``, ``exact_decimal``): a NaN (SQLite stores
NULL), an integer past 64 bits (``sqlite3`` cannot bind it) and a decimal
with more digits than a REAL keeps raise ``DataError`` naming the column.
Infinities are stored and read back.

Type names are chosen for SQLite's affinity rules: ``CHAR(32)`` and
``VARCHAR`` keep text as text (a UUID's hex digits or an Enum name that looks
like a number), ``TEXT`` holds JSON, ``NUMERIC(p, s)`` compares numerically.
"""

from __future__ import annotations

import datetime as dt
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from corral.sql import types as sqltypes
from corral.sql.compiler.types import TypeCompiler
from corral.sql.type_api import Processor, ProcessorFactory, TypeEngine

__all__ = ["JSON"]

if TYPE_CHECKING:
    from collections.abc import Mapping

    from corral.sql.compiler.dialect import SQLDialect

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
#: Enough digits to quantize any value SQLite can hold without an error.
_QUANTIZE_CONTEXT = Context(prec=400)


def _decimal_to_number(value: Any) -> Any:
    """A Decimal or int as an exact INTEGER when it is whole and fits, else as a REAL.

    A stored value that the REAL would change was refused before this runs
    (``Numeric.storage_check``); NaN too, since SQLite would store NULL.
    """
    if isinstance(value, int):
        return value if _INT64_MIN <= value <= _INT64_MAX else float(value)
    if not isinstance(value, Decimal):
        return value
    if value.is_finite() and value == value.to_integral_value():
        whole = int(value)
        if _INT64_MIN <= whole <= _INT64_MAX:
            return whole
    return float(value)


def _numeric_bind(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    return _decimal_to_number


def _numeric_result(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    assert isinstance(type_, sqltypes.Numeric)
    if not type_.asdecimal:
        return None if isinstance(type_, sqltypes.Float) else _number_to_float
    scale = type_.decimal_return_scale if isinstance(type_, sqltypes.Float) else type_.scale
    exponent = Decimal(1).scaleb(-scale) if scale is not None else None

    def number_to_decimal(value: Any) -> Any:
        if value is None:
            return None
        # repr() is the shortest text that reads back as the same float.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if exponent is None or not number.is_finite():
            return number
        return number.quantize(exponent, context=_QUANTIZE_CONTEXT)

    return number_to_decimal


def _number_to_float(value: Any) -> Any:
    return value if value is None else float(value)


def _date_to_text(value: Any) -> Any:
    return value if value is None else value.isoformat()


def _text_to_date(value: Any) -> Any:
    return value if value is None else dt.date.fromisoformat(value)


def _time_to_text(value: Any) -> Any:
    return value if value is None else value.isoformat(timespec="microseconds")


def _text_to_time(value: Any) -> Any:
    return value if value is None else dt.time.fromisoformat(value)


def _datetime_bind(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    normalize = type_.generic_bind_processor(dialect)

    def datetime_to_text(value: Any) -> Any:
        if value is None:
            return None
        if normalize is not None:
            value = normalize(value)
        return value.isoformat(" ", timespec="microseconds")

    return datetime_to_text


def _datetime_result(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
    finish = type_.generic_result_processor(dialect)

    def text_to_datetime(value: Any) -> Any:
        if value is None:
            return None
        value = dt.datetime.fromisoformat(value)
        return value if finish is None else finish(value)

    return text_to_datetime


def _fixed(processor: Processor) -> ProcessorFactory:
    """A factory that gives the same processor for every instance of the type."""

    def factory(type_: TypeEngine, dialect: SQLDialect) -> Processor | None:
        return processor

    return factory


class JSON(sqltypes.JSON):
    """SQLite's JSON: the document kept as text, read with ``JSON_EXTRACT``."""


class SQLiteTypeCompiler(TypeCompiler):
    """Type DDL as SQLite spells it, and the sqlite3 driver's conversions."""

    bind_processors: ClassVar[Mapping[str, ProcessorFactory]] = {
        "numeric": _numeric_bind,
        "float": _numeric_bind,
        "date": _fixed(_date_to_text),
        "datetime": _datetime_bind,
        "time": _fixed(_time_to_text),
    }
    result_processors: ClassVar[Mapping[str, ProcessorFactory]] = {
        "numeric": _numeric_result,
        "float": _numeric_result,
        "date": _fixed(_text_to_date),
        "datetime": _datetime_result,
        "time": _fixed(_text_to_time),
    }

    def visit_float(self, type_: sqltypes.Float) -> str:
        return "FLOAT"

    def visit_datetime(self, type_: sqltypes.DateTime) -> str:
        return "DATETIME"

    def visit_interval(self, type_: sqltypes.Interval) -> str:
        return "INTEGER"  # microseconds
