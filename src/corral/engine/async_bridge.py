"""The bridge from corral's synchronous engine to an asyncio driver on an event loop.

An ``AsyncEngine`` keeps a plain ``Engine`` (its ``sync_engine``) whose DB-API
connections are ``BridgedConnection`` façades: each driver call they make is
a coroutine of the asyncio driver, submitted to the event loop and awaited
there while the calling (worker) thread waits. So corral's compiler,
transactions, error translation, results and the ORM run unchanged in a
worker thread, and all I/O happens on the loop, which never blocks.

Called from the loop's own thread (code that forgot an ``await``, a lazy load
in async code), a façade refuses at once with ``AwaitRequired`` instead of
blocking the loop. ``LoopPool`` is the sync engine's pool: it hands out
connections of the asyncio-native ``AsyncPool``, taking the one the async
caller reserved before leaving the loop when there is one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import time
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from corral import exc
from corral.pool.async_static import current_owner
from corral.pool.asyncio import AsyncPool, AsyncPooledConnection
from corral.pool.checkout_site import CheckoutSite, capture_site
from corral.pool.events import POOL_OF

T = TypeVar("T")

_running_loop = asyncio._get_running_loop


@dataclass(slots=True)
class CursorData:
    """What one statement returned: rows already read, and the cursor's counters."""

    description: Sequence[tuple[Any, ...]] | None = None
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rowcount: int = -1
    lastrowid: int | None = None


class AsyncDriverConnection(ABC):
    """One connection of an asyncio driver, behind the calls corral needs."""

    #: The driver's own connection object.
    raw: Any

    @abstractmethod
    async def execute(self, sql: str, args: Any, many: bool) -> CursorData: ...

    async def execute_after_begin(self, begin: str, sql: str, args: Any, many: bool) -> CursorData:
        """BEGIN, then the statement; a driver that can pipeline sends both at once."""
        await self.execute(begin, None, False)
        return await self.execute(sql, args, many)

    def native_placeholders(self, sql: str) -> str | None:
        """``sql`` with the database's own placeholders, for ``execute_native``; None where
        the driver has no cursor that takes them (``DefaultDialect.native_placeholders``)."""
        return None

    async def execute_native(self, begin: str | None, sql: str, args: Any) -> CursorData:
        """``sql`` from ``native_placeholders`` with its parameters a flat sequence, after
        ``begin`` if given (only where ``native_placeholders`` gives SQL)."""
        raise NotImplementedError

    def commits_with_statement(self) -> bool:
        """Whether ``execute_then_commit`` writes a statement and COMMIT at once."""
        return False

    async def execute_then_commit(
        self, controls: Sequence[str], sql: str, args: Any
    ) -> tuple[CursorData, BaseException | None]:
        """``controls`` (a BEGIN left to go with it), the statement and COMMIT, written
        at once (only where ``commits_with_statement()``): the statement's rows, and the
        COMMIT's error if the server refused it (the statement's own error is raised)."""
        raise NotImplementedError

    def closed_by_server(self) -> BaseException | None:
        """The driver's error if the server has already closed the connection, seen
        without waiting (``DefaultDialect.closed_by_server``); None where it cannot tell."""
        return None

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...

    async def reset(self) -> bool:
        """The pool's reset of a connection it takes back; True if the ROLLBACK's answer was
        left unread, for ``settle`` to read before the next checkout."""
        await self.rollback()
        return False

    async def settle(self) -> None:  # noqa: B027 (optional: most drivers leave nothing)
        """Read the answer ``reset`` left unread (nothing here)."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def terminate(self) -> Any:
        """Close without waiting; may return an awaitable to finish the close on the loop."""

    async def open_stream(self, sql: str, args: Any) -> AsyncDriverStream:
        """The statement run on a cursor that reads its rows as they are fetched (a
        server-side cursor where the database has one); inside a transaction."""
        raise NotImplementedError

    async def ping(self) -> bool:
        try:
            await self.execute("SELECT 1", None, False)
        except Exception:
            return False
        return True


class AsyncDriverStream(ABC):
    """An open cursor of an asyncio driver whose rows are fetched a batch at a time."""

    description: Sequence[tuple[Any, ...]] | None = None
    #: The connection can run no other statement until this cursor is read or closed
    #: (an unbuffered MySQL result); a server-side cursor of PostgreSQL, or SQLite's,
    #: lets other statements run meanwhile.
    exclusive = False

    @abstractmethod
    async def fetchmany(self, size: int) -> list[Any]: ...

    @abstractmethod
    async def close(self) -> None: ...


class CursorStream(AsyncDriverStream):
    """A driver cursor with awaitable ``fetchmany`` and ``close`` (psycopg's named cursor,
    aiomysql's unbuffered cursor, aiosqlite's cursor)."""

    def __init__(self, cursor: Any, *, exclusive: bool = False) -> None:
        self.cursor = cursor
        self.description = cursor.description
        self.exclusive = exclusive

    async def fetchmany(self, size: int) -> list[Any]:
        return list(await self.cursor.fetchmany(size))

    async def close(self) -> None:
        await self.cursor.close()


def refuse_on_loop(what: str) -> None:
    """Raise ``AwaitRequired`` when called from a thread running an event loop."""
    if _running_loop() is not None:
        raise exc.AwaitRequired(
            f"{what} needs the database, and was called from the event loop's thread without "
            "await: corral will not block the loop. In async code await the AsyncSession / "
            "AsyncConnection method instead, or run synchronous code with "
            "`await session.run_sync(fn)` / `await connection.run_sync(fn)`."
        )


class LoopBridge:
    """Runs a driver coroutine on ``loop`` from a worker thread and waits for its result."""

    __slots__ = ("loop",)

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        #: Set when the engine is first used on a loop (None while made outside one).
        self.loop = loop

    def call(self, coro: Coroutine[Any, Any, T], what: str = "This database call") -> T:
        if _running_loop() is not None:
            coro.close()
            refuse_on_loop(what)
        if self.loop is None:
            coro.close()
            raise exc.InvalidRequestError(
                "This AsyncEngine has not been used on an event loop yet; await its "
                "connect() / an AsyncSession call in a coroutine first"
            )
        loop = self.loop
        if loop.is_closed():
            coro.close()
            raise _loop_gone(what)
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        while True:
            try:
                return future.result(timeout=LOOP_CHECK_SECONDS)
            except concurrent.futures.TimeoutError:
                # A loop that stopped (asyncio.run() returned) never runs the call: a
                # worker thread waiting for it would hold the interpreter's exit forever.
                if loop.is_closed() or not loop.is_running():
                    future.cancel()
                    with contextlib.suppress(RuntimeError):  # not running: nothing to stop
                        coro.close()
                    raise _loop_gone(what) from None


#: How often a worker thread waiting on the loop checks that the loop still runs.
LOOP_CHECK_SECONDS = 0.5


def _loop_gone(what: str) -> exc.InvalidRequestError:
    return exc.InvalidRequestError(
        f"{what} was left waiting for the event loop of its AsyncEngine, which has stopped "
        "(its asyncio.run() returned or the loop was closed); run all of an AsyncEngine's "
        "work inside the loop it was first used on, and await it before the loop ends"
    )


class BridgedCursor:
    """A DB-API cursor whose statements run on the loop; rows are read there in full."""

    __slots__ = (
        "_conn",
        "_native",
        "_position",
        "_rows",
        "arraysize",
        "description",
        "lastrowid",
        "rowcount",
    )

    def __init__(self, connection: BridgedConnection, native: bool = False) -> None:
        self._conn = connection
        #: Its SQL comes from the driver's ``native_placeholders`` (``execute_native``).
        self._native = native
        self._rows: list[tuple[Any, ...]] = []
        self._position = 0
        self.description: Sequence[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def _take(self, data: CursorData) -> None:
        self.description = data.description
        self._rows = data.rows
        self._position = 0
        self.rowcount = data.rowcount
        self.lastrowid = data.lastrowid

    def execute(self, sql: str, args: Any = None) -> None:
        driver = self._conn.driver
        if self._native:
            self._take(self._conn._call(driver.execute_native(None, sql, args), sql))
        else:
            self._take(self._conn._call(driver.execute(sql, args, False), sql))

    def execute_after_begin(self, begin: str, sql: str, args: Any, many: bool) -> None:
        driver = self._conn.driver
        if self._native and not many:
            self._take(self._conn._call(driver.execute_native(begin, sql, args), sql))
        else:
            self._take(self._conn._call(driver.execute_after_begin(begin, sql, args, many), sql))

    def executemany(self, sql: str, args: Any) -> None:
        self._take(self._conn._call(self._conn.driver.execute(sql, list(args), True), sql))

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._position >= len(self._rows):
            return None
        row = self._rows[self._position]
        self._position += 1
        return row

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        size = self.arraysize if size is None else size
        start = self._position
        self._position = min(len(self._rows), start + size)
        return self._rows[start : self._position]

    def fetchall(self) -> list[tuple[Any, ...]]:
        start, self._position = self._position, len(self._rows)
        return self._rows[start:] if start else self._rows

    def __iter__(self) -> Any:
        return iter(self.fetchall())

    def nextset(self) -> None:
        return None

    def close(self) -> None:
        self._rows = []


class BridgedConnection:
    """A DB-API connection over an ``AsyncDriverConnection``, for the sync engine."""

    def __init__(self, driver: AsyncDriverConnection, bridge: LoopBridge) -> None:
        self.driver = driver
        self.bridge = bridge
        #: Set while the asyncio executor runs transaction control on the loop
        #: (``async_execute.control``): driver calls are collected, to be awaited after.
        self.collecting: list[tuple[str, Coroutine[Any, Any, Any]]] | None = None

    def _call(self, coro: Coroutine[Any, Any, Any], sql: str) -> Any:
        collecting = self.collecting
        if collecting is not None:
            collecting.append((sql, coro))
            return CursorData()
        return self.bridge.call(coro)

    def cursor(self, *args: Any, **kwargs: Any) -> BridgedCursor:
        return BridgedCursor(self)

    def commit(self) -> None:
        self._call(self.driver.commit(), "COMMIT")

    def rollback(self) -> None:
        self._call(self.driver.rollback(), "ROLLBACK")

    def close(self) -> None:
        self.bridge.call(self.driver.close())

    @property
    def driver_connection(self) -> Any:
        """The asyncio driver's own connection (its methods are coroutines)."""
        return self.driver.raw

    def __repr__(self) -> str:
        # SQLAlchemy's name for a sync-style connection over an asyncio driver's.
        return f"<AdaptedConnection {self.driver.raw!r}>"

    def __getattr__(self, name: str) -> Any:
        # Flags the dialects read without I/O (sqlite3's in_transaction, PyMySQL's
        # server_status) come from the driver's connection.
        return getattr(self.driver.raw, name)


@dataclass(slots=True)
class Reservation:
    """A pooled connection checked out on the loop for the next call made in a worker thread."""

    pool: AsyncPool
    record: AsyncPooledConnection | None


#: The label of a collected call that gives the connection back to the pool.
RELEASE = "(give back to the pool)"

#: Set (in a copied context) around a call run in a worker thread: the connection to use.
RESERVED: contextvars.ContextVar[Reservation | None] = contextvars.ContextVar(
    "corral_reserved_connection", default=None
)


class BridgedCheckout:
    """One checkout of the sync engine's ``LoopPool``: what a ``Connection`` holds."""

    __slots__ = (
        "_bridged",
        "_checked_out_at",
        "_pool",
        "_site",
        "info",
        "record",
        "released",
        "waited",
    )

    def __init__(self, pool: LoopPool, record: AsyncPooledConnection, site: CheckoutSite) -> None:
        self._pool = pool
        self.record = record
        self._site = site
        self._checked_out_at = time.monotonic()
        #: Kept with the driver connection across checkouts, as the sync pool's.
        self.info: dict[Any, Any] = record.info
        #: Seconds spent waiting for the pool (the wait happened on the loop, not counted).
        self.waited = 0.0
        #: Given back on the loop: the task resetting it and returning it to the pool.
        self.released: asyncio.Task[None] | None = None
        # The async pool's records hold what create_async_engine's open_connection made.
        driver = cast(AsyncDriverConnection, record.connection)
        self._bridged = BridgedConnection(driver, pool.bridge)

    @property
    def dbapi_connection(self) -> BridgedConnection:
        """The connection corral's sync layer calls, its calls awaited on the loop."""
        return self._bridged

    def close(self) -> None:
        """Roll back and give the connection back to the async pool."""
        self._pool.give_back(self, discard=False)

    def invalidate(self, exception: BaseException | None = None) -> None:
        self._pool.give_back(self, discard=True)


class LoopPool:
    """The sync engine's pool: checkouts of an ``AsyncPool`` running on one event loop."""

    def __init__(self, pool: AsyncPool, loop: asyncio.AbstractEventLoop | None) -> None:
        self.async_pool = pool
        self.bridge = LoopBridge(loop)
        self.logging_name = "asyncio"

    def connect(self) -> BridgedCheckout:
        reservation = RESERVED.get()
        if reservation is not None and reservation.pool is self.async_pool:
            record = reservation.record
            if record is not None:
                # Checked out on the loop for this call, where its site was recorded.
                reservation.record = None
                return BridgedCheckout(self, record, record.site or capture_site())
        refuse_on_loop("Checking out a connection")
        site = capture_site()
        record = self.bridge.call(self.async_pool.acquire(site, owner=current_owner()))
        return BridgedCheckout(self, record, site)

    def give_back(self, checkout: BridgedCheckout, *, discard: bool) -> None:
        record = checkout.record
        pool = self.async_pool
        loop = self.bridge.loop
        assert loop is not None  # a checkout exists, so the engine was used on a loop
        if discard:
            loop.call_soon_threadsafe(lambda: pool.release(record, discard=True))
        elif _running_loop() is loop and checkout.dbapi_connection.collecting is not None:
            # Given back by transaction control run on the loop (a session's commit):
            # after the driver calls it collected (``async_execute.control``).
            checkout.dbapi_connection.collecting.append((RELEASE, pool.release_after_reset(record)))
        elif _running_loop() is loop:
            # Given back on the loop (a connection closed there): reset it in a task.
            task = loop.create_task(pool.release_after_reset(record))
            _background.add(task)
            task.add_done_callback(_background.discard)
            checkout.released = task
        else:
            self.bridge.call(pool.release_after_reset(record))

    def reclaim(self, checkout: BridgedCheckout, *, discard: bool = False) -> None:
        """A checkout whose Connection was collected unclosed (``checkout_guard``)."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nothing to give back to
            self.give_back(checkout, discard=True)

    def dispose(self, close: bool = True) -> None:
        loop = self.bridge.loop
        if loop is None:
            return  # never used on a loop: nothing was opened
        if _running_loop() is loop:
            task = loop.create_task(self.async_pool.dispose())
            _background.add(task)
            task.add_done_callback(_background.discard)
        else:
            self.bridge.call(self.async_pool.dispose())

    def checkedout(self) -> int:
        return self.async_pool.checkedout()

    def status(self) -> str:
        return self.async_pool.status()

    def __repr__(self) -> str:
        return f"<LoopPool {self.async_pool.status()}>"


def _async_pool_of(target: Any) -> AsyncPool | None:
    """Pool events given for a sync engine's ``LoopPool`` go to its ``AsyncPool``."""
    return target.async_pool if isinstance(target, LoopPool) else None


POOL_OF.append(_async_pool_of)


#: Tasks started from synchronous code on the loop, kept until done.
_background: set[asyncio.Task[Any]] = set()
