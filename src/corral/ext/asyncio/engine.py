"""``AsyncEngine``, ``AsyncConnection`` and ``AsyncTransaction`` (made by ``create.py``).

An ``AsyncEngine`` owns an ``AsyncPool`` of the asyncio driver's connections
and a plain ``Engine`` (``sync_engine``) over it (``corral.engine.async_bridge``).
Each ``AsyncConnection`` checks a connection out on the loop, wraps it in a
sync ``Connection`` (``sync_connection``) and runs that connection's calls in a
worker thread (``runner.py``): the same compiler, transactions, errors and
results as the sync engine; only the I/O differs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from corral import exc
from corral.engine import async_execute, async_stream, shared_connection
from corral.engine.async_bridge import BridgedCheckout, LoopPool
from corral.engine.async_execute import deliver_pending_cancel, finish
from corral.engine.async_stream import StreamCursor
from corral.engine.base import Connection
from corral.engine.engine import Engine
from corral.engine.result import Result, ScalarResult
from corral.engine.url import URL
from corral.ext.asyncio.result import AsyncResult, AsyncScalarResult
from corral.ext.asyncio.runner import run_in_worker, with_reserved
from corral.ext.asyncio.task_guard import OneTaskGuard
from corral.pool.asyncio import AsyncPool

T = TypeVar("T")


class AsyncEngine:
    """An engine whose connections are awaited; ``sync_engine`` is the Engine underneath."""

    def __init__(
        self,
        url: URL,
        dialect: Any,
        pool: AsyncPool,
        executor: ThreadPoolExecutor,
        *,
        echo: bool,
        isolation_level: str | None,
        execution_options: dict[str, Any],
    ) -> None:
        self.url = url
        self.dialect = dialect
        self.pool = pool
        self._executor = executor
        self._echo = echo
        self._level = isolation_level
        self._options = execution_options
        self._sync_engine: Engine | None = None
        #: The sync engine's pool (its bridge names the loop the engine is used on).
        self._loop_pool: LoopPool | None = None

    @property
    def sync_engine(self) -> Engine:
        """The Engine whose Connections run in worker threads, bound to the running loop
        (to the first loop that uses it when made outside one)."""
        return self._on_running_loop()

    def _on_running_loop(self) -> Engine:
        """``sync_engine``, first bound to the running loop if it is not yet."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        engine = self._sync_engine
        if engine is None:
            loop_pool = self._loop_pool = LoopPool(self.pool, loop)
            engine = self._sync_engine = Engine(
                self.url,
                self.dialect,
                loop_pool,  # type: ignore[arg-type]
                echo=self._echo,
                isolation_level=self._level,
                execution_options=self._options,
            )
            return engine
        assert self._loop_pool is not None  # made with the engine
        bridge = self._loop_pool.bridge
        if loop is not None and bridge.loop is not loop:
            # Made outside a loop (module level), or used from a new one: the same Engine
            # (its listeners, and the sessions bound to it) moves to the running loop.
            if bridge.loop is not None:
                self._leave_old_loop()
            bridge.loop = loop
        return engine

    def _leave_old_loop(self) -> None:
        """Used from a new event loop (a second asyncio.run): the old loop's connections
        cannot serve it; drop the idle ones, refuse if some are still checked out."""
        if self.pool.checkedout():
            raise exc.InvalidRequestError(
                f"This AsyncEngine has {self.pool.checkedout()} connection(s) checked out on "
                "another event loop; close them there (and await engine.dispose()) before "
                "using the engine from a new loop"
            )
        self.pool.forget_idle()

    @property
    def name(self) -> str:
        return str(self.dialect.name)

    @property
    def driver(self) -> str:
        return str(self.dialect.driver)

    @property
    def echo(self) -> bool | str:
        return self.sync_engine.echo

    @echo.setter
    def echo(self, value: bool) -> None:
        self.sync_engine.echo = value

    def connect(self) -> AsyncConnection:
        """An ``AsyncConnection``: ``async with engine.connect() as conn`` (or ``await``)."""
        return AsyncConnection(self)

    def begin(self) -> _EngineBegin:
        """``async with engine.begin() as conn``: a connection in a transaction committed
        at the end of the block (rolled back on an error)."""
        return _EngineBegin(self)

    async def dispose(self, close: bool = True) -> None:
        """Close the pool's idle connections (checked-out ones close when given back)."""
        await self.pool.dispose()

    def execution_options(self, **options: Any) -> AsyncEngine:
        clone = object.__new__(AsyncEngine)
        clone.__dict__.update(self.__dict__)
        clone._options = {**self._options, **options}
        clone._sync_engine = self.sync_engine.execution_options(**options)
        return clone

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run_in_worker(fn, *args, executor=self._executor, **kwargs)

    def __repr__(self) -> str:
        return f"AsyncEngine({self.url})"


class _EngineBegin:
    def __init__(self, engine: AsyncEngine) -> None:
        self._connection = AsyncConnection(engine)
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> AsyncConnection:
        await self._connection.start()
        self._transaction = await self._connection.begin()
        return self._connection

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            assert self._transaction is not None
            await self._transaction.__aexit__(kind, error, traceback)
        finally:
            await self._connection.close()


class AsyncConnection:
    """One checked-out connection; its calls are awaited."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sync_engine = engine.sync_engine
        self.sync_connection: Connection | None = None
        self._guard = OneTaskGuard("AsyncConnection")
        #: The streamed results being read (closed before a commit, rollback or close).
        self._streams: set[StreamCursor] = set()

    @classmethod
    def of_session(cls, engine: AsyncEngine, sync_connection: Connection) -> AsyncConnection:
        """An AsyncSession's connection (``await session.connection()``), already started."""
        connection = cls(engine)
        connection.sync_connection = sync_connection
        return connection

    @property
    def dialect(self) -> Any:
        return self.engine.dialect

    async def start(self) -> AsyncConnection:
        """Check the connection out (``await engine.connect()`` does this)."""
        if self.sync_connection is not None:
            raise exc.InvalidRequestError("This AsyncConnection is already started")
        sync_engine = self.sync_engine
        if _connects_without_io(sync_engine):
            self.sync_connection = await with_reserved(self.engine.pool, sync_engine.connect)
            return self

        def open_connection() -> None:
            # Takes the connection reserved on the loop; in a worker thread because an
            # engine with an isolation level sets it on the connection (I/O).
            self.sync_connection = sync_engine.connect()

        def close_if_opened() -> None:
            if self.sync_connection is not None:
                self.sync_connection.close()

        await self.engine._run(open_connection, reserve=self.engine.pool, on_cancel=close_if_opened)
        return self

    def __await__(self) -> Any:
        return self.start().__await__()

    async def __aenter__(self) -> AsyncConnection:
        if self.sync_connection is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _sync(self) -> Connection:
        if self.sync_connection is None:
            raise exc.InvalidRequestError(
                "This AsyncConnection is not started: use `async with engine.connect() as "
                "conn` or `conn = await engine.connect()`"
            )
        return self.sync_connection

    def _refuse_while_streaming(self) -> None:
        if any(stream.exclusive for stream in self._streams):
            raise exc.InvalidRequestError(
                "This AsyncConnection is reading a streamed result (stream() / stream_scalars()) "
                "from a driver that runs no other statement until it is read: read the "
                "result to the end or `await result.close()` first, or run the statement on "
                "another connection"
            )

    async def _end_stream(self) -> None:
        """Close the streamed results being read (before commit, rollback, close)."""
        for stream in list(self._streams):
            await stream.end()

    def _stream_ended(self, stream: StreamCursor) -> None:
        self._streams.discard(stream)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self._refuse_while_streaming()
        connection = self._sync()

        def after_cancel() -> None:
            connection.rollback()
            connection.close()

        with self._guard:
            return await self.engine._run(fn, *args, on_cancel=after_cancel, **kwargs)

    async def _native(self, call: Callable[[], Awaitable[T]]) -> T:
        """Await a call run on the loop (``async_execute``); cancelled, the connection is
        rolled back and given back before the ``CancelledError`` goes on."""
        with self._guard:
            self._refuse_while_streaming()
            try:
                await deliver_pending_cancel()
                return await call()
            except asyncio.CancelledError:
                await finish(_roll_back_and_close(self._sync()))
                raise

    async def _control(self, step: Callable[[], T], *, commit: bool = False) -> T:
        """A transaction-control call: on the loop when the connection allows it."""
        connection = self._sync()
        await self._end_stream()
        if async_execute.native(connection):
            return await self._native(
                lambda: async_execute.control(connection, step, commit=commit)
            )
        return await self._run(step)

    @property
    def closed(self) -> bool:
        return self.sync_connection is None or self.sync_connection.closed

    @property
    def invalidated(self) -> bool:
        return self.sync_connection is not None and self.sync_connection.invalidated

    async def close(self) -> None:
        """Roll back anything open and give the connection back to the pool. Cancelled
        meanwhile, it still ends, then raises ``CancelledError``."""
        connection = self.sync_connection
        if connection is None or connection.closed:
            return
        if self._streams:
            await finish(self._end_stream())
        checkout = connection._pooled
        if (
            connection._isolation_override is None
            and isinstance(checkout, BridgedCheckout)
            and not shared_connection.takes_part(connection)
        ):
            # Bookkeeping, then the pool's rollback on the loop: no worker thread needed.
            with self._guard:
                await async_execute.control(connection, connection.close)
            return
        await finish(self.engine._run(connection.close))

    async def invalidate(self, exception: BaseException | None = None) -> None:
        with contextlib.suppress(Exception):  # the connection is dropped anyway
            await self._end_stream()
        await self._run(self._sync().invalidate, exception)

    async def execute(
        self,
        statement: Any,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Result:
        """Execute a statement; the rows come back read in full (``stream()`` for an
        ``AsyncResult``)."""
        connection = self._sync()
        if async_execute.native(connection):
            result = await self._native(
                lambda: async_execute.execute(connection, statement, parameters, execution_options)
            )
            if result is not None:
                return result
        return await self._run(
            self._sync().execute, statement, parameters, execution_options=execution_options
        )

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> Result:
        return await self._run(self._sync().exec_driver_sql, statement, parameters)

    async def scalar(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> Any:
        result = await self.execute(statement, parameters)
        return result.scalar()

    async def scalars(
        self, statement: Any, parameters: Mapping[str, Any] | None = None
    ) -> ScalarResult:
        result = await self.execute(statement, parameters)
        return result.scalars()

    async def stream(
        self,
        statement: Any,
        parameters: Mapping[str, Any] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> AsyncResult:
        """The statement's rows read from a server-side cursor as the result is read (``async
        for``, ``fetchmany``, ``partitions``); the connection takes no other statement until
        the result ends or is closed."""
        connection = self._sync()
        if execution_options is None and async_execute.native(connection):
            opened = await self._native(
                lambda: async_stream.open_stream(connection, statement, parameters)
            )
            if opened is not None:
                result, cursor = opened
                self._streams.add(cursor)
                cursor.on_end = self._stream_ended
                return AsyncResult(result, cursor)
        return AsyncResult(
            await self.execute(statement, parameters, execution_options=execution_options)
        )

    async def stream_scalars(
        self, statement: Any, parameters: Mapping[str, Any] | None = None
    ) -> AsyncScalarResult:
        return (await self.stream(statement, parameters)).scalars()

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(sync_connection, *args)`` in a worker thread; its I/O runs on the loop.

        Synchronous code (``metadata.create_all``, a function written for the
        sync API) works as is.
        """
        return await self._run(fn, self._sync(), *args, **kwargs)

    async def commit(self) -> None:
        await self._control(self._sync().commit, commit=True)

    async def rollback(self) -> None:
        await self._control(self._sync().rollback)

    def begin(self) -> AsyncTransaction:
        """``async with conn.begin():`` or ``await conn.begin()``."""
        return AsyncTransaction(self, nested=False)

    def begin_nested(self) -> AsyncTransaction:
        """A SAVEPOINT: ``async with conn.begin_nested():``."""
        return AsyncTransaction(self, nested=True)

    def in_transaction(self) -> bool:
        return self._sync().in_transaction()

    def in_nested_transaction(self) -> bool:
        return self._sync().in_nested_transaction()

    def get_transaction(self) -> Any:
        return self._sync().get_transaction()

    async def get_raw_connection(self) -> Any:
        """The pooled connection, as SQLAlchemy's: ``driver_connection`` is the asyncio
        driver's own (psycopg's ``AsyncConnection``, asyncpg's...), ``dbapi_connection``
        the adapted one corral's sync layer calls."""
        return self._sync().connection

    async def execution_options(self, **options: Any) -> AsyncConnection:
        await self._run(self._sync().execution_options, **options)
        return self

    def __repr__(self) -> str:
        return f"<AsyncConnection {self.engine.url}>"


class AsyncTransactionBase:
    """What an async transaction (or savepoint) does once begun: commit, roll back, and end
    with its ``async with`` block. ``_run`` is its owner's: a connection's or a session's."""

    sync_transaction: Any = None

    async def _run(self, fn: Callable[..., Any]) -> Any:
        raise NotImplementedError

    async def _control(self, step: Callable[[], Any], *, commit: bool = False) -> Any:
        return await self._run(step)

    async def start(self) -> Any:
        raise NotImplementedError

    def __await__(self) -> Any:
        return self.start().__await__()

    @property
    def is_active(self) -> bool:
        return self.sync_transaction is not None and self.sync_transaction.is_active

    async def commit(self) -> None:
        await self._control(self.sync_transaction.commit, commit=True)

    async def rollback(self) -> None:
        await self._control(self.sync_transaction.rollback)

    async def __aenter__(self) -> Any:
        if self.sync_transaction is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self.is_active:
            return
        if error is None:
            await self.commit()
        else:
            await finish(self.rollback())


class AsyncTransaction(AsyncTransactionBase):
    """A transaction (or savepoint) of an ``AsyncConnection``."""

    def __init__(self, connection: AsyncConnection, *, nested: bool) -> None:
        self.connection = connection
        self.nested = nested

    async def _run(self, fn: Callable[..., Any]) -> Any:
        return await self.connection._run(fn)

    async def _control(self, step: Callable[[], Any], *, commit: bool = False) -> Any:
        return await self.connection._control(step, commit=commit)

    async def start(self) -> AsyncTransaction:
        sync = self.connection._sync()
        begin = sync.begin_nested if self.nested else sync.begin
        self.sync_transaction = await self.connection._control(begin)
        return self


def _connects_without_io(engine: Engine) -> bool:
    """Whether checking a connection out of ``engine`` is bookkeeping only: no listeners,
    no idle watchdog and no isolation level of its own to set (which are sync I/O)."""
    level = engine._execution_options.get("isolation_level")
    return (
        not engine.dispatch.listening
        and engine._watchdog is None
        and (level is None or level == engine._isolation_level)
    )


async def _roll_back_and_close(connection: Connection) -> None:
    """After a cancelled call on the loop: roll back and give the connection back."""
    with contextlib.suppress(Exception):
        if async_execute.native(connection):
            await async_execute.control(connection, connection.rollback)
        elif not connection.closed:
            connection.invalidate()
    checkout = connection._pooled
    connection.close()
    if isinstance(checkout, BridgedCheckout) and checkout.released is not None:
        with contextlib.suppress(Exception):
            await checkout.released


async def _aiter(result: AsyncResult) -> AsyncIterator[Any]:
    async for row in result:
        yield row
