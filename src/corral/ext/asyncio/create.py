"""Making async engines: ``create_async_engine``, ``async_engine_from_config``,
``create_async_pool_from_url``; the URL picks the asyncio driver's dialect."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from corral import exc
from corral.engine.async_bridge import AsyncDriverConnection, BridgedConnection, LoopBridge
from corral.engine.default import DefaultDialect
from corral.engine.log import enable_echo
from corral.engine.url import URL, make_url
from corral.ext.asyncio.engine import AsyncEngine
from corral.ext.asyncio.runner import run_in_worker, shared_executor
from corral.pool.async_static import AsyncStaticPool
from corral.pool.asyncio import AsyncPool, AsyncPooledConnection
from corral.pool.events import fire

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
        "enable_from_linting",
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
    "enable_from_linting": (bool,),
}


def _dialect_for(parsed: URL, kwargs: Mapping[str, Any]) -> Any:
    dialect = async_dialect_class(parsed)()
    dialect.check_async_driver()
    dialect.hide_parameters = bool(kwargs.get("hide_parameters", False))
    dialect.from_linting = bool(kwargs.get("enable_from_linting", True))
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
    # Settings to send on each new connection, by the sync dialect in a worker thread; a
    # dialect without on_connect statements and no isolation level: nothing to send.
    settings = type(dialect).on_connect is not DefaultDialect.on_connect or (
        level is not None and level != "AUTOCOMMIT"
    )

    async def open_connection() -> Any:
        connection = await dialect.connect_async(connect_args)
        if not settings:
            return connection
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

    async def reset(connection: Any) -> bool:
        return bool(await connection.reset())

    async def run_listeners(
        dispatch: Any, event: str, record: AsyncPooledConnection, extra: tuple[Any, ...]
    ) -> None:
        # Listeners are sync code that may use the connection (cursor().execute(...)):
        # they run in a worker thread, given a connection whose calls are awaited here.
        driver = cast(AsyncDriverConnection, record.connection)  # made by open_connection
        adapted = BridgedConnection(driver, LoopBridge(asyncio.get_running_loop()))
        await run_in_worker(fire, dispatch, event, adapted, record, *extra, executor=executor)

    timeout = float(kwargs.get("pool_timeout", 30.0))
    recycle = float(kwargs.get("pool_recycle", -1))
    pre_ping = kwargs.get("pool_pre_ping", False)
    if dialect.is_memory_database(parsed):
        # One database in one connection, which every checkout must see (a StaticPool).
        sizing = sorted(set(kwargs) & {"pool_size", "max_overflow", "pool_use_lifo"})
        if sizing:
            raise exc.ArgumentError(
                f"{', '.join(sizing)} cannot apply to {parsed}: a memory database lives in "
                "one connection, which every checkout of the engine shares (one task at a "
                "time). Leave them out, or use a file database (sqlite+aiosqlite:///file.db) "
                "for a pool of connections"
            )
        return AsyncStaticPool(
            open_connection,
            timeout=timeout,
            recycle=recycle,
            pre_ping=pre_ping,
            reset=reset,
            run_listeners=run_listeners,
        )
    return AsyncPool(
        open_connection,
        pool_size=kwargs.get("pool_size", 5),
        max_overflow=kwargs.get("max_overflow", 10),
        timeout=timeout,
        recycle=recycle,
        pre_ping=pre_ping,
        use_lifo=kwargs.get("pool_use_lifo", False),
        reset=reset,
        run_listeners=run_listeners,
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
    if kwargs.get("echo"):
        enable_echo()
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
    facade = BridgedConnection(connection, bridge)
    dialect.on_connect(facade)
    if level is not None and level != "AUTOCOMMIT":
        dialect.set_isolation_level(facade, level)
