"""The MariaDB / MySQL dialect, through PyMySQL.

The session runs with the server's autocommit off, and corral sends no BEGIN:
the server opens a transaction at the first statement that touches a table, so a
short transaction costs its statements and its COMMIT or ROLLBACK, no round trip
more (PostgreSQL gets the same by pipelining BEGIN). Statements that touch no
table (``SET``, ``SELECT @@...``, which corral runs on a connection outside its
transactions) open none. A transaction that starts with a SAVEPOINT still sends
BEGIN first. The AUTOCOMMIT isolation level turns the server's autocommit on for
that connection. PyMySQL's copy of the server status is refreshed by OK packets
only, not by a result set, so it cannot tell that a SELECT opened a transaction:
the connection carries its own mark (``IMPLICIT_MARK``) from the first statement
to the COMMIT or ROLLBACK, and ROLLBACK is sent when either says one is open.
``rowcount`` counts matched rows (the FOUND_ROWS client flag), as the other
databases do.

Each new connection adds ``STRICT_ALL_TABLES`` to its session ``sql_mode``
(keeping the modes already set): without a strict mode the server cuts a
value that is too long or out of range to fit, with only a warning. Strict
mode turns that into an error (``DataError``), for every storage engine.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from corral import exc
from corral.dialects.mysql import errors, galera, tls
from corral.dialects.mysql.compiler import MySQLDDLCompiler, MySQLStatementCompiler
from corral.dialects.mysql.features import FEATURES
from corral.dialects.mysql.reflection import MySQLReflection
from corral.dialects.mysql.types import MySQLTypeCompiler
from corral.engine.default import Classification, DefaultDialect
from corral.engine.network import (
    TCP_DEFAULTS,
    apply_tcp_settings,
    pop_tcp_settings,
    with_tcp_defaults,
)
from corral.engine.url import URL

#: PyMySQL ``connect()`` options that take a number, when given in the URL query.
_INT_OPTIONS = frozenset(
    {
        "connect_timeout",
        "read_timeout",
        "write_timeout",
        "client_flag",
        galera.SYNC_WAIT,
        *TCP_DEFAULTS,
    }
)
#: The FOUND_ROWS client capability flag (``pymysql.constants.CLIENT.FOUND_ROWS``).
_CLIENT_FOUND_ROWS = 2
#: The server status bit saying a transaction is open (``SERVER_STATUS_IN_TRANS``).
_SERVER_STATUS_IN_TRANS = 1
#: The attribute set on a PyMySQL connection whose transaction the server opened by itself.
IMPLICIT_MARK = "_corral_implicit_transaction"
#: Set on a connection whose ROLLBACK was written at check-in and its answer not read.
UNREAD_MARK = "_corral_rollback_unread"
#: PyMySQL's COM_QUERY command (``pymysql.constants.COMMAND.COM_QUERY``).
COM_QUERY = 3
#: The two steps of PyMySQL's ``Connection.rollback()``, which the pool's reset splits.
PYMYSQL_ROLLBACK_STEPS = ("_execute_command", "_read_ok_packet")


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether a transaction is open, by the server's last status or corral's mark."""
    return bool(
        dbapi_connection.server_status & _SERVER_STATUS_IN_TRANS
        or getattr(dbapi_connection, IMPLICIT_MARK, False)
    )


#: Adds STRICT_ALL_TABLES to the session's sql_mode, keeping the modes already set.
_STRICT_SQL_MODE = (
    "SET SESSION sql_mode = IF(FIND_IN_SET('STRICT_ALL_TABLES', @@session.sql_mode) > 0, "
    "@@session.sql_mode, CONCAT_WS(',', NULLIF(@@session.sql_mode, ''), 'STRICT_ALL_TABLES'))"
)


class MySQLDialect(DefaultDialect):
    """MariaDB and MySQL through PyMySQL, utf8mb4; the server opens each transaction itself."""

    corral_mode_args = frozenset({"autocommit"})

    name = "mysql"
    driver = "pymysql"
    driver_extra = "mysql"
    features = FEATURES
    statement_compiler = MySQLStatementCompiler
    ddl_compiler = MySQLDDLCompiler
    type_compiler = MySQLTypeCompiler
    reflection = MySQLReflection()

    def create_connect_args(self, url: URL) -> dict[str, Any]:
        if not isinstance(url.query.get("host", ""), str) or "," in (url.host or ""):
            raise exc.ArgumentError(
                f"The URL {url} lists several hosts; PyMySQL connects to one. For a Galera "
                "cluster, give each node an engine of its own (or put a proxy in front)"
            )
        query = {key: v if isinstance(v, str) else v[-1] for key, v in url.query.items()}
        args: dict[str, Any] = tls.pop_url_tls(query)  # ssl_ca=... -> PyMySQL's ssl settings
        for key, text in query.items():
            if key in _INT_OPTIONS:
                try:
                    args[key] = int(text)
                except ValueError:
                    raise exc.ArgumentError(
                        f"MySQL URL option {key!r} must be a number, got {text!r}"
                    ) from None
            else:
                args[key] = text
        parts = {
            "host": url.host,
            "port": url.port,
            "user": url.username,
            "password": url.password,
            "database": url.database,
        }
        args.update({key: value for key, value in parts.items() if value is not None})
        args.setdefault("charset", "utf8mb4")
        args["client_flag"] = args.get("client_flag", 0) | _CLIENT_FOUND_ROWS
        args["autocommit"] = False
        args["binary_prefix"] = False
        # No read_timeout by default: it would cut off a legitimately long query.
        return with_tcp_defaults(args)

    def connect_as_driver_does(self, connect_args: Mapping[str, Any]) -> Any:
        args = dict(connect_args)
        pop_tcp_settings(args)  # corral's socket settings, not PyMySQL keywords
        galera.apply_sync_wait(args)
        return super().connect_as_driver_does(args)

    def connect(self, connect_args: Mapping[str, Any]) -> Any:
        """A PyMySQL connection with corral's keepalive and user-timeout settings on its socket."""
        args = dict(connect_args)
        settings = pop_tcp_settings(args)
        galera.apply_sync_wait(args)
        connection = super().connect(args)
        try:
            apply_tcp_settings(getattr(connection, "_sock", None), settings)
        except BaseException:
            connection.close()
            raise
        return connection

    def adopt_connection(self, dbapi_connection: Any) -> None:
        super().adopt_connection(dbapi_connection)
        if not getattr(dbapi_connection, "client_flag", 0) & _CLIENT_FOUND_ROWS:
            # Without it an UPDATE that changes nothing counts no row, and a flush would
            # report the row as gone (StaleDataError).
            raise exc.ArgumentError(
                "create_engine(creator=...) returned a pymysql connection without the "
                "FOUND_ROWS flag, which corral needs to count the rows an UPDATE matched; "
                "connect with client_flag=pymysql.constants.CLIENT.FOUND_ROWS"
            )
        dbapi_connection.autocommit(False)  # the server opens transactions (module docstring)

    def on_connect(self, dbapi_connection: Any) -> None:
        self.run(dbapi_connection, _STRICT_SQL_MODE)

    def connect_keywords(self) -> frozenset[str] | None:
        try:
            import pymysql
        except ImportError:  # the missing driver is reported when connecting
            return None
        parameters = inspect.signature(pymysql.connections.Connection.__init__).parameters
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return None  # this PyMySQL takes any keyword: let it judge when connecting
        return frozenset(name for name in parameters if name != "self") | {
            *TCP_DEFAULTS,
            galera.SYNC_WAIT,
        }

    def executemany_round_trips(self, sql: str, sets: int) -> int:
        """PyMySQL sends an INSERT's rows as one multi-row statement, anything else once
        per parameter set."""
        import pymysql.cursors

        return 1 if pymysql.cursors.RE_INSERT_VALUES.match(sql) else sets

    implicit_begin = True

    def begins_with_statement(self) -> bool:
        """BEGIN is left to go with the first statement, where the server begins by itself."""
        return True

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
        """The statement alone: with autocommit off it opens the transaction itself."""
        self.begin_implicitly(dbapi_connection, begin_sql)
        self.do_execute(cursor, sql, args, many, returning)

    def begin_implicitly(self, dbapi_connection: Any, begin_sql: str) -> None:
        """Mark the transaction the next statement opens; send ``begin_sql`` only if the
        server would not open one (its autocommit is on: a connection changed behind
        corral's back)."""
        if dbapi_connection.get_autocommit():
            self.run(dbapi_connection, begin_sql)
        setattr(dbapi_connection, IMPLICIT_MARK, True)

    def set_autocommit(self, dbapi_connection: Any, autocommit: bool) -> None:
        dbapi_connection.autocommit(autocommit)  # PyMySQL sends nothing when already so

    def do_commit(self, dbapi_connection: Any) -> None:
        dbapi_connection.commit()
        setattr(dbapi_connection, IMPLICIT_MARK, False)

    def do_rollback(self, dbapi_connection: Any) -> None:
        """ROLLBACK only when a transaction is open, by the server's last status or our mark
        (PyMySQL would send it anyway: a round trip each time the pool takes one back)."""
        if _in_transaction(dbapi_connection):
            dbapi_connection.rollback()
            setattr(dbapi_connection, IMPLICIT_MARK, False)

    def resets_without_waiting(self) -> bool:
        """PyMySQL's ``rollback()`` is its two steps, sending and reading the OK packet:
        the pool's reset sends, and the next checkout reads (when both steps are there)."""
        supported: bool | None = self.__dict__.get("_rollback_splits")
        if supported is None:
            connections = getattr(self.dbapi, "connections", None)
            supported = self.__dict__["_rollback_splits"] = all(
                hasattr(getattr(connections, "Connection", None), step)
                for step in PYMYSQL_ROLLBACK_STEPS
            )
        return supported

    def do_rollback_on_return(self, dbapi_connection: Any) -> None:
        """ROLLBACK written and not waited for (the server ends the transaction, and lets
        go of its locks, on reading it); ``do_settle`` reads the answer at the next checkout."""
        if not self.resets_without_waiting():
            self.do_rollback(dbapi_connection)
        elif _in_transaction(dbapi_connection):
            dbapi_connection._execute_command(COM_QUERY, "ROLLBACK")
            setattr(dbapi_connection, IMPLICIT_MARK, False)
            setattr(dbapi_connection, UNREAD_MARK, True)

    def do_settle(self, dbapi_connection: Any) -> None:
        """Read the OK packet of a ROLLBACK written at check-in (the server's error if it
        failed, PyMySQL's OperationalError if the connection was lost meanwhile)."""
        if getattr(dbapi_connection, UNREAD_MARK, False):
            setattr(dbapi_connection, UNREAD_MARK, False)
            dbapi_connection._read_ok_packet()

    def check_connect_args(self, args: Mapping[str, Any]) -> None:
        super().check_connect_args(args)
        tls.check_tls_args(args)
        galera.check_sync_wait(dict(args))

    def is_unreachable(self, error: BaseException) -> bool:
        return errors.is_unreachable(error)

    def connect_error_hint(self, error: BaseException) -> str | None:
        return tls.verify_failure_hint(error)

    def streaming_cursor(self, dbapi_connection: Any) -> Any:
        """PyMySQL's unbuffered cursor: rows come off the socket as they are fetched. Until
        the result is read to its end (or closed) the connection runs nothing else."""
        import pymysql.cursors

        return dbapi_connection.cursor(pymysql.cursors.SSCursor)

    def do_ping(self, dbapi_connection: Any) -> bool:
        try:
            dbapi_connection.ping(reconnect=False)
        except Exception:
            return False
        return True

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        self.run(dbapi_connection, f"SET SESSION TRANSACTION ISOLATION LEVEL {level}")

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        try:
            value = self.fetch_value(dbapi_connection, "SELECT @@session.transaction_isolation")
        except self.dbapi.Error:
            # MariaDB before 11.1 knows only the older name.
            value = self.fetch_value(dbapi_connection, "SELECT @@session.tx_isolation")
        if isinstance(value, bytes):
            value = value.decode()
        return str(value).replace("-", " ").upper()

    def is_disconnect(self, error: BaseException) -> bool:
        return errors.is_disconnect(error)

    def classify_error(self, error: BaseException) -> Classification:
        return errors.classify(error)


class MariaDBDialect(MySQLDialect):
    """MariaDB (``mariadb://`` URLs): the MySQL dialect under its own name."""
