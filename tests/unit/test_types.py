"""SQL types without a database: DDL per dialect, validation, conversions, cache keys."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

from corral import exc
from corral.sql.compiler.dialect import SQLDialect
from corral.sql.type_api import NULLTYPE, NullType, TypeEngine
from corral.sql.types import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    Uuid,
    type_for_value,
)
from tests.unit.compile_helpers import compile_dialect

DIALECTS = ("sqlite", "postgresql", "mysql")
UTC = dt.UTC


def dialect(name: str) -> SQLDialect:
    """A compile-only dialect built from the folder's features, compilers and types."""
    return compile_dialect(name)


def bind(type_: TypeEngine, name: str, value: Any) -> Any:
    processor = type_.bind_processor(dialect(name))
    return value if processor is None else processor(value)


def result(type_: TypeEngine, name: str, value: Any) -> Any:
    processor = type_.result_processor(dialect(name))
    return value if processor is None else processor(value)


class Color(enum.Enum):
    RED = "r"
    GREEN = 2
    ULTRAVIOLET = "uv"


# --- DDL --------------------------------------------------------------------------------

DDL: list[tuple[TypeEngine, str, str, str]] = [
    # type, SQLite, PostgreSQL, MySQL
    (Integer(), "INTEGER", "INTEGER", "INTEGER"),
    (BigInteger(), "BIGINT", "BIGINT", "BIGINT"),
    (SmallInteger(), "SMALLINT", "SMALLINT", "SMALLINT"),
    (String(30), "VARCHAR(30)", "VARCHAR(30)", "VARCHAR(30)"),
    (Text(), "TEXT", "TEXT", "LONGTEXT"),
    (Text(100), "TEXT", "TEXT", "TEXT(100)"),
    (Boolean(), "BOOLEAN", "BOOLEAN", "BOOL"),
    (Float(), "FLOAT", "DOUBLE PRECISION", "DOUBLE"),
    (Numeric(12, 4), "NUMERIC(12, 4)", "NUMERIC(12, 4)", "NUMERIC(12, 4)"),
    (Numeric(9), "NUMERIC(9)", "NUMERIC(9)", "NUMERIC(9)"),
    (Numeric(), "NUMERIC", "NUMERIC", "NUMERIC"),
    (Date(), "DATE", "DATE", "DATE"),
    (DateTime(), "DATETIME", "TIMESTAMP WITHOUT TIME ZONE", "DATETIME(6)"),
    (DateTime(timezone=True), "DATETIME", "TIMESTAMP WITH TIME ZONE", "DATETIME(6)"),
    (Time(), "TIME", "TIME", "TIME(6)"),
    (Interval(), "INTEGER", "INTERVAL", "BIGINT"),
    (LargeBinary(), "BLOB", "BYTEA", "LONGBLOB"),
    (LargeBinary(1000), "BLOB", "BYTEA", "BLOB(1000)"),
    (JSON(), "TEXT", "JSON", "LONGTEXT"),
    (Uuid(), "CHAR(32)", "UUID", "CHAR(32)"),
    (Enum(Color), "VARCHAR(11)", "color", "ENUM('RED','GREEN','ULTRAVIOLET')"),
    (Enum("a", "bcd", name="Abc"), "VARCHAR(3)", '"Abc"', "ENUM('a','bcd')"),
    (Enum("a", "bcd", length=20, native_enum=False), "VARCHAR(20)", "VARCHAR(20)", "VARCHAR(20)"),
]


@pytest.mark.parametrize(("type_", "sqlite", "postgresql", "mysql"), DDL, ids=repr)
def test_ddl_spelling(type_: TypeEngine, sqlite: str, postgresql: str, mysql: str) -> None:
    """Each dialect spells each type as the table says."""
    expected = {"sqlite": sqlite, "postgresql": postgresql, "mysql": mysql}
    assert {name: dialect(name).type_ddl(type_) for name in DIALECTS} == expected


def test_string_without_length_has_no_ddl_on_mysql() -> None:
    """MySQL's VARCHAR needs a length: String() raises CompileError there, as in SQLAlchemy."""
    assert dialect("sqlite").type_ddl(String()) == "VARCHAR"
    assert dialect("postgresql").type_ddl(String()) == "VARCHAR"
    with pytest.raises(
        exc.CompileError, match=r"VARCHAR needs a length on mysql.*String\(length\)"
    ):
        dialect("mysql").type_ddl(String())


@pytest.mark.parametrize(
    ("type_", "target"),
    [
        (Integer(), "SIGNED"),
        (Boolean(), "SIGNED"),
        (Interval(), "SIGNED"),
        (Numeric(10, 2), "DECIMAL(10, 2)"),
        (Float(), "DOUBLE"),
        (String(10), "CHAR(10)"),
        (String(), "CHAR"),
        (Text(), "CHAR"),
        (JSON(), "CHAR"),
        (Uuid(), "CHAR(32)"),
        (Enum("a", "bb"), "CHAR(2)"),
        (LargeBinary(), "BINARY"),
        (DateTime(), "DATETIME(6)"),
        (Date(), "DATE"),
    ],
    ids=repr,
)
def test_mysql_cast_targets(type_: TypeEngine, target: str) -> None:
    """MySQL's CAST takes its own type names, not the DDL ones."""
    compiler = dialect("mysql").type_compiler(dialect("mysql"))
    assert compiler.process_cast(type_) == target


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
@pytest.mark.parametrize("type_", [row[0] for row in DDL], ids=repr)
def test_cast_target_is_ddl_name_elsewhere(name: str, type_: TypeEngine) -> None:
    """SQLite and PostgreSQL cast to the same names they use in DDL."""
    compiler = dialect(name).type_compiler(dialect(name))
    assert compiler.process_cast(type_) == compiler.process(type_)


def test_null_type_has_no_ddl() -> None:
    """A column of unknown type cannot be created, and the error says so."""
    with pytest.raises(exc.CompileError, match="no DDL for the type NullType"):
        dialect("sqlite").type_ddl(NullType())


# --- validation -------------------------------------------------------------------------

ACCEPTS: list[tuple[TypeEngine, object, bool]] = [
    (Integer(), 5, True),
    (Integer(), True, False),  # bool is refused: PostgreSQL rejects it for integers
    (Integer(), "5", False),
    (Integer(), 5.0, False),
    (String(5), "abc", True),
    (String(5), b"abc", False),
    (Boolean(), False, True),
    (Boolean(), 1, False),
    (Numeric(5, 2), Decimal("1.25"), True),
    (Numeric(5, 2), 3, True),
    (Numeric(5, 2), 1.5, True),
    (Numeric(5, 2), "1.25", False),
    (Float(), Decimal("1.5"), True),
    (Float(), "1.5", False),
    (Date(), dt.date(2024, 1, 1), True),
    (Date(), dt.datetime(2024, 1, 1), False),
    (DateTime(), dt.datetime(2024, 1, 1), True),
    (DateTime(), dt.date(2024, 1, 1), False),
    (Time(), dt.time(1, 2), True),
    (Time(), dt.timedelta(hours=1), False),
    (Interval(), dt.timedelta(hours=1), True),
    (Interval(), 3600, False),
    (LargeBinary(), b"x", True),
    (LargeBinary(), bytearray(b"x"), True),
    (LargeBinary(), memoryview(b"x"), True),
    (LargeBinary(), "x", False),
    (JSON(), {"a": [1, 2.5, None, True, "s", {"b": ()}]}, True),
    (JSON(), [1, 2], True),
    (JSON(), "text", True),
    (JSON(), {1: "int key"}, False),
    (JSON(), {"a": Decimal(1)}, False),
    (JSON(), {"a": float("nan")}, False),
    (JSON(), {"a": {1, 2}}, False),
    (Uuid(), uuid.UUID(int=1), True),
    (Uuid(), str(uuid.UUID(int=1)), False),
    (Uuid(as_uuid=False), str(uuid.UUID(int=1)), True),
    (Uuid(as_uuid=False), "not a uuid", False),
    (Enum(Color), Color.RED, True),
    (Enum(Color), "RED", True),
    (Enum(Color), "r", True),
    (Enum(Color), 2, True),
    (Enum(Color), "BLUE", False),
    (Enum(Color), ["unhashable"], False),
    (Enum("a", "b"), "a", True),
    (Enum("a", "b"), "c", False),
    (Enum("a", "b"), Color.RED, False),
]


@pytest.mark.parametrize(("type_", "value", "accepted"), ACCEPTS, ids=repr)
def test_accepts(type_: TypeEngine, value: object, accepted: bool) -> None:
    """A type accepts exactly the Python values it can store."""
    assert type_.accepts(value) is accepted


@pytest.mark.parametrize("type_", [row[0] for row in DDL], ids=repr)
def test_none_is_always_accepted(type_: TypeEngine) -> None:
    """None (SQL NULL) is accepted by every type."""
    assert type_.accepts(None)


def test_rejection_names_expected_and_given_types() -> None:
    """validate() raises ArgumentError naming the expected type and the value's type."""
    with pytest.raises(exc.ArgumentError) as info:
        Integer().validate("abc")
    assert str(info.value) == "expected an int for Integer, got str 'abc'"


def test_rejection_describes_type_arguments() -> None:
    """The message shows the type as written, with its arguments."""
    assert Numeric(5, 2).rejection("x") == (
        "expected a Decimal, int or float for Numeric(5, 2), got str 'x'"
    )


def test_rejection_shortens_long_values() -> None:
    """A long value is cut in the message."""
    message = String(3).rejection(b"y" * 500)
    assert message.startswith("expected a str for String(3), got bytes b'yyy")
    assert message.endswith("...")
    assert len(message) < 120


def test_enum_rejection_lists_allowed_names() -> None:
    """An unknown Enum value is refused with the names it could have been."""
    with pytest.raises(exc.ArgumentError) as info:
        Enum(Color).validate("BLUE")
    assert str(info.value) == (
        "expected a member of Color or one of its names 'RED', 'GREEN', 'ULTRAVIOLET' "
        "for Enum(Color), got str 'BLUE'"
    )


def test_string_enum_rejection_lists_allowed_strings() -> None:
    """An Enum of strings names its strings when refusing a value."""
    assert (
        Enum("a", "b").rejection("c") == "expected one of 'a', 'b' for Enum('a', 'b'), got str 'c'"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: String(-1), r"String\(length=-1\) must be a positive length"),
        (lambda: String(0), r"String\(length=0\)"),
        (lambda: Text("10"), r"Text\(length=...\) must be an int"),  # type: ignore[arg-type]
        (lambda: LargeBinary(-5), r"LargeBinary\(length=-5\)"),
        (lambda: Numeric(5, 6), r"scale .* cannot exceed the precision"),
        (lambda: Numeric(0), r"precision=0\) must be positive"),
        (lambda: Numeric(5, -1), r"scale=-1\) must not be negative"),
        (lambda: Numeric(scale=2), r"needs a precision"),
        (lambda: Float(decimal_return_scale=-1), r"must not be negative"),
        (Enum, r"at least one name"),
        (lambda: Enum(int), r"enum.Enum class or strings"),  # type: ignore[arg-type]
        (lambda: Enum("a", 1), r"got int 1"),  # type: ignore[arg-type]
        (lambda: Enum(Color, length=3), r"shorter than its longest name \(11 characters\)"),
    ],
)
def test_invalid_constructor_arguments(make: Any, message: str) -> None:
    """Impossible constructor arguments raise ArgumentError saying what is wrong."""
    with pytest.raises(exc.ArgumentError, match=message):
        make()


# --- conversions ------------------------------------------------------------------------


@pytest.mark.parametrize("name", DIALECTS)
@pytest.mark.parametrize("type_", [Integer(), BigInteger(), String(10), String(), Text()], ids=repr)
def test_hot_path_types_have_no_processors(type_: TypeEngine, name: str) -> None:
    """Integers and strings pass to and from every driver unconverted."""
    assert type_.bind_processor(dialect(name)) is None
    assert type_.result_processor(dialect(name)) is None


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_boolean_reads_back_bool(name: str) -> None:
    """Booleans stored as integers come back as bool."""
    assert result(Boolean(), name, 1) is True
    assert result(Boolean(), name, 0) is False


def test_boolean_native_has_no_processors() -> None:
    """A native boolean needs no conversion."""
    assert Boolean().result_processor(dialect("postgresql")) is None


def test_sqlite_numeric_binds_whole_decimals_as_integers() -> None:
    """On SQLite a whole Decimal is stored exactly as an INTEGER, others as REAL."""
    assert bind(Numeric(10, 2), "sqlite", Decimal("5.00")) == 5
    assert type(bind(Numeric(10, 2), "sqlite", Decimal("5.00"))) is int
    assert bind(Numeric(10, 2), "sqlite", Decimal("1.25")) == 1.25
    assert bind(Numeric(30, 0), "sqlite", Decimal(2**70)) == float(2**70)


def test_sqlite_numeric_result_is_quantized_decimal() -> None:
    """On SQLite a stored number comes back as a Decimal with the column's scale."""
    assert str(result(Numeric(10, 2), "sqlite", 5)) == "5.00"
    assert str(result(Numeric(10, 2), "sqlite", 0.1)) == "0.10"
    assert str(result(Numeric(15, 6), "sqlite", 123456789.123456)) == "123456789.123456"
    assert str(result(Numeric(), "sqlite", 0.1)) == "0.1"


@pytest.mark.parametrize("name", DIALECTS)
def test_numeric_asdecimal_false_reads_float(name: str) -> None:
    """Numeric(asdecimal=False) reads back a float."""
    assert result(Numeric(10, 2, asdecimal=False), name, Decimal("1.50")) == 1.5
    assert type(result(Numeric(10, 2, asdecimal=False), name, Decimal("1.50"))) is float


@pytest.mark.parametrize("name", DIALECTS)
def test_float_asdecimal_reads_shortest_decimal(name: str) -> None:
    """Float(asdecimal=True) reads a float back as the Decimal of its shortest repr."""
    assert result(Float(asdecimal=True), name, 0.1) == Decimal("0.1")
    assert result(Float(asdecimal=True, decimal_return_scale=2), name, 1 / 3) == Decimal("0.33")


def test_sqlite_float_binds_decimal_as_float() -> None:
    """sqlite3 cannot bind a Decimal, so Float turns it into a float."""
    assert bind(Float(), "sqlite", Decimal("1.5")) == 1.5
    assert type(bind(Float(), "sqlite", Decimal("1.5"))) is float


def test_sqlite_dates_and_times_are_iso_text() -> None:
    """SQLite stores dates and times as ISO 8601 text, always with microseconds."""
    assert bind(Date(), "sqlite", dt.date(2024, 2, 29)) == "2024-02-29"
    assert bind(Time(), "sqlite", dt.time(1, 2, 3)) == "01:02:03.000000"
    assert bind(DateTime(), "sqlite", dt.datetime(2024, 1, 2, 3, 4, 5)) == (
        "2024-01-02 03:04:05.000000"
    )
    assert result(Date(), "sqlite", "2024-02-29") == dt.date(2024, 2, 29)
    assert result(Time(), "sqlite", "01:02:03.000004") == dt.time(1, 2, 3, 4)
    assert result(DateTime(), "sqlite", "2024-01-02 03:04:05") == dt.datetime(2024, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_aware_datetime_stored_as_utc_where_no_time_zone(name: str) -> None:
    """Without time zone storage an aware value is stored as UTC and read back aware UTC."""
    tz = dt.timezone(dt.timedelta(hours=2))
    value = dt.datetime(2024, 1, 2, 12, 0, 0, 5, tzinfo=tz)
    stored = bind(DateTime(timezone=True), name, value)
    expected = dt.datetime(2024, 1, 2, 10, 0, 0, 5)
    assert stored == (expected if name == "mysql" else "2024-01-02 10:00:00.000005")
    back = result(DateTime(timezone=True), name, stored)
    assert back == value
    assert back.tzinfo is UTC


@pytest.mark.parametrize("name", DIALECTS)
def test_naive_datetime_stays_naive(name: str) -> None:
    """A naive value in a DateTime() column round-trips naive."""
    value = dt.datetime(2024, 1, 2, 3, 4, 5, 6)
    assert result(DateTime(), name, bind(DateTime(), name, value)) == value


@pytest.mark.parametrize("name", DIALECTS)
def test_aware_value_in_naive_column_is_stored_as_utc(name: str) -> None:
    """An aware value given to DateTime() is converted to naive UTC on every dialect."""
    value = dt.datetime(2024, 1, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    back = result(DateTime(), name, bind(DateTime(), name, value))
    assert back == dt.datetime(2024, 1, 2, 15, 0)


def test_postgresql_timestamptz_takes_naive_as_utc() -> None:
    """On PostgreSQL a naive value for DateTime(timezone=True) is sent as UTC, not server time."""
    sent = bind(DateTime(timezone=True), "postgresql", dt.datetime(2024, 1, 2))
    assert sent == dt.datetime(2024, 1, 2, tzinfo=UTC)
    assert DateTime(timezone=True).result_processor(dialect("postgresql")) is None


def test_mysql_time_comes_back_as_time() -> None:
    """PyMySQL's timedelta for a TIME column becomes a datetime.time."""
    value = dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)
    assert result(Time(), "mysql", value) == dt.time(23, 59, 59, 999999)


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_interval_is_microseconds_without_native_interval(name: str) -> None:
    """Without a native interval a timedelta is stored as whole microseconds."""
    value = dt.timedelta(days=-3, seconds=5, microseconds=7)
    stored = bind(Interval(), name, value)
    assert stored == -3 * 86_400_000_000 + 5_000_007
    assert result(Interval(), name, stored) == value


def test_native_interval_is_not_converted() -> None:
    """PostgreSQL's driver maps timedelta itself."""
    assert Interval().bind_processor(dialect("postgresql")) is None
    assert Interval().result_processor(dialect("postgresql")) is None


def test_mysql_binds_memoryview_as_bytes() -> None:
    """PyMySQL would write a memoryview's repr, so it is made bytes first."""
    assert bind(LargeBinary(), "mysql", memoryview(b"a\x00b")) == b"a\x00b"
    assert type(bind(LargeBinary(), "mysql", bytearray(b"x"))) is bytes


@pytest.mark.parametrize("name", DIALECTS)
def test_json_is_sent_as_text(name: str) -> None:
    """JSON values are sent as compact JSON text on every dialect."""
    assert bind(JSON(), name, {"a": [1, "é"]}) == '{"a":[1,"é"]}'


@pytest.mark.parametrize(
    ("name", "parsed"), [("sqlite", True), ("mysql", True), ("postgresql", False)]
)
def test_json_text_is_parsed_without_native_json(name: str, parsed: bool) -> None:
    """JSON text read back is parsed unless the driver already did."""
    processor = JSON().result_processor(dialect(name))
    assert (processor is not None) is parsed
    if processor is not None:
        assert processor('{"a":[1,2.5,null]}') == {"a": [1, 2.5, None]}


@pytest.mark.parametrize("name", ["sqlite", "mysql"])
def test_uuid_is_hex_without_native_uuid(name: str) -> None:
    """Without a native UUID the value is its 32 hex digits, both ways."""
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert bind(Uuid(), name, value) == "12345678123456781234567812345678"
    assert result(Uuid(), name, "12345678123456781234567812345678") == value
    assert bind(Uuid(as_uuid=False), name, str(value)) == value.hex
    assert result(Uuid(as_uuid=False), name, value.hex) == str(value)


def test_native_uuid_as_string_reads_text() -> None:
    """Uuid(as_uuid=False) on PostgreSQL turns the driver's UUID into its text."""
    value = uuid.UUID(int=7)
    assert Uuid().bind_processor(dialect("postgresql")) is None
    assert result(Uuid(as_uuid=False), "postgresql", value) == str(value)


@pytest.mark.parametrize("name", DIALECTS)
def test_enum_stores_member_name(name: str) -> None:
    """An Enum stores the member's name whether given the member, its name or its value."""
    assert bind(Enum(Color), name, Color.ULTRAVIOLET) == "ULTRAVIOLET"
    assert bind(Enum(Color), name, "GREEN") == "GREEN"
    assert bind(Enum(Color), name, "r") == "RED"
    assert result(Enum(Color), name, "GREEN") is Color.GREEN


def test_enum_bind_refuses_unknown_value() -> None:
    """The Enum bind processor refuses a value that is no member, name or value."""
    with pytest.raises(exc.ArgumentError, match="one of its names"):
        bind(Enum(Color), "sqlite", "PURPLE")


def test_string_enum_needs_no_conversion() -> None:
    """An Enum of plain strings stores and reads the strings unconverted."""
    assert Enum("a", "b").bind_processor(dialect("mysql")) is None
    assert Enum("a", "b").result_processor(dialect("mysql")) is None


def test_enum_alias_is_stored_as_canonical_name() -> None:
    """An alias name of an enum class is stored as the canonical member's name."""

    class Size(enum.Enum):
        SMALL = 1
        S = 1

    assert bind(Enum(Size), "sqlite", "S") == "SMALL"


@pytest.mark.parametrize("name", DIALECTS)
def test_result_processors_pass_null_through(name: str) -> None:
    """Every result processor leaves NULL as None."""
    for type_, *_ in DDL:
        processor = type_.result_processor(dialect(name))
        assert processor is None or processor(None) is None


def test_driver_override_replaces_generic_processor() -> None:
    """A dialect's type compiler overrides a type's generic processor by visit name."""
    assert Date().generic_bind_processor(dialect("sqlite")) is None
    assert Date().bind_processor(dialect("sqlite")) is not None
    assert Date().bind_processor(dialect("postgresql")) is None


# --- identity: cache keys, python types, descriptions ------------------------------------


def test_cache_key_distinguishes_arguments() -> None:
    """Types with different arguments have different cache keys; equal ones share a key."""
    assert String(10).cache_key() != String(20).cache_key()
    assert String(10).cache_key() == String(10).cache_key()
    assert String(10).cache_key() != Text(10).cache_key()
    assert Numeric(10, 2).cache_key() != Numeric(10, 3).cache_key()
    assert DateTime().cache_key() != DateTime(timezone=True).cache_key()
    assert Enum(Color).cache_key() == Enum(Color).cache_key()
    assert Enum("a", "b").cache_key() != Enum("a", "c").cache_key()
    hash(Enum(Color).cache_key())


@pytest.mark.parametrize(
    ("type_", "python_type"),
    [
        (Integer(), int),
        (String(), str),
        (Boolean(), bool),
        (Float(), float),
        (Numeric(), Decimal),
        (Numeric(asdecimal=False), float),
        (Date(), dt.date),
        (DateTime(), dt.datetime),
        (Time(), dt.time),
        (Interval(), dt.timedelta),
        (LargeBinary(), bytes),
        (JSON(), dict),
        (Uuid(), uuid.UUID),
        (Uuid(as_uuid=False), str),
        (Enum(Color), Color),
        (Enum("a"), str),
    ],
    ids=repr,
)
def test_python_type(type_: TypeEngine, python_type: type) -> None:
    """python_type is the class values come back as."""
    assert type_.python_type is python_type


@pytest.mark.parametrize(
    ("type_", "text"),
    [
        (String(10), "String(10)"),
        (String(), "String"),
        (Numeric(10, 2), "Numeric(10, 2)"),
        (Float(), "Float"),
        (DateTime(timezone=True), "DateTime(timezone=True)"),
        (Uuid(as_uuid=False), "Uuid(as_uuid=False)"),
        (Enum(Color), "Enum(Color)"),
    ],
)
def test_describe(type_: TypeEngine, text: str) -> None:
    """describe() shows the type as a user would write it."""
    assert type_.describe() == text


# --- type_for_value ---------------------------------------------------------------------


class Level(enum.IntEnum):
    LOW = 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, Integer()),
        ("s", String()),
        (True, Boolean()),
        (1.5, Float()),
        (Decimal("1.5"), Numeric()),
        (dt.datetime(2024, 1, 1), DateTime()),
        (dt.datetime(2024, 1, 1, tzinfo=UTC), DateTime(timezone=True)),
        (dt.date(2024, 1, 1), Date()),
        (dt.time(1), Time()),
        (dt.timedelta(1), Interval()),
        (b"x", LargeBinary()),
        (uuid.UUID(int=1), Uuid()),
        (Color.RED, Enum(Color)),
        (Level.LOW, Enum(Level)),
        ({"a": 1}, JSON()),
        ([1], JSON()),
        (None, NULLTYPE),
        (object(), NULLTYPE),
    ],
    ids=repr,
)
def test_type_for_value(value: object, expected: TypeEngine) -> None:
    """A literal Python value binds as the matching type."""
    assert type_for_value(value).cache_key() == expected.cache_key()


# -- the types of SQL functions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("count", Integer),
        ("char_length", Integer),
        ("rank", Integer),
        ("percent_rank", Numeric),
        ("concat", String),
        ("now", DateTime),
        ("current_date", Date),
        ("localtimestamp", DateTime),
    ],
)
def test_generic_functions_have_their_fixed_type(name: str, expected: type[TypeEngine]) -> None:
    """The functions SQLAlchemy types (count, now, concat, ...) have that type."""
    from corral import func

    assert type(getattr(func, name)("x").type) is expected


@pytest.mark.parametrize("name", ["upper", "lower", "length", "trim", "abs", "round", "my_fn"])
def test_other_functions_are_untyped(name: str) -> None:
    """Any other function is ``NullType()`` unless given ``type_=``, as in SQLAlchemy."""
    from corral import func

    assert repr(getattr(func, name)("lowercase").type) == "NullType()"
    assert type(getattr(func, name)("x", type_=String).type) is String


def test_aggregates_take_their_arguments_type() -> None:
    """max, min, sum and coalesce have the type of their first argument."""
    from corral import column, func

    price = column("price", Numeric(10, 2))
    for name in ("max", "min", "sum", "coalesce"):
        assert getattr(func, name)(price).type is price.type


def test_untyped_expression_takes_plus_meaning_from_other_side() -> None:
    """``func.upper(x) + " suffix"`` concatenates (String), ``func.abs(n) + 5`` adds (Integer)."""
    from corral import column, func, select

    joined = func.upper("lowercase") + " suffix"
    assert type(joined.type) is String
    assert str(select(joined)) == "SELECT upper(:upper_1) || :upper_2 AS anon_1"
    prefixed = "pre" + func.upper("x")
    assert str(select(prefixed)) == "SELECT :upper_1 || upper(:upper_2) AS anon_1"
    added = func.abs(column("q", Integer)) + 5
    assert type(added.type) is Integer
    assert str(select(added)) == "SELECT abs(q) + :abs_1 AS anon_1"
