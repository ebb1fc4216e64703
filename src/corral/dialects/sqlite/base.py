"""The SQLite dialect, through the standard library's ``sqlite3``.

The driver runs in autocommit mode (``isolation_level=None``) so that its
legacy implicit transactions never interfere: corral sends BEGIN (or BEGIN
IMMEDIATE), SAVEPOINT, RELEASE and ROLLBACK TO itself, and a rolled-back
savepoint really undoes its work.

SQLite has one writer at a time per file. So that a session that only reads
never makes another session's commit wait (nor fail with ``DatabaseBusy``), by
default (``sqlite_begin="on_write"``) a transaction's BEGIN waits for its first
statement that writes (or a locking read, or a SAVEPOINT) and is then ``BEGIN
IMMEDIATE``: the transaction takes the write lock, waiting up to the busy
timeout for another writer, and sees the latest committed data, so a version
check in its UPDATE finds a concurrent change (``StaleDataError``). Reads
before it run on their own, each seeing the latest committed data. A file
database is put in write-ahead-log mode (``sqlite_wal``), where readers and
the writer never wait for each other.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any, ClassVar

from corral import exc
from corral.dialects.sqlite import errors
from corral.dialects.sqlite.compiler import SQLiteDDLCompiler, SQLiteStatementCompiler
from corral.dialects.sqlite.features import FEATURES
from corral.dialects.sqlite.reflection import SQLiteReflection
from corral.dialects.sqlite.types import SQLiteTypeCompiler
from corral.engine.default import Classification, DefaultDialect
from corral.engine.url import URL

#: URL query options converted from text to what ``sqlite3.connect`` expects.
_QUERY_CONVERTERS: dict[str, type] = {
    "timeout": float,
    "detect_types": int,
    "cached_statements": int,
    "uri": bool,
}
#: The keyword arguments of ``sqlite3.connect``.
_CONNECT_KEYWORDS = frozenset(
    {"database", "timeout", "detect_types", "isolation_level", "check_same_thread"}
    | {"factory", "cached_statements", "uri"}
    | ({"autocommit"} if sys.version_info >= (3, 12) else set())
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _convert(key: str, value: str | tuple[str, ...]) -> Any:
    if isinstance(value, tuple):
        raise exc.ArgumentError(f"SQLite URL option {key!r} was given more than once")
    kind = _QUERY_CONVERTERS.get(key)
    if kind is None:
        raise exc.ArgumentError(
            f"Unknown SQLite URL option {key!r}; "
            f"known options: {', '.join(sorted(_QUERY_CONVERTERS))}"
        )
    if kind is bool:
        if value.lower() not in _TRUE | _FALSE:
            raise exc.ArgumentError(
                f"SQLite URL option {key!r} must be true or false, got {value!r}"
            )
        return value.lower() in _TRUE
    try:
        return kind(value)
    except ValueError:
        raise exc.ArgumentError(
            f"SQLite URL option {key!r} must be a {kind.__name__}, got {value!r}"
        ) from None


#: ``sqlite_begin`` values: when a transaction sends BEGIN, and which.
BEGIN_MODES = {
    "on_write": "BEGIN IMMEDIATE at the first statement that writes; reads before it run alone",
    "deferred": "BEGIN at the first statement, taking the write lock at the first write",
    "immediate": "BEGIN IMMEDIATE at the first statement: every transaction takes the write lock",
}
#: The first keyword of SQL text that only reads (PRAGMA only without ``=``).
_READ_KEYWORDS = frozenset({"SELECT", "VALUES", "EXPLAIN", "PRAGMA"})
_FIRST_KEYWORD = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*(\w+)", re.DOTALL)
_WRITE_KEYWORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def text_writes(sql: str) -> bool:
    """Whether SQL text may write: anything but SELECT, VALUES, EXPLAIN, a PRAGMA that
    sets nothing, and a WITH query naming no INSERT, UPDATE, DELETE or REPLACE."""
    match = _FIRST_KEYWORD.match(sql)
    keyword = match.group(1).upper() if match else ""
    if keyword == "WITH":
        return _WRITE_KEYWORD.search(sql) is not None
    if keyword == "PRAGMA":
        return "=" in sql
    return keyword not in _READ_KEYWORDS


class SQLiteDialect(DefaultDialect):
    """SQLite through ``sqlite3``: foreign keys on, WAL for files, BEGIN at the first write."""

    corral_mode_args = frozenset({"isolation_level"})

    name = "sqlite"
    driver = "sqlite3"
    driver_extra = None
    features = FEATURES
    statement_compiler = SQLiteStatementCompiler
    ddl_compiler = SQLiteDDLCompiler
    type_compiler = SQLiteTypeCompiler
    reflection = SQLiteReflection()
    cursor_iteration_is_cheap = True
    dialect_options: ClassVar[Mapping[str, type]] = {
        #: When a transaction begins: "on_write" (default), "deferred" or "immediate".
        "sqlite_begin": str,
        #: Write-ahead-log mode for a file database: on by default; False keeps the file's.
        "sqlite_wal": bool,
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        mode = self.options.get("sqlite_begin", "on_write")
        if mode not in BEGIN_MODES:
            choices = "; ".join(f"{name!r}: {what}" for name, what in BEGIN_MODES.items())
            raise exc.ArgumentError(f"sqlite_begin={mode!r} is not a choice; use {choices}")
        self.begin_mode: str = mode
        self.begin_statement = "BEGIN" if mode == "deferred" else "BEGIN IMMEDIATE"
        #: Whether on_connect puts the database in WAL mode (decided with the URL).
        self._wal = False

    def begin_sql(self, write_lock: bool = False) -> str:
        # A locking read (FOR UPDATE, which SQLite lacks) takes the database's write lock.
        return "BEGIN IMMEDIATE" if write_lock else self.begin_statement

    def begins_at_first_write(self) -> bool:
        return self.begin_mode == "on_write"

    def runs_before_begin(self, dbapi_connection: Any, kind: str, sql: str) -> bool:
        if self.begin_mode != "on_write":
            return False
        # On a shared memory database, another Connection of this thread may have a
        # transaction open: a read runs in it (the Connection refused other threads).
        return kind == "select" or (kind == "text" and not text_writes(sql))

    def do_begin(self, dbapi_connection: Any, write_lock: bool = False) -> None:
        if dbapi_connection.in_transaction:
            self._refuse_shared_transaction()
        super().do_begin(dbapi_connection, write_lock)

    def _refuse_shared_transaction(self) -> None:
        # Connections sharing a memory database take part in its one transaction instead
        # of beginning another (pool/shared.py); only a transaction corral did not begin
        # (BEGIN sent as SQL text) gets here.
        raise exc.InvalidRequestError(
            "This SQLite connection is already in a transaction corral did not begin (a "
            "BEGIN sent as SQL text?); end it with COMMIT or ROLLBACK, or let corral begin "
            "transactions (connection.begin(), or just execute)"
        )

    def create_connect_args(self, url: URL) -> dict[str, Any]:
        if url.host or url.port or url.username or url.password:
            raise exc.ArgumentError(
                f"A SQLite URL names a file, not a server: {url}; write sqlite:///relative.db, "
                "sqlite:////absolute/path.db or sqlite:// for a memory database"
            )
        args: dict[str, Any] = {key: _convert(key, value) for key, value in url.query.items()}
        args["database"] = url.database or ":memory:"
        args["isolation_level"] = None
        args["check_same_thread"] = False
        self._wal = self.options.get("sqlite_wal", True) and not self.is_memory_database(url)
        return args

    def connect_keywords(self) -> frozenset[str]:
        return _CONNECT_KEYWORDS

    def is_memory_database(self, url: URL) -> bool:
        database = url.database or ":memory:"
        return database == ":memory:" or "mode=memory" in database

    def adopt_connection(self, dbapi_connection: Any) -> None:
        super().adopt_connection(dbapi_connection)
        # corral sends BEGIN and SAVEPOINT itself: the driver must not open transactions.
        if getattr(dbapi_connection, "autocommit", None) is False:
            dbapi_connection.autocommit = True
        dbapi_connection.isolation_level = None

    def driver_transactions(self, dbapi_connection: Any, on: bool) -> bool:
        """sqlite3's own transactions (a BEGIN before each first INSERT, UPDATE or DELETE, as
        its default mode does), unless a corral transaction is open on a shared memory
        connection: that one stays as it is. Off again: setting ``isolation_level = None``
        would commit an open transaction, so that is rolled back first."""
        if on:
            if dbapi_connection.in_transaction:
                return False
            dbapi_connection.isolation_level = ""
            return True
        if dbapi_connection.in_transaction:
            dbapi_connection.rollback()
        dbapi_connection.isolation_level = None
        return True

    def on_connect(self, dbapi_connection: Any) -> None:
        self.run(dbapi_connection, "PRAGMA foreign_keys = ON")
        if not self._wal:
            return
        try:
            self.fetch_value(dbapi_connection, "PRAGMA journal_mode = WAL")
        except self.dbapi.OperationalError as error:
            # A read-only file keeps its journal mode unless WAL was asked for by name.
            if "sqlite_wal" in self.options or "readonly" not in str(error):
                raise

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        flag = 1 if level == "READ UNCOMMITTED" else 0
        self.run(dbapi_connection, f"PRAGMA read_uncommitted = {flag}")

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        flag = self.fetch_value(dbapi_connection, "PRAGMA read_uncommitted")
        return "READ UNCOMMITTED" if flag else "SERIALIZABLE"

    def is_disconnect(self, error: BaseException) -> bool:
        return errors.is_disconnect(error)

    def classify_error(self, error: BaseException) -> Classification:
        return errors.classify(error)
