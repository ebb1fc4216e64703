"""Connection and transaction bookkeeping on in-memory SQLite (one shared connection)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral import Column, Integer, MetaData, Table, exc, select
from corral.engine.base import Connection
from corral.engine.create import create_engine
from corral.engine.engine import Engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        connection.commit()
    yield engine
    engine.dispose()


def _count(connection: Connection) -> int:
    value: int = connection.exec_driver_sql("SELECT count(*) FROM t").scalar_one()
    return value


def test_first_execute_begins_a_transaction(engine: Engine) -> None:
    """A new connection has no transaction until it executes something."""
    with engine.connect() as connection:
        assert not connection.in_transaction()
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        assert connection.in_transaction()
        assert connection.connection.in_transaction


def test_sqlite_read_begins_no_database_transaction(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """On SQLite a read begins the Connection's transaction but sends no BEGIN; a write does."""
    with caplog.at_level(logging.INFO, logger="corral.engine"), engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        assert connection.in_transaction()
        assert not connection.connection.in_transaction
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        assert connection.connection.in_transaction
        connection.commit()
    messages = [r.getMessage() for r in caplog.records]
    assert [m for m in messages if not m.startswith("[")] == [
        "SELECT 1",
        "BEGIN IMMEDIATE",
        "INSERT INTO t (name) VALUES ('a')",
        "COMMIT",
    ]


def test_commit_ends_the_transaction(engine: Engine) -> None:
    """After commit() the connection is outside a transaction and the row is stored."""
    with engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        connection.commit()
        assert not connection.in_transaction()
        assert not connection.connection.in_transaction
        assert _count(connection) == 1


def test_close_rolls_back_uncommitted_work(engine: Engine) -> None:
    """Work not committed before close() is gone."""
    with engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
    with engine.connect() as connection:
        assert _count(connection) == 0


def test_begin_twice_is_refused(engine: Engine) -> None:
    """begin() inside a transaction raises InvalidRequestError pointing at begin_nested()."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        with pytest.raises(exc.InvalidRequestError, match="begin_nested"):
            connection.begin()


def test_transaction_context_commits(engine: Engine) -> None:
    """``with connection.begin():`` commits when the block ends normally."""
    with engine.connect() as connection:
        with connection.begin() as transaction:
            connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        assert not transaction.is_active
        assert not connection.in_transaction()
    with engine.connect() as connection:
        assert _count(connection) == 1


def test_transaction_context_rolls_back_on_error(engine: Engine) -> None:
    """An exception in ``with connection.begin():`` rolls back and propagates."""
    with engine.connect() as connection:
        with pytest.raises(ZeroDivisionError), connection.begin():
            connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
            _ = 1 / 0
        assert _count(connection) == 0


def test_savepoint_rollback_undoes_only_its_work(engine: Engine) -> None:
    """Rolling back a savepoint keeps the work done before it."""
    with engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('kept')")
        savepoint = connection.begin_nested()
        assert connection.in_nested_transaction()
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('undone')")
        savepoint.rollback()
        assert not connection.in_nested_transaction()
        connection.commit()
        names = connection.exec_driver_sql("SELECT name FROM t").scalars().all()
    assert names == ["kept"]


def test_outer_savepoint_rollback_ends_inner_ones(engine: Engine) -> None:
    """Rolling back an outer savepoint also ends the savepoints opened inside it."""
    with engine.connect() as connection:
        outer = connection.begin_nested()
        inner = connection.begin_nested()
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('x')")
        outer.rollback()
        assert not inner.is_active
        assert connection.get_nested_transaction() is None
        assert _count(connection) == 0


def test_closed_connection_refuses_work(engine: Engine) -> None:
    """A closed connection raises ResourceClosedError on execute."""
    connection = engine.connect()
    connection.close()
    assert connection.closed
    with pytest.raises(exc.ResourceClosedError, match="closed"):
        connection.exec_driver_sql("SELECT 1")


def test_close_twice_is_harmless(engine: Engine) -> None:
    """close() on a closed connection does nothing (and checks in once)."""
    connection = engine.connect()
    connection.close()
    connection.close()
    assert engine.pool.checkedout() == 0


def test_string_statement_is_refused(engine: Engine) -> None:
    """execute() of a plain string says to wrap it in text()."""
    with engine.connect() as connection, pytest.raises(exc.ArgumentError, match="text\\("):
        connection.execute("SELECT 1")


def test_failed_statement_leaves_connection_usable(engine: Engine) -> None:
    """After a failing statement and rollback() the connection runs statements again."""
    with engine.connect() as connection:
        with pytest.raises(exc.ProgrammingError, match="no such table"):
            connection.exec_driver_sql("SELECT * FROM no_such_table")
        connection.rollback()
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_invalidated_connection_needs_rollback_then_reconnects(engine: Engine) -> None:
    """After invalidate() in a transaction, work waits for rollback(), then checks out anew."""
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        connection.invalidate()
        assert connection.invalidated
        with pytest.raises(exc.PendingRollbackError):
            connection.exec_driver_sql("SELECT 1")
        connection.rollback()
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert connection.in_transaction()
    assert engine.pool.checkedout() == 0


def test_autocommit_runs_without_begin(engine: Engine) -> None:
    """In AUTOCOMMIT mode statements run outside any transaction and persist at once."""
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        assert not connection.in_transaction()
        assert connection.get_isolation_level() == "AUTOCOMMIT"
    with engine.connect() as connection:
        assert _count(connection) == 1


def test_isolation_change_inside_transaction_is_refused(engine: Engine) -> None:
    """Changing the isolation level mid-transaction raises InvalidRequestError."""
    with engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (name) VALUES ('a')")
        with pytest.raises(exc.InvalidRequestError, match="inside a transaction"):
            connection.execution_options(isolation_level="SERIALIZABLE")


def test_statements_are_logged(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """With the corral.engine logger at INFO, BEGIN, the statement and parameters are logged."""
    with caplog.at_level(logging.INFO, logger="corral.engine"), engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (id) VALUES (?)", (42,))
    messages = [record.getMessage() for record in caplog.records]
    assert messages[:3] == [
        "BEGIN IMMEDIATE",
        "INSERT INTO t (id) VALUES (?)",
        "[parameters: (42,)]",
    ]


def test_long_parameter_lists_are_elided_in_logs(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """An executemany of many rows logs only the first parameter sets."""
    rows = [(f"name {i}",) for i in range(100)]
    with caplog.at_level(logging.INFO, logger="corral.engine"), engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (name) VALUES (?)", rows)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "97 more parameter sets" in logged
    assert "name 50" not in logged


def test_begin_is_sent_with_the_first_statement(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """begin() sends nothing; BEGIN goes out with the first statement, COMMIT only after it."""
    with caplog.at_level(logging.INFO, logger="corral.engine"), engine.connect() as connection:
        with connection.begin():
            pass
        assert [r.getMessage() for r in caplog.records] == []
        with connection.begin():
            connection.exec_driver_sql("DELETE FROM t")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["BEGIN IMMEDIATE", "DELETE FROM t", "[no parameters]", "COMMIT"]


def test_locking_read_after_begin_takes_the_write_lock(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """On SQLite a FOR UPDATE select as the first statement begins with BEGIN IMMEDIATE."""
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    with caplog.at_level(logging.INFO, logger="corral.engine"), engine.connect() as connection:
        connection.begin()
        connection.execute(select(table).with_for_update()).all()
    assert caplog.records[0].getMessage() == "BEGIN IMMEDIATE"


def test_ended_transaction_cannot_commit(engine: Engine) -> None:
    """A rolled-back transaction refuses commit() (its lifecycle has ended)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        transaction.rollback()
        with pytest.raises(exc.InvalidRequestError, match="already rolled back"):
            transaction.commit()


def test_close_ends_open_transactions(engine: Engine) -> None:
    """Closing the connection marks its transaction and savepoints rolled back."""
    connection = engine.connect()
    transaction = connection.begin()
    savepoint = connection.begin_nested()
    connection.close()
    assert not transaction.is_valid
    assert not savepoint.is_valid


def test_connection_connection_is_the_pooled_connection_as_in_sqlalchemy(tmp_path: Path) -> None:
    """``Connection.connection`` is the pooled connection, not the DB-API one: its
    ``dbapi_connection`` and ``driver_connection`` are the sqlite3 connection, whose public
    attributes read through; ``info`` (also ``Connection.info``) stays with the DB-API
    connection across checkouts; ``engine.raw_connection()`` gives the same surface."""
    engine = create_engine(f"sqlite:///{tmp_path / 'raw.db'}", pool_size=1, max_overflow=0)
    with engine.connect() as connection:
        pooled = connection.connection
        assert isinstance(pooled.dbapi_connection, sqlite3.Connection)
        assert pooled.driver_connection is pooled.dbapi_connection
        assert pooled.in_transaction is pooled.dbapi_connection.in_transaction  # read through
        assert pooled.cursor().execute("SELECT 7").fetchone() == (7,)
        assert pooled.is_valid
        connection.info["tenant"] = "acme"
        assert pooled.info is connection.info
        first = pooled.dbapi_connection
        with pytest.raises(AttributeError, match="_private"):
            pooled._private  # noqa: B018 - the checkout's own names are not read through
    with engine.connect() as connection:
        assert connection.connection.dbapi_connection is first  # the pool's one connection
        assert connection.info == {"tenant": "acme"}
    raw = engine.raw_connection()
    try:
        assert raw.dbapi_connection is first and raw.driver_connection is first
        assert raw.info == {"tenant": "acme"}
        assert raw.total_changes == first.total_changes  # read through
    finally:
        raw.close()
    engine.dispose()
