"""``create_async_engine``, ``AsyncEngine``, ``AsyncConnection`` and ``AsyncTransaction``.

An ``AsyncEngine`` owns an ``AsyncPool`` of the asyncio driver's connections
and a plain ``Engine`` (``sync_engine``) over it (``corral.engine.async_bridge``).
Each ``AsyncConnection`` checks a connection out on the loop, wraps it in a
sync ``Connection`` (``sync_connection``) and runs that connection's calls in a
worker thread (``runner.py``): the same compiler, transactions, errors and
results as the sync engine; only the I/O differs.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from corral import exc
from corral.engine.async_bridge import BridgedCheckout, LoopBridge, LoopPool
from corral.engine.base import Connection
from corral.engine.engine import Engine
from corral.engine.result import Result, ScalarResult
from corral.engine.url import URL, make_url
from corral.ext.asyncio.result import AsyncResult, AsyncScalarResult
from corral.ext.asyncio.runner import run_in_worker, shared_executor
from corral.ext.asyncio.task_guard import OneTaskGuard
from corral.pool.asyncio import AsyncPool

T = TypeVar("T")

#: (database, driver) -> (module, dialect class); driver None is the URL's default.
ASYNC_DIALECTS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("postgresql", None): ("corral.dialects.postgresql.asyncio", "PsycopgAsyncDialect"),
    ("postgresql", "psycopg"): ("corral.dialects.postgresql.asyncio", "PsycopgAsyncDialect"),
    ("postgresql", "psycopg_async"): ("corral.dialects.postgresql.asyncio", "PsycopgAsyncDialect"),
    ("postgresql", "asyncpg"): ("corral.dialects.postgresql.asyncio", "AsyncpgDialect"),
    ("mysql", None): ("corral.dialects.mysql.asyncio", "AiomysqlDialect"),
    ("mysql", "aiomysql"): ("corral.dialects.mysql.asyncio", "AiomysqlDialect"),
    ("mariadb", None): ("corral.dialects.mysql.asyncio", "AiomysqlMariaDBDialect"),
    ("mariadb", "aiomysql"): ("corral.dialects.mysql.asyncio", "AiomysqlMariaDBDialect"),
    ("sqlite", None): ("corral.dialects.sqlite.asyncio", "AiosqliteDialect"),
    ("sqlite", "aiosqlite"): ("corral.dialects.sqlite.asyncio", "AiosqliteDialect"),
}

_ACCEPTED = frozenset(
    {
        "echo",
        "pool_size",
        "max_overflow",
        "pool_timeout",
        "pool_recycle",
        "pool_pre_ping",
        "pool_use_lifo",
        "isolation_level",
        "execution_options",
        "connect_args",
        "hide_parameters",
        "future",
    }
)


def async_dialect_class(url: URL) -> type[Any]:
    entry = ASYNC_DIALECTS.get((url.backend_name, url.driver))
    if entry is None:
        known = sorted(f"{db}+{drv}" for db, drv in ASYNC_DIALECTS if drv)
        raise exc.ArgumentError(
            f"create_async_engine() needs an asyncio driver; {url.drivername!r} in {url} is not "
            f"one corral knows. Use one of: {', '.join(known)}"
        )
    module, name = entry
    cls: type[Any] = getattr(importlib.import_module(module), name)
    return cls


def _check_options(kwargs: Mapping[str, Any], what: str) -> None:
    unknown = sorted(set(kwargs) - _ACCEPTED)
    if unknown:
        raise exc.ArgumentError(
            f"{what} does not support {', '.join(unknown)}; it takes {', '.join(sorted(_ACCEPTED))}"
        )
    if kwargs.get("future", True) is not True:
        raise exc.ArgumentError(f"{what}: future=False is not supported")
    for name, kinds in _OPTION_TYPES.items():
        value = kwargs.get(name)
        if value is not None and (
            not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        ):
            raise exc.ArgumentError(
                f"{what}: {name}={value!r} must be {' or '.join(k.__name__ for k in kinds)}"
            )


#: The types the numeric and flag options take (async_engine_from_config converts text).
_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "pool_size": (int,),
    "max_overflow": (int,),
    "pool_timeout": (int, float),
    "pool_recycle": (int, float),
    "pool_pre_ping": (bool,),
    "pool_use_lifo": (bool,),
    "echo": (bool,),
    "hide_parameters": (bool,),
}


def _dialect_for(parsed: URL, kwargs: Mapping[str, Any]) -> Any:
    dialect = async_dialect_class(parsed)()
    dialect.check_async_driver()
    dialect.hide_parameters = bool(kwargs.get("hide_parameters", False))
    return dialect


def _make_pool(
    parsed: URL,
    dialect: Any,
    kwargs: Mapping[str, Any],
    level: str | None,
    executor: ThreadPoolExecutor | None,
) -> AsyncPool:
    """The AsyncPool of ``parsed``'s driver; new connections get the dialect's settings."""
    connect_args = {**dialect.create_connect_args(parsed), **kwargs.get("connect_args", {})}
    memory = dialect.is_memory_database(parsed)

    async def open_connection() -> Any:
        connection = await dialect.connect_async(connect_args)
        try:
            loop = asyncio.get_running_loop()
            bridge = LoopBridge(loop)
            await loop.run_in_executor(
                executor or shared_executor(), _prepare, bridge, dialect, level, connection
            )
        except BaseException:
            pending = connection.terminate()
            if pending is not None:
                await pending
            raise
        return connection

    async def reset(connection: Any) -> None:
        await connection.rollback()

    return AsyncPool(
        open_connection,
        pool_size=1 if memory else kwargs.get("pool_size", 5),
        max_overflow=0 if memory else kwargs.get("max_overflow", 10),
        timeout=float(kwargs.get("pool_timeout", 30.0)),
        recycle=float(kwargs.get("pool_recycle", -1)),
        pre_ping=kwargs.get("pool_pre_ping", False),
        use_lifo=kwargs.get("pool_use_lifo", False),
        reset=reset,
    )


def create_async_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An ``AsyncEngine`` for ``url``, whose driver must be an asyncio one (psycopg's async
    connection for ``postgresql://``, asyncpg, aiomysql, aiosqlite)."""
    _check_options(kwargs, "create_async_engine()")
    parsed = make_url(url) if isinstance(url, str) else url
    dialect = _dialect_for(parsed, kwargs)
    options = dict(kwargs.get("execution_options") or {})
    level = kwargs.get("isolation_level", options.pop("isolation_level", None))
    if level is not None:
        level = dialect.normalize_isolation_level(level)
    size = kwargs.get("pool_size", 5) + max(0, kwargs.get("max_overflow", 10))
    executor = ThreadPoolExecutor(
        max_workers=max(8, size + 4) if kwargs.get("max_overflow", 10) >= 0 else 64,
        thread_name_prefix="corral-async",
    )
    pool = _make_pool(parsed, dialect, kwargs, level, executor)
    return AsyncEngine(
        parsed,
        dialect,
        pool,
        executor,
        echo=bool(kwargs.get("echo", False)),
        isolation_level=level,
        execution_options=options,
    )


def create_async_pool_from_url(url: str | URL, **kwargs: Any) -> AsyncPool:
    """The ``AsyncPool`` ``create_async_engine(url, **kwargs)`` would make, on its own."""
    _check_options(kwargs, "create_async_pool_from_url()")
    parsed = make_url(url) if isinstance(url, str) else url
    dialect = _dialect_for(parsed, kwargs)
    level = kwargs.get("isolation_level")
    if level is not None:
        level = dialect.normalize_isolation_level(level)
    return _make_pool(parsed, dialect, kwargs, level, None)


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def _from_text(name: str, value: Any) -> Any:
    kinds = _OPTION_TYPES.get(name)
    if kinds is None or not isinstance(value, str):
        return value
    text = value.strip().lower()
    if bool in kinds:
        if text in _TRUE | _FALSE:
            return text in _TRUE
    elif int in kinds and text.lstrip("-").isdigit():
        return int(text)
    elif float in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    raise exc.ArgumentError(f"async_engine_from_config: {name}={value!r} is not a valid value")


def async_engine_from_config(
    configuration: Mapping[str, Any], prefix: str = "sqlalchemy.", **kwargs: Any
) -> AsyncEngine:
    """``create_async_engine`` from a mapping such as an ini file's section: ``<prefix>url``
    and ``<prefix><option>`` keys (text values converted); ``kwargs`` override them."""
    options = {
        key[len(prefix) :]: _from_text(key[len(prefix) :], value)
        for key, value in configuration.items()
        if key.startswith(prefix)
    }
    options.update(kwargs)
    url = options.pop("url", None)
    if url is None:
        raise exc.ArgumentError(f"async_engine_from_config: the configuration has no {prefix}url")
    return create_async_engine(url, **options)


def _prepare(bridge: Any, dialect: Any, level: str | None, connection: Any) -> None:
    """A new connection's on_connect settings and isolation level (in a worker thread)."""
    from corral.engine.async_bridge import BridgedConnection

    facade = BridgedConnection(connection, bridge)
    dialect.on_connect(facade)
    if level is not None and level != "AUTOCOMMIT":
        dialect.set_isolation_level(facade, level)


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

    @property
    def sync_engine(self) -> Engine:
        """The Engine whose Connections run in worker threads, bound to the running loop
        (to the first loop that uses it when made outside one)."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        engine = self._sync_engine
        if engine is not None:
            loop_pool: LoopPool = engine.pool  # type: ignore[assignment]
            bridge = loop_pool.bridge
            if loop is None or bridge.loop is loop:
                return engine
            if bridge.loop is None:
                bridge.loop = loop
                return engine
            self._leave_old_loop()
        loop_pool = LoopPool(self.pool, loop)
        self._sync_engine = Engine(
            self.url,
            self.dialect,
            loop_pool,  # type: ignore[arg-type]
            echo=self._echo,
            isolation_level=self._level,
            execution_options=self._options,
        )
        return self._sync_engine

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
    def echo(self) -> bool:
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

    @property
    def dialect(self) -> Any:
        return self.engine.dialect

    async def start(self) -> AsyncConnection:
        """Check the connection out (``await engine.connect()`` does this)."""
        if self.sync_connection is not None:
            raise exc.InvalidRequestError("This AsyncConnection is already started")
        sync_engine = self.sync_engine

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
        await asyncio.shield(self.close())

    def _sync(self) -> Connection:
        if self.sync_connection is None:
            raise exc.InvalidRequestError(
                "This AsyncConnection is not started: use `async with engine.connect() as "
                "conn` or `conn = await engine.connect()`"
            )
        return self.sync_connection

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        connection = self._sync()

        def after_cancel() -> None:
            connection.rollback()
            connection.close()

        with self._guard:
            return await self.engine._run(fn, *args, on_cancel=after_cancel, **kwargs)

    @property
    def closed(self) -> bool:
        return self.sync_connection is None or self.sync_connection.closed

    @property
    def invalidated(self) -> bool:
        return self.sync_connection is not None and self.sync_connection.invalidated

    async def close(self) -> None:
        """Roll back anything open and give the connection back to the pool."""
        connection = self.sync_connection
        if connection is None or connection.closed:
            return
        checkout = connection._pooled
        if connection._isolation_override is None and isinstance(checkout, BridgedCheckout):
            # Bookkeeping, then the pool's rollback on the loop: no worker thread needed.
            with self._guard:
                connection.close()
            if checkout.released is not None:
                await asyncio.shield(checkout.released)
            return
        await self.engine._run(connection.close)

    async def invalidate(self, exception: BaseException | None = None) -> None:
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
        self, statement: Any, parameters: Mapping[str, Any] | None = None
    ) -> AsyncResult:
        """The statement's result to read with ``async for`` / ``await result.fetchmany()``."""
        return AsyncResult(await self.execute(statement, parameters))

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
        await self._run(self._sync().commit)

    async def rollback(self) -> None:
        await self._run(self._sync().rollback)

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
        return self._sync().connection

    async def execution_options(self, **options: Any) -> AsyncConnection:
        await self._run(self._sync().execution_options, **options)
        return self

    def __repr__(self) -> str:
        return f"<AsyncConnection {self.engine.url}>"


class AsyncTransaction:
    """A transaction (or savepoint) of an ``AsyncConnection``."""

    def __init__(self, connection: AsyncConnection, *, nested: bool) -> None:
        self.connection = connection
        self.nested = nested
        self.sync_transaction: Any = None

    async def start(self) -> AsyncTransaction:
        sync = self.connection._sync()
        begin = sync.begin_nested if self.nested else sync.begin
        self.sync_transaction = await self.connection._run(begin)
        return self

    def __await__(self) -> Any:
        return self.start().__await__()

    @property
    def is_active(self) -> bool:
        return self.sync_transaction is not None and self.sync_transaction.is_active

    async def commit(self) -> None:
        await self.connection._run(self.sync_transaction.commit)

    async def rollback(self) -> None:
        await self.connection._run(self.sync_transaction.rollback)

    async def __aenter__(self) -> AsyncTransaction:
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
            await asyncio.shield(self.rollback())


async def _aiter(result: AsyncResult) -> AsyncIterator[Any]:
    async for row in result:
        yield row
