"""Edge values on every database: each reads back unchanged, or raises DataError before sending.

What a database cannot store unchanged (SQLite turns NaN into NULL; MariaDB
has no NaN or infinity; PostgreSQL text refuses NUL; a column's integer width)
raises ``DataError`` naming the column and the statement, and nothing is sent.
Which case applies is read from the dialect's ``Features``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from corral import (
    URL,
    BigInteger,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    create_engine,
    exc,
    insert,
    select,
    text,
)
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from corral.sql.features import Features
from tests.integration.conftest import EngineFactory
from tests.integration.orm_models import normalize, recorded_sql

ONE_MB = 1 << 20


def _columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("small", SmallInteger),
        Column("integer", Integer),
        Column("big", BigInteger),
        Column("real", Float),
        Column("real_required", Float, nullable=False, default=0.0),
        Column("exact", Numeric),
        Column("wide", Numeric(38, 10)),
        Column("label", String(20)),
        Column("body", Text),
        Column("short_body", Text(100)),
        Column("blob", LargeBinary),
        Column("short_blob", LargeBinary(100)),
        Column("span", Interval),
        Column("stamp", DateTime),
        Column("stamp_tz", DateTime(timezone=True)),
    ]


@pytest.fixture
def table(engine: Engine) -> Iterator[Table]:
    metadata = MetaData()
    created = Table("edge_values", metadata, *_columns())
    metadata.create_all(engine)
    yield created
    metadata.drop_all(engine)


def _features(engine: Engine) -> Features:
    return engine.dialect.features


def _write(engine: Engine, table: Table, **values: Any) -> list[str]:
    """Insert one row (id 1) and return the statements sent."""
    with recorded_sql() as statements, engine.begin() as conn:
        conn.execute(insert(table).values(id=1, **values))
    return statements


def _read(engine: Engine, table: Table, name: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(table.c[name]).where(table.c.id == 1)).scalar_one()


def _row_count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(table.c.id)).all())


def _insert_sql(name: str) -> str:
    """The INSERT sent for a row given ``id`` and ``name`` (real_required has a default)."""
    names = [c.name for c in _columns() if c.name in ("id", name, "real_required")]
    return f"INSERT INTO edge_values ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def _assert_round_trip(engine: Engine, table: Table, name: str, value: Any) -> None:
    statements = _write(engine, table, **{name: value})
    assert [s for s in statements if s.startswith("INSERT")] == [_insert_sql(name)]
    read = _read(engine, table, name)
    assert type(read) is type(value)
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(read)
    else:
        assert read == value


def _assert_refused(engine: Engine, table: Table, name: str, value: Any, *parts: str) -> None:
    """``value`` raises DataError naming the column and statement; nothing is sent or stored."""
    with (
        recorded_sql() as statements,
        pytest.raises(exc.DataError) as info,
        engine.begin() as conn,
    ):
        conn.execute(insert(table).values(id=1, **{name: value}))
    message = str(info.value)
    assert f"cannot be stored in edge_values.{name}" in message
    assert f"on {engine.dialect.name}" in message
    assert "nothing was sent to the database" in message
    assert f"[SQL: {_insert_sql(name)}]" in normalize(message)
    for part in parts:
        assert part in message
    assert info.value.orig is None
    assert not [s for s in statements if s.startswith("INSERT")]
    assert _row_count(engine, table) == 0


# --- DDL ----------------------------------------------------------------------------------


def test_text_and_binary_ddl_hold_what_the_type_promises(engine: Engine) -> None:
    """Text and LargeBinary are unbounded (LONGTEXT/LONGBLOB on MySQL); with a length,
    TEXT(n)/BLOB(n) as SQLAlchemy writes them for MySQL."""
    metadata = MetaData()
    Table("edge_values", metadata, *_columns())
    with recorded_sql() as statements:
        metadata.create_all(engine)
    (create,) = [s for s in statements if s.startswith("CREATE TABLE")]
    expected = {
        "mysql": "body LONGTEXT, short_body TEXT(100), blob LONGBLOB, short_blob BLOB(100)",
        "postgresql": "body TEXT, short_body TEXT, blob BYTEA, short_blob BYTEA",
        "sqlite": "body TEXT, short_body TEXT, blob BLOB, short_blob BLOB",
    }
    assert expected[engine.dialect.name] in create
    metadata.drop_all(engine)


def test_string_without_length(engine: Engine) -> None:
    """String() is VARCHAR where the database allows it; MySQL raises CompileError, as
    SQLAlchemy does, and creates nothing."""
    metadata = MetaData()
    table = Table(
        "unsized",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String()),
    )
    if _features(engine).varchar_needs_length:
        with recorded_sql() as statements, pytest.raises(exc.CompileError) as info:
            metadata.create_all(engine)
        assert "VARCHAR needs a length on mysql" in str(info.value)
        assert not [s for s in statements if s.startswith("CREATE")]
        return
    with recorded_sql() as statements:
        metadata.create_all(engine)
    assert "CREATE TABLE unsized (id INTEGER NOT NULL, name VARCHAR, PRIMARY KEY (id))" in (
        statements
    )
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, name="x" * 1000))
    with engine.connect() as conn:
        assert conn.execute(select(table.c.name)).scalar_one() == "x" * 1000
    metadata.drop_all(engine)


# --- text and bytes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "x" * ONE_MB,
        "\U0001f600" * (ONE_MB // 4),
        "",
    ],
    ids=["1MB-ascii", "1MB-beyond-bmp", "empty"],
)
def test_text_of_any_length_round_trips(engine: Engine, table: Table, value: str) -> None:
    """Text holds 1 MB (ASCII, or characters beyond the BMP) and the empty string unchanged."""
    _assert_round_trip(engine, table, "body", value)


def test_text_with_length_holds_that_many_characters(engine: Engine, table: Table) -> None:
    """Text(100) holds 100 characters beyond the BMP on every database."""
    _assert_round_trip(engine, table, "short_body", "\U0001f600" * 100)


@pytest.mark.parametrize("value", [b"", bytes(range(256)) * (ONE_MB // 256), b"\x00" * 7])
def test_binary_round_trips(engine: Engine, table: Table, value: bytes) -> None:
    """LargeBinary holds empty bytes, 1 MB and NUL bytes unchanged."""
    _assert_round_trip(engine, table, "blob", value)


@pytest.mark.parametrize("column", ["label", "body"])
def test_nul_in_text(engine: Engine, table: Table, column: str) -> None:
    """A NUL character round-trips where text may hold it; PostgreSQL's refusal names the column."""
    value = "a\x00b"
    if _features(engine).text_allows_nul:
        _assert_round_trip(engine, table, column, value)
    else:
        _assert_refused(engine, table, column, value, "NUL character")


# --- floats and decimals ------------------------------------------------------------------


@pytest.mark.parametrize("column", ["real", "real_required"])
def test_float_nan(engine: Engine, table: Table, column: str) -> None:
    """NaN reads back as NaN where stored (PostgreSQL); elsewhere DataError, never NULL."""
    if _features(engine).stores_nan:
        _assert_round_trip(engine, table, column, float("nan"))
    else:
        _assert_refused(engine, table, column, float("nan"), "float nan", "does not store NaN")


@pytest.mark.parametrize("value", [float("inf"), float("-inf")])
def test_float_infinity(engine: Engine, table: Table, value: float) -> None:
    """±infinity reads back unchanged where stored (SQLite, PostgreSQL); MySQL raises DataError."""
    if _features(engine).stores_infinity:
        _assert_round_trip(engine, table, "real", value)
    else:
        _assert_refused(engine, table, "real", value, "does not store infinity")


def test_float_extremes_round_trip(engine: Engine, table: Table) -> None:
    """The largest, smallest and negative-zero floats read back unchanged."""
    for value in (1.7976931348623157e308, 5e-324, -0.0):
        _assert_round_trip(engine, table, "real", value)
        with engine.begin() as conn:
            conn.execute(table.delete())


@pytest.mark.parametrize(
    ("value", "special"),
    [
        (Decimal("NaN"), "NaN"),
        (Decimal("Infinity"), "infinity"),
        (Decimal("-Infinity"), "infinity"),
    ],
)
def test_decimal_nan_and_infinity(
    engine: Engine, table: Table, value: Decimal, special: str
) -> None:
    """A Decimal NaN or infinity reads back unchanged where stored; elsewhere DataError."""
    features = _features(engine)
    if features.stores_nan if special == "NaN" else features.stores_infinity:
        statements = _write(engine, table, exact=value)
        assert _insert_sql("exact") in statements
        read = _read(engine, table, "exact")
        assert type(read) is Decimal
        assert read.is_nan() if special == "NaN" else read == value
    else:
        _assert_refused(engine, table, "exact", value, f"does not store {special}")


WIDE = Decimal("1234567890123456789012345678.0123456789")


def test_numeric_precision(engine: Engine, table: Table) -> None:
    """Numeric(38, 10) keeps 38 digits where decimals are exact; SQLite raises DataError
    saying what it would read back, instead of rounding silently."""
    if _features(engine).exact_decimal:
        _assert_round_trip(engine, table, "wide", WIDE)
    else:
        _assert_refused(engine, table, "wide", WIDE, "would read back as 1.2345678901234569E+27")


def test_numeric_without_precision_keeps_fractions(engine: Engine, table: Table) -> None:
    """Numeric() keeps a fraction; on MySQL (DECIMAL(10, 0)) DataError instead of rounding."""
    value = Decimal("2.5")
    if _features(engine).unsized_numeric_is_whole:
        _assert_refused(engine, table, "exact", value, "would read back as 3", "Numeric(20, 6)")
    else:
        _assert_round_trip(engine, table, "exact", value)


def test_numeric_values_a_float_holds_round_trip(engine: Engine, table: Table) -> None:
    """Whole 64-bit decimals and short fractions round-trip on every database."""
    for value in (Decimal(2**63 - 1), Decimal(-(2**63)), Decimal("0.1000000000")):
        _assert_round_trip(engine, table, "wide", value)
        with engine.begin() as conn:
            conn.execute(table.delete())


# --- integers -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), 0])
def test_big_integer_limits_round_trip(engine: Engine, table: Table, value: int) -> None:
    """BigInteger holds the whole signed 64-bit range."""
    _assert_round_trip(engine, table, "big", value)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**100])
def test_big_integer_past_64_bits(engine: Engine, table: Table, value: int) -> None:
    """An int past 64 bits raises DataError naming the column (not OverflowError)."""
    _assert_refused(engine, table, "big", value, "signed 64-bit range", "use Numeric")


@pytest.mark.parametrize(
    ("column", "value", "bits"),
    [("integer", 2**31, 32), ("integer", -(2**31) - 1, 32), ("small", 2**15, 16)],
)
def test_integer_past_its_width(
    engine: Engine, table: Table, column: str, value: int, bits: int
) -> None:
    """A value past INTEGER's or SMALLINT's width raises DataError naming the column, except on
    SQLite, where every integer column holds 64 bits and it round-trips."""
    if _features(engine).integer_bits is not None:
        _assert_round_trip(engine, table, column, value)
    else:
        _assert_refused(engine, table, column, value, f"signed {bits}-bit range", "BigInteger")


def test_integer_width_does_not_limit_comparisons(engine: Engine, table: Table) -> None:
    """A wider value may still be compared with a narrow column (WHERE small < 100000)."""
    _write(engine, table, small=7)
    with recorded_sql() as statements, engine.connect() as conn:
        found = conn.execute(select(table.c.id).where(table.c.small < 100_000)).scalars().all()
    assert found == [1]
    assert statements[-1] == "SELECT edge_values.id FROM edge_values WHERE edge_values.small < ?"


def test_untyped_int_past_64_bits(engine: Engine) -> None:
    """An untyped parameter the driver cannot bind raises DataError with the statement;
    databases that bind it return it."""
    statement = text("SELECT :x AS x")
    if _features(engine).integer_bits is None:
        with engine.connect() as conn:
            assert conn.execute(statement, {"x": 2**70}).scalar_one() == 2**70
        return
    with pytest.raises(exc.DataError) as info, engine.connect() as conn:
        conn.execute(statement, {"x": 2**70})
    assert "[SQL: SELECT ? AS x]" in str(info.value)
    assert isinstance(info.value.orig, OverflowError)


class _EdgeBase(DeclarativeBase):
    pass


class Counter(_EdgeBase):
    __tablename__ = "edge_counters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    total: Mapped[int] = mapped_column(BigInteger)


def test_flush_refuses_an_int_past_64_bits(engine: Engine) -> None:
    """A flush (INSERT, then UPDATE) of an int past 64 bits raises DataError naming the column,
    sends neither statement, and the row keeps its stored value."""
    _EdgeBase.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            session.add(Counter(id=1, total=2**63))
            with recorded_sql() as statements, pytest.raises(exc.DataError) as info:
                session.flush()
            assert "cannot be stored in edge_counters.total (BigInteger)" in str(info.value)
            assert not [s for s in statements if s.startswith("INSERT")]
            session.rollback()
            session.add(Counter(id=1, total=5))
            session.commit()
            counter = session.get(Counter, 1)
            assert counter is not None
            counter.total = -(2**63) - 1
            with recorded_sql() as statements, pytest.raises(exc.DataError) as info:
                session.commit()
            assert "cannot be stored in edge_counters.total (BigInteger)" in str(info.value)
            assert not [s for s in statements if s.startswith("UPDATE")]
            session.rollback()
        with engine.connect() as conn:
            stored = conn.execute(select(Counter.__table__.c.total)).scalars().all()
        assert stored == [5]
    finally:
        _EdgeBase.metadata.drop_all(engine)


# --- durations and timestamps -------------------------------------------------------------


def test_interval_limits(engine: Engine, table: Table) -> None:
    """The longest timedelta round-trips with a native interval; elsewhere DataError names the
    column instead of OverflowError."""
    value = dt.timedelta(days=999_999_999)
    if _features(engine).native_interval:
        _assert_round_trip(engine, table, "span", value)
    else:
        _assert_refused(engine, table, "span", value, "count of microseconds")


def test_interval_of_a_microsecond_round_trips(engine: Engine, table: Table) -> None:
    """A one-microsecond duration keeps its microsecond."""
    _assert_round_trip(engine, table, "span", dt.timedelta(microseconds=-1))


def test_naive_datetime_keeps_microseconds(engine: Engine, table: Table) -> None:
    """DateTime keeps microseconds."""
    _assert_round_trip(engine, table, "stamp", dt.datetime(2024, 2, 29, 23, 59, 59, 999999))


def test_aware_datetime_in_naive_column_is_stored_as_utc(engine: Engine, table: Table) -> None:
    """An aware value written to DateTime() reads back naive, as the same instant in UTC."""
    written = dt.datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))
    _write(engine, table, stamp=written)
    assert _read(engine, table, "stamp") == dt.datetime(2024, 6, 1, 6, 30, 0, 1)


def test_aware_datetime_before_year_one_in_utc(engine: Engine, table: Table) -> None:
    """An aware value before year 1 in UTC raises DataError naming the column (not a bare
    OverflowError, and not a value PostgreSQL stores but cannot return)."""
    value = dt.datetime(1, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    _assert_refused(engine, table, "stamp_tz", value, "outside years 1 to 9999")


def test_aware_datetime_in_timezone_column(engine: Engine, table: Table) -> None:
    """DateTime(timezone=True) reads back aware and at the same instant: in UTC where the
    database keeps no offset, in the session's time zone on PostgreSQL."""
    written = dt.datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))
    _write(engine, table, stamp_tz=written)
    read = _read(engine, table, "stamp_tz")
    assert read == written
    assert read.microsecond == 1
    if not _features(engine).timezone_datetime:
        assert read.utcoffset() == dt.timedelta(0)
    else:
        assert read.utcoffset() is not None


# --- MariaDB / MySQL strict mode ----------------------------------------------------------


def test_mysql_session_is_strict_whatever_the_server_default(
    backend: str, db_url: URL, make_engine: EngineFactory
) -> None:
    """Even when the server's sql_mode is not strict, a too-long or out-of-range value raises
    DataError instead of being cut with a warning (the dialect adds STRICT_ALL_TABLES)."""
    if backend != "mysql":
        pytest.skip("sql_mode belongs to MariaDB and MySQL")
    lax_url = db_url.set(query={"init_command": "SET SESSION sql_mode = ''"})
    engine = create_engine(lax_url)
    try:
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("SELECT @@session.sql_mode").scalar_one()
        assert "STRICT_ALL_TABLES" in str(mode).split(",")
        metadata = MetaData()
        table = Table(
            "strict_check",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=False),
            Column("code", String(3)),
        )
        metadata.create_all(engine)
        with (
            recorded_sql() as statements,
            pytest.raises(exc.DataError) as info,
            engine.begin() as conn,
        ):
            conn.execute(insert(table).values(id=1, code="toolong"))
        assert "Data too long for column 'code'" in str(info.value)
        assert "INSERT INTO strict_check (id, code) VALUES (?, ?)" in statements
        with engine.connect() as conn:
            assert conn.execute(select(table.c.id)).all() == []
        metadata.drop_all(engine)
    finally:
        engine.dispose()
