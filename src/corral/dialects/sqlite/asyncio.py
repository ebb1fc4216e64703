"""SQLite through aiosqlite (sqlite3 run in aiosqlite's own thread, awaited on the loop).

Errors are sqlite3's, so the sync dialect's classification applies as is.
A memory database lives as long as its one connection: the async engine
gives it a pool of one.
"""

from __future__ import annotations

import threading
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


class AiosqliteConnection(AsyncDriverConnection):
    """An ``aiosqlite.Connection``."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def execute(self, sql: str, args: Any, many: bool) -> CursorData:
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
        await self.raw.close()

    def terminate(self) -> None:
        """Stop aiosqlite's thread, which closes the connection there. ``stop()`` is called
        from a short-lived thread with no event loop, so aiosqlite's thread has no future to
        answer: the loop that would get the answer may be closed by then (a connection
        dropped when a second ``asyncio.run`` takes the engine over)."""
        stopper = threading.Thread(target=self.raw.stop, name="corral-aiosqlite-stop")
        stopper.start()
        stopper.join()


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
