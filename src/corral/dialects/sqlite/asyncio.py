"""SQLite through aiosqlite (sqlite3 run in aiosqlite's own thread, awaited on the loop).

Errors are sqlite3's, so the sync dialect's classification applies as is.
A memory database lives as long as its one connection: the async engine
gives it a pool of one.

Each aiosqlite call is a round trip to its thread and back (a queue put, the thread
woken, the answer handed to the loop with ``call_soon_threadsafe``). A statement
through aiosqlite's public calls takes three: execute, fetchall, close the cursor
(four after a BEGIN). Here the whole statement, BEGIN included, is one function run
in aiosqlite's thread (``Connection._execute``, the step every aiosqlite call is made
of): one round trip.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

from corral.dialects.sqlite.base import SQLiteDialect
from corral.engine.async_bridge import (
    AsyncDriverConnection,
    AsyncDriverStream,
    CursorData,
    CursorStream,
)
from corral.engine.async_dialect import AsyncDialect


def run_statement(raw: Any, begin: str | None, sql: str, args: Any, many: bool) -> CursorData:
    """In aiosqlite's thread: ``begin`` (if any), the statement, its rows read and its
    cursor closed."""
    connection = raw._conn
    if begin is not None:
        connection.execute(begin)
    if many:
        cursor = connection.executemany(sql, args)
    else:
        cursor = connection.execute(sql, () if args is None else args)
    try:
        description = cursor.description
        rows = cursor.fetchall() if description is not None else []
        return CursorData(description, rows, cursor.rowcount, cursor.lastrowid)
    finally:
        cursor.close()


class AiosqliteConnection(AsyncDriverConnection):
    """An ``aiosqlite.Connection``."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        #: aiosqlite's step that runs a function in its thread (None: an aiosqlite
        #: without it, whose public calls are used instead).
        self._in_thread = getattr(raw, "_execute", None)
        _open_connections.add(self)

    async def execute(self, sql: str, args: Any, many: bool) -> CursorData:
        in_thread = self._in_thread
        if in_thread is not None:
            data: CursorData = await in_thread(run_statement, self.raw, None, sql, args, many)
            return data
        return await self._execute_public(sql, args, many)

    async def execute_after_begin(self, begin: str, sql: str, args: Any, many: bool) -> CursorData:
        in_thread = self._in_thread
        if in_thread is not None:
            data: CursorData = await in_thread(run_statement, self.raw, begin, sql, args, many)
            return data
        await self._execute_public(begin, None, False)
        return await self._execute_public(sql, args, many)

    async def _execute_public(self, sql: str, args: Any, many: bool) -> CursorData:
        if many:
            cursor = await self.raw.executemany(sql, args)
        else:
            cursor = await self.raw.execute(sql, () if args is None else args)
        try:
            description = cursor.description
            rows = list(await cursor.fetchall()) if description is not None else []
            return CursorData(description, rows, cursor.rowcount, cursor.lastrowid)
        finally:
            await cursor.close()

    async def open_stream(self, sql: str, args: Any) -> AsyncDriverStream:
        """sqlite3's cursor steps through the result as rows are fetched."""
        return CursorStream(await self.raw.execute(sql, () if args is None else args))

    async def commit(self) -> None:
        if self.raw.in_transaction:
            await self.raw.commit()

    async def rollback(self) -> None:
        if self.raw.in_transaction:
            await self.raw.rollback()

    async def close(self) -> None:
        _open_connections.discard(self)
        await self.raw.close()

    def terminate(self) -> None:
        """Stop aiosqlite's thread, which closes the connection there. ``stop()`` is called
        from a short-lived thread with no event loop, so aiosqlite's thread has no future to
        answer: the loop that would get the answer may be closed by then (a connection
        dropped when a second ``asyncio.run`` takes the engine over)."""
        _open_connections.discard(self)
        stopper = threading.Thread(target=self.raw.stop, name="corral-aiosqlite-stop")
        stopper.start()
        stopper.join()


#: aiosqlite connections not closed yet. Each runs a thread of aiosqlite's that is not a
#: daemon, and the interpreter waits for such threads before it exits: a connection left
#: open when its event loop ended (an error escaped ``asyncio.run()`` with the engine not
#: disposed) would keep the program from ever exiting.
_open_connections: weakref.WeakSet[AiosqliteConnection] = weakref.WeakSet()


def _stop_left_open() -> None:
    """At interpreter exit, before the wait for non-daemon threads: stop what is still open."""
    for connection in list(_open_connections):
        connection.terminate()


# threading's own exit hook runs before the interpreter joins non-daemon threads (atexit
# runs after, too late); concurrent.futures stops its workers the same way.
getattr(threading, "_register_atexit", lambda hook: None)(_stop_left_open)


class AiosqliteDialect(AsyncDialect, SQLiteDialect):
    """SQLite through aiosqlite (``sqlite+aiosqlite://``)."""

    driver = "sqlite3"
    driver_extra = "aiosqlite"  # type: ignore[assignment]
    async_driver = "aiosqlite"
    async_extra = "aiosqlite"

    async def connect_async(self, connect_args: Mapping[str, Any]) -> AsyncDriverConnection:
        import aiosqlite

        args = dict(connect_args)
        database = args.pop("database")
        args["isolation_level"] = None
        raw = await aiosqlite.connect(database, **args)
        return AiosqliteConnection(raw)
