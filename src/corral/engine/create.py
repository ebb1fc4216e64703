"""``create_engine``: check the URL and options, pick the dialect and pool, build the Engine."""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Literal

from corral import exc
from corral.engine.default import DefaultDialect
from corral.engine.engine import Engine
from corral.engine.engine_options import check_engine_options
from corral.engine.log import enable_echo
from corral.engine.url import URL, make_url
from corral.engine.watchdog import check_thresholds
from corral.pool import Pool, QueuePool, StaticPool
from corral.sql.compiler.dialect import COMPILED_CACHE_SIZE
from corral.sql.execution_options import check_connection_options

#: (database, driver) from a URL -> (module, dialect class); driver None is the URL's default.
_DIALECTS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("sqlite", None): ("corral.dialects.sqlite.base", "SQLiteDialect"),
    ("sqlite", "pysqlite"): ("corral.dialects.sqlite.base", "SQLiteDialect"),
    ("postgresql", None): ("corral.dialects.postgresql.base", "PostgreSQLDialect"),
    ("postgresql", "psycopg"): ("corral.dialects.postgresql.base", "PostgreSQLDialect"),
    ("postgresql", "psycopg2"): ("corral.dialects.postgresql.psycopg2", "Psycopg2Dialect"),
    ("mysql", None): ("corral.dialects.mysql.base", "MySQLDialect"),
    ("mysql", "pymysql"): ("corral.dialects.mysql.base", "MySQLDialect"),
    ("mariadb", None): ("corral.dialects.mysql.base", "MariaDBDialect"),
    ("mariadb", "pymysql"): ("corral.dialects.mysql.base", "MariaDBDialect"),
    ("oracle", None): ("corral.dialects.oracle.base", "OracleDialect"),
    ("oracle", "oracledb"): ("corral.dialects.oracle.base", "OracleDialect"),
    ("oracle", "cx_oracle"): ("corral.dialects.oracle.base", "OracleDialect"),
    # asyncio drivers: their dialects tell create_engine() users to use create_async_engine().
    ("sqlite", "aiosqlite"): ("corral.dialects.sqlite.asyncio", "AiosqliteDialect"),
    ("postgresql", "asyncpg"): ("corral.dialects.postgresql.asyncio", "AsyncpgDialect"),
    ("postgresql", "psycopg_async"): ("corral.dialects.postgresql.asyncio", "PsycopgAsyncDialect"),
    ("mysql", "aiomysql"): ("corral.dialects.mysql.asyncio", "AiomysqlDialect"),
    ("mariadb", "aiomysql"): ("corral.dialects.mysql.asyncio", "AiomysqlMariaDBDialect"),
}

_DEFAULTS: dict[str, Any] = {
    "pool_size": 5,
    "max_overflow": 10,
    "pool_timeout": 30.0,
    "pool_recycle": -1,
    "pool_pre_ping": False,
    "pool_use_lifo": False,
}


def dialect_class(url: URL) -> type[DefaultDialect]:
    """The dialect class a URL names, or an ArgumentError listing the known ones."""
    entry = _DIALECTS.get((url.backend_name, url.driver))
    if entry is None:
        known = sorted({f"{db}+{drv}" if drv else f"{db}" for db, drv in _DIALECTS})
        what = "driver" if any(db == url.backend_name for db, _ in _DIALECTS) else "dialect"
        raise exc.ArgumentError(
            f"Unknown database {what} {url.drivername!r} in URL {url}; "
            f"corral knows: {', '.join(known)}"
        )
    module_name, class_name = entry
    cls: type[DefaultDialect] = getattr(importlib.import_module(module_name), class_name)
    if cls.cannot_connect is not None:
        raise exc.ArgumentError(f"create_engine({str(url)!r}): {cls.cannot_connect}")
    return cls


def _check(name: str, value: Any, kinds: tuple[type, ...], what: str) -> None:
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise exc.ArgumentError(
            f"create_engine({name}=...) must be {what}, got {type(value).__name__} {value!r}"
        )


def create_engine(
    url: str | URL,
    *,
    echo: bool | Literal["debug"] = False,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    pool_recycle: float = -1,
    pool_pre_ping: bool = False,
    pool_use_lifo: bool = False,
    isolation_level: str | None = None,
    connect_args: Mapping[str, Any] | None = None,
    execution_options: Mapping[str, Any] | None = None,
    poolclass: type[Pool] | None = None,
    creator: Callable[[], Any] | None = None,
    pool: Pool | None = None,
    hide_parameters: bool = False,
    idle_in_transaction_warn: float | None = None,
    idle_in_transaction_abort: float | None = None,
    slow_statement_threshold: float | None = None,
    query_cache_size: int = COMPILED_CACHE_SIZE,
    enable_from_linting: bool = True,
    **dialect_options: Any,
) -> Engine:
    """An Engine for ``url`` (e.g. ``sqlite:///app.db``, ``postgresql://user@host/db``).

    ``creator``: a function returning a new DB-API connection of the URL's driver; the pool
    calls it instead of connecting with the URL's host, database and options (the URL then
    only names the dialect), as in SQLAlchemy. ``pool``: a pool you made
    (``StaticPool(creator)``, ``QueuePool(creator, pool_size=...)``), never used before,
    instead of one made here; the engine's dialect then looks after its connections.
    ``hide_parameters``: error messages and log lines show no statement parameters.
    ``idle_in_transaction_warn`` / ``idle_in_transaction_abort``: seconds a transaction may
    stay open without a statement before corral warns / rolls it back (``watchdog.py``).
    ``slow_statement_threshold``: seconds; a statement taking at least that long is logged
    to the ``corral.engine.slow`` logger at WARNING (``docs/statistics.md``).
    ``query_cache_size``: how many compiled statements the engine keeps (0: compile every
    statement each time it runs).
    ``enable_from_linting``: a statement about to run warns (``SAWarning``) when it reads FROM
    elements that nothing joins, a cartesian product (``sql/compiler/from_linting.py``).
    """
    parsed = make_url(url)
    idle_in_transaction = check_thresholds(idle_in_transaction_warn, idle_in_transaction_abort)
    if echo != "debug":  # "debug" logs the rows returned too
        _check("echo", echo, (bool,), 'True, False or "debug"')
    _check("pool_size", pool_size, (int,), "an int")
    _check("max_overflow", max_overflow, (int,), "an int")
    _check("pool_timeout", pool_timeout, (int, float), "a number of seconds")
    _check("pool_recycle", pool_recycle, (int, float), "a number of seconds (-1: never)")
    _check("pool_pre_ping", pool_pre_ping, (bool,), "True or False")
    _check("pool_use_lifo", pool_use_lifo, (bool,), "True or False")
    _check("hide_parameters", hide_parameters, (bool,), "True or False")
    _check("enable_from_linting", enable_from_linting, (bool,), "True or False")
    if pool_size < 0:
        raise exc.ArgumentError(f"create_engine(pool_size=...) must be >= 0, got {pool_size}")
    if max_overflow < -1:
        raise exc.ArgumentError(
            f"create_engine(max_overflow=...) must be >= -1 (-1: unlimited), got {max_overflow}"
        )
    if slow_statement_threshold is not None:
        _check("slow_statement_threshold", slow_statement_threshold, (int, float), "seconds")
        if slow_statement_threshold < 0:
            raise exc.ArgumentError(
                "create_engine(slow_statement_threshold=...) must be >= 0 seconds (None: off), "
                f"got {slow_statement_threshold}"
            )
    _check("query_cache_size", query_cache_size, (int,), "an int")
    if query_cache_size < 0:
        raise exc.ArgumentError(
            "create_engine(query_cache_size=...) must be >= 0 (0: no cache), "
            f"got {query_cache_size}"
        )
    if pool_timeout < 0:
        raise exc.ArgumentError(f"create_engine(pool_timeout=...) must be >= 0, got {pool_timeout}")
    if connect_args is not None and not isinstance(connect_args, Mapping):
        raise exc.ArgumentError(
            f"create_engine(connect_args=...) must be a dict, got {type(connect_args).__name__}"
        )
    if execution_options is not None and not isinstance(execution_options, Mapping):
        raise exc.ArgumentError(
            "create_engine(execution_options=...) must be a dict, "
            f"got {type(execution_options).__name__}"
        )
    if creator is not None and not callable(creator):
        raise exc.ArgumentError(
            f"create_engine(creator=...) must be a function returning a DB-API connection, "
            f"got {creator!r}"
        )
    if creator is not None and connect_args:
        raise exc.ArgumentError(
            "create_engine() got both creator= and connect_args=; the creator opens the "
            "connections, so connect_args would never be used: pass them to the driver's "
            "connect() inside the creator"
        )
    settings = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": pool_timeout,
        "pool_recycle": pool_recycle,
        "pool_pre_ping": pool_pre_ping,
        "pool_use_lifo": pool_use_lifo,
    }
    if pool is not None:
        _check_given_pool(
            pool, settings, poolclass=poolclass, creator=creator, connect_args=connect_args
        )
    if poolclass is not None and not (isinstance(poolclass, type) and issubclass(poolclass, Pool)):
        raise exc.ArgumentError(
            "create_engine(poolclass=...) must be a corral.pool class such as QueuePool, "
            f"StaticPool or NullPool, got {poolclass!r}"
        )

    cls = dialect_class(parsed)
    dialect = cls(**check_engine_options(dialect_options, _ENGINE_KEYWORDS, cls))
    dialect.hide_parameters = hide_parameters  # errors and log lines leave parameters out
    dialect.compiled_cache_size = query_cache_size
    dialect.from_linting = enable_from_linting
    options = dict(execution_options or {})
    check_connection_options(options, "create_engine(execution_options=)")
    if isolation_level is None:
        isolation_level = options.pop("isolation_level", None)
    level = None if isolation_level is None else dialect.normalize_isolation_level(isolation_level)
    if pool is not None:
        pool.serve_engine(dialect, _preparer(dialect, level))
    else:
        pool = _make_pool(parsed, dialect, poolclass, creator, connect_args, level, settings)
    if echo:
        enable_echo(debug=echo == "debug")
    engine = Engine(
        parsed,
        dialect,
        pool,
        echo=echo,
        isolation_level=level,
        execution_options=options,
        idle_in_transaction=idle_in_transaction,
        slow_statement_threshold=slow_statement_threshold,
    )
    engine._prepare_connection = _preparer(dialect, level)  # for a pool assigned later
    return engine


def _preparer(dialect: DefaultDialect, level: str | None) -> Callable[[Any], Any]:
    """What makes a connection from a creator ready: the dialect adopts it, runs its
    on_connect settings, and sets the engine's isolation level."""

    def prepare(dbapi_connection: Any) -> Any:
        try:
            dialect.adopt_connection(dbapi_connection)
            dialect.on_connect(dbapi_connection)
            _set_level(dialect, level, dbapi_connection)
        except BaseException:
            with contextlib.suppress(Exception):  # not a connection at all, perhaps
                dbapi_connection.close()
            raise
        return dbapi_connection

    return prepare


def _set_level(dialect: DefaultDialect, level: str | None, dbapi_connection: Any) -> None:
    if level == "AUTOCOMMIT":
        dialect.set_autocommit(dbapi_connection, True)
    elif level is not None:
        dialect.set_isolation_level(dbapi_connection, level)


def _make_pool(
    url: URL,
    dialect: DefaultDialect,
    poolclass: type[Pool] | None,
    creator: Callable[[], Any] | None,
    connect_args: Mapping[str, Any] | None,
    level: str | None,
    given: Mapping[str, Any],
) -> Pool:
    """The engine's pool: of ``poolclass`` (default by URL), opening connections by ``creator``
    or from the URL and ``connect_args``."""
    cparams: dict[str, Any] = {}
    if creator is not None:
        user_creator, prepare = creator, _preparer(dialect, level)

        def open_connection() -> Any:
            return prepare(user_creator())
    else:
        cparams = dialect.create_connect_args(url)
        cparams.update(connect_args or {})
        dialect.check_connect_args(cparams)

        def open_connection() -> Any:
            dbapi_connection = dialect.connect(cparams)
            try:
                _set_level(dialect, level, dbapi_connection)
            except BaseException:
                dialect.do_close(dbapi_connection)
                raise
            return dbapi_connection

    if poolclass is None:
        poolclass = StaticPool if dialect.is_memory_database(url) else QueuePool
    logging_name = url.render_as_string()
    common = {
        "dialect": dialect,
        "recycle": given["pool_recycle"],
        "pre_ping": given["pool_pre_ping"],
        "logging_name": logging_name,
    }
    if issubclass(poolclass, QueuePool):
        made: Pool = poolclass(
            open_connection,
            pool_size=given["pool_size"],
            max_overflow=given["max_overflow"],
            timeout=float(given["pool_timeout"]),
            use_lifo=given["pool_use_lifo"],
            **common,
        )
    else:
        made = poolclass(open_connection, **common)
    # What SQLAlchemy's pool._creator is: a DB-API connection as the driver makes it, not
    # yet in the mode corral runs connections in (prepared when the pool opens one).
    made._creator = creator or partial(dialect.connect_as_driver_does, cparams)
    return made


def _check_given_pool(pool: object, settings: Mapping[str, Any], **others: Any) -> None:
    """``create_engine(pool=...)``: a Pool, without the arguments that would make another."""
    if not isinstance(pool, Pool):
        raise exc.ArgumentError(
            f"create_engine(pool=...) must be a corral.pool Pool such as StaticPool(creator), "
            f"got {pool!r}"
        )
    unused = [name for name, value in others.items() if value is not None]
    unused += [name for name, default in _DEFAULTS.items() if settings[name] != default]
    if unused:
        raise exc.ArgumentError(
            f"create_engine(pool=...) got {', '.join(unused)} too, which only configure a pool "
            "create_engine makes; give them to the pool you made (its creator, sizes and "
            "options), or leave pool= out"
        )


#: The keywords create_engine() itself takes (the dialect's own come on top).
_ENGINE_KEYWORDS = tuple(
    name
    for name, parameter in inspect.signature(create_engine).parameters.items()
    if parameter.kind is parameter.KEYWORD_ONLY
)
