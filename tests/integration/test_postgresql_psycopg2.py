"""``postgresql+psycopg2://`` gives what ``postgresql+psycopg://`` gives: each test runs on
both drivers against the same server (values, errors, transactions, executemany,
streaming, reflection, lost connections), plus psycopg2's own URL and connect checks."""

from __future__ import annotations

import datetime
import enum
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from corral import (
    Column,
    DateTime,
    Engine,
    Enum,
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
    delete,
    exc,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from corral.dialects import postgresql
from corral.dialects.postgresql.batched_dml import SETS_PER_TEXT
from corral.engine import Connection
from corral.orm import Session
from tests.integration.conftest import Servers, require_driver
from tests.integration.orm_models import Counter, PlainCounter, recorded_sql
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


class Mood(enum.Enum):
    sad = "sad"
    fine = "so, so"


#: Labels PostgreSQL quotes in an array's text: space, comma, quote, backslash, braces, NULL.
LABELS = ("plain", "two words", "x,y", 'say "hi"', "back\\slash", "{br}", "NULL")
letters = postgresql.ENUM(*LABELS, name="pg2_letters")
moods = Table(
    "pg2_moods",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("letter", letters),  # (creates the enum type the arrays use)
    Column("letters", postgresql.ARRAY(letters)),
    Column("grid", postgresql.ARRAY(letters, dimensions=2)),
    Column("mood", Enum(Mood, name="pg2_mood")),
    Column("moods", postgresql.ARRAY(Enum(Mood, name="pg2_mood"), as_tuple=True)),
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
            dbapi: Any = conn.connection.dbapi_connection
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
        dbapi: Any = conn.connection.dbapi_connection
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


@contextmanager
def driver_calls(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The round trips psycopg2's cursors make while the block runs: 1 per ``execute()``
    (one text), one per set of an ``executemany()``."""
    with engine.connect() as conn:
        factory = conn.connection.cursor_factory
    trips: list[int] = []
    execute, executemany = factory.execute, factory.executemany

    def counted_execute(cursor: Any, sql: Any, args: Any = None) -> Any:
        trips.append(1)
        return execute(cursor, sql, args)

    def counted_executemany(cursor: Any, sql: Any, args: Any) -> Any:
        args = list(args)
        trips.append(len(args))
        return executemany(cursor, sql, args)

    with monkeypatch.context() as patch:
        patch.setattr(factory, "execute", counted_execute)
        patch.setattr(factory, "executemany", counted_executemany)
        yield trips


def test_executemany_update_sends_one_text_per_page_of_sets(
    psycopg2_url: Any, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On psycopg2 an UPDATE by key of 250 sets is one statement joined to their values (one
    round trip, BEGIN in it); one that cannot be joined (its SET calls a function) makes 3
    round trips, not 250; both report the 249 rows matched. A statement psycopg2's pages
    cannot wrap (a comment) is the control: one round trip per set through executemany."""
    engine = create_engine(psycopg2_url)
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(parents), [{"id": i, "name": f"n{i}"} for i in range(1, 250)])
        renames = [{"pid": i, "new": f"m{i}"} for i in range(1, 251)]  # 250: no such row
        statement = update(parents).where(parents.c.id == bindparam("pid"))
        with driver_calls(engine, monkeypatch) as trips, engine.begin() as conn:
            result = conn.execute(statement.values(name=bindparam("new")), renames)
        assert trips[:-1] == [1] and result.rowcount == 249  # (the last: COMMIT)
        assert _names(engine)[:3] == ["m1", "m2", "m3"]
        with driver_calls(engine, monkeypatch) as trips, engine.begin() as conn:
            before = engine.stats.round_trips
            result = conn.execute(statement.values(name=func.upper(bindparam("new"))), renames)
            counted = engine.stats.round_trips - before
        assert trips[:-1] == [1, 1, 1] and result.rowcount == 249
        assert counted == 3 == -(-250 // SETS_PER_TEXT)
        commented = "UPDATE pg2_parents SET name = %(new)s WHERE id = %(pid)s -- note"
        with driver_calls(engine, monkeypatch) as trips, engine.begin() as conn:
            control = conn.exec_driver_sql(commented, renames[:10])
        assert trips[:-1] == [1, 10] and control.rowcount == 10  # BEGIN; then one per set
        assert _names(engine)[:12] == [f"m{i}" for i in range(1, 11)] + ["M11", "M12"]
        assert len(_names(engine)) == 249
    finally:
        engine.dispose()
        servers.get("postgresql").clean()


def test_executemany_sets_run_in_order_each_seeing_the_last(pg: Engine) -> None:
    """Sets of one batch touching the same row apply one after another, as executemany
    applies them, and each counts: 3 sets on one row and 1 on another match 4 rows."""
    with pg.begin() as conn:
        conn.execute(insert(children), [{"id": 1, "label": "a"}, {"id": 2, "label": "b"}])
        statement = (
            update(children)
            .where(children.c.id == bindparam("cid"))
            .values(label=children.c.label + bindparam("more"))
        )
        sets = [{"cid": 1, "more": "1"}, {"cid": 2, "more": "x"}, {"cid": 1, "more": "2"}]
        result = conn.execute(statement, [*sets, {"cid": 1, "more": "3"}])
        assert result.rowcount == 4
        removed = conn.execute(
            delete(children).where(children.c.id == bindparam("cid")),
            [{"cid": 2}, {"cid": 2}, {"cid": 7}],
        )
        assert removed.rowcount == 1
        labels = conn.execute(select(children.c.label).order_by(children.c.id)).scalars()
        assert list(labels) == ["a123"]


def test_a_failing_set_in_a_batch_raises_the_drivers_error_and_undoes_the_batch(
    pg: Engine,
) -> None:
    """A unique violation in the second set is an IntegrityError naming the constraint; the
    transaction rolls back the first set too."""
    with pg.begin() as conn:
        conn.execute(insert(parents), [{"id": i, "name": f"n{i}"} for i in range(1, 4)])
    statement = update(parents).where(parents.c.id == bindparam("pid"))
    with pytest.raises(exc.IntegrityError) as raised, pg.begin() as conn:
        conn.execute(
            statement.values(name=bindparam("new")),
            [{"pid": 1, "new": "x"}, {"pid": 2, "new": "n3"}, {"pid": 3, "new": "y"}],
        )
    assert raised.value.constraint_name == "pg2_parents_name_key"
    assert _names(pg) == ["n1", "n2", "n3"]


def _counters(engine: Engine, count: int) -> Session:
    """A session holding ``count`` versioned Counter rows, loaded; the caller closes it."""
    Counter.__table__.create(engine)
    with Session(engine) as session, session.begin():
        session.add_all([Counter(id=i, value=0) for i in range(1, count + 1)])
    session = Session(engine)
    loaded = session.scalars(select(Counter).order_by(Counter.id)).all()
    assert len(loaded) == count
    session.commit()  # (the objects stay loaded: their next flush checks the versions)
    return session


@pytest.mark.parametrize("change", ["update", "delete"])
def test_flush_of_many_versioned_rows_notices_one_deleted_underneath(
    pg: Engine, change: str
) -> None:
    """A flush updating (deleting) 150 versioned objects in one batch raises StaleDataError
    when another transaction deleted one of the rows; the control without that deletion
    flushes all of them in one round trip (the UPDATE joined to the rows' values), or, for
    the DELETE on psycopg2, in 2 round trips of its pages."""
    session = _counters(pg, 150)
    with session:
        objects = session.scalars(select(Counter).order_by(Counter.id)).all()
        for obj in objects:
            if change == "update":
                obj.value = 1
            else:
                session.delete(obj)
        with pg.begin() as rival:
            rival.execute(delete(Counter).where(Counter.id == 77))
        stale = r"expected to match 150 row\(s\) but matched 149"
        with pytest.raises(exc.StaleDataError, match=stale):
            session.flush()
        session.rollback()
    control = _counters_again(pg, 150)
    with control:
        objects = control.scalars(select(Counter).order_by(Counter.id)).all()
        for obj in objects:
            if change == "update":
                obj.value = 2
            else:
                control.delete(obj)
        before = pg.stats.round_trips
        control.flush()
        expected = 2 if pg.dialect.driver == "psycopg2" and change == "delete" else 1
        assert pg.stats.round_trips - before == expected
        control.commit()
    with Session(pg) as check:
        values = check.scalars(select(Counter.value)).all()
    assert values == ([2] * 150 if change == "update" else [])


def _counters_again(engine: Engine, count: int) -> Session:
    """A session over ``count`` fresh Counter rows (the table made by ``_counters``)."""
    with Session(engine) as session, session.begin():
        session.execute(delete(Counter))
        session.add_all([Counter(id=i, value=0) for i in range(1, count + 1)])
    session = Session(engine)
    session.scalars(select(Counter)).all()
    session.commit()
    return session


def test_orm_bulk_update_by_primary_key_is_one_statement(
    psycopg2_url: Any, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """session.execute(update(PlainCounter), [dicts]) and bulk_update_mappings of 120 rows
    each make one round trip on psycopg2 (BEGIN with the first): one UPDATE joined to the
    rows' values, where psycopg2's own pages of executemany would take two."""
    engine = create_engine(psycopg2_url)
    try:
        PlainCounter.__table__.create(engine)
        with Session(engine) as session, session.begin():
            session.add_all([PlainCounter(id=i, value=0) for i in range(1, 121)])
        rows = [{"id": i, "value": i} for i in range(1, 121)]
        with driver_calls(engine, monkeypatch) as trips, Session(engine) as session:
            session.execute(update(PlainCounter), rows)
            session.bulk_update_mappings(PlainCounter, [{**r, "value": -r["value"]} for r in rows])
            session.commit()
        assert trips == [1, 1, 1]  # one statement each; COMMIT
        with Session(engine) as session:
            read = session.scalars(select(PlainCounter.value).order_by(PlainCounter.id)).all()
        assert read == [-i for i in range(1, 121)]
    finally:
        engine.dispose()
        servers.get("postgresql").clean()


def test_executemany_with_returning_gives_one_row_per_set_in_order(pg: Engine) -> None:
    with pg.begin() as conn:
        conn.execute(insert(parents), [{"id": 1, "name": "p"}])
        rows = conn.execute(
            insert(children).returning(children.c.id, children.c.label),
            [{"parent_id": 1, "label": f"c{i}"} for i in range(25)],
        ).all()
    assert [label for _, label in rows] == [f"c{i}" for i in range(25)]
    assert len({key for key, _ in rows}) == 25


# -- arrays of enum types ---------------------------------------------------------------


def test_arrays_of_enums_read_back_as_lists_of_their_values(pg: Engine) -> None:
    """ARRAY(ENUM) gives lists of the labels (quoted ones, NULL items, two dimensions) and
    ARRAY(Enum(PythonEnum), as_tuple=True) tuples of members, on both drivers; they also
    bind (psycopg2: cast to the enum's array type) and compare in WHERE."""
    rows: list[dict[str, Any]] = [
        {
            "id": 1,
            "letter": "plain",
            "letters": list(LABELS),
            "grid": [["x,y", "plain"], ["NULL", 'say "hi"']],
            "mood": Mood.sad,
            "moods": (Mood.fine, Mood.sad),
        },
        {"id": 2, "letter": None, "letters": [], "grid": None, "mood": None, "moods": ()},
        {
            "id": 3,
            "letter": None,
            "letters": ["plain", None],
            "grid": None,
            "mood": None,
            "moods": None,
        },
    ]
    with pg.begin() as conn:
        conn.execute(insert(moods), rows)
        conn.execute(insert(moods), {**rows[1], "id": 4})  # one row: not a multi-row INSERT
    with pg.connect() as conn:
        read = [dict(r) for r in conn.execute(select(moods).order_by(moods.c.id)).mappings()]
        found = (
            conn.execute(select(moods.c.id).where(moods.c.letters == ["plain", None]))
            .scalars()
            .all()
        )
        containing = (
            conn.execute(select(moods.c.id).where(moods.c.letters.contains(["x,y"])))
            .scalars()
            .all()
        )
        raw = conn.execute(text("SELECT letters FROM pg2_moods WHERE id = 1")).scalar()
    assert read == [*rows, {**rows[1], "id": 4}]
    assert all(type(r["letters"]) is list for r in read) and type(read[0]["moods"]) is tuple
    assert found == [3] and containing == [1]
    assert isinstance(raw, str)  # the control: untyped, the driver gives the server's text


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
            dbapi: Any = conn.connection.dbapi_connection
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
