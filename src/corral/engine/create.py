"""``create_engine``: check the URL and options, pick the dialect and pool, build the Engine."""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from corral import exc
from corral.engine.default import DefaultDialect
from corral.engine.engine import Engine
from corral.engine.engine_options import check_engine_options
from corral.engine.log import enable_echo
from corral.engine.url import URL, make_url
from corral.pool import Pool, QueuePool, StaticPool
from corral.sql.execution_options import check_connection_options

#: (database, driver) from a URL -> (module, dialect class); driver None is the URL's default.
_DIALECTS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("sqlite", None): ("corral.dialects.sqlite.base", "SQLiteDialect"),
    ("sqlite", "pysqlite"): ("corral.dialects.sqlite.base", "SQLiteDialect"),
    ("postgresql", None): ("corral.dialects.postgresql.base", "PostgreSQLDialect"),
    ("postgresql", "psycopg"): ("corral.dialects.postgresql.base", "PostgreSQLDialect"),
    ("mysql", None): ("corral.dialects.mysql.base", "MySQLDialect"),
    ("mysql", "pymysql"): ("corral.dialects.mysql.base", "MySQLDialect"),
    ("mariadb", None): ("corral.dialects.mysql.base", "MariaDBDialect"),
    ("mariadb", "pymysql"): ("corral.dialects.mysql.base", "MariaDBDialect"),
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
    return cls


def _check(name: str, value: Any, kinds: tuple[type, ...], what: str) -> None:
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise exc.ArgumentError(
            f"create_engine({name}=...) must be {what}, got {type(value).__name__} {value!r}"
        )


def create_engine(
    url: str | URL,
    *,
    echo: bool = False,
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
    **dialect_options: Any,
) -> Engine:
    """An Engine for ``url`` (e.g. ``sqlite:///app.db``, ``postgresql://user@host/db``).

    ``creator``: a function returning a new DB-API connection of the URL's driver; the pool
    calls it instead of connecting with the URL's host, database and options (the URL then
    only names the dialect), as in SQLAlchemy.
    """
    parsed = make_url(url)
    _check("echo", echo, (bool,), "True or False")
    _check("pool_size", pool_size, (int,), "an int")
    _check("max_overflow", max_overflow, (int,), "an int")
    _check("pool_timeout", pool_timeout, (int, float), "a number of seconds")
    _check("pool_recycle", pool_recycle, (int, float), "a number of seconds (-1: never)")
    _check("pool_pre_ping", pool_pre_ping, (bool,), "True or False")
    _check("pool_use_lifo", pool_use_lifo, (bool,), "True or False")
    if pool_size < 0:
        raise exc.ArgumentError(f"create_engine(pool_size=...) must be >= 0, got {pool_size}")
    if max_overflow < -1:
        raise exc.ArgumentError(
            f"create_engine(max_overflow=...) must be >= -1 (-1: unlimited), got {max_overflow}"
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
    if poolclass is not None and not (isinstance(poolclass, type) and issubclass(poolclass, Pool)):
        raise exc.ArgumentError(
            "create_engine(poolclass=...) must be a corral.pool class such as QueuePool, "
            f"StaticPool or NullPool, got {poolclass!r}"
        )

    cls = dialect_class(parsed)
    dialect = cls(**check_engine_options(dialect_options, _ENGINE_KEYWORDS, cls))
    options = dict(execution_options or {})
    check_connection_options(options, "create_engine(execution_options=)")
    if isolation_level is None:
        isolation_level = options.pop("isolation_level", None)
    level = None if isolation_level is None else dialect.normalize_isolation_level(isolation_level)
    cparams = dialect.create_connect_args(parsed)
    cparams.update(connect_args or {})
    if creator is None:
        dialect.check_connect_args(cparams)

    def connect() -> Any:
        if creator is None:
            return dialect.connect(cparams)
        dbapi_connection = creator()
        try:
            dialect.adopt_connection(dbapi_connection)
            dialect.on_connect(dbapi_connection)
        except BaseException:
            with contextlib.suppress(Exception):  # not a connection at all, perhaps
                dbapi_connection.close()
            raise
        return dbapi_connection

    def open_connection() -> Any:
        dbapi_connection = connect()
        if level is not None and level != "AUTOCOMMIT":
            try:
                dialect.set_isolation_level(dbapi_connection, level)
            except BaseException:
                dialect.do_close(dbapi_connection)
                raise
        return dbapi_connection

    memory = dialect.is_memory_database(parsed)
    if poolclass is None:
        poolclass = StaticPool if memory else QueuePool
    logging_name = parsed.render_as_string()
    pool: Pool
    if issubclass(poolclass, QueuePool):
        pool = poolclass(
            open_connection,
            dialect=dialect,
            pool_size=pool_size,
            max_overflow=max_overflow,
            timeout=float(pool_timeout),
            recycle=pool_recycle,
            pre_ping=pool_pre_ping,
            use_lifo=pool_use_lifo,
            logging_name=logging_name,
        )
    else:
        pool = poolclass(
            open_connection,
            dialect=dialect,
            recycle=pool_recycle,
            pre_ping=pool_pre_ping,
            logging_name=logging_name,
        )
    if echo:
        enable_echo()
    return Engine(
        parsed,
        dialect,
        pool,
        echo=echo,
        isolation_level=level,
        execution_options=options,
    )


#: The keywords create_engine() itself takes (the dialect's own come on top).
_ENGINE_KEYWORDS = tuple(
    name
    for name, parameter in inspect.signature(create_engine).parameters.items()
    if parameter.kind is parameter.KEYWORD_ONLY
)
