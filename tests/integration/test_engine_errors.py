"""Real constraint violations, deadlocks, lock waits and busy databases raise corral's classes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from corral import Column, Integer, MetaData, Table, exc, select
from corral.engine import Connection, Engine
from corral.sql.text import text

from .conftest import EngineFactory

SCHEMA = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, "
    "CONSTRAINT parent_name_key UNIQUE (name))",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, "
    "CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id))",
)


@pytest.fixture
def tables(engine: Engine) -> Engine:
    """The engine with ``parent`` (unique name, one row) and ``child`` (foreign key) tables."""
    with engine.begin() as connection:
        for statement in SCHEMA:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO parent (id, name) VALUES (1, 'a')"))
    return engine


def _expected_constraint(engine: Engine, name: str) -> str | None:
    return name if engine.dialect.features.errors_name_constraint else None


def _violation(engine: Engine, sql: str) -> exc.IntegrityError:
    with engine.connect() as connection:
        with pytest.raises(exc.IntegrityError) as info:
            connection.execute(text(sql))
        connection.rollback()
    return info.value


def test_unique_violation(tables: Engine) -> None:
    """A duplicate value raises IntegrityError naming the unique constraint."""
    error = _violation(tables, "INSERT INTO parent (id, name) VALUES (2, 'a')")
    assert error.constraint_name == _expected_constraint(tables, "parent_name_key")
    assert error.orig is not None
    assert "INSERT INTO parent" in str(error)


def test_foreign_key_violation(tables: Engine) -> None:
    """A child row pointing at no parent raises IntegrityError naming the foreign key."""
    error = _violation(tables, "INSERT INTO child (id, parent_id) VALUES (1, 99)")
    assert error.constraint_name == _expected_constraint(tables, "child_parent_fk")


def test_not_null_violation(tables: Engine) -> None:
    """A NULL in a NOT NULL column raises IntegrityError."""
    error = _violation(tables, "INSERT INTO parent (id, name) VALUES (3, NULL)")
    assert isinstance(error, exc.IntegrityError)
    assert not error.connection_invalidated


def test_violation_keeps_statement_parameters(tables: Engine) -> None:
    """The wrapped error carries the statement's parameters."""
    with tables.connect() as connection:
        with pytest.raises(exc.IntegrityError) as info:
            connection.execute(
                text("INSERT INTO parent (id, name) VALUES (:id, :name)"), {"id": 5, "name": "a"}
            )
        connection.rollback()
    assert info.value.params == (5, "a")


def _needs_row_locks(engine: Engine) -> None:
    if not engine.dialect.features.row_locks:
        pytest.skip("the database locks as a whole, so rows cannot deadlock or wait")


def test_deadlock_is_detected(tables: Engine) -> None:
    """Two transactions locking two rows in opposite order: one gets DeadlockDetected."""
    _needs_row_locks(tables)
    with tables.begin() as connection:
        connection.execute(text("INSERT INTO parent (id, name) VALUES (2, 'b')"))
    errors = lock_in_opposite_orders(tables, _touch)
    assert len(errors) == 1
    assert isinstance(errors[0], exc.DeadlockDetected)
    assert isinstance(errors[0], exc.RetryableError)


def lock_in_opposite_orders(
    engine: Engine, lock: Callable[[Connection, int], object]
) -> list[exc.DBAPIError]:
    """Two transactions each locking row 1 and row 2 (``lock``), in opposite orders, at once;
    the errors they raised."""
    both_locked_first_row = threading.Barrier(2, timeout=10)
    errors: list[exc.DBAPIError] = []

    def transfer(first: int, second: int) -> None:
        with engine.connect() as connection:
            try:
                lock(connection, first)
                both_locked_first_row.wait()
                lock(connection, second)
                connection.commit()
            except exc.DBAPIError as error:
                errors.append(error)
                connection.rollback()

    threads = [threading.Thread(target=transfer, args=pair) for pair in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _touch(connection: Connection, row_id: int) -> None:
    connection.execute(text("UPDATE parent SET name = name WHERE id = :id"), {"id": row_id})


def _set_lock_wait(connection: Connection, backend: str) -> None:
    statements = {
        "postgresql": "SET lock_timeout = '200ms'",
        "mysql": "SET SESSION innodb_lock_wait_timeout = 1",
    }
    connection.execute(text(statements[backend]))


def test_lock_wait_gives_up_with_a_retryable_error(tables: Engine, backend: str) -> None:
    """Waiting too long for a row lock raises a retryable lock error."""
    _needs_row_locks(tables)
    with tables.connect() as holder, tables.connect() as waiter:
        _touch(holder, 1)
        _set_lock_wait(waiter, backend)
        with pytest.raises(exc.OperationalError) as info:
            _touch(waiter, 1)
        waiter.rollback()
        holder.rollback()
    assert isinstance(info.value, exc.LockTimeout | exc.LockNotAvailable)
    assert isinstance(info.value, exc.RetryableError)


def test_serialization_failure_on_concurrent_update(tables: Engine, backend: str) -> None:
    """Under SERIALIZABLE, updating a row another transaction changed fails retryably."""
    if backend != "postgresql":
        pytest.skip("MariaDB lets the second writer overwrite; PostgreSQL refuses it")
    with tables.connect() as first, tables.connect() as second:
        first.execution_options(isolation_level="SERIALIZABLE")
        second.execution_options(isolation_level="SERIALIZABLE")
        assert first.execute(text("SELECT name FROM parent WHERE id = 1")).scalar() == "a"
        second.execute(text("UPDATE parent SET name = 'second' WHERE id = 1"))
        second.commit()
        with pytest.raises(exc.SerializationFailure) as info:
            first.execute(text("UPDATE parent SET name = 'first' WHERE id = 1"))
        first.rollback()
    assert isinstance(info.value, exc.RetryableError)


def test_busy_database_raises_database_busy(make_engine: EngineFactory) -> None:
    """A second writer on a locked SQLite file gets DatabaseBusy at once with timeout 0."""
    probe = make_engine()
    if probe.dialect.features.row_locks:
        pytest.skip("only a database-wide write lock reports busy")
    engine = make_engine(connect_args={"timeout": 0}, sqlite_begin="immediate")
    with engine.connect() as writer, engine.connect() as other:
        writer.execute(text("CREATE TABLE t (id INTEGER)"))  # BEGIN IMMEDIATE holds the lock
        with pytest.raises(exc.DatabaseBusy) as info:
            other.execute(text("SELECT 1"))
        writer.rollback()
        other.rollback()
        assert other.execute(text("SELECT 1")).scalar() == 1
    assert isinstance(info.value, exc.RetryableError)


def test_locking_read_takes_write_lock_without_row_locks(make_engine: EngineFactory) -> None:
    """Where FOR UPDATE is a database-wide write lock, a locking read blocks other writers."""
    probe = make_engine()
    if not probe.dialect.features.write_lock_on_begin:
        pytest.skip("the database locks rows for FOR UPDATE")
    metadata = MetaData()
    table = Table("locked", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(probe)
    engine = make_engine(connect_args={"timeout": 0})
    with engine.connect() as reader, engine.connect() as writer:
        reader.execute(select(table).with_for_update()).all()
        with pytest.raises(exc.DatabaseBusy):
            writer.execute(text("INSERT INTO locked (id) VALUES (1)"))
        writer.rollback()
        reader.rollback()
