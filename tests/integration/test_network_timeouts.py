"""A silent network ends a statement within a bounded time, with a classified error.

Connections go through ``FaultProxy`` (``fault_proxy.py``) to the shared
servers; the proxy then stops forwarding. Every statement that might hang runs
in a thread the test waits for with a limit, so a regression fails the test
instead of hanging CI.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import Engine, create_engine, exc, text
from corral.dialects.mysql.base import MySQLDialect
from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.engine import URL, make_url
from corral.engine.network import TCP_DEFAULTS
from corral.pool import QueuePool
from tests.integration.fault_proxy import FaultProxy

#: Seconds a statement that should fail may take before the test calls it a hang.
LIMIT = 15.0
#: A parameter larger than every buffer between the client and a proxy that stopped reading.
BIG = "x" * (8 * 1024 * 1024)
BIG_QUERY = {"postgresql": "SELECT length(:v)", "mysql": "SELECT LENGTH(:v)"}
SLEEP = {"postgresql": "SELECT pg_sleep(3)", "mysql": "SELECT SLEEP(3)"}


@pytest.fixture
def server_url(db_url: URL, backend: str) -> URL:
    """The test database's URL on a server (SQLite has no network)."""
    if backend == "sqlite":
        pytest.skip("SQLite opens a file: there is no network to go silent")
    return db_url


@pytest.fixture
def proxy(server_url: URL) -> Iterator[FaultProxy]:
    """A fault proxy in front of the test's server."""
    fault_proxy = FaultProxy(server_url.port or 0)
    yield fault_proxy
    fault_proxy.close()


@pytest.fixture
def proxied(server_url: URL, proxy: FaultProxy) -> Iterator[Callable[..., Engine]]:
    """``proxied(**create_engine_kwargs)``: an Engine whose connections pass the proxy."""
    made: list[Engine] = []

    def make(**options: Any) -> Engine:
        engine = create_engine(server_url.set(port=proxy.port), **options)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def _idle(engine: Engine) -> int:
    """How many connections the engine's QueuePool holds idle."""
    assert isinstance(engine.pool, QueuePool)
    return engine.pool.checkedin()


def _bounded(call: Callable[[], Any], limit: float) -> tuple[BaseException | None, float]:
    """Run ``call`` in a thread; its error (or None) and seconds taken, or None if still
    running after ``limit`` seconds (then the error is TimeoutError)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:
            outcome.append(error)
        else:
            outcome.append(None)

    began = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        return TimeoutError(f"still blocked after {limit} s"), limit
    return outcome[0], time.monotonic() - began


def _tcp_option(engine: Engine, name: str) -> int:
    """A TCP-level socket option as set on a pooled connection's socket."""
    with engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
        if engine.dialect.driver == "psycopg":
            fileno = dbapi.pgconn.socket
        elif engine.dialect.driver == "psycopg2":
            fileno = dbapi.fileno()
        else:
            fileno = dbapi._sock.fileno()
        sock = socket.socket(fileno=os.dup(fileno))
        try:
            if name == "SO_KEEPALIVE":
                return sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
            return sock.getsockopt(socket.IPPROTO_TCP, getattr(socket, name))
        finally:
            sock.close()


def test_defaults_set_keepalives_and_user_timeout_on_the_socket(server_url: URL) -> None:
    """By default each connection's socket probes an idle peer and bounds unacknowledged data."""
    engine = create_engine(server_url)
    try:
        assert _tcp_option(engine, "SO_KEEPALIVE") == 1
        assert _tcp_option(engine, "TCP_KEEPIDLE") == 30
        assert _tcp_option(engine, "TCP_KEEPINTVL") == 10
        assert _tcp_option(engine, "TCP_KEEPCNT") == 3
        assert _tcp_option(engine, "TCP_USER_TIMEOUT") == 60_000
    finally:
        engine.dispose()


def test_url_and_connect_args_override_the_defaults(server_url: URL) -> None:
    """The same libpq-named settings, from the URL query or connect_args, reach the socket."""
    from_url = create_engine(server_url.set(query={"keepalives_idle": "7"}))
    from_args = create_engine(server_url, connect_args={"tcp_user_timeout": 2500})
    try:
        assert _tcp_option(from_url, "TCP_KEEPIDLE") == 7
        assert _tcp_option(from_args, "TCP_USER_TIMEOUT") == 2500
        assert _tcp_option(from_args, "TCP_KEEPIDLE") == 30
    finally:
        from_url.dispose()
        from_args.dispose()


def test_no_read_timeout_by_default() -> None:
    """No default cuts off a long query: MariaDB gets no read_timeout, PostgreSQL none exists."""
    mysql_args = MySQLDialect().create_connect_args(make_url("mysql://u@h/d"))
    pg_args = PostgreSQLDialect().create_connect_args(make_url("postgresql://u@h/d"))
    assert "read_timeout" not in mysql_args
    assert "write_timeout" not in mysql_args
    for args in (mysql_args, pg_args):
        assert {k: args[k] for k in TCP_DEFAULTS} == TCP_DEFAULTS


def test_long_query_is_not_cut_off_by_the_tcp_settings(
    proxied: Callable[..., Engine], backend: str
) -> None:
    """A query slower than the keepalive and user timeouts still completes (the peer ACKs)."""
    engine = proxied(connect_args={"tcp_user_timeout": 1000, "keepalives_idle": 1})
    with engine.connect() as connection:
        began = time.monotonic()
        connection.execute(text(SLEEP[backend]))
        assert time.monotonic() - began >= 2.9


def test_blackholed_write_fails_within_tcp_user_timeout(
    proxied: Callable[..., Engine], proxy: FaultProxy, backend: str
) -> None:
    """A statement sent into a network that stopped forwarding fails within tcp_user_timeout,
    as a retryable lost transaction, and the pool discards the connection."""
    engine = proxied(connect_args={"tcp_user_timeout": 1000})
    connection = engine.connect()
    assert connection.execute(text("SELECT 1")).scalar() == 1  # the transaction did work
    proxy.set_mode("blackhole")
    error, seconds = _bounded(
        lambda: connection.execute(text(BIG_QUERY[backend]), {"v": BIG}), LIMIT
    )
    assert isinstance(error, exc.TransactionLostError), error
    assert error.connection_invalidated
    assert seconds < LIMIT
    connection.close()
    assert engine.pool.checkedout() == 0
    assert _idle(engine) == 0  # the dead connection was not pooled


def test_mariadb_read_timeout_ends_a_blackholed_read(
    proxied: Callable[..., Engine], proxy: FaultProxy, backend: str
) -> None:
    """With read_timeout, a MariaDB statement whose answer never comes fails in that time."""
    if backend != "mysql":
        pytest.skip("read_timeout is PyMySQL's; libpq has no read timeout (see docs/engine.md)")
    engine = proxied(connect_args={"read_timeout": 1})
    connection = engine.connect()
    connection.execute(text("SELECT 1"))
    proxy.set_mode("blackhole")
    error, seconds = _bounded(lambda: connection.execute(text("SELECT 2")), LIMIT)
    assert isinstance(error, exc.TransactionLostError), error
    assert "timed out" in str(error)
    assert 0.9 <= seconds < 5
    connection.close()


def test_reset_mid_transaction_is_a_retryable_lost_transaction(
    proxied: Callable[..., Engine], proxy: FaultProxy
) -> None:
    """A connection reset inside a transaction that did work raises TransactionLostError."""
    engine = proxied()
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        proxy.set_mode("reset")
        with pytest.raises(exc.TransactionLostError):
            connection.execute(text("SELECT 2"))


def test_delay_slows_but_does_not_fail(proxied: Callable[..., Engine], proxy: FaultProxy) -> None:
    """A slow network (every chunk held 0.2 s) is not mistaken for a dead one."""
    proxy.delay = 0.2
    engine = proxied(connect_args={"tcp_user_timeout": 1000})
    proxy.set_mode("delay")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 41 + 1")).scalar() == 42


def test_control_without_tcp_user_timeout_the_statement_hangs(
    proxied: Callable[..., Engine], proxy: FaultProxy, backend: str
) -> None:
    """Control: with tcp_user_timeout and keepalives off, the blackholed statement blocks
    (until the test resets the proxy to free it)."""
    engine = proxied(connect_args={"tcp_user_timeout": 0, "keepalives": 0})
    connection = engine.connect()
    connection.execute(text("SELECT 1"))
    proxy.set_mode("blackhole")
    error, _ = _bounded(lambda: connection.execute(text(BIG_QUERY[backend]), {"v": BIG}), 4.0)
    assert isinstance(error, TimeoutError)
    proxy.set_mode("reset")  # free the blocked thread: its statement now fails at once
    time.sleep(0.5)
    connection.invalidate()
    connection.close()
