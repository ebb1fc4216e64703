"""``postgresql+psycopg2://`` gives what ``postgresql+psycopg://`` gives: each test runs on
both drivers against the same server (values, errors, transactions, executemany,
streaming, reflection, lost connections), plus psycopg2's own URL and connect checks."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from corral import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Uuid,
    bindparam,
    create_engine,
    exc,
    insert,
    inspect,
    select,
    text,
    update,
)
from corral.dialects import postgresql
from corral.engine import Connection
from tests.integration.conftest import Servers, require_driver
from tests.integration.orm_models import recorded_sql
from tests.integration.test_engine_errors import lock_in_opposite_orders

DRIVERS = ("psycopg", "psycopg2")

metadata = MetaData()
values = Table(
    "pg2_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", Uuid),
    Column("key_text", Uuid(as_uuid=False)),
    Column("blob", LargeBinary),
    Column("doc", postgresql.JSON),
    Column("docb", postgresql.JSONB),
    Column("nums", postgresql.ARRAY(Integer)),
    Column("keys", postgresql.ARRAY(Uuid)),
    Column("amount", Numeric(12, 4)),
    Column("exact", Numeric),
    Column("at", DateTime(timezone=True)),
    Column("span", Interval),
)
parents = Table(
    "pg2_parents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(30), unique=True),
)
children = Table(
    "pg2_children",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("parent_id", Integer, ForeignKey("pg2_parents.id", ondelete="CASCADE")),
    Column("label", String(30)),
    Index("ix_pg2_children_label_parent", "label", "parent_id"),
)


@pytest.fixture(params=DRIVERS, ids=DRIVERS)
def pg(request: pytest.FixtureRequest, servers: Servers) -> Iterator[Engine]:
    """An engine on this session's PostgreSQL database through each driver, tables made."""
    driver: str = request.param
    require_driver(driver)
    database = servers.get("postgresql")
    if database.dirty:
        database.clean()
    engine = create_engine(database.url.set(drivername=f"postgresql+{driver}"))
    metadata.create_all(engine)
    yield engine
    engine.dispose()
    database.clean()


@pytest.fixture
def psycopg2_url(servers: Servers) -> Iterator[Any]:
    """The session's PostgreSQL URL naming psycopg2 (tables not made)."""
    require_driver("psycopg2")
    database = servers.get("postgresql")
    yield database.url.set(drivername="postgresql+psycopg2")


# -- values ----------------------------------------------------------------------------


def test_values_round_trip_with_the_same_python_types(pg: Engine) -> None:
    """uuid, bytea, JSON, JSONB, arrays, numeric, timestamptz and interval read back equal,
    as uuid.UUID, bytes, parsed JSON, lists, Decimal and aware datetimes on both drivers."""
    key, other = uuid.uuid4(), uuid.uuid4()
    plus_five = datetime.timezone(datetime.timedelta(hours=5))
    at = datetime.datetime(2024, 2, 29, 23, 30, tzinfo=plus_five)
    row = {
        "id": 1,
        "key": key,
        "key_text": str(other).upper(),
        "blob": b"\x00\xffbytes",
        "doc": {"a": [1, 2.5, None, "x"], "b": {"c": True}},
        "docb": {"n": 1, "list": ["é"]},
        "nums": [3, 1, 2],
        "keys": [key, other],
        "amount": Decimal("12345678.1234"),
        "exact": Decimal("1e-30"),
        "at": at,
        "span": datetime.timedelta(days=2, seconds=5),
    }
    with pg.begin() as conn:
        conn.execute(insert(values), row)
    with pg.connect() as conn:
        read = conn.execute(select(values)).mappings().one()
        by_key = conn.execute(select(values.c.id).where(values.c.key == key)).scalar()
        raw = conn.execute(text("SELECT key, blob, docb FROM pg2_values")).one()
    assert dict(read) == {**row, "key_text": str(other)}
    assert type(read["key"]) is uuid.UUID and type(read["blob"]) is bytes
    assert all(type(k) is uuid.UUID for k in read["keys"])
    assert read["at"].utcoffset() == datetime.timedelta(0) and read["at"] == at
    assert by_key == 1
    # Untyped text() results too: the driver itself reads uuid and bytea.
    assert (type(raw[0]), type(raw[1]), raw[2]) == (uuid.UUID, bytes, row["docb"])


def test_decimal_infinities_and_nan_read_back_unchanged(pg: Engine) -> None:
    """Decimal('Infinity'), '-Infinity' and 'NaN' are stored as such (psycopg2's own adapter
    would send an infinity as NaN)."""
    specials = [Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN")]
    with pg.begin() as conn:
        conn.execute(insert(values), [{"id": i, "exact": v} for i, v in enumerate(specials)])
        read = conn.execute(select(values.c.exact).order_by(values.c.id)).scalars().all()
    assert read[:2] == specials[:2] and read[2].is_nan()


def test_null_values_read_back_as_none(pg: Engine) -> None:
    """NULL in every column reads back as None (no caster sees a value)."""
    with pg.begin() as conn:
        conn.execute(insert(values), {"id": 1})
        read = conn.execute(select(values).where(values.c.id == 1)).one()
    assert read[1:] == (None,) * (len(values.c) - 1)


# -- errors ----------------------------------------------------------------------------


def test_unique_violation_is_an_integrity_error_naming_the_constraint(pg: Engine) -> None:
    with pg.connect() as conn:
        conn.execute(insert(parents), {"id": 1, "name": "a"})
        with pytest.raises(exc.IntegrityError) as info:
            conn.execute(insert(parents), {"id": 2, "name": "a"})
        conn.rollback()
    assert info.value.constraint_name == "pg2_parents_name_key"
    assert "INSERT INTO pg2_parents" in str(info.value)


def test_concurrent_update_under_repeatable_read_is_a_serialization_failure(
    pg: Engine,
) -> None:
    """Two REPEATABLE READ transactions updating one row: the later one fails retryably;
    the control at READ COMMITTED shows the same updates pass without the isolation."""
    with pg.begin() as conn:
        conn.execute(insert(parents), {"id": 1, "name": "a"})
    for level, fails in (("READ COMMITTED", False), ("REPEATABLE READ", True)):
        with pg.connect() as first, pg.connect() as second:
            first.execution_options(isolation_level=level)
            assert first.execute(text("SELECT name FROM pg2_parents")).scalar() is not None
            second.execute(update(parents).values(name=f"second {level}"))
            second.commit()
            change = update(parents).values(name=f"first {level}")
            if fails:
                with pytest.raises(exc.SerializationFailure) as info:
                    first.execute(change)
                assert isinstance(info.value, exc.RetryableError)
                first.rollback()
            else:
                first.execute(change)
                first.commit()


def test_opposite_lock_order_is_a_deadlock(pg: Engine) -> None:
    """Two transactions locking two rows in opposite order: one gets DeadlockDetected."""
    with pg.begin() as conn:
        conn.execute(insert(parents), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])

    def lock(conn: Connection, row: int) -> None:
        conn.execute(update(parents).where(parents.c.id == row).values(name=parents.c.name))

    errors = lock_in_opposite_orders(pg, lock)
    assert len(errors) == 1
    assert isinstance(errors[0], exc.DeadlockDetected)


# -- transactions ----------------------------------------------------------------------


def _names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(parents.c.name).order_by(parents.c.id)).scalars())


def test_commit_rollback_and_savepoints_reach_the_server(pg: Engine) -> None:
    """COMMIT keeps, ROLLBACK drops, a savepoint rolled back drops only its own rows; BEGIN
    goes out with the first statement in one round trip."""
    with pg.connect() as conn, recorded_sql() as sql:
        before = pg.stats.round_trips
        conn.execute(insert(parents), {"id": 1, "name": "kept"})
        assert pg.stats.round_trips - before == 1  # BEGIN and the INSERT together
        with conn.begin_nested() as nested:
            conn.execute(insert(parents), {"id": 2, "name": "undone"})
            nested.rollback()
        conn.execute(insert(parents), {"id": 3, "name": "after"})
        conn.commit()
        conn.execute(insert(parents), {"id": 4, "name": "rolled back"})
        conn.rollback()
    assert sql[0] == "BEGIN" and sql[1].startswith("INSERT INTO pg2_parents")
    assert _names(pg) == ["kept", "after"]
    with pg.connect() as conn:  # nothing left open on the server
        assert conn.execute(text("SELECT count(*) FROM pg2_parents")).scalar() == 2


def test_driver_commit_alone_would_not_end_the_transaction(psycopg2_url: Any) -> None:
    """The control for the dialect's COMMIT: psycopg2's own commit() on an autocommit
    connection sends nothing, so a transaction corral began would stay open."""
    import psycopg2

    raw = psycopg2.connect(
        host=psycopg2_url.host, port=psycopg2_url.port, user=psycopg2_url.username,
        dbname=psycopg2_url.database,
    )  # fmt: skip
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN; SELECT 1")
        raw.commit()
        assert raw.info.transaction_status != 0  # still in the transaction
        cursor.execute("ROLLBACK")
    finally:
        raw.close()
    engine = create_engine(psycopg2_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            dbapi: Any = conn.connection
            assert dbapi.info.transaction_status != 0
            conn.commit()
            assert dbapi.info.transaction_status == 0  # corral's COMMIT ended it
    finally:
        engine.dispose()


def test_a_syntax_error_first_still_leaves_the_transaction_open(pg: Engine) -> None:
    """A first statement the server cannot parse (so BEGIN sent with it never ran) leaves
    a transaction all later statements belong to: a rollback undoes them."""
    with pg.connect() as conn:
        with pytest.raises(exc.ProgrammingError):
            conn.execute(text("SELEC 1"))
        dbapi: Any = conn.connection
        status = dbapi.info.transaction_status
        assert status != 0  # in a transaction (failed, or open and idle)
        conn.rollback()
        conn.execute(insert(parents), {"id": 1, "name": "undone"})
        conn.rollback()
    assert _names(pg) == []


# -- many parameter sets ---------------------------------------------------------------


def test_executemany_updates_count_every_row(pg: Engine) -> None:
    """An UPDATE with many parameter sets changes each row and reports their total."""
    with pg.begin() as conn:
        conn.execute(insert(parents), [{"id": i, "name": f"n{i}"} for i in range(1, 6)])
        result = conn.execute(
            update(parents).where(parents.c.id == bindparam("pid")).values(name=bindparam("new")),
            [{"pid": i, "new": f"m{i}"} for i in (1, 3, 5, 99)],
        )
        assert result.rowcount == 3
    assert _names(pg) == ["m1", "n2", "m3", "n4", "m5"]


def test_executemany_with_returning_gives_one_row_per_set_in_order(pg: Engine) -> None:
    with pg.begin() as conn:
        conn.execute(insert(parents), [{"id": 1, "name": "p"}])
        rows = conn.execute(
            insert(children).returning(children.c.id, children.c.label),
            [{"parent_id": 1, "label": f"c{i}"} for i in range(25)],
        ).all()
    assert [label for _, label in rows] == [f"c{i}" for i in range(25)]
    assert len({key for key, _ in rows}) == 25


# -- streaming -------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["READ COMMITTED", "AUTOCOMMIT"])
def test_stream_results_reads_batches_from_a_server_side_cursor(pg: Engine, level: str) -> None:
    """stream_results=True reads through a named cursor, in a transaction or outside one."""
    with pg.begin() as conn:
        conn.execute(insert(parents), [{"id": i, "name": f"n{i}"} for i in range(1, 11)])
    with pg.connect() as conn:
        conn.execution_options(isolation_level=level)
        query = select(parents.c.id, parents.c.name).order_by(parents.c.id)
        result = conn.execute(query.execution_options(stream_results=True, max_row_buffer=3))
        assert list(result.keys()) == ["id", "name"]
        cursors = conn.execute(
            text("SELECT count(*) FROM pg_cursors WHERE name LIKE 'corral_stream_%%'")
        ).scalar()
        batches = [list(batch) for batch in result.partitions(4)]
        conn.commit()
    assert cursors == 1
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert [row.id for batch in batches for row in batch] == list(range(1, 11))


# -- reflection ------------------------------------------------------------------------


def test_reflection_reads_columns_keys_and_indexes(pg: Engine) -> None:
    found = inspect(pg)
    assert [c["name"] for c in found.get_columns("pg2_children")] == ["id", "parent_id", "label"]
    assert found.get_pk_constraint("pg2_parents")["constrained_columns"] == ["id"]
    (foreign_key,) = found.get_foreign_keys("pg2_children")
    assert (foreign_key["referred_table"], foreign_key["constrained_columns"]) == (
        "pg2_parents",
        ["parent_id"],
    )
    assert foreign_key["options"].get("ondelete") == "CASCADE"
    indexes = {i["name"]: i["column_names"] for i in found.get_indexes("pg2_children")}
    assert indexes == {"ix_pg2_children_label_parent": ["label", "parent_id"]}
    (unique,) = found.get_unique_constraints("pg2_parents")
    assert unique["column_names"] == ["name"]
    types = {c["name"]: c["type"] for c in found.get_columns("pg2_values")}
    assert isinstance(types["keys"], postgresql.ARRAY)
    assert isinstance(types["key"], Uuid)


# -- lost connections ------------------------------------------------------------------


def test_a_killed_session_invalidates_the_connection_and_the_pool_recovers(pg: Engine) -> None:
    """A session ended on the server mid-transaction: the next statement raises a
    disconnect (the connection invalidated); the connection then works again."""
    with pg.connect() as victim:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()  # in a transaction
        with pg.connect() as killer:
            killer.execution_options(isolation_level="AUTOCOMMIT")
            killer.execute(text(f"SELECT pg_terminate_backend({int(pid)})"))
        time.sleep(0.1)
        with pytest.raises(exc.DBAPIError) as info:
            victim.execute(text("SELECT 1"))
        assert info.value.connection_invalidated
        victim.rollback()
        assert victim.execute(text("SELECT pg_backend_pid()")).scalar() != pid


# -- URLs and connect arguments (psycopg2) ---------------------------------------------


def test_psycopg2_url_names_the_psycopg2_driver(psycopg2_url: Any) -> None:
    engine = create_engine(psycopg2_url)
    try:
        with engine.connect() as conn:
            dbapi: Any = conn.connection
            assert type(dbapi).__module__.startswith("psycopg2")
            assert dbapi.autocommit is True
        assert engine.driver == "psycopg2"
    finally:
        engine.dispose()


def test_unknown_libpq_option_is_refused_before_connecting(psycopg2_url: Any) -> None:
    with pytest.raises(exc.ArgumentError, match=r"psycopg2 driver refuses.*nosuchoption"):
        create_engine(psycopg2_url.set(query={"nosuchoption": "1"}))
    with pytest.raises(exc.ArgumentError, match="takes no autocommit"):
        create_engine(psycopg2_url, connect_args={"autocommit": True})


def test_multi_host_url_connects_to_the_host_that_answers(psycopg2_url: Any) -> None:
    """?host=h1:p1&host=h2:p2: libpq tries each in turn; the first refuses."""
    url = psycopg2_url.set(
        host=None,
        port=None,
        query={"host": ("127.0.0.1:1", f"127.0.0.1:{psycopg2_url.port or 5432}")},
    )
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT inet_server_port()")).scalar() == (
                psycopg2_url.port or 5432
            )
    finally:
        engine.dispose()


def test_creator_must_return_a_psycopg2_connection(psycopg2_url: Any) -> None:
    import psycopg

    def wrong() -> Any:
        return psycopg.connect(
            host=psycopg2_url.host, user=psycopg2_url.username, dbname=psycopg2_url.database
        )

    engine = create_engine("postgresql+psycopg2://", creator=wrong)
    try:
        with pytest.raises(exc.ArgumentError, match=r"return psycopg2\.connect"):
            engine.connect()
    finally:
        engine.dispose()


def test_raw_connection_runs_in_the_drivers_transactions(pg: Engine) -> None:
    """engine.raw_connection() on either driver: rollback() undoes, commit() keeps, and
    closing without a commit rolls back (test_raw_connection.py has the control)."""
    raw = pg.raw_connection()
    cursor = raw.cursor()
    cursor.execute("INSERT INTO pg2_parents (id, name) VALUES (1, 'undone')")
    raw.rollback()
    cursor.execute("INSERT INTO pg2_parents (id, name) VALUES (2, 'kept')")
    raw.commit()
    cursor.execute("INSERT INTO pg2_parents (id, name) VALUES (3, 'left open')")
    raw.close()
    with pg.connect() as connection:
        names = connection.execute(text("SELECT name FROM pg2_parents ORDER BY id")).scalars()
        assert list(names) == ["kept"]
