"""Storage checks without a database: values each dialect would change are refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from corral.sql.type_api import TypeEngine
from corral.sql.types import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    Interval,
    Numeric,
    SmallInteger,
    String,
    Text,
)
from tests.unit.compile_helpers import compile_dialect


def result(type_: TypeEngine, name: str, value: Any) -> Any:
    processor = type_.result_processor(compile_dialect(name))
    return value if processor is None else processor(value)


def check(type_: TypeEngine, name: str, value: Any, *, stored: bool = True) -> str | None:
    """Why ``compile_dialect(name)`` would refuse ``value`` for ``type_``, or None."""
    found = type_.storage_check(compile_dialect(name), stored=stored)
    return None if found is None else found(value)


def test_integer_width_applies_to_stored_values_only() -> None:
    """A column's width refuses a stored value; a compared value may be wider."""
    assert check(Integer(), "postgresql", 2**31 - 1) is None
    assert "signed 32-bit range" in (check(Integer(), "postgresql", 2**31) or "")
    assert "use BigInteger" in (check(SmallInteger(), "mysql", 2**15) or "")
    assert "use Numeric" in (check(BigInteger(), "mysql", -(2**63) - 1) or "")
    assert Integer().storage_check(compile_dialect("postgresql"), stored=False) is None


def test_sqlite_integers_hold_64_bits_everywhere() -> None:
    """On SQLite every integer column holds 64 bits and the driver binds no wider."""
    assert check(SmallInteger(), "sqlite", 2**62) is None
    assert "signed 64-bit range" in (check(Integer(), "sqlite", 2**63) or "")
    assert "signed 64-bit range" in (check(Integer(), "sqlite", -(2**63) - 1, stored=False) or "")


@pytest.mark.parametrize(
    ("name", "nan", "infinity"),
    [("sqlite", False, True), ("postgresql", True, True), ("mysql", False, False)],
)
def test_nan_and_infinity_follow_features(name: str, nan: bool, infinity: bool) -> None:
    """NaN and infinities are refused exactly where the database would not store them."""
    for type_ in (Float(), Numeric()):
        assert (check(type_, name, float("nan")) is None) is nan
        assert (check(type_, name, Decimal("NaN")) is None) is nan
        assert (check(type_, name, float("-inf")) is None) is infinity
        assert (check(type_, name, Decimal("Infinity")) is None) is infinity
        assert check(type_, name, 2.0) is None


def test_sqlite_refuses_decimals_a_real_would_change() -> None:
    """SQLite keeps decimals as 64-bit integers or REALs: a value either would change is refused."""
    assert check(Numeric(30, 0), "sqlite", Decimal(2**63 - 1)) is None
    assert check(Numeric(30, 10), "sqlite", Decimal("0.1")) is None
    assert check(Numeric(30, 0), "sqlite", Decimal("1E+30")) is None
    reason = check(Numeric(30, 0), "sqlite", Decimal("123456789012345678901"))
    assert reason is not None and "would read back as 1.2345678901234568E+20" in reason
    assert check(Numeric(30, 0), "sqlite", 2**70) is not None
    assert check(Numeric(30, 0), "postgresql", 2**70) is None
    assert check(Numeric(30, 0), "sqlite", 2**70, stored=False) is None


def test_mysql_unsized_numeric_refuses_fractions() -> None:
    """MySQL's NUMERIC without precision is DECIMAL(10, 0): a fraction is refused, not rounded."""
    reason = check(Numeric(), "mysql", Decimal("2.5"))
    assert reason is not None and "would read back as 3" in reason
    assert check(Numeric(), "mysql", 2.25) is not None
    assert check(Numeric(), "mysql", Decimal("7.000")) is None
    assert check(Numeric(10, 2), "mysql", Decimal("2.5")) is None
    assert check(Numeric(), "postgresql", Decimal("2.5")) is None
    assert check(Float(), "mysql", 2.5) is None


def test_postgresql_text_refuses_nul() -> None:
    """PostgreSQL text cannot hold NUL; the other databases store it."""
    assert "NUL character" in (check(Text(), "postgresql", "a\x00b") or "")
    assert check(String(5), "sqlite", "a\x00b") is None
    assert check(String(5), "mysql", "a\x00b") is None


def test_interval_as_microseconds_is_range_checked() -> None:
    """Without a native interval a duration past 64 bits of microseconds is refused."""
    assert check(Interval(), "postgresql", dt.timedelta(days=999_999_999)) is None
    reason = check(Interval(), "sqlite", dt.timedelta(days=999_999_999))
    assert reason is not None and "count of microseconds" in reason
    assert check(Interval(), "mysql", dt.timedelta(days=100_000)) is None


def test_aware_datetime_leaving_the_range_in_utc_is_refused() -> None:
    """An aware value outside years 1..9999 in UTC is refused (it could not be read back)."""
    early = dt.datetime(1, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert "outside years 1 to 9999" in (check(DateTime(), "sqlite", early) or "")
    assert "outside years 1 to 9999" in (check(DateTime(timezone=True), "mysql", early) or "")
    assert "outside years 1 to 9999" in (check(DateTime(), "postgresql", early) or "")
    assert "outside years 1 to 9999" in (check(DateTime(timezone=True), "postgresql", early) or "")
    assert check(DateTime(), "sqlite", dt.datetime(1, 1, 1)) is None


def test_sqlite_numeric_infinity_reads_back_unquantized() -> None:
    """An infinity read back from a scaled Numeric on SQLite is Decimal('Infinity')."""
    assert result(Numeric(10, 2), "sqlite", float("inf")) == Decimal("Infinity")
    assert result(Float(asdecimal=True, decimal_return_scale=2), "sqlite", float("-inf")) == (
        Decimal("-Infinity")
    )
