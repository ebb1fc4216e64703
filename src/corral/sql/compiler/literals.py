"""Python values written into SQL text: DDL defaults and ``literal_binds`` compiles.

Only values whose spelling is unambiguous are written; anything else is refused
with the reason, so a statement shown with its values is one the database would
run with the same meaning.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any

from corral import exc
from corral.sql.features import Features


def literal_sql(value: Any, features: Features) -> str:
    """``value`` as a SQL literal for a database with ``features`` (before ``%`` escaping)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        if features.native_boolean or features.is_boolean_keyword:
            return "true" if value else "false"
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise exc.CompileError(f"Cannot write the float {value!r} as a SQL literal")
        return repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise exc.CompileError(f"Cannot write the Decimal {value!r} as a SQL literal")
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and not features.timezone_datetime:
            raise exc.CompileError(
                f"Cannot write the time-zone-aware {value!r} as a literal for a database "
                "without time zones; convert it to UTC and drop tzinfo first"
            )
        return quote_string(value.isoformat(sep=" "), features)
    if isinstance(value, dt.date | dt.time):
        return quote_string(value.isoformat(), features)
    if isinstance(value, uuid.UUID):
        return quote_string(str(value), features)
    if isinstance(value, str):
        return quote_string(value, features)
    raise exc.CompileError(
        f"Cannot write {type(value).__name__} {value!r} as a SQL literal; "
        "compile without literal_binds and pass it as a parameter"
    )


def quote_string(value: str, features: Features) -> str:
    """A string literal: quotes doubled, and backslashes where they escape (MySQL)."""
    if "\x00" in value:
        raise exc.CompileError("Cannot write a string holding a NUL character as a SQL literal")
    if features.backslash_escapes:
        value = value.replace("\\", "\\\\")
    return "'" + value.replace("'", "''") + "'"
