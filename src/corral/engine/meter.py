"""Each Connection's meter: counts and times what reaches the driver, logs slow statements,
and turns a session's deadline into the database's own statement timeout.

The Connection calls the meter around every driver call; the meter adds to the
engine's counters (``stats.py``) and to the session's, when a Session is using
the connection. What counts as a round trip:

- each ``execute`` / ``executemany`` on a cursor is one (PyMySQL runs an
  executemany that is not a multi-row INSERT once per parameter set: that many);
- BEGIN, COMMIT, ROLLBACK, SAVEPOINT and isolation-level statements are one each,
  and so is the ROLLBACK the pool sends when a connection in a transaction is
  given back;
- on PostgreSQL BEGIN travels with the transaction's first statement in one
  pipeline: two statements, one round trip; so does a COMMIT sent behind a
  Session's last statement (``execute_then_commit``).

Slow statements: ``create_engine(slow_statement_threshold=seconds)`` logs each
statement that took at least that long to the ``corral.engine.slow`` logger, at
WARNING, with its parameters elided past a size.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine import deadline as limits
from corral.exc import describe_params

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.engine.engine import Engine
    from corral.engine.stats import Counters, EngineStats, SessionStats

slow_logger = logging.getLogger("corral.engine.slow")
perf_counter = time.perf_counter


class Meter:
    """Counting and time limits for one Connection."""

    __slots__ = ("_armed", "deadline", "engine_stats", "session", "slow")

    def __init__(self, engine: Engine) -> None:
        self.engine_stats: EngineStats = engine.stats
        self.slow: float | None = engine.slow_statement_threshold
        #: The stats of the Session using this connection, if any.
        self.session: SessionStats | None = None
        #: ``perf_counter()`` time by which every statement must be done (a Session's).
        self.deadline: float | None = None
        #: The SQLite connection our progress handler is installed on.
        self._armed: Any = None

    # -- a Session using the connection -------------------------------------------

    def attach(self, stats: SessionStats, deadline: float | None, pooled: Any) -> None:
        """A Session uses the connection (``pooled``: the checkout it made for it, whose
        wait for a free connection is the session's; the pool counts it for the engine)."""
        self.session = stats
        self.deadline = deadline
        waited = 0.0 if pooled is None else pooled.waited
        if waited:
            stats.pool_waits += 1
            stats.pool_wait_time += waited

    def detach(self) -> None:
        self.session = None
        self.deadline = None
        if self._armed is not None:
            self._disarm()

    # -- counting -----------------------------------------------------------------------

    def _mine(self) -> Counters:
        """This thread's counters of the engine (``EngineStats.mine``, inlined)."""
        try:
            counters: Counters = self.engine_stats._local.counters
        except AttributeError:
            counters = self.engine_stats.mine()
        return counters

    def _targets(self) -> list[Counters]:
        mine = self._mine()
        return [mine] if self.session is None else [mine, self.session]

    def control(self, action: Any, *args: Any) -> Any:
        """Run one control call (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, isolation): one trip."""
        started = perf_counter()
        try:
            return action(*args)
        finally:
            elapsed = perf_counter() - started
            counters = self._mine()
            counters.statements += 1
            counters.round_trips += 1
            counters.db_time += elapsed
            session = self.session
            if session is not None:
                session.statements += 1
                session.round_trips += 1
                session.db_time += elapsed

    def begin(self, action: Any, *args: Any) -> Any:
        """Send BEGIN on its own (``control``), unless the session's deadline has passed."""
        if self.deadline is not None and perf_counter() >= self.deadline:
            raise exc.DeadlineExceeded(
                "BEGIN", None, None, message=_expired_message(self.deadline, "BEGIN was not sent")
            )
        return self.control(action, *args)

    def closing(self, rolls_back: bool, waits: bool) -> None:
        """The connection goes back to the pool (and the Session lets go of it);
        ``rolls_back``: the pool's reset will send ROLLBACK for the transaction left open,
        ``waits``: and wait for its answer (a round trip)."""
        if self._armed is not None:
            self._disarm()
        self.deadline = None
        if rolls_back:
            counters = self._mine()
            counters.statements += 1
            counters.round_trips += waits
            session = self.session
            if session is not None:
                session.statements += 1
                session.round_trips += waits
        self.session = None

    def rows(self, count: int) -> None:
        try:
            self.engine_stats._local.counters.rows_fetched += count
        except AttributeError:
            self.engine_stats.mine().rows_fetched += count
        session = self.session
        if session is not None:
            session.rows_fetched += count

    # -- statements ---------------------------------------------------------------------

    def execute(
        self,
        connection: Connection,
        dbapi: Any,
        cursor: Any,
        begin: str | None,
        sql: str,
        args: Any,
        many: bool,
        returning: bool,
    ) -> None:
        """Run one statement on ``cursor`` (with the BEGIN left to go with it), counted."""
        dialect = connection.dialect
        if self.deadline is not None and self._limit(
            connection, dbapi, cursor, begin, sql, args, many, returning
        ):
            return
        started = perf_counter()
        try:
            if begin is None:
                dialect.do_execute(cursor, sql, args, many, returning)
            else:
                dialect.do_execute_after_begin(dbapi, cursor, begin, sql, args, many, returning)
        finally:
            self.count(dialect, begin, sql, args, many, perf_counter() - started)

    def execute_then_commit(
        self,
        connection: Connection,
        dbapi: Any,
        cursor: Any,
        begin: str | None,
        sql: str,
        args: Any,
        returning: bool,
    ) -> BaseException | None:
        """Run one statement and COMMIT behind it (``do_execute_then_commit``, asked for
        only where the dialect writes both at once), counted: the COMMIT is one more
        statement in the statement's round trip, and so is a deadline's limit (only
        PostgreSQL commits with a statement: its ``SET LOCAL statement_timeout``). Returns
        the COMMIT's error, if the server refused it."""
        dialect = connection.dialect
        controls: tuple[str, ...] = () if begin is None else (begin,)
        if self.deadline is not None:
            controls = (*controls, limits.postgresql_limit(self._time_left(connection, sql, args)))
        started = perf_counter()
        try:
            refused = dialect.do_execute_then_commit(dbapi, cursor, controls, sql, args, returning)
        finally:
            self.count(dialect, begin, sql, args, False, perf_counter() - started)
        self.count_commit()
        return refused

    def count_commit(self) -> None:
        """The COMMIT (and a deadline's limit) sent in a counted statement's round trip."""
        more = 1 if self.deadline is None else 2
        for counters in self._targets():
            counters.statements += more

    def count(
        self, dialect: Any, begin: str | None, sql: str, args: Any, many: bool, elapsed: float
    ) -> None:
        """Count one statement (with the BEGIN sent along with it) that took ``elapsed``."""
        if begin is None and not many:  # most statements: one, in one round trip
            statements = trips = 1
        else:
            # BEGIN pipelined with the statement is one more statement, no more round
            # trips; where the server begins by itself, it is not sent at all.
            sent_begin = begin is not None and not dialect.implicit_begin
            statements = 2 if sent_begin else 1
            trips = dialect.executemany_round_trips(sql, len(args)) if many else 1
            if sent_begin and not dialect.pipelines_begin:
                trips += 1
        try:
            counters: Counters = self.engine_stats._local.counters
        except AttributeError:
            counters = self.engine_stats.mine()
        counters.statements += statements
        counters.round_trips += trips
        counters.db_time += elapsed
        session = self.session
        if session is not None:
            session.statements += statements
            session.round_trips += trips
            session.db_time += elapsed
        if self.slow is not None and elapsed >= self.slow:
            self._log_slow(sql, args, elapsed)

    def _log_slow(self, sql: str, args: Any, elapsed: float) -> None:
        for counters in self._targets():
            counters.slow_statements += 1
        if slow_logger.isEnabledFor(logging.WARNING):
            slow_logger.warning(
                "slow statement (%.3f s, threshold %.3f s): %s [parameters: %s]",
                elapsed,
                self.slow,
                sql,
                "none" if args is None or args in ((), {}) else describe_params(args),
            )

    def failed(self, error: BaseException) -> BaseException:
        """``error`` (already translated), as DeadlineExceeded when our time limit caused it."""
        if self.deadline is None or isinstance(error, exc.DeadlineExceeded):
            return error
        interrupted = (
            self._armed is not None
            and isinstance(error, exc.OperationalError)
            and "interrupted" in str(error.orig)
        )
        if interrupted and perf_counter() >= self.deadline:
            assert isinstance(error, exc.OperationalError)
            return exc.DeadlineExceeded(
                error.statement,
                error.params,
                error.orig,
                message=_expired_message(self.deadline, "SQLite interrupted the statement"),
            )
        return error

    # -- deadlines ----------------------------------------------------------------------

    def _limit(
        self,
        connection: Connection,
        dbapi: Any,
        cursor: Any,
        begin: str | None,
        sql: str,
        args: Any,
        many: bool,
        returning: bool,
    ) -> bool:
        """Apply the deadline to the statement about to run: raise when no time is left;
        run it here (and return True) when the dialect needs a different call, else False."""
        left = self._time_left(connection, sql, args)
        name = connection.dialect.name
        if name == "sqlite":
            if self._armed is not dbapi:
                assert self.deadline is not None  # (as _time_left found it)
                limits.arm_sqlite(dbapi, self.deadline)
                self._armed = dbapi
            return False
        plan = limits.postgresql if name == "postgresql" else limits.mysql
        statements, trips, extra, run = plan(
            connection, dbapi, cursor, begin, sql, args, many, returning, left
        )
        started = perf_counter()
        try:
            run()
        finally:
            elapsed = perf_counter() - started
            # ``extra``: round trips of the deadline's own (SET statements not pipelined).
            for counters in self._targets():
                counters.statements += statements
                counters.round_trips += trips
                counters.db_time += elapsed
                counters.deadline_round_trips += extra
            if self.slow is not None and elapsed >= self.slow:
                self._log_slow(sql, args, elapsed)
        return True

    def _time_left(self, connection: Connection, sql: str, args: Any) -> float:
        """Seconds until the deadline, for the statement about to run; raises when none."""
        assert self.deadline is not None
        left = self.deadline - perf_counter()
        if left <= 0:
            raise exc.DeadlineExceeded(
                sql,
                args,
                None,
                message=_expired_message(self.deadline, "the statement was not sent"),
            )
        if connection._autocommit:
            raise exc.InvalidRequestError(
                "Session(deadline=...) needs a transaction to scope the database's statement "
                "timeout to, and this connection is in AUTOCOMMIT mode; drop the deadline or "
                "the AUTOCOMMIT isolation level"
            )
        return left

    def _disarm(self) -> None:
        armed, self._armed = self._armed, None
        if armed is not None:
            limits.disarm_sqlite(armed)


def _expired_message(deadline: float, what: str) -> str:
    over = perf_counter() - deadline
    return (
        f"The session's deadline passed {max(over, 0.0):.3f} s ago ({what}); roll the "
        "session back, and give the work a new Session with a fresh deadline"
    )
