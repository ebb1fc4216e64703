"""How DateTime treats time zones on each database, whatever the connection's own time zone.

- ``DateTime(timezone=True)`` reads back aware values at the instant written; a naive value
  written to it is taken as UTC. PostgreSQL keeps the instant (``TIMESTAMP WITH TIME ZONE``)
  and returns it in the session's time zone; SQLite and MariaDB store UTC and corral returns
  it as aware UTC.
- ``DateTime()`` keeps naive values as written (the session's time zone never shifts them);
  an aware value is stored as naive UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from corral import Column, DateTime, Engine, Integer, MetaData, Table, insert, select
from tests.integration.conftest import EngineFactory

INDIA = dt.timezone(dt.timedelta(hours=5, minutes=30))


@pytest.fixture
def zoned(backend: str, make_engine: EngineFactory) -> Engine:
    """An engine whose connections run in a session time zone of +05:30 (not UTC), where the
    database has one: a shifted result would show."""
    if backend == "postgresql":
        return make_engine(connect_args={"options": "-c TimeZone=Asia/Kolkata"})
    if backend == "mysql":
        return make_engine(connect_args={"init_command": "SET time_zone = '+05:30'"})
    return make_engine()


@pytest.fixture
def stamps(zoned: Engine) -> Iterator[Table]:
    metadata = MetaData()
    table = Table(
        "stamps",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("plain", DateTime),
        Column("zoned", DateTime(timezone=True)),
    )
    metadata.create_all(zoned)
    yield table
    metadata.drop_all(zoned)


def _store_and_read(engine: Engine, table: Table, **values: dt.datetime) -> tuple[object, ...]:
    with engine.begin() as connection:
        connection.execute(insert(table).values(id=1, **values))
    with engine.connect() as connection:
        row = connection.execute(select(table.c.plain, table.c.zoned)).one()
    return tuple(row)


def test_naive_value_in_plain_column_is_kept_as_written(zoned: Engine, stamps: Table) -> None:
    """DateTime() returns a naive value exactly as written, in a +05:30 session too."""
    written = dt.datetime(2024, 3, 31, 1, 30, 0, 250)
    plain, _ = _store_and_read(zoned, stamps, plain=written)
    assert plain == written and isinstance(plain, dt.datetime) and plain.tzinfo is None


def test_aware_value_in_plain_column_is_stored_as_naive_utc(zoned: Engine, stamps: Table) -> None:
    """DateTime() given an aware value keeps it as naive UTC (not the session's local time)."""
    plain, _ = _store_and_read(zoned, stamps, plain=dt.datetime(2024, 6, 1, 12, 0, tzinfo=INDIA))
    assert plain == dt.datetime(2024, 6, 1, 6, 30)


def test_aware_value_in_zoned_column_keeps_its_instant(
    zoned: Engine, stamps: Table, backend: str
) -> None:
    """DateTime(timezone=True) returns the instant written: in the session's zone on
    PostgreSQL, in UTC on SQLite and MariaDB."""
    written = dt.datetime(2024, 6, 1, 12, 0, 0, 7, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    _, read = _store_and_read(zoned, stamps, zoned=written)
    assert isinstance(read, dt.datetime)
    assert read == written
    expected_offset = (
        dt.timedelta(hours=5, minutes=30) if backend == "postgresql" else dt.timedelta(0)
    )
    assert read.utcoffset() == expected_offset


def test_naive_value_in_zoned_column_is_taken_as_utc(zoned: Engine, stamps: Table) -> None:
    """A naive value written to DateTime(timezone=True) means UTC on every database (on
    PostgreSQL not the session's +05:30, which the server would otherwise assume)."""
    _, read = _store_and_read(zoned, stamps, zoned=dt.datetime(2024, 1, 15, 8, 0))
    assert read == dt.datetime(2024, 1, 15, 8, 0, tzinfo=dt.UTC)


def test_aware_comparison_on_zoned_column(zoned: Engine, stamps: Table) -> None:
    """A WHERE on a zoned column with an aware value in another zone compares instants."""
    _store_and_read(zoned, stamps, zoned=dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC))
    later_in_india = dt.datetime(2024, 6, 1, 17, 0, tzinfo=INDIA)  # 11:30 UTC
    with zoned.connect() as connection:
        found = connection.execute(
            select(stamps.c.id).where(stamps.c.zoned > later_in_india)
        ).scalars()
        assert list(found) == [1]
