"""Each dialect turns driver errors into corral's exception classes (no database needed)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from corral import exc
from corral.dialects.mysql.base import MySQLDialect
from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.dialects.sqlite.base import SQLiteDialect


class OperationalError(Exception):
    """Stands in for a driver's DB-API OperationalError (classes are matched by name)."""


class IntegrityError(Exception):
    """Stands in for a driver's DB-API IntegrityError."""


class InterfaceError(Exception):
    """Stands in for a driver's DB-API InterfaceError."""


class Diag:
    def __init__(self, constraint_name: str | None) -> None:
        self.constraint_name = constraint_name


def pg_error(base: type[Exception], sqlstate: str, constraint: str | None = None) -> Exception:
    error = base("message")
    error.sqlstate = sqlstate  # type: ignore[attr-defined]
    error.diag = Diag(constraint)  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [
        ("40001", exc.SerializationFailure),
        ("40P01", exc.DeadlockDetected),
        ("55P03", exc.LockNotAvailable),
        ("23505", exc.IntegrityError),
        ("22003", exc.DataError),
        ("42P01", exc.ProgrammingError),
    ],
)
def test_postgresql_sqlstate_picks_class(sqlstate: str, expected: type[Exception]) -> None:
    """A PostgreSQL SQLSTATE maps to its corral class."""
    corral_class, _ = PostgreSQLDialect().classify_error(pg_error(OperationalError, sqlstate))
    assert corral_class is expected


def test_postgresql_constraint_name_from_diag() -> None:
    """The constraint PostgreSQL reports is carried on the wrapped error."""
    dialect = PostgreSQLDialect()
    wrapped = dialect.wrap_error(
        pg_error(IntegrityError, "23505", "users_email_key"), "INSERT ...", (1,)
    )
    assert isinstance(wrapped, exc.IntegrityError)
    assert wrapped.constraint_name == "users_email_key"
    assert wrapped.statement == "INSERT ..."


def test_postgresql_admin_shutdown_is_disconnect() -> None:
    """pg_terminate_backend's SQLSTATE 57P01 counts as a disconnect."""
    assert PostgreSQLDialect().is_disconnect(pg_error(OperationalError, "57P01"))


def test_postgresql_closed_connection_message_is_disconnect() -> None:
    """psycopg's 'the connection is closed' OperationalError counts as a disconnect."""
    assert PostgreSQLDialect().is_disconnect(OperationalError("the connection is closed"))


def test_postgresql_syntax_error_is_not_disconnect() -> None:
    """An ordinary error is not mistaken for a disconnect."""
    assert not PostgreSQLDialect().is_disconnect(pg_error(OperationalError, "42601"))


@pytest.mark.parametrize(
    ("errno", "expected"),
    [
        (1213, exc.DeadlockDetected),
        (1205, exc.LockTimeout),
        (1020, exc.SnapshotConflict),
        (1062, exc.IntegrityError),
        (4025, exc.IntegrityError),
        (1406, exc.DataError),
    ],
)
def test_mysql_errno_picks_class(errno: int, expected: type[Exception]) -> None:
    """A MariaDB/MySQL error number maps to its corral class."""
    corral_class, _ = MySQLDialect().classify_error(OperationalError(errno, "message"))
    assert corral_class is expected


@pytest.mark.parametrize(
    ("message", "constraint"),
    [
        ("Duplicate entry '1' for key 'users_email'", "users_email"),
        ("Duplicate entry '1' for key 'users.users_email'", "users_email"),
        (
            "Cannot add or update a child row: a foreign key constraint fails "
            "(`test`.`c`, CONSTRAINT `c_fk` FOREIGN KEY (`p`) REFERENCES `p` (`id`))",
            "c_fk",
        ),
        ("Column 'v' cannot be null", None),
    ],
)
def test_mysql_constraint_name_from_message(message: str, constraint: str | None) -> None:
    """The constraint named in a MariaDB/MySQL message is extracted."""
    _, found = MySQLDialect().classify_error(IntegrityError(1062, message))
    assert found == constraint


@pytest.mark.parametrize("errno", [2006, 2013, 1927, 4031])
def test_mysql_lost_connection_is_disconnect(errno: int) -> None:
    """'Server has gone away' and friends count as disconnects."""
    assert MySQLDialect().is_disconnect(OperationalError(errno, "gone"))


def test_mysql_closed_interface_error_is_disconnect() -> None:
    """PyMySQL's InterfaceError(0, '') on a closed connection counts as a disconnect."""
    assert MySQLDialect().is_disconnect(InterfaceError(0, ""))


def test_mysql_deadlock_is_not_disconnect() -> None:
    """A deadlock leaves the connection usable."""
    assert not MySQLDialect().is_disconnect(OperationalError(1213, "Deadlock found"))


def _sqlite_error(sql: str, setup: str = "") -> sqlite3.Error:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        if setup:
            connection.executescript(setup)
        connection.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError("the statement did not fail")


def test_sqlite_named_check_constraint_is_reported() -> None:
    """SQLite's named CHECK constraint failure carries the name."""
    error = _sqlite_error(
        "INSERT INTO t VALUES (-1)", "CREATE TABLE t (a INT CONSTRAINT positive CHECK (a > 0))"
    )
    assert SQLiteDialect().classify_error(error) == (exc.IntegrityError, "positive")


def test_sqlite_unique_failure_is_integrity_error() -> None:
    """A UNIQUE failure on SQLite is an IntegrityError."""
    error = _sqlite_error("INSERT INTO t VALUES (1), (1)", "CREATE TABLE t (a INT UNIQUE)")
    assert SQLiteDialect().classify_error(error)[0] is exc.IntegrityError


def test_sqlite_busy_code_is_database_busy() -> None:
    """An error with SQLITE_BUSY's result code is DatabaseBusy (retryable)."""
    error: Any = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5
    corral_class, _ = SQLiteDialect().classify_error(error)
    assert corral_class is exc.DatabaseBusy
    assert issubclass(corral_class, exc.RetryableError)


def test_sqlite_closed_database_is_disconnect() -> None:
    """Using a closed sqlite3 connection counts as a disconnect."""
    error = sqlite3.ProgrammingError("Cannot operate on a closed database.")
    assert SQLiteDialect().is_disconnect(error)


def test_disconnect_during_commit_is_commit_outcome_unknown() -> None:
    """A lost connection while COMMIT was in flight becomes CommitOutcomeUnknownError."""
    wrapped = PostgreSQLDialect().wrap_error(
        pg_error(OperationalError, "57P01"), "COMMIT", None, invalidated=True, during_commit=True
    )
    assert isinstance(wrapped, exc.CommitOutcomeUnknownError)
    assert wrapped.connection_invalidated
    assert "may or may not" in str(wrapped)


def test_wrapped_error_keeps_original() -> None:
    """The wrapped error keeps the driver's exception as ``orig``."""
    original = pg_error(OperationalError, "40001")
    wrapped = PostgreSQLDialect().wrap_error(original, "SELECT 1", None)
    assert wrapped.orig is original
