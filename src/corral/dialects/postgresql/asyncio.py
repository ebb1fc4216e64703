"""PostgreSQL through asyncio drivers: psycopg 3's ``AsyncConnection`` and asyncpg.

Both keep the connection in autocommit mode and let corral send BEGIN, as the
sync dialect does. asyncpg takes ``$1`` placeholders: the ``%s`` ones corral
compiles for PostgreSQL are rewritten once per statement text and cached,
with the prepared statement, per connection.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import types
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from corral.dialects.postgresql import pipeline
from corral.dialects.postgresql.async_wait import run_to_end
from corral.dialects.postgresql.base import COMMIT, IDLE, PostgreSQLDialect
from corral.dialects.postgresql.features import FEATURES
from corral.engine.async_bridge import (
    AsyncDriverConnection,
    AsyncDriverStream,
    BridgedCursor,
    CursorData,
    CursorStream,
)
from corral.engine.async_dialect import AsyncDialect
from corral.util.gc_pause import PAUSE_AT, collector_pause

#: Without psycopg's pipelined executemany, RETURNING rows of many sets come from one
#: multi-row INSERT.
ASYNC_FEATURES = dataclasses.replace(FEATURES, executemany_returning="multi_values")


class PsycopgAsyncConnection(AsyncDriverConnection):
    """A ``psycopg.AsyncConnection``."""

    def __init__(self, raw: Any, writes_at_once: bool) -> None:
        import psycopg

        self.raw = raw
        #: psycopg's own cursor class, which ``pipeline.exchange`` can drive.
        self._plain_cursor = psycopg.AsyncCursor
        #: psycopg's cursor that sends ``$n`` SQL as it is (psycopg 3.2 and later), or None.
        self._raw_cursor: Any = getattr(psycopg, "AsyncRawCursor", None)
        self._streams = itertools.count(1)
        #: Whether ``pipeline.exchange`` can drive this psycopg's cursors.
        self.writes_at_once = writes_at_once

    async def open_stream(self, sql: str, args: Any) -> AsyncDriverStream:
        """A named (server-side) cursor: DECLARE, then FETCH a batch at a time."""
        cursor = self.raw.cursor(name=f"corral_stream_{next(self._streams)}")
        try:
            await cursor.execute(sql, args)
        except BaseException:
            await cursor.close()
            raise
        return CursorStream(cursor)

    async def execute(self, sql: str, args: Any, many: bool) -> CursorData:
        return await self._run(self.raw.cursor(), None, sql, args, many)

    async def execute_after_begin(self, begin: str, sql: str, args: Any, many: bool) -> CursorData:
        return await self._run(self.raw.cursor(), begin, sql, args, many)

    def native_placeholders(self, sql: str) -> str | None:
        """``$1, $2, ...`` for psycopg's ``AsyncRawCursor``, as the sync dialect's
        ``native_placeholders``: psycopg parses no multi-row INSERT's thousands of ``%s``."""
        if self._raw_cursor is None:
            return None
        return pipeline.dollar_placeholders(sql)

    async def execute_native(self, begin: str | None, sql: str, args: Any) -> CursorData:
        return await self._run(self._raw_cursor(self.raw), begin, sql, args, False)

    async def _run(
        self, cursor: Any, begin: str | None, sql: str, args: Any, many: bool
    ) -> CursorData:
        """The statement on ``cursor`` (closed after), its rows read. After a ``begin``,
        BEGIN and the statement go in one round trip: written at once
        (``pipeline.py``), or through psycopg's pipeline mode for an executemany."""
        raw = self.raw
        try:
            if begin is None:
                if many:
                    await cursor.executemany(sql, args)
                else:
                    await cursor.execute(sql, args)
            elif not many and self.writes_at_once and pipeline.plain_cursor(cursor):
                async with raw.lock:
                    exchange = pipeline.exchange(cursor, (begin,), sql, args)
                    await run_to_end(exchange, raw.pgconn.socket)
            else:
                async with raw.pipeline():
                    await raw.execute(begin)
                    if many:
                        await cursor.executemany(sql, args)
                    else:
                        await cursor.execute(sql, args)
            return await read_all(cursor)
        finally:
            await cursor.close()

    def commits_with_statement(self) -> bool:
        return self.writes_at_once and self.raw.cursor_factory is self._plain_cursor

    async def execute_then_commit(
        self, controls: Sequence[str], sql: str, args: Any
    ) -> tuple[CursorData, BaseException | None]:
        """One pipeline, as the sync dialect's ``do_execute_then_commit``."""
        raw = self.raw
        cursor = raw.cursor()
        try:
            async with raw.lock:
                exchange = pipeline.exchange(cursor, controls, sql, args, COMMIT)
                refused = await run_to_end(exchange, raw.pgconn.socket)
            return await read_all(cursor), refused
        finally:
            await cursor.close()

    def closed_by_server(self) -> BaseException | None:
        return pipeline.closed_by_server(self.raw)

    async def commit(self) -> None:
        raw = self.raw
        if not self.writes_at_once:
            await raw.commit()
            return
        async with raw.lock:
            await run_to_end(raw._commit_gen(), raw.pgconn.socket)

    async def rollback(self) -> None:
        raw = self.raw
        if raw.pgconn.transaction_status == IDLE:
            return  # nothing open (the pool's reset after a session's ROLLBACK): no lock taken
        if not self.writes_at_once:
            await raw.rollback()
            return
        async with raw.lock:
            await run_to_end(raw._rollback_gen(), raw.pgconn.socket)

    async def reset(self) -> bool:
        """ROLLBACK written without waiting for its answer (``pipeline.send_rollback``);
        ``settle`` reads it at the next checkout."""
        raw = self.raw
        if raw.pgconn.transaction_status == IDLE:
            return False
        if self.writes_at_once:
            async with raw.lock:
                if await run_to_end(pipeline.send_rollback(raw), raw.pgconn.socket):
                    return True
        await self.rollback()
        return False

    async def settle(self) -> None:
        raw = self.raw
        if self.writes_at_once and pipeline.rollback_unread(raw):
            async with raw.lock:
                await run_to_end(pipeline.read_rollback(raw), raw.pgconn.socket)

    async def close(self) -> None:
        await self.raw.close()

    def terminate(self) -> None:
        self.raw.pgconn.finish()


async def read_all(cursor: Any) -> CursorData:
    """The rows of the cursor's current result, already received: built with the
    collector paused when there are many, as the sync engine builds them."""
    description = cursor.description
    if description is None:
        return CursorData(None, [], cursor.rowcount)
    if cursor.rowcount < PAUSE_AT:
        return CursorData(description, await cursor.fetchall(), cursor.rowcount)
    with collector_pause:
        rows = await cursor.fetchall()
    return CursorData(description, rows, cursor.rowcount)


class PsycopgAsyncDialect(AsyncDialect, PostgreSQLDialect):
    """PostgreSQL through psycopg 3's asyncio connection (``postgresql+psycopg_async://``)."""

    driver = "psycopg"
    features = ASYNC_FEATURES
    async_driver = "psycopg"
    async_extra = "asyncio"
    pipelines_begin = True

    def resets_without_waiting(self) -> bool:
        return self.writes_pipeline_at_once()  # PsycopgAsyncConnection.reset

    def native_placeholders(self, sql: str) -> str | None:
        """As the sync dialect's, for the statements of sync code in a worker thread (an
        AsyncSession's ORM bulk INSERT): they go to psycopg's ``AsyncRawCursor`` too."""
        return PostgreSQLDialect.native_placeholders(self, sql)

    def native_cursor(self, dbapi_connection: Any) -> Any:
        return BridgedCursor(dbapi_connection, native=True)

    async def connect_async(self, connect_args: Mapping[str, Any]) -> AsyncDriverConnection:
        import psycopg

        args = dict(connect_args)
        args["autocommit"] = True
        raw = await psycopg.AsyncConnection.connect(**args)
        return PsycopgAsyncConnection(raw, self.writes_pipeline_at_once())


#: Statements asyncpg runs with its simple protocol (no prepare, no parameters).
_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|START)\b", re.I)
#: Prepared statements kept per connection.
STATEMENT_CACHE_SIZE = 200


class AsyncpgConnection(AsyncDriverConnection):
    """An ``asyncpg.Connection``, with its prepared statements cached by SQL text."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self._statements: OrderedDict[str, tuple[Any, tuple[tuple[Any, ...], ...] | None]] = (
            OrderedDict()
        )

    async def _prepared(self, sql: str) -> tuple[Any, tuple[tuple[Any, ...], ...] | None]:
        entry = self._statements.get(sql)
        if entry is not None:
            self._statements.move_to_end(sql)
            return entry
        statement = await self.raw.prepare(pipeline.dollar_placeholders(sql))
        attributes = statement.get_attributes()
        description = (
            tuple((a.name, a.type.oid, None, None, None, None, None) for a in attributes)
            if attributes
            else None
        )
        entry = (statement, description)
        self._statements[sql] = entry
        if len(self._statements) > STATEMENT_CACHE_SIZE:
            self._statements.popitem(last=False)
        return entry

    async def execute(self, sql: str, args: Any, many: bool) -> CursorData:
        if not args and not many and _CONTROL.match(sql):
            await self.raw.execute(sql.replace("%%", "%"))
            return CursorData()
        statement, description = await self._prepared(sql)
        if many:
            await statement.executemany([tuple(a) for a in args])
            return CursorData()
        records = await statement.fetch(*(args or ()))
        rows = records  # asyncpg Records index and unpack like tuples
        return CursorData(description, rows, _rowcount(statement.get_statusmsg(), len(rows)))

    async def open_stream(self, sql: str, args: Any) -> AsyncDriverStream:
        """An asyncpg cursor (a portal) of the prepared statement, fetched in batches."""
        statement, description = await self._prepared(sql)
        return AsyncpgStream(await statement.cursor(*(args or ())), description)

    async def commit(self) -> None:
        if self.raw.is_in_transaction():
            await self.raw.execute("COMMIT")

    async def rollback(self) -> None:
        if self.raw.is_in_transaction():
            await self.raw.execute("ROLLBACK")

    async def close(self) -> None:
        await self.raw.close()

    def terminate(self) -> None:
        self.raw.terminate()


class AsyncpgStream(AsyncDriverStream):
    """An asyncpg cursor; it ends with the transaction (asyncpg has no close for it)."""

    def __init__(self, cursor: Any, description: Any) -> None:
        self.cursor = cursor
        self.description = description

    async def fetchmany(self, size: int) -> list[Any]:
        return list(await self.cursor.fetch(size))

    async def close(self) -> None:
        self.cursor = None


def _rowcount(status: str | None, rows: int) -> int:
    """The row count in a command tag (``UPDATE 3``, ``INSERT 0 1``), else the rows read."""
    if not status:
        return rows
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else rows


class AsyncpgDialect(AsyncDialect, PostgreSQLDialect):
    """PostgreSQL through asyncpg (``postgresql+asyncpg://``)."""

    driver = "asyncpg"
    driver_extra = "asyncpg"
    features = ASYNC_FEATURES
    async_driver = "asyncpg"
    async_extra = "asyncpg"

    @property
    def dbapi(self) -> types.ModuleType:
        if self._dbapi is None:
            import asyncpg  # type: ignore[import-untyped]

            module = types.ModuleType("corral_asyncpg_errors")
            module.Error = (asyncpg.PostgresError, asyncpg.InterfaceError)  # type: ignore[attr-defined]
            self._dbapi = module
        return self._dbapi

    def is_dbapi_error(self, error: BaseException) -> bool:
        if isinstance(error, OverflowError | ConnectionError):
            return True
        return isinstance(error, self.dbapi.Error)

    def check_connect_args(self, args: Mapping[str, Any]) -> None:
        """asyncpg checks its own keywords when connecting."""

    async def connect_async(self, connect_args: Mapping[str, Any]) -> AsyncDriverConnection:
        import asyncpg

        args = dict(connect_args)
        translated: dict[str, Any] = {
            "host": args.pop("host", None),
            "port": args.pop("port", None),
            "user": args.pop("user", None),
            "password": args.pop("password", None),
            "database": args.pop("dbname", None),
            "timeout": float(args.pop("connect_timeout", 10)),
        }
        args.pop("autocommit", None)
        _split_host_lists(translated)
        for key in [k for k in args if k.startswith(("keepalives", "tcp_"))]:
            args.pop(key)  # libpq socket options; asyncpg has its own defaults
        translated.update(args)
        return AsyncpgConnection(
            await asyncpg.connect(**{k: v for k, v in translated.items() if v is not None})
        )


def _split_host_lists(args: dict[str, Any]) -> None:
    """libpq's comma-separated ``host`` and ``port`` lists (a multi-host URL) as the lists
    asyncpg takes; an empty port is PostgreSQL's default, 5432."""
    host, port = args.get("host"), args.get("port")
    if isinstance(host, str) and "," in host:
        args["host"] = host.split(",")
    if isinstance(port, str):
        ports = [int(p) if p else 5432 for p in port.split(",")]
        args["port"] = ports if len(ports) > 1 else ports[0]
