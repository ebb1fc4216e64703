"""The asyncio executor: a sync ``Connection``'s statements and transaction control run
on the event loop, the driver call awaited directly (no worker thread).

Everything around a driver call is the sync engine's and free of I/O: compiling
and the Result (``compiled_call.py``), the transaction bookkeeping (``_prepare``
leaves BEGIN to go out with the statement: ``AsyncDialect.begins_with_statement``),
error translation and counting (``Meter.count``). Only the driver call differs:
``await driver.execute(...)`` here, ``bridge.call(...)`` from a worker thread.

``native(connection)`` says when this applies: a connection of an async engine with
no event listeners (they are sync code that may run statements), no session deadline
and no ``echo="debug"``; anything else goes through the thread bridge
(``corral.ext.asyncio.runner``), as do streamed results and executemany with
RETURNING rows per set.

Transaction control (commit, rollback, savepoints) runs the sync bookkeeping on the
loop with the connection *collecting* its driver calls (``BridgedConnection.collect``),
then awaits them in order; those calls return nothing the bookkeeping reads.

A driver call is shielded from cancellation: it runs to its end (the connection must
not be left mid-statement), then the ``CancelledError`` reaches the caller, whose
clean-up rolls back and gives the connection back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any, TypeVar, cast

from corral import exc
from corral.engine import insert_many, update_many
from corral.engine.async_bridge import (
    RELEASE,
    BridgedCheckout,
    BridgedConnection,
    BridgedCursor,
)
from corral.engine.compiled_call import compile_call, result_of, rows_of
from corral.engine.connection_state import ConnectionState
from corral.engine.log import log_statement, logger
from corral.engine.result import Result
from corral.engine.returning_many import wants_rows_per_set
from corral.pool import forking
from corral.sql.execution_options import STREAMING_OPTIONS, check_call_options

if TYPE_CHECKING:
    from corral.engine.base import Connection

T = TypeVar("T")


def native(connection: Connection) -> bool:
    """Whether ``connection``'s calls can run on the loop (see the module docstring)."""
    return (
        isinstance(connection._pooled, BridgedCheckout)
        and connection._state is ConnectionState.OPEN
        and connection._dbapi is not None
        and not connection.dispatch.listening
        and connection._meter.deadline is None
        and connection.engine.echo != "debug"
        and connection._forks == forking.generation
    )


async def deliver_pending_cancel() -> None:
    """Let a cancellation already asked of this task land here, before a call starts:
    a call run on the loop may do all its work before its first real suspension, so
    a task cancelled before the call would otherwise see it through."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        await asyncio.sleep(0)


class HeldFuture(asyncio.Future[None]):
    """A future a driver call waits on while it holds back the task's cancellation itself
    (it goes on to its end, then raises ``CancelledError``): ``finish`` sees the call
    safe and runs it in the calling task, no ``RunToEnd`` task of its own."""


class RunToEnd(asyncio.Task[T]):
    """A task that lets the first request to cancel it pass: the task awaiting it is
    cancelled once its coroutine ended (the driver call is not left half-done); a second
    request (``asyncio.run`` cancelling every task at exit, say) interrupts it."""

    _refused = False

    def cancel(self, msg: Any = None) -> bool:
        if self._refused:
            return super().cancel(msg)
        # False: the awaiting task, asked to cancel, waits for this one to end, then
        # raises CancelledError (asyncio's contract for a waiter that refuses).
        self._refused = True
        return False


async def finish(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` to its end even if the calling task is cancelled meanwhile
    (then raise ``CancelledError`` after it finished)."""
    if isinstance(awaitable, Coroutine):
        # Its first step runs here: a call that ends without waiting (giving back a
        # connection with nothing to roll back) needs no task. One that waits goes on in
        # a task: two loop iterations (start the task, wake the caller), not shield()'s.
        try:
            waiting = awaitable.send(None)
        except StopIteration as done:
            return cast(T, done.value)
        if type(waiting) is HeldFuture:  # the call ends what it began by itself
            return await _resumed(awaitable, waiting)
        return await RunToEnd(_resumed(awaitable, waiting))
    task = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await task
        raise


@types.coroutine
def _resumed(coroutine: Coroutine[Any, Any, T], waiting: Any) -> Generator[Any, Any, T]:
    """The rest of ``coroutine``, suspended on ``waiting`` (what its first step yielded):
    what it awaits is awaited, what the task is sent or thrown goes on to it."""
    while True:
        try:
            sent = yield waiting
        except BaseException as error:
            try:
                waiting = coroutine.throw(error)
            except StopIteration as done:
                return cast(T, done.value)
        else:
            try:
                waiting = coroutine.send(sent)
            except StopIteration as done:
                return cast(T, done.value)


async def execute(
    connection: Connection,
    statement: Any,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    execution_options: Mapping[str, Any] | None = None,
) -> Result | None:
    """``connection.execute(...)`` with the driver call awaited; None when this statement
    needs the thread bridge (nothing was done then)."""
    if execution_options:
        if any(key in STREAMING_OPTIONS for key in execution_options):
            return None
        check_call_options(
            execution_options, "Connection.execute(execution_options=)", STREAMING_OPTIONS
        )
    if not native(connection):
        return None
    call = compile_call(connection, statement, parameters)
    if call.buffer is not None or (call.many and wants_rows_per_set(call.compiled)):
        return None
    compiled = call.compiled
    if call.many and compiled.many_values is not None:
        return await _many_rows(connection, compiled.many_values, call.args, call.write_lock)
    many_update = compiled.many_update
    if call.many and many_update is not None and update_many.applies(call.args, many_update[3]):
        parts = many_update[:3]
        return await _many_rows(connection, parts, call.args, call.write_lock, "update")
    cursor = await cursor_execute(
        connection, compiled.sql, call.args, call.many, call.write_lock, compiled.kind
    )
    return result_of(connection, call, cursor)


async def execute_rows(
    connection: Connection, statement: Any, parameters: Mapping[str, Any] | None
) -> list[Any] | None:
    """``(await execute(connection, statement, parameters)).raw_rows()`` of a SELECT run
    once, without building its Result (the ORM's get(), as ``Connection._execute_rows``);
    None when it needs the thread bridge (nothing was done then)."""
    if not native(connection):
        return None
    call = compile_call(connection, statement, parameters)
    if call.many or call.buffer is not None:
        return None
    compiled = call.compiled
    cursor = await cursor_execute(
        connection, compiled.sql, call.args, False, call.write_lock, compiled.kind
    )
    return rows_of(connection, call, cursor)


async def _many_rows(
    connection: Connection,
    parts: tuple[str, str, str],
    args: Any,
    write_lock: bool,
    kind: str = "insert",
) -> Result:
    """``insert_many.execute_many_rows`` with each multi-row statement awaited (its SQL in
    the database's own placeholders where the driver takes them, written once a chunk
    size: ``native(connection)`` has already said no listener would see it)."""
    driver = cast(BridgedConnection, connection._dbapi).driver
    natives: dict[str, str | None] = {}
    rowcount = 0
    for sql, flat in insert_many.statements(connection, parts, args):
        if sql not in natives:
            natives[sql] = driver.native_placeholders(sql)
        native = natives[sql]
        if native is None:
            cursor = await cursor_execute(connection, sql, flat, False, write_lock, kind)
        else:
            cursor = await cursor_execute(
                connection, native, flat, False, write_lock, kind, native=True
            )
        rowcount += max(cursor.rowcount, 0)
        cursor.close()
        write_lock = False
    return Result(None, (), rowcount=rowcount)


async def execute_then_commit(
    connection: Connection, statement: Any, parameters: Mapping[str, Any]
) -> Result | None:
    """``connection._execute_then_commit(...)`` with the driver call awaited: the
    statement and the COMMIT of the root transaction written at once. None where they
    cannot be (nothing was done then: the caller executes and commits as usual), also
    when the server has closed the connection (the plain path meets that as it would
    have; here a lost connection would leave the COMMIT's outcome unknown)."""
    if not native(connection) or not connection._may_commit_with_statement():
        return None
    driver = cast(BridgedConnection, connection._dbapi).driver
    if not driver.commits_with_statement() or driver.closed_by_server() is not None:
        return None
    call = compile_call(connection, statement, parameters)
    if call.many or call.buffer is not None:
        return None
    compiled = call.compiled
    cursor = await cursor_execute(
        connection, compiled.sql, call.args, False, call.write_lock, compiled.kind, commit=True
    )
    return result_of(connection, call, cursor)


async def cursor_execute(
    connection: Connection,
    sql: str,
    args: Any,
    many: bool,
    write_lock: bool,
    kind: str,
    *,
    commit: bool = False,
    native: bool = False,
) -> BridgedCursor:
    """The statement run on a cursor whose rows are read: ``Connection._cursor_execute``
    with its driver call awaited; ``commit``: with the root transaction's COMMIT behind
    it (``execute_then_commit``); ``native``: ``sql`` from the driver's
    ``native_placeholders``."""
    if connection._state is ConnectionState.CLOSED:
        raise exc.ResourceClosedError(
            "This Connection is closed; get a new one with engine.connect()"
        )
    dbapi: BridgedConnection = connection._prepare(write_lock, sql=(kind, sql))
    begin, connection._unsent_begin = connection._unsent_begin, None
    if connection.engine.echo or logger.isEnabledFor(logging.INFO):
        log_statement(sql, args, connection.dialect.hide_parameters)
    driver = dbapi.driver
    meter = connection._meter
    refused: BaseException | None = None
    started = perf_counter()
    try:
        if commit:
            controls = () if begin is None else (begin,)
            data, refused = await finish(driver.execute_then_commit(controls, sql, args))
        elif native:
            data = await finish(driver.execute_native(begin, sql, args))
        elif begin is None:
            data = await finish(driver.execute(sql, args, many))
        else:
            data = await finish(driver.execute_after_begin(begin, sql, args, many))
    except asyncio.CancelledError:
        connection._work_done = True
        raise
    except Exception as error:
        connection._work_done = True
        meter.count(connection.dialect, begin, sql, args, many, perf_counter() - started)
        # (with a COMMIT written, a lost connection leaves its outcome unknown)
        translated = connection._translate(error, sql, args, during_commit=commit)
        raise meter.failed(translated) from error
    meter.count(connection.dialect, begin, sql, args, many, perf_counter() - started)
    connection._work_done = True
    cursor = BridgedCursor(dbapi)
    cursor._take(data)
    if commit:
        meter.count_commit()
        connection._finish_committed(refused is None)
        if refused is not None:
            translated = connection._translate(refused, "COMMIT", None, during_commit=True)
            await _clean_up_failed_commit(connection, dbapi)
            raise translated from refused
    return cursor


async def control(connection: Connection, step: Callable[[], T], *, commit: bool = False) -> T:
    """Run ``step`` (a commit, rollback or savepoint call of ``connection``) on the loop,
    then await the driver calls it made, in order.

    ``commit``: a failure of the last call is a failed COMMIT: the connection is rolled
    back (as the sync connection does) and the error raised as it would raise it.
    """
    dbapi = connection._dbapi
    if not isinstance(dbapi, BridgedConnection):  # invalidated: nothing left to await
        return step()
    calls: list[tuple[str, Coroutine[Any, Any, Any]]] = []
    dbapi.collecting = calls
    try:
        outcome = step()
    finally:
        dbapi.collecting = None
    for index, (sql, call) in enumerate(calls):
        if sql == RELEASE:
            with contextlib.suppress(Exception):  # a connection that fails is dropped
                await finish(call)
            continue
        try:
            await finish(call)
        except asyncio.CancelledError:
            await _release_only(calls[index + 1 :])
            raise
        except Exception as error:
            translated = connection._translate(error, sql, None, during_commit=commit)
            if commit:
                await _clean_up_failed_commit(connection, dbapi)
            await _release_only(calls[index + 1 :])
            raise translated from error
    return outcome


async def _clean_up_failed_commit(connection: Connection, dbapi: BridgedConnection) -> None:
    """After a failed COMMIT, a connection that lives has nothing left open (as the sync
    connection makes sure); one that cannot roll back is dropped."""
    if connection._dbapi is None:
        return
    try:
        await finish(dbapi.driver.rollback())
    except Exception as cleanup_error:
        connection.invalidate(cleanup_error)


async def _release_only(calls: list[tuple[str, Coroutine[Any, Any, Any]]]) -> None:
    """After a failed call: skip the statements left, still give the connection back."""
    for sql, call in calls:
        if sql == RELEASE:
            with contextlib.suppress(Exception):
                await finish(call)
        else:
            close = getattr(call, "close", None)
            if close is not None:
                close()
