"""Every type stores and reads back values unchanged on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Enum,
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
    Time,
    Uuid,
    exc,
    insert,
    select,
)


class Color(enum.Enum):
    RED = "r"
    GREEN = 2
    ULTRAVIOLET = "uv"


HOSTILE_STRINGS = [
    "",
    "it's",
    'say "hi"',
    "back\\slash\\",
    "\\'",
    "'; DROP TABLE type_roundtrip; --",
    "%s %(name)s ? :name $1",
    "unicode é ß 中文 😀 \u202e",
    "controls \t\n\r\x01\x1f\x7f",
    " leading and trailing ",
]

#: Column name -> (type, values written; each must come back equal and of the same class).
VALUES: dict[str, tuple[Any, list[Any]]] = {
    "integer": (Integer(), [0, -(2**31), 2**31 - 1, 42]),
    "big_integer": (BigInteger(), [-(2**63), 2**63 - 1, 0]),
    "small_integer": (SmallInteger(), [-32768, 32767, 7]),
    "string": (String(200), HOSTILE_STRINGS),
    "text": (Text(), ["x" * 20_000, "😀" * 500, "multi\nline\ntext"]),
    "boolean": (Boolean(), [True, False]),
    "float": (Float(), [0.1 + 0.2, 1 / 3, 1e308, 5e-324, -1.5, 0.0]),
    "numeric": (
        Numeric(15, 6),
        [Decimal("123456789.123456"), Decimal("-0.000001"), Decimal("5.000000"), Decimal("0E-6")],
    ),
    "numeric_whole": (Numeric(18, 0), [Decimal("999999999999999999"), Decimal("-1")]),
    "date": (Date(), [dt.date(2024, 2, 29), dt.date(1, 1, 1), dt.date(9999, 12, 31)]),
    "datetime": (
        DateTime(),
        [
            dt.datetime(2024, 1, 2, 3, 4, 5, 678901),
            dt.datetime(1970, 1, 1),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
        ],
    ),
    "datetime_tz": (
        DateTime(timezone=True),
        [
            dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
            dt.datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5.5))),
            dt.datetime(2000, 2, 29, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        ],
    ),
    "time": (Time(), [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 30, 0, 1)]),
    "interval": (
        Interval(),
        [
            dt.timedelta(0),
            dt.timedelta(days=-3, seconds=5, microseconds=7),
            dt.timedelta(days=3650, microseconds=1),
            dt.timedelta(microseconds=-1),
        ],
    ),
    "large_binary": (LargeBinary(), [b"", b"\x00\x01\xff'\\\"\x00", bytes(range(256)) * 40]),
    "json": (
        JSON(),
        [
            {"a": [1, 2.5, None, True, "x'y\\z"], "nested": {"deeper": {"emoji": ["😀"]}}},
            [1, "two", 3.0, [], {}],
            "just a string",
            -(2**53),
            0.1 + 0.2,
            [1e20, 1e308, 3.0, -0.5e-300],
            False,
        ],
    ),
    "uuid": (Uuid(), [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.uuid4()]),
    "uuid_text": (Uuid(as_uuid=False), [str(uuid.uuid4()), str(uuid.UUID(int=1))]),
    "color": (Enum(Color), [Color.RED, Color.GREEN, Color.ULTRAVIOLET]),
    "status": (Enum("draft", "published", "1", name="status"), ["draft", "published", "1"]),
}

ROW_COUNT = max(len(values) for _, values in VALUES.values())
ROWS: list[dict[str, Any]] = [
    {"id": i, **{name: values[i % len(values)] for name, (_, values) in VALUES.items()}}
    for i in range(ROW_COUNT)
]


@pytest.fixture
def table(engine: Engine) -> Iterator[Table]:
    metadata = MetaData()
    created = Table(
        "type_roundtrip",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        *(Column(name, type_) for name, (type_, _) in VALUES.items()),
    )
    metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        yield created
    finally:
        metadata.drop_all(engine)


def _read(engine: Engine, table: Table) -> list[dict[str, Any]]:
    names = ["id", *VALUES]
    statement = select(*(table.c[name] for name in names)).order_by(table.c.id)
    with engine.connect() as conn:
        return [dict(zip(names, tuple(row), strict=True)) for row in conn.execute(statement)]


def _differences(written: dict[str, Any], read: dict[str, Any]) -> list[str]:
    return [
        f"{name}: wrote {value!r:.80}, read {read[name]!r:.80}"
        for name, value in written.items()
        if read[name] != value or type(read[name]) is not type(value)
    ]


def test_every_value_round_trips_unchanged(engine: Engine, table: Table) -> None:
    """Each value of each type reads back equal to what was written, and of the same class."""
    with engine.begin() as conn:
        conn.execute(insert(table), ROWS)
    read = _read(engine, table)
    assert len(read) == len(ROWS)
    problems = [p for w, r in zip(ROWS, read, strict=True) for p in _differences(w, r)]
    assert problems == []


def test_null_round_trips_in_every_column(engine: Engine, table: Table) -> None:
    """None written to every column reads back as None."""
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, **dict.fromkeys(VALUES)))
    assert _read(engine, table) == [{"id": 1, **dict.fromkeys(VALUES)}]


def test_aware_datetime_reads_back_aware(engine: Engine, table: Table) -> None:
    """An aware datetime comes back aware, at the same instant (as UTC where no zone is stored)."""
    written = dt.datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5.5)))
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, datetime_tz=written))
    (read,) = _read(engine, table)
    assert read["datetime_tz"] == written
    assert read["datetime_tz"].utcoffset() is not None


@pytest.mark.parametrize("hostile", HOSTILE_STRINGS)
def test_hostile_string_finds_its_row(engine: Engine, table: Table, hostile: str) -> None:
    """A hostile string is bound, never spliced: WHERE on it finds exactly its row."""
    with engine.begin() as conn:
        conn.execute(
            insert(table),
            [{"id": i, "string": s} for i, s in enumerate(HOSTILE_STRINGS)],
        )
    statement = select(table.c.id, table.c.string).where(table.c.string == hostile)
    with engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(statement)]
    assert rows == [(HOSTILE_STRINGS.index(hostile), hostile)]


def test_enum_column_filters_by_member(engine: Engine, table: Table) -> None:
    """An Enum column compares against a member, stored and matched by name."""
    with engine.begin() as conn:
        conn.execute(
            insert(table), [{"id": 1, "color": Color.RED}, {"id": 2, "color": Color.GREEN}]
        )
    statement = select(table.c.id).where(table.c.color == Color.GREEN)
    with engine.connect() as conn:
        assert [tuple(row) for row in conn.execute(statement)] == [(2,)]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("integer", "abc"),
        ("date", dt.datetime(2024, 1, 1)),
        ("uuid", "not-a-uuid"),
        ("json", {1: "int key"}),
        ("color", "PURPLE"),
    ],
)
def test_wrong_value_is_refused_before_sql(
    engine: Engine, table: Table, column: str, value: object
) -> None:
    """A value of the wrong type raises ArgumentError naming the column; nothing is stored."""
    with pytest.raises(exc.ArgumentError, match=column), engine.begin() as conn:
        conn.execute(insert(table).values(id=1, **{column: value}))
    assert _read(engine, table) == []


# --- generated values -------------------------------------------------------------------

# No lone surrogates (not encodable) and no NUL (PostgreSQL refuses it in text).
_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
_GENERATED = st.fixed_dictionaries(
    {
        "big_integer": st.integers(-(2**63), 2**63 - 1),
        "string": _TEXT,
        "float": st.floats(allow_nan=False, allow_infinity=False),
        # SQLite keeps 15 significant digits: NUMERIC(15, 6) is exact everywhere.
        "numeric": st.decimals(
            min_value=Decimal("-999999999.999999"),
            max_value=Decimal("999999999.999999"),
            places=6,
            allow_nan=False,
            allow_infinity=False,
        ),
        "date": st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)),
        "datetime": st.datetimes(dt.datetime(1000, 1, 2), dt.datetime(9999, 12, 30)),
        "datetime_tz": st.datetimes(
            dt.datetime(1000, 1, 2), dt.datetime(9999, 12, 30), timezones=_OFFSETS
        ),
        "time": st.times(),
        "interval": st.timedeltas(dt.timedelta(days=-10_000_000), dt.timedelta(days=10_000_000)),
        "large_binary": st.binary(max_size=100),
        "json": _JSON,
        "uuid": st.uuids(),
        "color": st.sampled_from(Color),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(written=_GENERATED)
def test_generated_values_round_trip(engine: Engine, table: Table, written: dict[str, Any]) -> None:
    """Values drawn across each type's whole supported range read back unchanged."""
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, **{k: written[k] for k in VALUES if k in written}}])
    try:
        (read,) = _read(engine, table)
        assert _differences(written, read) == []
    finally:
        with engine.begin() as conn:
            conn.execute(table.delete())
