"""The one transaction of a sqlite:// memory database, shared by its Connections (pool/shared)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import exc
from corral.engine.base import Connection
from corral.engine.create import create_engine
from corral.engine.engine import Engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    yield engine
    engine.dispose()


def _names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.exec_driver_sql("SELECT name FROM t ORDER BY id").scalars())


def _insert(connection: Connection, name: str) -> None:
    connection.exec_driver_sql(f"INSERT INTO t (name) VALUES ('{name}')")


def _in_thread(work: Callable[[], Any]) -> BaseException | None:
    """Run ``work`` in another thread; the exception it raised, if any."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return raised[0] if raised else None


def test_second_connection_of_the_thread_takes_part(engine: Engine) -> None:
    """A Connection that writes while another of its thread has a transaction open works
    in it: it reads the other's uncommitted row, and its own commit sends no COMMIT."""
    with engine.connect() as first, engine.connect() as second:
        _insert(first, "a")
        assert second.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
        _insert(second, "b")
        second.commit()
        assert first.in_transaction()
        assert first.connection.in_transaction  # the database's transaction is still open
        first.commit()
        assert not first.connection.in_transaction
    assert _names(engine) == ["a", "b"]


def test_commit_waits_for_the_last_connection(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The first Connection committing leaves the transaction to the other; when that one
    rolls back, all of it is undone, the first Connection's rows too, and a warning says so."""
    with engine.connect() as first, engine.connect() as second:
        _insert(first, "a")
        _insert(second, "b")
        first.commit()
        assert second.connection.in_transaction
        with caplog.at_level(logging.WARNING, logger="corral.engine"):
            second.rollback()
    assert _names(engine) == []
    assert "undoes what 1 other Connection(s) of this thread committed" in caplog.text


def test_rollback_ends_the_transaction_for_every_connection(engine: Engine) -> None:
    """One Connection's rollback undoes the other's work too, and the other's transaction
    is inactive until it rolls back: its next statement and its commit raise, saying why."""
    with engine.connect() as first, engine.connect() as second:
        _insert(first, "a")
        _insert(second, "b")
        second.rollback()
        with pytest.raises(exc.PendingRollbackError, match="another Connection sharing"):
            _insert(first, "c")
        with pytest.raises(exc.PendingRollbackError, match="another Connection sharing"):
            first.commit()
        first.rollback()  # sends nothing: the transaction is over already
        _insert(first, "d")
        first.commit()
    assert _names(engine) == ["d"]


def test_closing_without_commit_rolls_back_for_everyone(engine: Engine) -> None:
    """A Connection taking part that closes without committing rolls the transaction back,
    even though the other still holds the database connection."""
    first = engine.connect()
    with engine.connect() as second:
        _insert(first, "a")
        _insert(second, "b")
        second.close()
        with pytest.raises(exc.PendingRollbackError):
            first.commit()
        first.rollback()
    first.close()
    assert _names(engine) == []


def test_engine_begin_inside_an_open_transaction(engine: Engine) -> None:
    """``with engine.begin()`` inside another Connection's transaction (SQLAlchemy's
    sharding examples generate keys so) works; its rows commit with the outer one."""
    with engine.connect() as outer:
        _insert(outer, "a")
        with engine.begin() as inner:
            _insert(inner, "b")
        outer.commit()
    assert _names(engine) == ["a", "b"]


def test_another_thread_may_not_use_the_open_transaction(engine: Engine) -> None:
    """While one thread's transaction is open, a Connection of another thread can neither
    read (it would see uncommitted rows) nor begin; after the commit it can."""
    with engine.connect() as mine:
        _insert(mine, "a")

        def read() -> None:
            with engine.connect() as theirs:
                theirs.exec_driver_sql("SELECT count(*) FROM t").scalar()

        def write() -> None:
            with engine.connect() as theirs:
                _insert(theirs, "b")
                theirs.commit()

        for work in (read, write):
            error = _in_thread(work)
            assert isinstance(error, exc.InvalidRequestError)
            assert "another thread began" in str(error)
        mine.commit()
        assert _in_thread(write) is None
    assert _names(engine) == ["a", "b"]


def test_control_a_raw_connection_of_another_thread_sees_uncommitted_rows(
    engine: Engine,
) -> None:
    """Control: the DB-API connection itself, used from another thread without corral's
    check, reads the row the first thread has not committed (what the check prevents)."""
    with engine.connect() as mine:
        _insert(mine, "a")
        seen: list[int] = []

        def read_raw() -> None:
            raw = engine.raw_connection()
            try:
                seen.append(raw.cursor().execute("SELECT count(*) FROM t").fetchone()[0])
            finally:
                raw.close()

        assert _in_thread(read_raw) is None
        assert seen == [1]
        mine.rollback()
    assert _names(engine) == []


def test_separate_connections_of_a_file_database_are_not_shared(tmp_path: Any) -> None:
    """A file database's Connections each have their own DB-API connection and transaction:
    nothing is shared, so one's rollback leaves the other's commit alone."""
    engine = create_engine(f"sqlite:///{tmp_path / 'f.db'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        with engine.connect() as first:
            first.exec_driver_sql("SELECT 1")
            with engine.connect() as second:
                assert first.connection.dbapi_connection is not second.connection.dbapi_connection
                _insert(second, "b")
                second.commit()
            first.rollback()
        assert _names(engine) == ["b"]
    finally:
        engine.dispose()


def test_a_transaction_begun_outside_corral_is_refused(engine: Engine) -> None:
    """A transaction opened on the DB-API connection itself is not one corral can share:
    beginning on top of it raises, saying so."""
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("BEGIN")
        with (
            engine.connect() as connection,
            pytest.raises(exc.InvalidRequestError, match="a transaction corral did not begin"),
        ):
            _insert(connection, "a")
        raw.cursor().execute("ROLLBACK")
    finally:
        raw.close()
    assert _names(engine) == []
