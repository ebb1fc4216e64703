"""Date and time types: Date, DateTime, Time and Interval (re-exported by ``corral.sql.types``).

Time zones, the same on every dialect:

- ``DateTime(timezone=True)`` reads back aware datetimes. Where the database
  stores no offset (``Features.timezone_datetime`` false) the value is stored
  as UTC and read back as aware UTC: equal to what was written, as an instant.
  A naive value written to it is taken to be UTC.
- ``DateTime()`` reads back naive datetimes. An aware value written to it is
  converted to UTC and stored naive.

An aware value that falls outside years 1 to 9999 in UTC
(``datetime(1, 1, 1, tzinfo=+05:00)``) could not be read back as a Python
datetime: it raises ``DataError`` naming the column before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from corral.sql.type_api import Processor, StorageCheck, TypeEngine, integer_range_check

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect

UTC = dt.UTC
_MICROSECOND = dt.timedelta(microseconds=1)


def aware_to_naive_utc(value: Any) -> Any:
    """An aware datetime as naive UTC; a naive one (or None) unchanged."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def naive_to_aware_utc(value: Any) -> Any:
    """A naive datetime taken as UTC and made aware; an aware one (or None) unchanged."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _utc_out_of_range(value: Any) -> str | None:
    """Why an aware datetime cannot be stored as UTC (it leaves years 1 to 9999), or None."""
    if value.tzinfo is None:
        return None
    try:
        value.astimezone(UTC)
    except OverflowError:
        return (
            "in UTC it falls outside years 1 to 9999 that a Python datetime holds, so it "
            "could not be stored as UTC or read back; keep aware values within that range"
        )
    return None


def _interval_to_microseconds(value: Any) -> Any:
    return value if value is None else value // _MICROSECOND


def _microseconds_to_interval(value: Any) -> Any:
    return value if value is None else dt.timedelta(microseconds=int(value))


class Date(TypeEngine):
    """A calendar date: ``DATE``. Accepts ``datetime.date`` but not ``datetime.datetime``."""

    python_types = (dt.date,)
    affinity = "date"
    visit_name = "date"
    expected = "a datetime.date (not a datetime)"

    def accepts(self, value: object) -> bool:
        return value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime))


class DateTime(TypeEngine):
    """A date and time of day to the microsecond: ``TIMESTAMP`` / ``DATETIME(6)``.

    See the module docstring for how ``timezone`` treats aware and naive values.
    """

    python_types = (dt.datetime,)
    affinity = "datetime"
    visit_name = "datetime"
    expected = "a datetime.datetime"

    def __init__(self, timezone: bool = False) -> None:
        self.timezone = timezone

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        return _utc_out_of_range

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.timezone and dialect.features.timezone_datetime:
            return naive_to_aware_utc
        return aware_to_naive_utc

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        if self.timezone and not dialect.features.timezone_datetime:
            return naive_to_aware_utc
        return None

    def describe(self) -> str:
        return "DateTime(timezone=True)" if self.timezone else "DateTime"


class Time(TypeEngine):
    """A time of day to the microsecond: ``TIME`` / ``TIME(6)``."""

    python_types = (dt.time,)
    affinity = "time"
    visit_name = "time"
    expected = "a datetime.time"


class Interval(TypeEngine):
    """A duration: ``INTERVAL`` where native, else a ``BIGINT`` count of microseconds.

    Without a native interval the range is about ±292,000 years (a signed
    64-bit count of microseconds); a longer duration raises ``DataError``
    naming the column before anything is sent.
    """

    python_types = (dt.timedelta,)
    affinity = "interval"
    visit_name = "interval"
    expected = "a datetime.timedelta"

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        if dialect.features.native_interval:
            return None
        count_check = integer_range_check(
            64,
            f"{dialect.name} stores an Interval in",
            "keep durations within about 292,000 years",
        )

        def microseconds_check(value: Any) -> str | None:
            count = _interval_to_microseconds(value)
            reason = count_check(count)
            return None if reason is None else f"as a count of microseconds ({count}) {reason}"

        return microseconds_check

    def generic_bind_processor(self, dialect: SQLDialect) -> Processor | None:
        return None if dialect.features.native_interval else _interval_to_microseconds

    def generic_result_processor(self, dialect: SQLDialect) -> Processor | None:
        return None if dialect.features.native_interval else _microseconds_to_interval
