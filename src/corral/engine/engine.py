"""``Engine``: a URL, a dialect and a pool of connections to the database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from corral.engine.base import AUTOCOMMIT, Connection
from corral.engine.default import DefaultDialect
from corral.engine.events import CONNECTION_EVENTS
from corral.engine.stats import EngineStats
from corral.engine.url import URL
from corral.engine.watchdog import IdleWatchdog
from corral.event.dispatch import Dispatch
from corral.pool import Pool
from corral.pool.base import ProxiedConnection
from corral.sql.execution_options import check_connection_options


class Engine:
    """Hands out ``Connection`` objects from its pool; make one with ``create_engine``."""

    #: The idle-in-transaction watchdog (``watchdog.py``); None unless an option set it.
    _watchdog: IdleWatchdog | None = None
    #: The listeners of ConnectionEvents (events.py): of the class or of this engine.
    dispatch: Dispatch = Dispatch(CONNECTION_EVENTS)

    def __init__(
        self,
        url: URL,
        dialect: DefaultDialect,
        pool: Pool,
        *,
        echo: bool | str = False,
        isolation_level: str | None = None,
        execution_options: dict[str, Any] | None = None,
        idle_in_transaction: tuple[float | None, float | None] = (None, None),
        slow_statement_threshold: float | None = None,
    ) -> None:
        self.url = url
        self.dialect = dialect
        self._pool = pool
        #: How create_engine() prepares a new connection (for a pool assigned later).
        self._prepare_connection: Callable[[Any], Any] | None = None
        self.echo = echo
        self._isolation_level = isolation_level
        self._execution_options = dict(execution_options or {})
        #: The level connections are put back to; learned from the first connection
        #: that changes its level when the engine did not set one.
        self._default_isolation_level = isolation_level
        self._lock = threading.Lock()
        if idle_in_transaction != (None, None):
            self._watchdog = IdleWatchdog(self, *idle_in_transaction)
        #: Statements, round trips, rows, time in the database... (``docs/statistics.md``).
        self.stats = EngineStats(pool)
        #: Statements taking at least this many seconds are logged to ``corral.engine.slow``.
        self.slow_statement_threshold = slow_statement_threshold

    @property
    def name(self) -> str:
        """The dialect's name: ``sqlite``, ``postgresql`` or ``mysql``."""
        return self.dialect.name

    @property
    def hide_parameters(self) -> bool:
        """Whether errors and log lines leave statement parameters out (create_engine's)."""
        return self.dialect.hide_parameters

    @property
    def driver(self) -> str:
        return self.dialect.driver

    def get_execution_options(self) -> dict[str, Any]:
        """The options each new Connection starts with (create_engine's execution_options)."""
        return dict(self._execution_options)

    def schema_for_object(self, obj: Any) -> str | None:
        """The schema ``obj`` (a Table) is in for this engine's connections, after its
        ``schema_translate_map`` execution option."""
        schema = getattr(obj, "schema", None)
        schema_map = self._execution_options.get("schema_translate_map")
        if schema_map and schema in schema_map:
            translated: str | None = schema_map[schema]
            return translated
        return schema

    def connect(self) -> Connection:
        """Check out a connection (give it back with ``close()`` or a ``with`` block)."""
        if self._watchdog is None:
            return Connection(self)
        return self._watchdog.connect(self)

    @property
    def pool(self) -> Pool:
        """The pool the engine checks connections out of."""
        return self._pool

    @pool.setter
    def pool(self, pool: Pool) -> None:
        # SQLAlchemy programs swap it: ``engine.pool = StaticPool(creator=...)``. The new
        # pool's connections are then prepared as the engine's own are.
        if not pool._serves_engine and self._prepare_connection is not None:
            pool.serve_engine(self.dialect, self._prepare_connection)
        self._pool = pool

    def raw_connection(self) -> ProxiedConnection:
        """A DB-API connection checked out of the pool (``cursor()``, ``commit()``,
        ``dbapi_connection``, and the DB-API connection's attributes read through);
        ``close()`` gives it back. It runs in the driver's own transactions, as under
        SQLAlchemy: ``rollback()`` undoes what the raw program did since its last
        ``commit()``, and closing without a commit rolls back. (corral's own connections
        run the driver in autocommit mode and send BEGIN themselves.)"""
        connection = self.pool.connect()
        dialect = self.dialect
        if dialect.driver_transactions(connection.dbapi_connection, True):
            connection._before_check_in = partial(dialect.driver_transactions, on=False)
        return ProxiedConnection(connection)

    def execution_options(self, **options: Any) -> OptionEngine:
        """A copy of this Engine, sharing its pool, whose connections carry ``options`` too
        (``isolation_level=`` is set on each connection it hands out, and put back on return)."""
        check_connection_options(options, "Engine.execution_options()")
        if "isolation_level" in options:
            options["isolation_level"] = self.dialect.normalize_isolation_level(
                options["isolation_level"]
            )
        return OptionEngine(self, options)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction that commits at the end of the block (or rolls back)."""
        with self.connect() as connection, connection.begin():
            yield connection

    def dispose(self, close: bool = True) -> None:
        """Close the pool's idle connections; checked-out ones close when given back.

        ``close=False`` forgets them unclosed instead: call it first thing in a
        forked child, whose inherited connections belong to the parent.
        """
        self.pool.dispose(close)
        if self._watchdog is not None:
            self._watchdog.stop()  # the next checkout starts it again

    def _remember_default_isolation(self, connection: Connection) -> None:
        """Learn the database's default level from ``connection`` before it changes it."""
        if self._default_isolation_level is not None:
            return
        level = (
            AUTOCOMMIT
            if connection._autocommit
            else connection._run_control(self.dialect.get_isolation_level)
        )
        with self._lock:
            if self._default_isolation_level is None:
                self._default_isolation_level = level

    def __repr__(self) -> str:
        return f"Engine({self.url})"


class OptionEngine(Engine):
    """What ``Engine.execution_options()`` returns: the same database, dialect and pool,
    with more execution options for its connections (SQLAlchemy's class of the name)."""

    def __init__(self, proxied: Engine, options: dict[str, Any]) -> None:
        # Deliberately not Engine.__init__: the pool, and the isolation level learned from
        # the database, belong to the engine this copies.
        self._proxied = proxied
        # Its engine's listeners apply here, also those added to that engine later (as the
        # separate_tables sharding example does): that engine gets its own dispatch now.
        from corral.event.families import instance_dispatch

        self.dispatch = instance_dispatch(proxied, type(proxied).dispatch.names)._child(self)
        self.url = proxied.url
        self.dialect = proxied.dialect
        self._pool = proxied._pool
        self._prepare_connection = proxied._prepare_connection
        self.echo = proxied.echo
        self.stats = proxied.stats
        self.slow_statement_threshold = proxied.slow_statement_threshold
        self._isolation_level = proxied._isolation_level
        self._execution_options = {**proxied._execution_options, **options}
        self._watchdog = proxied._watchdog

    @property
    def _default_isolation_level(self) -> str | None:  # type: ignore[override]
        return self._proxied._default_isolation_level

    def _remember_default_isolation(self, connection: Connection) -> None:
        self._proxied._remember_default_isolation(connection)

    def connect(self) -> Connection:
        connection = Engine.connect(self)
        level = self._execution_options.get("isolation_level")
        if level is not None and level != self._isolation_level:
            try:
                connection.execution_options(isolation_level=level)
            except BaseException:
                connection.close()
                raise
        return connection
