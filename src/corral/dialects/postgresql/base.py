"""The PostgreSQL dialect, through psycopg 3.

Connections run in psycopg's autocommit mode and corral sends BEGIN itself,
so a connection outside a corral transaction is never left idle in one. BEGIN
goes out together with the transaction's first statement, in one libpq pipeline
written at once (``pipeline.py``), so it costs no round trip of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from corral import exc
from corral.dialects.postgresql import errors, pipeline
from corral.dialects.postgresql.compiler import PostgreSQLDDLCompiler, PostgreSQLStatementCompiler
from corral.dialects.postgresql.features import FEATURES
from corral.dialects.postgresql.reflection import PostgreSQLReflection
from corral.dialects.postgresql.types import PostgreSQLTypeCompiler
from corral.engine.default import Classification, DefaultDialect
from corral.engine.network import with_tcp_defaults
from corral.engine.url import URL, split_host_port
from corral.sql.enum_ddl import CreateEnumType as CreateEnumType  # noqa: PLC0414 (SQLAlchemy's path)
from corral.sql.enum_ddl import DropEnumType as DropEnumType  # noqa: PLC0414

#: ``psycopg.connect()`` keywords that are not libpq connection options.
_PSYCOPG_CONNECT_KEYWORDS = frozenset(
    {"conninfo", "autocommit", "prepare_threshold", "context", "row_factory", "cursor_factory"}
)


#: Seconds libpq waits for a connection by default (its own default is forever), as PyMySQL.
CONNECT_TIMEOUT = 10


#: libpq's PQTransactionStatus for a connection outside a transaction (PQTRANSIDLE).
IDLE = 0

#: What ``do_execute_then_commit`` writes behind the statement.
COMMIT = ("COMMIT",)


#: Names of server-side cursors, unique in the process (one connection holds several).
stream_names = itertools.count(1)


class PostgreSQLDialect(DefaultDialect):
    """PostgreSQL through psycopg 3."""

    corral_mode_args = frozenset({"autocommit"})

    name = "postgresql"
    driver = "psycopg"
    driver_extra = "postgresql"
    features = FEATURES
    statement_compiler = PostgreSQLStatementCompiler
    ddl_compiler = PostgreSQLDDLCompiler
    type_compiler = PostgreSQLTypeCompiler
    reflection = PostgreSQLReflection()

    def create_connect_args(self, url: URL) -> dict[str, Any]:
        args = libpq_connect_args(url)
        args["autocommit"] = True
        return args

    def adopt_connection(self, dbapi_connection: Any) -> None:
        super().adopt_connection(dbapi_connection)
        dbapi_connection.autocommit = True  # corral sends BEGIN itself

    def driver_transactions(self, dbapi_connection: Any, on: bool) -> bool:
        """psycopg out of autocommit mode: it sends BEGIN before a raw program's first
        statement, and ``commit()`` / ``rollback()`` end that transaction."""
        if not on:
            self.do_rollback(dbapi_connection)  # the mode cannot change inside a transaction
        dbapi_connection.autocommit = not on
        return True

    def check_connect_args(self, args: Mapping[str, Any]) -> None:
        try:
            from psycopg import ProgrammingError
            from psycopg.conninfo import make_conninfo
        except ImportError:  # the missing driver is reported when connecting
            return
        conninfo = {k: v for k, v in args.items() if k not in _PSYCOPG_CONNECT_KEYWORDS}
        try:
            make_conninfo("", **conninfo)
        except ProgrammingError as error:
            raise exc.ArgumentError(
                "The psycopg driver refuses a URL query option or connect_args key: "
                f"{str(error).strip()}"
            ) from None

    def is_unreachable(self, error: BaseException) -> bool:
        return errors.is_unreachable(error)

    def connect_error_hint(self, error: BaseException) -> str | None:
        return errors.tls_failure_hint(error)

    def begins_with_statement(self) -> bool:
        """psycopg's pipeline mode sends BEGIN and the first statement in one round trip."""
        supported: bool | None = self.__dict__.get("_pipeline_supported")
        if supported is None:
            supported = self.__dict__["_pipeline_supported"] = bool(
                self.dbapi.Pipeline.is_supported()
            )
        return supported

    def writes_pipeline_at_once(self) -> bool:
        """Whether this psycopg's cursors can be driven by ``pipeline.exchange`` (one write
        and one read for BEGIN and the statement) rather than psycopg's pipeline."""
        supported: bool | None = self.__dict__.get("_exchange_supported")
        if supported is None:
            supported = self.__dict__["_exchange_supported"] = pipeline.supported(self.dbapi)
        return supported

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
        if not self.begins_with_statement():  # libpq without pipeline mode
            super().do_execute_after(dbapi_connection, cursor, controls, sql, args, many, returning)
            return
        if not many and self.writes_pipeline_at_once() and pipeline.plain_cursor(cursor):
            with dbapi_connection.lock:
                dbapi_connection.wait(pipeline.exchange(cursor, controls, sql, args))
            return
        with dbapi_connection.pipeline():  # psycopg's own: an executemany's batches
            if many or len(controls) > 1:
                # An executemany's cursor would count BEGIN's result among its own.
                for control in controls:
                    dbapi_connection.execute(control)
            else:
                # The statement's result replaces BEGIN's on the one cursor: no second
                # cursor made and closed (about 20,000 instructions of psycopg's).
                cursor.execute(controls[0])
            self.do_execute(cursor, sql, args, many, returning)

    def commits_with_statement(self, dbapi_connection: Any = None) -> bool:
        """Where ``pipeline.exchange`` drives the connection's cursors: psycopg's own
        class (not a ``cursor_factory`` given in the connect arguments)."""
        return self.writes_pipeline_at_once() and (
            dbapi_connection is None or dbapi_connection.cursor_factory is self.dbapi.Cursor
        )

    def closed_by_server(self, dbapi_connection: Any) -> BaseException | None:
        return pipeline.closed_by_server(dbapi_connection)

    def do_execute_then_commit(
        self,
        dbapi_connection: Any,
        cursor: Any,
        controls: Sequence[str],
        sql: str,
        args: Any,
        returning: bool = False,
    ) -> BaseException | None:
        """BEGIN (if left to go with it), the statement and COMMIT in one pipeline: one
        write, one wait. The server skips the COMMIT if the statement fails."""
        if self.writes_pipeline_at_once() and pipeline.plain_cursor(cursor):
            with dbapi_connection.lock:
                refused: BaseException | None = dbapi_connection.wait(
                    pipeline.exchange(cursor, controls, sql, args, COMMIT)
                )
            return refused
        return super().do_execute_then_commit(
            dbapi_connection, cursor, controls, sql, args, returning
        )

    def do_rollback(self, dbapi_connection: Any) -> None:
        """ROLLBACK unless libpq reports the connection idle, outside a transaction (the pool
        resets each connection taken back; psycopg's own check costs a lock and a generator)."""
        if dbapi_connection.pgconn.transaction_status != IDLE:
            dbapi_connection.rollback()

    def do_rollback_on_return(self, dbapi_connection: Any) -> None:
        """The ROLLBACK of a connection the pool takes back is written, not waited for: the
        server ends the transaction on reading it, and ``do_settle`` reads its answer when
        the connection is next checked out (a session's close costs no round trip)."""
        if self.writes_pipeline_at_once():
            with dbapi_connection.lock:
                if dbapi_connection.wait(pipeline.send_rollback(dbapi_connection)):
                    return
        self.do_rollback(dbapi_connection)

    def resets_without_waiting(self) -> bool:
        return self.writes_pipeline_at_once()

    def do_settle(self, dbapi_connection: Any) -> None:
        """Read the answer to a ROLLBACK written at check-in, if one is unread."""
        if hasattr(dbapi_connection, "pgconn") and pipeline.rollback_unread(dbapi_connection):
            with dbapi_connection.lock:
                dbapi_connection.wait(pipeline.read_rollback(dbapi_connection))

    def do_executemany_returning(self, cursor: Any, sql: str, args: Any) -> None:
        """psycopg keeps one result per parameter set, read in order with ``nextset()``;
        it pipelines the sets, so the batch costs about one round trip."""
        cursor.executemany(sql, args, returning=True)

    def native_placeholders(self, sql: str) -> str | None:
        """``$1, $2, ...`` for psycopg's ``RawCursor`` (psycopg 3.2 and later): psycopg
        parses a query for its ``%s`` on every execution, and caches the result only for
        queries under 4 KB and 50 parameters, which a multi-row INSERT is not."""
        if getattr(self.dbapi, "RawCursor", None) is None:  # (psycopg2, an older psycopg)
            return None
        return pipeline.dollar_placeholders(sql)

    def native_cursor(self, dbapi_connection: Any) -> Any:
        return self.dbapi.RawCursor(dbapi_connection)

    def streaming_cursor(self, dbapi_connection: Any) -> Any:
        """A psycopg server-side cursor: ``DECLARE`` on execute, ``FETCH`` per round. Outside
        a transaction (AUTOCOMMIT) it is declared ``WITH HOLD`` so that it outlives one."""
        name = f"corral_stream_{next(stream_names)}"
        return dbapi_connection.cursor(name=name, withhold=bool(dbapi_connection.autocommit))

    def install_row_class(self, cursor: Any, row_class: type) -> bool:
        # psycopg builds each row by calling the factory's result on the values, in C:
        # one allocation per row instead of a tuple and then a Row.
        cursor.row_factory = lambda _cursor: row_class
        return True

    def set_isolation_level(self, dbapi_connection: Any, level: str) -> None:
        self.run(
            dbapi_connection,
            f"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {level}",
        )

    def get_isolation_level(self, dbapi_connection: Any) -> str:
        value = self.fetch_value(dbapi_connection, "SHOW transaction_isolation")
        return str(value).upper()

    def is_disconnect(self, error: BaseException) -> bool:
        return errors.is_disconnect(error)

    def classify_error(self, error: BaseException) -> Classification:
        return errors.classify(error)


def libpq_connect_args(url: URL) -> dict[str, Any]:
    """libpq's connection options from the URL (host, port, user, password, dbname and the
    query's options), with corral's connect timeout and TCP defaults."""
    args: dict[str, Any] = libpq_hosts(url)
    for key, value in url.query.items():
        if key in ("host", "port"):
            continue
        if not isinstance(value, str):
            raise exc.ArgumentError(
                f"The PostgreSQL URL gives option {key!r} {len(value)} times "
                f"({', '.join(map(repr, value))}); libpq takes one value"
            )
        args[key] = value
    parts = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    args.update({key: value for key, value in parts.items() if value is not None})
    args.setdefault("connect_timeout", CONNECT_TIMEOUT)
    return with_tcp_defaults(args)  # libpq's keepalives and tcp_user_timeout (network.py)


def libpq_hosts(url: URL) -> dict[str, str]:
    """libpq's ``host`` and ``port`` from the URL query's ``host`` / ``port`` options, for a
    URL listing several hosts: ``?host=h1:5432&host=h2:5433`` (what ``make_url`` makes of
    ``h1:5432,h2:5433``) or ``?host=h1,h2&port=5432,5433``, as comma-separated lists."""
    hosts = url.query.get("host")
    ports = url.query.get("port")
    if hosts is None:
        if ports is None:
            return {}
        return {"port": ports if isinstance(ports, str) else ",".join(ports)}
    if url.host is not None:
        raise exc.ArgumentError(
            f"The URL {url} names host {url.host!r} and ?host= too: give the hosts in one place"
        )
    tokens = (hosts,) if isinstance(hosts, str) else hosts
    with_ports = not isinstance(hosts, str) or (":" in hosts and "," not in hosts)
    if isinstance(hosts, str) and not with_ports:  # ?host=h1,h2&port=p1,p2: libpq's lists
        args: dict[str, str] = {"host": hosts}
        if ports is not None:
            args["port"] = ports if isinstance(ports, str) else ",".join(ports)
        return args
    if ports is not None:
        raise exc.ArgumentError(
            f"The URL {url} gives ports both as ?host=host:port and as ?port=: use "
            "?host=h1:p1&host=h2:p2, or ?host=h1,h2&port=p1,p2"
        )
    names: list[str] = []
    numbers: list[str] = []
    for token in tokens:
        try:
            name, port = split_host_port(token)
        except ValueError:
            raise exc.ArgumentError(
                f"Host {token!r} in the URL {url} is not host, host:port, [IPv6] or "
                "[IPv6]:port (the port a number)"
            ) from None
        names.append(name)
        numbers.append(port)
    args = {"host": ",".join(names)}
    if any(numbers):
        args["port"] = ",".join(numbers)
    return args
