"""What number columns keep: the checks ``Numeric`` and ``Float`` run before a value is sent.

Each check returns why a value would not read back unchanged on a dialect, or
``None`` (see ``TypeEngine.storage_check``): NaN and infinities where the
database does not store them (``Features.stores_nan``, ``stores_infinity``),
decimals a database without exact decimals would round (``exact_decimal``),
and fractions that MySQL's NUMERIC without precision drops
(``unsized_numeric_is_whole``).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.type_api import StorageCheck


def special_number(value: Any) -> str | None:
    """``"NaN"`` or ``"infinity"`` for a float or Decimal that is one, else ``None``."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return "infinity" if math.isinf(value) else None
    if isinstance(value, Decimal) and not value.is_finite():
        return "NaN" if value.is_nan() else "infinity"
    return None


def special_number_check(dialect: SQLDialect) -> StorageCheck | None:
    """Refuses NaN and infinities the dialect does not store (SQLite reads NaN back as NULL)."""
    nan, infinity = dialect.features.stores_nan, dialect.features.stores_infinity
    if nan and infinity:
        return None
    name = dialect.name

    def special_check(value: Any) -> str | None:
        if type(value) is float and math.isfinite(value):  # the common case, decided in C
            return None
        special = special_number(value)
        if special is None or (nan if special == "NaN" else infinity):
            return None
        return (
            f"{name} does not store {special} in a number column (it would be refused or "
            "read back as NULL); use None for a missing value"
        )

    return special_check


_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def inexact_decimal(value: Any) -> str | None:
    """Why a database without exact decimals would change ``value``, or ``None``.

    Such a database keeps a whole number in 64 bits exactly and anything else
    as an 8-byte float, read back as the shortest decimal that float prints as.
    """
    if isinstance(value, float) or special_number(value) is not None:
        return None
    number = Decimal(value)
    if number == number.to_integral_value() and _INT64_MIN <= number <= _INT64_MAX:
        return None
    read_back = Decimal(repr(float(number)))
    if read_back == number:
        return None
    return (
        f"this database keeps decimals as 8-byte floats (about 15 significant digits), so it "
        f"would read back as {read_back}; round it first, or store it as a String"
    )


def fraction_dropped(dialect_name: str, value: Any) -> str | None:
    """Why a NUMERIC without precision that keeps no fraction (MySQL) would change ``value``."""
    if special_number(value) is not None:
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return None
    rounded = number.to_integral_value(ROUND_HALF_UP)
    return (
        f"NUMERIC without a precision is DECIMAL(10, 0) on {dialect_name}, so it would read "
        f"back as {rounded}; give the column a precision and scale, e.g. Numeric(20, 6)"
    )
