"""MariaDB/MySQL through aiomysql (PyMySQL's protocol code driven by asyncio).

Errors are PyMySQL's classes, so the sync dialect's classification applies
as is. The connection runs in autocommit mode; corral sends BEGIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from corral.dialects.mysql import galera
from corral.dialects.mysql.base import (
    COM_QUERY,
    PYMYSQL_ROLLBACK_STEPS,
    MariaDBDialect,
    MySQLDialect,
)
from corral.engine.async_bridge import (
    AsyncDriverConnection,
    AsyncDriverStream,
    CursorData,
    CursorStream,
)
from corral.engine.async_dialect import AsyncDialect
from corral.engine.network import pop_tcp_settings

#: PyMySQL's SERVER_STATUS_IN_TRANS flag.
_IN_TRANSACTION = 1


@cache
def _rollback_splits() -> bool:
    """Whether aiomysql's ``Connection.rollback()`` is still its two steps (sending, then
    reading the OK packet), which the pool's reset takes one at a time."""
    import aiomysql  # type: ignore[import-untyped]

    return all(hasattr(aiomysql.Connection, step) for step in PYMYSQL_ROLLBACK_STEPS)


class AiomysqlConnection(AsyncDriverConnection):
    """An ``aiomysql.Connection``."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def execute(self, sql: str, args: Any, many: bool) -> CursorData:
        cursor = await self.raw.cursor()
        try:
            if many:
                await cursor.executemany(sql, args)
            else:
                await cursor.execute(sql, args)
            description = cursor.description
            rows = list(await cursor.fetchall()) if description is not None else []
            return CursorData(description, rows, cursor.rowcount, cursor.lastrowid)
        finally:
            await cursor.close()

    async def open_stream(self, sql: str, args: Any) -> AsyncDriverStream:
        """aiomysql's unbuffered cursor: rows are read off the socket as they are fetched."""
        import aiomysql

        cursor = await self.raw.cursor(aiomysql.SSCursor)
        try:
            await cursor.execute(sql, args)
        except BaseException:
            await cursor.close()
            raise
        return CursorStream(cursor, exclusive=True)

    async def commit(self) -> None:
        await self.raw.commit()

    async def rollback(self) -> None:
        if self.raw.server_status & _IN_TRANSACTION:
            await self.raw.rollback()

    async def reset(self) -> bool:
        """aiomysql's ``rollback()`` split in two: the ROLLBACK written here, its OK packet
        read by ``settle`` at the next checkout (the server ends the transaction, and lets
        go of its locks, on reading it)."""
        raw = self.raw
        if not raw.server_status & _IN_TRANSACTION:
            return False
        if not _rollback_splits():
            await raw.rollback()
            return False
        await raw._execute_command(COM_QUERY, "ROLLBACK")
        return True

    async def settle(self) -> None:
        raw = self.raw
        await raw._read_ok_packet()
        reader = getattr(raw, "_reader", None)
        if reader is not None and reader.at_eof():
            # The server closed the connection while it sat in the pool (after answering):
            # the pool replaces it now, before a statement finds it dead.
            from pymysql.err import OperationalError

            raise OperationalError(2013, "Lost connection to server while in the pool")

    async def close(self) -> None:
        await self.raw.ensure_closed()

    def terminate(self) -> None:
        self.raw.close()

    async def ping(self) -> bool:
        try:
            await self.raw.ping(reconnect=False)
        except Exception:
            return False
        return True


class AiomysqlDialect(AsyncDialect, MySQLDialect):
    """MySQL through aiomysql (``mysql+aiomysql://``)."""

    driver = "pymysql"  # its errors and converters are PyMySQL's
    driver_extra = "aiomysql"
    async_driver = "aiomysql"
    async_extra = "aiomysql"

    def connect_keywords(self) -> frozenset[str] | None:
        return None  # aiomysql judges its keywords when connecting

    def resets_without_waiting(self) -> bool:
        return _rollback_splits()  # AiomysqlConnection.reset

    async def connect_async(self, connect_args: Mapping[str, Any]) -> AsyncDriverConnection:
        import aiomysql

        args = dict(connect_args)
        pop_tcp_settings(args)
        galera.apply_sync_wait(args)
        if "database" in args:
            args["db"] = args.pop("database")
        args.pop("binary_prefix", None)
        args["autocommit"] = True
        return AiomysqlConnection(await aiomysql.connect(**args))


class AiomysqlMariaDBDialect(AsyncDialect, MariaDBDialect):
    """MariaDB through aiomysql (``mariadb+aiomysql://``)."""

    driver = "pymysql"
    driver_extra = "aiomysql"
    async_driver = "aiomysql"
    async_extra = "aiomysql"

    def connect_keywords(self) -> frozenset[str] | None:
        return None

    resets_without_waiting = AiomysqlDialect.resets_without_waiting
    connect_async = AiomysqlDialect.connect_async
