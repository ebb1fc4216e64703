"""A session's deadline as each database's own statement timeout.

Before each statement of a Session made with ``deadline=seconds``, the time
left becomes a limit the database enforces itself, so a statement that would
run past the deadline is cancelled by the server rather than waited for:

- PostgreSQL: ``SET LOCAL statement_timeout`` (milliseconds) for the rest of the
  transaction, sent in one pipeline with the statement: no extra round trip;
- MariaDB: the statement is prefixed with ``SET STATEMENT max_statement_time=...
  FOR``: no extra round trip; an executemany instead sets the session variable
  before and puts back the server's default after (two extra round trips);
- SQLite: a progress handler on the connection, checking the clock every
  ``SQLITE_DEADLINE_STEPS`` virtual-machine steps, interrupts the statement
  (also while its rows are read), until the connection goes back to the pool.

A cancelled statement raises ``DeadlineExceeded``. Each function returns the
statements sent, their round trips, and how many of those the deadline added.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corral import exc

if TYPE_CHECKING:
    from corral.engine.base import Connection

perf_counter = time.perf_counter
#: What a dialect's function returns: statements, round trips, the round trips the
#: deadline added, and the call that runs them.
Plan = tuple[int, int, int, Callable[[], None]]
SQLITE_DEADLINE_STEPS = 1000


def deadline_at(seconds: object) -> float | None:
    """The ``perf_counter()`` time ``seconds`` from now (``Session(deadline=seconds)``)."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds > 0:
        raise exc.ArgumentError(
            f"Session(deadline=...) must be a number of seconds > 0 (None: no deadline), "
            f"got {seconds!r}"
        )
    return perf_counter() + seconds


def arm_sqlite(dbapi: Any, deadline: float) -> None:
    """Interrupt whatever ``dbapi`` (a sqlite3 connection) runs once ``deadline`` passed."""

    def expired() -> bool:
        return perf_counter() >= deadline

    dbapi.set_progress_handler(expired, SQLITE_DEADLINE_STEPS)


def disarm_sqlite(dbapi: Any) -> None:
    with contextlib.suppress(Exception):  # a closed connection has no handler to remove
        dbapi.set_progress_handler(None, 0)


def postgresql(
    connection: Connection,
    dbapi: Any,
    cursor: Any,
    begin: str | None,
    sql: str,
    args: Any,
    many: bool,
    returning: bool,
    left: float,
) -> Plan:
    dialect = connection.dialect
    limit = postgresql_limit(left)
    statements = 2 if begin is None else 3

    controls = (limit,) if begin is None else (begin, limit)

    def run() -> None:  # one pipeline (one round trip) where the driver has one
        dialect.do_execute_after(dbapi, cursor, controls, sql, args, many, returning)

    if dialect.begins_with_statement():
        return statements, 1, 0, run
    return statements, statements, 1, run


def postgresql_limit(left: float) -> str:
    """PostgreSQL's limit for the rest of the transaction, ``left`` seconds."""
    return f"SET LOCAL statement_timeout = {max(1, int(left * 1000))}"


def mysql(
    connection: Connection,
    dbapi: Any,
    cursor: Any,
    begin: str | None,
    sql: str,
    args: Any,
    many: bool,
    returning: bool,
    left: float,
) -> Plan:
    dialect = connection.dialect
    if "mariadb" not in str(dbapi.get_server_info()).lower():
        raise exc.NotSupportedError(
            sql,
            args,
            None,
            message=(
                "Session(deadline=...) on MySQL is not supported (corral uses MariaDB's "
                "max_statement_time); drop the deadline or use MariaDB"
            ),
        )
    seconds = f"{max(left, 0.000001):.6f}"

    def execute(statement: str) -> None:
        if begin is None:
            dialect.do_execute(cursor, statement, args, many, returning)
        else:  # the server opens the transaction at the statement itself
            dialect.do_execute_after_begin(dbapi, cursor, begin, statement, args, many, returning)

    if not many:
        limited = f"SET STATEMENT max_statement_time={seconds} FOR {sql}"
        return 1, 1, 0, lambda: execute(limited)

    def with_session_variable() -> None:
        # A prefix would stop PyMySQL from batching an INSERT's rows into one statement.
        dialect.run(dbapi, f"SET SESSION max_statement_time={seconds}")
        try:
            execute(sql)
        finally:
            with contextlib.suppress(Exception):  # a lost connection takes the setting along
                dialect.run(dbapi, "SET SESSION max_statement_time=DEFAULT")

    return 3, dialect.executemany_round_trips(sql, len(args)) + 2, 2, with_session_variable
