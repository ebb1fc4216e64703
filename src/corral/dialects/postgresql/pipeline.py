"""BEGIN (and other control statements) and a transaction's first statement written to
PostgreSQL at once: one libpq pipeline, one write, one wait, one read.

psycopg's ``Connection.pipeline()`` writes each queued command on its own and waits for
the socket before each one, then asks the server to flush (measured per BEGIN + INSERT:
3 writes and 6 polls before the one read). Here the control statements and the statement
go into libpq's output buffer behind a single Sync, which libpq writes in one call; their
results arrive together. The statement itself is still adapted, prepared and given its
results by psycopg's cursor, through the cursor's internal steps (``_convert_query``,
``_get_prepared``, ``_set_results``...): ``supported()`` checks that the installed psycopg
is one whose steps this module was written against, else the dialect keeps psycopg's
public pipeline.

The exchange is a generator of psycopg's waits, written once: the sync dialect drives it
with ``Connection.wait``, the asyncio one with ``AsyncConnection.wait``.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from functools import cache
from typing import Any

#: psycopg releases (major, minor) whose cursor internals this module was checked against;
#: add one after reading its ``_cursor_base.py`` and running tests/integration's pipeline tests.
TESTED_PSYCOPG = frozenset({(3, 3)})

#: The cursor steps used, checked by ``supported()``.
_CURSOR_STEPS = (
    "_start_query",
    "_convert_query",
    "_get_prepared",
    "_execute_send",
    "_send_prepare",
    "_send_query_prepared",
    "_check_results",
    "_set_results",
)

#: The connection steps the asyncio dialect drives itself (``async_wait.run_to_end``).
_CONNECTION_STEPS = ("_commit_gen", "_rollback_gen")

#: libpq's PQTransactionStatus inside a transaction block: PQTRANS_INTRANS, PQTRANS_INERROR.
_IN_TRANSACTION = frozenset({2, 3})


def supported(psycopg: Any) -> bool:
    """Whether this psycopg's plain cursors can be driven here (else: its own pipeline)."""
    try:
        version = tuple(int(part) for part in psycopg.__version__.split(".")[:2])
    except (AttributeError, ValueError):
        return False
    if version not in TESTED_PSYCOPG:
        return False
    from psycopg import generators, pq, waiting
    from psycopg._preparing import Prepare, PrepareManager

    return (
        all(hasattr(psycopg.Cursor, step) for step in _CURSOR_STEPS)
        and all(hasattr(psycopg.AsyncConnection, step) for step in _CONNECTION_STEPS)
        and all(hasattr(waiting, flag) for flag in ("WAIT_R", "WAIT_W", "READY_R", "READY_W"))
        and hasattr(PrepareManager, "maybe_add_to_cache")
        and all(hasattr(PrepareManager, step) for step in ("clear", "maintain_gen"))
        and hasattr(generators, "fetch_many")
        and hasattr(pq.ExecStatus, "PIPELINE_SYNC")
        and hasattr(Prepare, "SHOULD")
    )


@cache
def _psycopg() -> tuple[Any, ...]:
    """The psycopg names used here, imported once: an import statement run per execution
    costs about 9,000 instructions even when the module is loaded (the dialect itself
    loads without psycopg 3)."""
    from psycopg import AsyncCursor, AsyncRawCursor, Cursor, RawCursor, errors, pq
    from psycopg._preparing import Prepare
    from psycopg.generators import fetch_many, send

    return (Cursor, AsyncCursor, RawCursor, AsyncRawCursor), errors, pq, Prepare, fetch_many, send


def plain_cursor(cursor: Any) -> bool:
    """Whether ``cursor`` is psycopg's own client cursor class, or its ``RawCursor`` (not
    a subclass that binds parameters differently, such as ``ClientCursor``, nor a
    server-side cursor)."""
    return type(cursor) in _psycopg()[0]


def exchange(
    cursor: Any, controls: Sequence[str], sql: str, args: Any, after: Sequence[str] = ()
) -> Generator[Any, Any, BaseException | None]:
    """Send ``controls``, then ``sql`` with ``args``, then ``after`` in one pipeline and give
    the statement's results to ``cursor``; a failing control or statement raises psycopg's
    error once the pipeline is read to its end (the transaction then open and failed, to
    roll back, and ``after`` not run: the server skips the rest of a failed pipeline).

    Returns the error of a failing ``after`` statement, not raised: the statement itself
    ran (a COMMIT sent behind it that the server refused, say)."""
    _, errors, pq, Prepare, fetch_many, send = _psycopg()
    connection = cursor.connection
    pgconn = connection.pgconn
    yield from cursor._start_query(sql)  # nothing to send in autocommit mode
    query = cursor._convert_query(sql, args)
    prepare, name = cursor._get_prepared(query)
    encoding = pgconn._encoding
    pgconn.enter_pipeline_mode()
    try:
        for control in controls:
            pgconn.send_query_params(control.encode(encoding), None)
        if prepare is Prepare.NO:
            cursor._execute_send(query, force_extended=True)
        else:
            if prepare is Prepare.SHOULD:
                cursor._send_prepare(name, query)
            cursor._send_query_prepared(name, query)
        for control in after:
            pgconn.send_query_params(control.encode(encoding), None)
        key = connection._prepared.maybe_add_to_cache(query, prepare, name)
        pgconn.pipeline_sync()  # libpq writes the buffer here
        yield from send(pgconn)  # the rest, if the socket took only part of it
        controlled = []
        for _ in controls:
            controlled.append((yield from fetch_many(pgconn)))
        parsed = (yield from fetch_many(pgconn)) if prepare is Prepare.SHOULD else None
        results = yield from fetch_many(pgconn)
        followed = []
        for _ in after:
            followed.append((yield from fetch_many(pgconn)))
        synced = yield from fetch_many(pgconn)
    except BaseException:
        _abandon(pgconn)
        raise
    pgconn.exit_pipeline_mode()
    if len(synced) != 1 or synced[0].status != pq.ExecStatus.PIPELINE_SYNC:
        raise errors.InternalError("the pipeline of BEGIN and a statement ended out of order")
    for outcome in (*controlled, parsed or ()):
        for result in outcome:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                raise errors.error_from_result(result, encoding=encoding)
    if key is not None:
        connection._prepared.validate(key, prepare, name, results)
    cursor._check_results(results)
    cursor._set_results(results)
    cursor._last_query = sql
    yield from connection._prepared.maintain_gen(connection)
    for outcome in followed:
        for result in outcome:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                refused: BaseException = errors.error_from_result(result, encoding=encoding)
                return refused
    return None


def dollar_placeholders(sql: str) -> str:
    """``sql`` in psycopg's format paramstyle (``%s``, a literal ``%`` doubled) with
    PostgreSQL's ``$1, $2, ...`` instead, as psycopg's ``RawCursor`` sends it."""
    number = 0
    pieces = []
    for piece in sql.split("%%"):
        parts = piece.split("%s")
        out = [parts[0]]
        for part in parts[1:]:
            number += 1
            out.append(f"${number}")
            out.append(part)
        pieces.append("".join(out))
    return "%".join(pieces)


def closed_by_server(connection: Any) -> BaseException | None:
    """psycopg's error if the server has closed the connection, else None. libpq reads
    what has arrived, without waiting: a server session that ended has sent its last
    message (read by the first call) and closed the socket (found by the second)."""
    errors = _psycopg()[1]
    pgconn = connection.pgconn
    try:
        pgconn.consume_input()
        pgconn.consume_input()
    except errors.OperationalError as error:
        closed: BaseException = error
        return closed
    return None


def send_rollback(connection: Any) -> Generator[Any, Any, bool]:
    """Write ROLLBACK and a Sync without waiting for the answer (the pool's reset of a
    connection it takes back: the server ends the transaction as soon as it reads it,
    and the answer is read at the next checkout by ``read_rollback``). False, having
    sent nothing, unless the connection is plainly in a transaction of corral's: outside
    one there is nothing to roll back, and psycopg's own ``rollback()`` handles the rest
    (a query still running, psycopg's transaction blocks, two-phase commits)."""
    pgconn = connection.pgconn
    if (
        pgconn.transaction_status not in _IN_TRANSACTION
        or pgconn.pipeline_status
        # psycopg's own state, set per connection (absent: leave it to ``rollback()``)
        or getattr(connection, "_num_transactions", True)
        or getattr(connection, "_tpc", True)
        or getattr(connection, "_pipeline", True)
    ):
        return False
    _, _, _, _, _, send = _psycopg()
    pgconn.enter_pipeline_mode()
    try:
        pgconn.send_query_params(b"ROLLBACK", None)
        pgconn.pipeline_sync()
        yield from send(pgconn)
    except BaseException:
        _abandon(pgconn)
        raise
    return True


def rollback_unread(connection: Any) -> bool:
    """Whether ``send_rollback`` left an answer to read (libpq still in pipeline mode)."""
    return bool(connection.pgconn.pipeline_status)


def read_rollback(connection: Any) -> Generator[Any, Any, None]:
    """Read the answer ``send_rollback`` left, then do what psycopg's ``rollback()`` does
    after its ROLLBACK (forget the statements it counted or prepared); psycopg's error if
    the ROLLBACK failed (the connection is then not fit to reuse)."""
    _, errors, pq, _, fetch_many, _ = _psycopg()
    pgconn = connection.pgconn
    try:
        # What has arrived (usually all of it, by the next checkout) is read without a
        # wait on the socket; fetch_many waits only for the rest.
        pgconn.consume_input()
        rolled_back = yield from fetch_many(pgconn)
        synced = yield from fetch_many(pgconn)
        # A server session ended while the connection sat in the pool has sent its last
        # message and closed the socket: reading again finds that now (psycopg raises
        # OperationalError), so the pool opens a new connection instead of handing it out.
        pgconn.consume_input()
    except BaseException:
        _abandon(pgconn)
        raise
    pgconn.exit_pipeline_mode()
    if len(synced) != 1 or synced[0].status != pq.ExecStatus.PIPELINE_SYNC:
        raise errors.InternalError("the answer to a ROLLBACK sent at check-in was out of order")
    for result in rolled_back:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=pgconn._encoding)
    connection._prepared.clear()
    yield from connection._prepared.maintain_gen(connection)


def _abandon(pgconn: Any) -> None:
    """Close a connection whose pipeline was not read to its end (interrupted, or the
    server went away): libpq would stay in pipeline mode with results pending."""
    from psycopg import pq

    if pgconn.status == pq.ConnStatus.OK and pgconn.pipeline_status != pq.PipelineStatus.OFF:
        try:
            pgconn.exit_pipeline_mode()
        except Exception:  # results left unread: the connection's state is unknown
            pgconn.finish()
