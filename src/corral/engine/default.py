"""``DefaultDialect``: the driver half of a dialect, shared by the three databases.

A dialect opens DB-API connections, emits transaction control (corral runs
every driver in autocommit mode and sends BEGIN itself, so savepoints and
"nothing left idle in a transaction" behave the same on all databases),
manages isolation levels and turns driver exceptions into corral's.
The driver module is imported on first connect, never when the dialect is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from corral import exc
from corral.engine.url import URL
from corral.sql.compiler.dialect import SQLDialect
from corral.util.arguments import refuse_unknown

if TYPE_CHECKING:
    from corral.engine.reflected import DialectReflection

#: DB-API exception class names, most specific first, and the corral class each becomes.
_DBAPI_CLASSES: tuple[tuple[str, type[exc.DBAPIError]], ...] = (
    ("IntegrityError", exc.IntegrityError),
    ("DataError", exc.DataError),
    # A driver that cannot bind an int (sqlite3 past 64 bits) raises the built-in one.
    ("OverflowError", exc.DataError),
    ("OperationalError", exc.OperationalError),
    ("ProgrammingError", exc.ProgrammingError),
    ("NotSupportedError", exc.NotSupportedError),
    ("InternalError", exc.InternalError),
    ("InterfaceError", exc.InterfaceError),
    ("DatabaseError", exc.DatabaseError),
)

Classification = tuple[type[exc.DBAPIError], str | None]


def classify_by_dbapi_class(error: BaseException) -> type[exc.DBAPIError]:
    """The corral class matching the DB-API class of ``error`` (PEP 249 names)."""
    names = {klass.__name__ for klass in type(error).__mro__}
    for name, corral_class in _DBAPI_CLASSES:
        if name in names:
            return corral_class
    return exc.DBAPIError


def normalize_isolation_level(level: object, supported: frozenset[str]) -> str:
    """``level`` upper-cased with spaces (``read_committed`` -> ``READ COMMITTED``), checked."""
    if not isinstance(level, str):
        raise exc.ArgumentError(
            f"isolation_level must be a string such as 'READ COMMITTED', got {type(level).__name__}"
        )
    normalized = " ".join(level.replace("_", " ").replace("-", " ").upper().split())
    if normalized not in supported:
        raise exc.ArgumentError(
            f"Isolation level {level!r} is not supported here; choose one of "
            f"{', '.join(sorted(supported))}"
        )
    return normalized


class DefaultDialect(SQLDialect):
    """What every driver-backed dialect does; subclasses fill in the driver specifics."""

    #: The DB-API module, imported lazily.
    driver: ClassVar[str]
    #: The ``pip install corral[...]`` extra that installs the driver.
    driver_extra: ClassVar[str | None] = None
    #: Set for a dialect corral only compiles SQL for (printing): why it cannot connect and
    #: what to do instead; create_engine refuses the dialect with it.
    cannot_connect: ClassVar[str | None] = None
    #: Options ``create_engine`` accepts for this dialect, with their types.
    dialect_options: ClassVar[Mapping[str, type]] = {}
    #: Iterating the driver's cursor costs no more than ``fetchall()`` (a C iterator).
    cursor_iteration_is_cheap: ClassVar[bool] = False
    #: Statement that opens a transaction.
    begin_statement: str = "BEGIN"
    #: create_engine(hide_parameters=True): errors and log lines show no parameters.
    hide_parameters: bool = False
    #: The catalog queries behind ``inspect(engine)`` (``dialects/<db>/reflection.py``).
    reflection: ClassVar[DialectReflection]

    def __init__(self, **options: Any) -> None:
        super().__init__()
        for key, value in options.items():
            expected = self.dialect_options.get(key)
            if expected is None:
                raise exc.ArgumentError(
                    f"Unknown option {key!r} for the {self.name} dialect; "
                    f"known options: {', '.join(sorted(self.dialect_options)) or 'none'}"
                )
            if not isinstance(value, expected):
                raise exc.ArgumentError(
                    f"Option {key!r} of the {self.name} dialect must be a "
                    f"{expected.__name__}, got {type(value).__name__}"
                )
        self.options = dict(options)
        self._dbapi: ModuleType | None = None

    # -- the driver --------------------------------------------------------

    @property
    def dbapi(self) -> ModuleType:
        """The DB-API module, imported on first use with a hint naming the extra if missing."""
        if self._dbapi is None:
            try:
                self._dbapi = importlib.import_module(self.driver)
            except ImportError as error:
                hint = f"; install it with: pip install corral[{self.driver_extra}]"
                raise exc.ArgumentError(
                    f"The {self.name} dialect needs the {self.driver!r} driver, which is not "
                    f"installed{hint if self.driver_extra else ''}"
                ) from error
        return self._dbapi

    def has_table(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        """Whether ``table_name`` exists in ``schema`` (None: the connection's default), as
        SQLAlchemy's ``dialect.has_table()``; ``inspect(engine).has_table()`` asks the same."""
        if kw:
            raise exc.ArgumentError(
                f"dialect.has_table() takes connection, table_name and schema=; got "
                f"{', '.join(sorted(kw))}"
            )
        return bool(self.reflection.has_table(connection, table_name, schema))

    def create_connect_args(self, url: URL) -> dict[str, Any]:
        """Keyword arguments for the driver's ``connect()`` from ``url``."""
        raise NotImplementedError

    def connect_keywords(self) -> frozenset[str] | None:
        """The keyword arguments the driver's ``connect()`` takes (None: not known here)."""
        return None

    def check_connect_args(self, args: Mapping[str, Any]) -> None:
        """Refuse, before any connection, a URL query option or connect_args key the driver
        does not take."""
        known = self.connect_keywords()
        if known is not None:
            what = f"The {self.driver} driver's connect() (URL query options and connect_args)"
            refuse_unknown(what, args, known)

    def is_unreachable(self, error: BaseException) -> bool:
        """Whether failing to connect raised ``error`` because the server refused, could not
        be reached, or was starting up or shutting down (``DatabaseUnavailable``)."""
        return False

    def connect_error_hint(self, error: BaseException) -> str | None:
        """What to check, when failing to connect raised ``error`` (None: nothing to add)."""
        return None

    def is_memory_database(self, url: URL) -> bool:
        """Whether ``url`` names a private in-memory database (served by one shared connection)."""
        return False

    def connect(self, connect_args: Mapping[str, Any]) -> Any:
        """A new DB-API connection, prepared by ``on_connect``."""
        connection = self.dbapi.connect(**connect_args)
        try:
            self.on_connect(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    #: Connect arguments that put a connection in corral's mode (the driver leaves
    #: transactions to corral); ``adopt_connection`` sets the same on a connection.
    corral_mode_args: ClassVar[frozenset[str]] = frozenset()

    def connect_as_driver_does(self, connect_args: Mapping[str, Any]) -> Any:
        """A new DB-API connection in the driver's default mode (what SQLAlchemy programs
        get from ``engine.pool._creator()``); the pool prepares the ones it opens."""
        driver_args = {k: v for k, v in connect_args.items() if k not in self.corral_mode_args}
        return self.dbapi.connect(**driver_args)

    def on_connect(self, dbapi_connection: Any) -> None:
        """Settings applied to each new DB-API connection."""

    def adopt_connection(self, dbapi_connection: Any) -> None:
        """Check a DB-API connection made by ``create_engine(creator=...)`` and put it in the
        mode ``connect()`` opens connections in (``on_connect`` runs after this)."""
        connection_class = getattr(self.dbapi, "Connection", None)
        if connection_class is not None and not isinstance(dbapi_connection, connection_class):
            raise exc.ArgumentError(
                f"create_engine(creator=...) returned {type(dbapi_connection).__name__} "
                f"{dbapi_connection!r}; the {self.name} dialect drives {self.driver} "
                f"connections: return {self.driver}.connect(...) from the creator"
            )

    # -- running control statements ----------------------------------------

    def run(self, dbapi_connection: Any, sql: str) -> None:
        """Execute one control statement that returns no rows."""
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def fetch_value(self, dbapi_connection: Any, sql: str) -> Any:
        """Execute a query and return the first column of its first row."""
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else row[0]

    def begin_sql(self, write_lock: bool = False) -> str:
        """The statement opening a transaction; ``write_lock`` asks for the write lock up front."""
        return self.begin_statement

    def do_begin(self, dbapi_connection: Any, write_lock: bool = False) -> None:
        self.run(dbapi_connection, self.begin_sql(write_lock))

    def do_execute(
        self, cursor: Any, sql: str, args: Any, many: bool, returning: bool = False
    ) -> None:
        """Run one statement on ``cursor`` (``args`` a list of parameter sets when ``many``;
        ``returning``: keep each set's RETURNING rows, see ``do_executemany_returning``)."""
        if many and returning:
            self.do_executemany_returning(cursor, sql, args)
        elif many:
            cursor.executemany(sql, args)
        elif args is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, args)

    def executemany_round_trips(self, sql: str, sets: int) -> int:
        """Round trips an executemany of ``sets`` parameter sets costs (for the stats)."""
        return 1

    def begins_at_first_write(self) -> bool:
        """Whether a transaction's BEGIN waits for its first statement that writes.

        Statements that only read run before it on their own, each seeing the
        latest committed data (the SQLite dialect's default, see its module).
        """
        return False

    def runs_before_begin(self, dbapi_connection: Any, kind: str, sql: str) -> bool:
        """Whether a transaction's first statement (compiled kind, or ``"text"``) runs
        without BEGIN: only where ``begins_at_first_write()`` and it only reads."""
        return False

    def do_executemany_returning(self, cursor: Any, sql: str, args: Any) -> None:
        """An executemany whose every RETURNING result stays readable (``nextset()``).

        Only for dialects whose ``features.executemany_returning`` is ``"driver"``.
        """
        raise exc.InvalidRequestError(
            f"The {self.name} driver cannot keep RETURNING rows of an executemany; its "
            "features.executemany_returning must not be 'driver'"
        )

    #: Whether BEGIN sent along with a statement (``begins_with_statement()``) shares its
    #: round trip (a pipeline) rather than costing one of its own.
    pipelines_begin = True

    def begins_with_statement(self) -> bool:
        """Whether BEGIN can travel with the transaction's first statement (one round trip)."""
        return False

    #: The server opens a transaction at its first statement by itself, so a BEGIN left to
    #: go with that statement (``begins_with_statement``) is not sent at all.
    implicit_begin: ClassVar[bool] = False

    def do_execute_after_begin(
        self,
        dbapi_connection: Any,
        cursor: Any,
        begin_sql: str,
        sql: str,
        args: Any,
        many: bool,
        returning: bool = False,
    ) -> None:
        """BEGIN, then the statement, sent together (where ``begins_with_statement()``)."""
        self.do_execute_after(dbapi_connection, cursor, (begin_sql,), sql, args, many, returning)

    def do_execute_after(
        self,
        dbapi_connection: Any,
        cursor: Any,
        controls: Sequence[str],
        sql: str,
        args: Any,
        many: bool,
        returning: bool = False,
    ) -> None:
        """Control statements (BEGIN, SET LOCAL ...), then the statement; in one round trip
        where the driver can (``begins_with_statement()``), else one by one."""
        for control in controls:
            self.run(dbapi_connection, control)
        self.do_execute(cursor, sql, args, many, returning)

    def commits_with_statement(self, dbapi_connection: Any = None) -> bool:
        """Whether ``do_execute_then_commit`` writes the statement and COMMIT at once (one
        round trip), on ``dbapi_connection`` where one is given: a Session's commit whose
        flush is one INSERT asks for it."""
        return False

    def closed_by_server(self, dbapi_connection: Any) -> BaseException | None:
        """The driver's error if the server has already closed the connection (it
        restarted while the connection sat in the pool), seen without waiting; None
        where it has not, or where that cannot be told."""
        return None

    def do_execute_then_commit(
        self,
        dbapi_connection: Any,
        cursor: Any,
        controls: Sequence[str],
        sql: str,
        args: Any,
        returning: bool = False,
    ) -> BaseException | None:
        """The statement (after ``controls``: a BEGIN left to go with it...), then COMMIT.

        Raises the statement's error (the transaction is then still open, to roll back);
        returns the COMMIT's, not raised: the statement ran, and the transaction ended
        without it."""
        if controls:
            self.do_execute_after(dbapi_connection, cursor, controls, sql, args, False, returning)
        else:
            self.do_execute(cursor, sql, args, False, returning)
        try:
            self.do_commit(dbapi_connection)
        except Exception as error:
            return error
        return None

    def do_commit(self, dbapi_connection: Any) -> None:
        dbapi_connection.commit()

    def do_rollback(self, dbapi_connection: Any) -> None:
        """Roll back whatever is open; harmless outside a transaction (used by the pool too)."""
        dbapi_connection.rollback()

    def do_rollback_on_return(self, dbapi_connection: Any) -> None:
        """The pool's reset of a connection it takes back (a dialect may write the ROLLBACK
        and leave its answer to ``do_settle``)."""
        self.do_rollback(dbapi_connection)

    def resets_without_waiting(self) -> bool:
        """Whether ``do_rollback_on_return`` leaves the ROLLBACK's answer unread."""
        return False

    def do_settle(self, dbapi_connection: Any) -> None:
        """Finish what ``do_rollback_on_return`` left, before the connection is checked out
        again (nothing here)."""

    def do_close(self, dbapi_connection: Any) -> None:
        dbapi_connection.close()

    def do_ping(self, dbapi_connection: Any) -> bool:
        """Whether the connection still reaches the database."""
        try:
            self.fetch_value(dbapi_connection, "SELECT 1")
        except Exception:
            return False
        return True

    # Savepoint names are made by corral (``corral_sp_<n>``) and never need quoting.

    def do_savepoint(self, dbapi_connection: Any, name: str) -> None:
        self.run(dbapi_connection, f"SAVEPOINT {name}")

    def do_release_savepoint(self, dbapi_connection: Any, name: str) -> None:
        self.run(dbapi_connection, f"RELEASE SAVEPOINT {name}")

    def do_rollback_to_savepoint(self, dbapi_connection: Any, name: str) -> None:
        self.run(dbapi_connection, f"ROLLBACK TO SAVEPOINT {name}")

    def native_placeholders(self, sql: str) -> str | None:
        """``sql`` (compiled, in the driver's paramstyle) with the database's own
        positional placeholders, for ``native_cursor``; None where the driver has no
        cursor that takes them (the multi-row INSERTs then go as compiled)."""
        return None

    def native_cursor(self, dbapi_connection: Any) -> Any:
        """A cursor that sends SQL from ``native_placeholders`` as it is, its parameters a
        flat sequence (the driver parses nothing: a multi-row INSERT of 1,000 rows is
        thousands of placeholders)."""
        raise NotImplementedError

    def streaming_cursor(self, dbapi_connection: Any) -> Any:
        """A cursor that reads rows from the database as they are fetched
        (``stream_results=True``); the driver's plain cursor where that already holds."""
        return dbapi_connection.cursor()

    def install_row_class(self, cursor: Any, row_class: type) -> bool:
        """Have ``cursor`` build ``row_class`` rows itself; False when the driver cannot."""
        return False

    # -- isolation levels --------------------------------------------------

    def normalize_isolation_level(self, level: object) -> str:
        return normalize_isolation_level(level, self.features.isolation_levels)

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        """Make ``level`` (not AUTOCOMMIT, which the engine handles) the session's default."""
        raise NotImplementedError

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        """The session's isolation level as the database reports it, e.g. ``READ COMMITTED``."""
        raise NotImplementedError

    def driver_transactions(self, dbapi_connection: Any, on: bool) -> bool:
        """Switch the driver's own transaction handling on for a raw DB-API checkout
        (``engine.raw_connection()``: a raw program's ``rollback()`` must undo its work, as
        under SQLAlchemy) or back off; whether anything was switched. Nothing to do where
        the server opens transactions itself (MariaDB)."""
        return False

    def set_autocommit(self, dbapi_connection: Any, autocommit: bool) -> None:
        """Put the connection in the database's own autocommit mode (for corral's AUTOCOMMIT
        level) or out of it. Nothing to do where the driver always autocommits and corral
        sends BEGIN; a dialect whose server opens transactions itself (``implicit_begin``)
        switches the server's mode."""

    # -- errors ------------------------------------------------------------

    def is_disconnect(self, error: BaseException) -> bool:
        """Whether ``error`` means the connection is gone."""
        return False

    def classify_error(self, error: BaseException) -> Classification:
        """The corral exception class for a driver error, and the constraint it names if any."""
        return classify_by_dbapi_class(error), None

    def is_dbapi_error(self, error: BaseException) -> bool:
        """Whether ``error`` comes from the driver (and so should be wrapped)."""
        if self._dbapi is None:
            return False
        if isinstance(error, OverflowError):
            return True  # a value the driver could not bind or convert
        base = getattr(self._dbapi, "Error", None)
        return isinstance(base, type) and isinstance(error, base)

    def wrap_error(
        self,
        error: BaseException,
        statement: str | None,
        params: Any,
        *,
        invalidated: bool = False,
        during_commit: bool = False,
    ) -> exc.DBAPIError:
        """``error`` as a corral exception carrying the statement and parameters."""
        if during_commit and invalidated:
            return exc.CommitOutcomeUnknownError(
                statement,
                params,
                error,
                connection_invalidated=True,
                hide_parameters=self.hide_parameters,
                message=(
                    f"The connection failed while COMMIT was in flight, so the transaction "
                    f"may or may not have been saved; check before doing the work again. "
                    f"({type(error).__name__}) {error}".rstrip()
                ),
            )
        corral_class, constraint = self.classify_error(error)
        return corral_class(
            statement,
            params,
            error,
            connection_invalidated=invalidated,
            constraint_name=constraint,
            hide_parameters=self.hide_parameters,
        )
