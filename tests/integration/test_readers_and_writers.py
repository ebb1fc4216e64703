"""A session that only reads never makes another session's commit wait or fail.

Each writer here runs with a lock wait of (almost) nothing, so a commit that
had to wait for the reader would fail instead of being slow: the tests need no
clock. On SQLite a transaction begins at its first write (BEGIN IMMEDIATE), so
a reader holds no lock and a version check sees the latest row; the controls
run SQLite's old mode (BEGIN DEFERRED at the first read) and show what it did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from corral import Engine, Session, exc, select, sessionmaker
from tests.integration.orm_models import Counter, create_schema, dml, recorded_sql

EngineFactory = Callable[..., Engine]

#: Per database, connect_args under which a writer waiting for a lock fails at once.
NO_WAITING: dict[str, dict[str, Any]] = {
    "sqlite": {"timeout": 0},
    "postgresql": {"options": "-c lock_timeout=50"},
    "mysql": {"init_command": "SET SESSION innodb_lock_wait_timeout = 1"},
}
#: SQLite as corral ran it before: BEGIN with the first read, rollback journal.
OLD_SQLITE = {"sqlite_begin": "deferred", "sqlite_wal": False}
UPDATE_COUNTER = (
    "UPDATE counters SET value=?, version=? WHERE counters.id = ? AND counters.version = ?"
)


def _engine(make_engine: EngineFactory, backend: str, **options: Any) -> Engine:
    engine = make_engine(connect_args=NO_WAITING[backend], **options)
    create_schema(engine)
    with Session(engine) as session:
        session.add(Counter(id=1, value=0))
        session.commit()
    return engine


def _only_sqlite(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("a control for SQLite's old transaction mode")


def _value(engine: Engine) -> int | None:
    with Session(engine) as session:
        value: int | None = session.scalar(select(Counter.value))
    return value


def _write(engine: Engine, value: int) -> list[str]:
    """Set the counter in a session of its own and commit; the statements it sent."""
    with Session(engine) as writer, recorded_sql() as sql:
        counter = writer.get(Counter, 1)
        assert counter is not None
        counter.value = value
        writer.commit()
    return sql


def test_reading_session_does_not_block_a_writers_commit(
    make_engine: EngineFactory, backend: str
) -> None:
    """A session holding a read-only transaction open lets another session commit at once."""
    engine = _engine(make_engine, backend)
    with Session(engine) as reader:
        with recorded_sql() as read_sql:
            assert reader.scalar(select(Counter.value)) == 0
        assert reader.in_transaction()
        written = _write(engine, 5)  # fails with a lock timeout if it has to wait
        assert reader.in_transaction()
        reader.commit()
    get = "SELECT counters.id, counters.value, counters.version FROM counters WHERE counters.id = ?"
    assert dml(written) == [get, UPDATE_COUNTER]
    assert written[-1] == "COMMIT"
    if engine.dialect.begins_at_first_write():
        assert read_sql == ["SELECT counters.value FROM counters"]  # no BEGIN: holds no lock
        assert written == [get, "BEGIN IMMEDIATE", UPDATE_COUNTER, "COMMIT"]
    assert _value(engine) == 5


def test_reading_session_does_not_block_a_writer_on_a_rollback_journal(
    make_engine: EngineFactory, backend: str
) -> None:
    """SQLite without WAL: a reader between its statements still holds no lock."""
    _only_sqlite(backend)
    engine = _engine(make_engine, backend, sqlite_wal=False)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    with Session(engine) as reader:
        assert reader.scalar(select(Counter.value)) == 0
        _write(engine, 5)
        assert reader.scalar(select(Counter.value)) == 5
    assert _value(engine) == 5


def test_control_old_mode_reader_makes_the_writer_fail(
    make_engine: EngineFactory, backend: str
) -> None:
    """Control: with BEGIN at the first read (the old mode) the reader makes a commit fail."""
    _only_sqlite(backend)
    engine = _engine(make_engine, backend, **OLD_SQLITE)
    with Session(engine) as reader:
        with recorded_sql() as read_sql:
            assert reader.scalar(select(Counter.value)) == 0
        assert read_sql[0] == "BEGIN"
        with pytest.raises(exc.DatabaseBusy):
            _write(engine, 5)
    assert _value(engine) == 0


def _stale_update(engine: Engine) -> tuple[list[str], BaseException | None]:
    """Read the counter in a transaction left open, let another session change it, then
    update the copy read: the statements of that flush and the error it raised."""
    with Session(engine) as mine:
        counter = mine.get(Counter, 1)
        assert counter is not None and counter.version == 1
        _write(engine, 5)  # version 2
        counter.value = 1
        with recorded_sql() as sql:
            try:
                mine.flush()
            except exc.DBAPIError as error:  # the control's DatabaseBusy
                return sql, error
            except exc.StaleDataError as error:
                return sql, error
    return sql, None


def test_stale_versioned_update_raises_stale_data_error(
    make_engine: EngineFactory, backend: str
) -> None:
    """A versioned UPDATE of a row changed since this open transaction read it is StaleDataError."""
    engine = _engine(make_engine, backend)
    sql, error = _stale_update(engine)
    assert isinstance(error, exc.StaleDataError)
    assert "expected version 1" in str(error)
    assert dml(sql) == [UPDATE_COUNTER]
    if engine.dialect.begins_at_first_write():
        assert sql[0] == "BEGIN IMMEDIATE"  # the write transaction sees the latest row
    with Session(engine) as session:
        assert tuple(session.execute(select(Counter.value, Counter.version)).one()) == (5, 2)


def test_control_old_mode_in_wal_reports_busy_not_stale(
    make_engine: EngineFactory, backend: str
) -> None:
    """Control: BEGIN at the first read in WAL mode turns the stale UPDATE into DatabaseBusy."""
    _only_sqlite(backend)
    engine = _engine(make_engine, backend, sqlite_begin="deferred", sqlite_wal=True)
    sql, error = _stale_update(engine)
    assert isinstance(error, exc.DatabaseBusy)
    assert dml(sql) == [UPDATE_COUNTER]
    assert _value(engine) == 5


def test_retried_stale_update_succeeds_without_busy_retries(
    make_engine: EngineFactory, backend: str
) -> None:
    """run_transaction retries a read-then-write that lost a race once, for StaleDataError."""
    engine = _engine(make_engine, backend)
    retried: list[str] = []
    raced = False

    def increment(session: Session) -> None:
        nonlocal raced
        counter = session.get(Counter, 1)
        assert counter is not None
        if not raced:
            raced = True
            _write(engine, counter.value + 10)
        counter.value += 1

    factory: sessionmaker[Session] = sessionmaker(engine)
    factory.run_transaction(
        increment, retries=3, on_retry=lambda n, e: retried.append(type(e).__name__)
    )
    assert retried == ["StaleDataError"]
    assert _value(engine) == 11
