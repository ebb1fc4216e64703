"""Streamed results under asyncio: a statement's rows fetched from a server-side cursor
(``AsyncDriverConnection.open_stream``) a batch at a time, as an ``AsyncResult`` reads.

The Result is the sync engine's (``compiled_call.result_of``): it reads a
``StreamCursor`` whose buffer the async result fills before each read, by
awaiting the driver. A short read reaches the Result only at the true end of the
rows, so the Result's own bookkeeping (closing when exhausted) holds as is. The
connection stays checked out until the stream ends or is closed; where the driver
cannot run another statement meanwhile (MySQL's unbuffered result), it refuses them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from time import perf_counter
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.async_bridge import AsyncDriverStream, BridgedConnection
from corral.engine.async_execute import finish, native
from corral.engine.compiled_call import compile_call, result_of
from corral.engine.connection_state import ConnectionState
from corral.engine.log import log_statement, logger
from corral.engine.result import Result

if TYPE_CHECKING:
    from corral.engine.base import Connection

#: Rows fetched per round when the result does not say (``yield_per`` / ``max_row_buffer``).
DEFAULT_BATCH = 1000


class StreamCursor:
    """What the sync Result reads: the rows fetched so far from an open driver stream."""

    def __init__(
        self, stream: AsyncDriverStream, batch: int, on_error: Callable[[Exception], Any]
    ) -> None:
        self.stream: AsyncDriverStream | None = stream
        self.description = stream.description
        #: The connection runs no other statement until this stream ends (driver's say).
        self.exclusive = stream.exclusive
        self.rowcount = -1
        self.batch = batch
        self.buffer: list[Any] = []
        #: Every row was fetched from the driver.
        self.exhausted = False
        #: Called once with this cursor when the stream ends.
        self.on_end: Callable[[StreamCursor], None] | None = None
        self._on_error = on_error

    # -- read by the sync Result ------------------------------------------------

    def fetchmany(self, size: int) -> list[Any]:
        rows = self.buffer[:size]
        del self.buffer[:size]
        return rows

    def fetchall(self) -> list[Any]:
        rows, self.buffer = self.buffer, []
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def close(self) -> None:
        """The Result is done with the rows; ``end()`` closes the driver's cursor."""
        self.buffer = []
        self.exhausted = True

    # -- driven by the async result -----------------------------------------------

    async def fill(self, size: int | None) -> None:
        """Fetch until ``size`` rows are buffered (every row for None) or the rows end."""
        while not self.exhausted and (size is None or len(self.buffer) < size):
            stream = self.stream
            assert stream is not None
            want = self.batch if size is None else max(self.batch, size - len(self.buffer))
            try:
                rows = await finish(stream.fetchmany(want))
            except Exception as error:
                await self.end()
                raise self._on_error(error) from error
            self.buffer.extend(rows)
            if len(rows) < want:
                self.exhausted = True

    async def end(self) -> None:
        """Close the driver's cursor (once) and let the connection take statements again."""
        stream, self.stream = self.stream, None
        self.exhausted = True
        try:
            if stream is not None:
                await finish(stream.close())
        finally:
            on_end, self.on_end = self.on_end, None
            if on_end is not None:
                on_end(self)


async def open_stream(
    connection: Connection,
    statement: Any,
    parameters: Mapping[str, Any] | None,
    batch: int | None = None,
) -> tuple[Result, StreamCursor] | None:
    """The statement's Result over a server-side cursor; None when it needs the thread
    bridge (nothing was done then)."""
    if not native(connection):
        return None
    call = compile_call(connection, statement, parameters)
    if call.many:
        return None
    if connection._state is ConnectionState.CLOSED:
        raise exc.ResourceClosedError(
            "This Connection is closed; get a new one with engine.connect()"
        )
    compiled = call.compiled
    sql, args = compiled.sql, call.args
    dbapi: BridgedConnection = connection._prepare(call.write_lock, sql=(compiled.kind, sql))
    begin, connection._unsent_begin = connection._unsent_begin, None
    if connection.engine.echo or logger.isEnabledFor(logging.INFO):
        log_statement(sql, args, connection.dialect.hide_parameters)
    driver, meter, dialect = dbapi.driver, connection._meter, connection.dialect
    started = perf_counter()
    try:
        if begin is not None:  # a server-side cursor lives in a transaction: BEGIN first
            await finish(driver.execute(begin, None, False))
            meter.count(dialect, None, begin, None, False, perf_counter() - started)
            started = perf_counter()
        stream = await finish(driver.open_stream(sql, args))
    except Exception as error:
        connection._work_done = True
        raise meter.failed(connection._translate(error, sql, args)) from error
    finally:
        meter.count(dialect, None, sql, args, False, perf_counter() - started)
    connection._work_done = True
    on_error = lambda error: connection._translate(error, sql, args)  # noqa: E731
    cursor = StreamCursor(stream, batch or call.buffer or DEFAULT_BATCH, on_error)
    return result_of(connection, call, cursor), cursor
