"""Which failed connects mean "the server is down or unreachable" (DatabaseUnavailable)."""

from __future__ import annotations

import psycopg
import pymysql
import pytest

from corral.dialects.mysql import errors as mysql_errors
from corral.dialects.postgresql import errors as postgresql_errors


@pytest.mark.parametrize(
    ("message", "unreachable"),
    [
        ('connection to server at "127.0.0.1", port 1 failed: Connection refused', True),
        ("connection failed: FATAL:  the database system is starting up", True),
        ("connection failed: FATAL:  the database system is shutting down", True),
        ("connection failed: timeout expired", True),
        ('connection failed: FATAL:  role "nobody" does not exist', False),
        ('connection failed: FATAL:  password authentication failed for user "x"', False),
        ('connection failed: FATAL:  database "nosuchdb" does not exist', False),
        ("connection failed: certificate verify failed", False),
    ],
)
def test_postgresql_connect_errors(message: str, unreachable: bool) -> None:
    """libpq's words for a refused or starting server are unreachable; a login refused by a
    running server is not."""
    assert postgresql_errors.is_unreachable(psycopg.OperationalError(message)) is unreachable


def test_postgresql_only_operational_errors_count() -> None:
    """A programming error that happens to quote the words is not a refused connect."""
    error = psycopg.ProgrammingError("syntax error near 'connection refused'")
    assert not postgresql_errors.is_unreachable(error)


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (pymysql.err.OperationalError(2003, "Can't connect to MySQL server"), True),
        (pymysql.err.OperationalError(2013, "Lost connection during handshake"), True),
        (pymysql.err.OperationalError(1053, "Server shutdown in progress"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (pymysql.err.OperationalError(1045, "Access denied for user"), False),
        (
            pymysql.err.OperationalError(
                2003, "Can't connect to MySQL server on 'x' ([SSL: CERTIFICATE_VERIFY_FAILED])"
            ),
            False,
        ),
        (pymysql.err.OperationalError(1049, "Unknown database"), False),
    ],
)
def test_mysql_connect_errors(error: BaseException, unreachable: bool) -> None:
    """PyMySQL's can't-connect and lost-handshake numbers are unreachable; access denied and
    an unknown database are not."""
    assert mysql_errors.is_unreachable(error) is unreachable
