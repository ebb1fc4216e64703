"""The SQLite dialect, through the standard library's ``sqlite3``.

The driver runs in autocommit mode (``isolation_level=None``) so that its
legacy implicit transactions never interfere: corral sends BEGIN (or BEGIN
IMMEDIATE), SAVEPOINT, RELEASE and ROLLBACK TO itself, and a rolled-back
savepoint really undoes its work.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, ClassVar

from corral import exc
from corral.dialects.sqlite import errors
from corral.dialects.sqlite.compiler import SQLiteDDLCompiler, SQLiteStatementCompiler
from corral.dialects.sqlite.features import FEATURES
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


class SQLiteDialect(DefaultDialect):
    """SQLite through ``sqlite3``: foreign keys on, optional BEGIN IMMEDIATE and WAL."""

    name = "sqlite"
    driver = "sqlite3"
    driver_extra = None
    features = FEATURES
    statement_compiler = SQLiteStatementCompiler
    ddl_compiler = SQLiteDDLCompiler
    type_compiler = SQLiteTypeCompiler
    cursor_iteration_is_cheap = True
    dialect_options: ClassVar[Mapping[str, type]] = {
        #: Start write transactions with BEGIN IMMEDIATE (take the write lock up front).
        "sqlite_begin_immediate": bool,
        #: Put a file database in write-ahead-log mode on connect.
        "sqlite_wal": bool,
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if self.options.get("sqlite_begin_immediate"):
            self.begin_statement = "BEGIN IMMEDIATE"

    def begin_sql(self, write_lock: bool = False) -> str:
        # A locking read (FOR UPDATE, which SQLite lacks) takes the database's write lock.
        return "BEGIN IMMEDIATE" if write_lock else self.begin_statement

    def do_begin(self, dbapi_connection: Any, write_lock: bool = False) -> None:
        if dbapi_connection.in_transaction:
            raise exc.InvalidRequestError(
                "This SQLite connection is already in a transaction begun by another "
                "Connection: a sqlite:// memory database is one connection shared by all of "
                "the engine's Connections, so only one of them can be in a transaction at a "
                "time. Finish the other transaction first, or use a file database "
                "(sqlite:///file.db) for concurrent connections."
            )
        super().do_begin(dbapi_connection, write_lock)

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
        return args

    def connect_keywords(self) -> frozenset[str]:
        return _CONNECT_KEYWORDS

    def is_memory_database(self, url: URL) -> bool:
        database = url.database or ":memory:"
        return database == ":memory:" or "mode=memory" in database

    def on_connect(self, dbapi_connection: Any) -> None:
        self.run(dbapi_connection, "PRAGMA foreign_keys = ON")
        if self.options.get("sqlite_wal"):
            self.fetch_value(dbapi_connection, "PRAGMA journal_mode = WAL")

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
