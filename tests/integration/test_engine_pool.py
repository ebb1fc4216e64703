"""The engine's pool under load, timeouts and lost connections, on the three databases."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Generator
from typing import Any

import pytest

from corral import exc
from corral.dialects.postgresql import pipeline
from corral.engine import Connection, Engine
from corral.sql.text import text

from .conftest import EngineFactory

#: A query per server listing sessions left inside a transaction in this database.
OPEN_TRANSACTIONS = {
    "postgresql": (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state LIKE 'idle in transaction%'"
    ),
    "mysql": (
        "SELECT count(*) FROM information_schema.innodb_trx AS trx "
        "JOIN information_schema.processlist AS session ON session.id = trx.trx_mysql_thread_id "
        "WHERE session.db = DATABASE()"
    ),
}
#: A query per server giving this session's id, and the statement that ends another session.
SESSION_ID = {"postgresql": "SELECT pg_backend_pid()", "mysql": "SELECT connection_id()"}
KILL = {"postgresql": "SELECT pg_terminate_backend({})", "mysql": "KILL {}"}


def _hold_first(engine: Engine) -> Connection:
    return engine.connect()


def _hold_second(engine: Engine) -> Connection:
    return engine.connect()


def _hold_third(engine: Engine) -> Connection:
    return engine.connect()


def test_fourth_checkout_times_out_naming_the_holders(make_engine: EngineFactory) -> None:
    """A 2+1 pool refuses a fourth checkout after its timeout and names the three holders."""
    timeout = 0.5
    engine = make_engine(pool_size=2, max_overflow=1, pool_timeout=timeout)
    held = [_hold_first(engine), _hold_second(engine), _hold_third(engine)]
    try:
        started = time.monotonic()
        with pytest.raises(exc.TimeoutError) as info:
            engine.connect()
        waited = time.monotonic() - started
    finally:
        for connection in held:
            connection.close()
    assert timeout - 0.2 <= waited <= timeout + 0.2
    message = str(info.value)
    for holder in ("_hold_first", "_hold_second", "_hold_third"):
        assert holder in message
    assert engine.pool.checkedout() == 0


def test_pool_has_nothing_out_after_chaotic_use(make_engine: EngineFactory, backend: str) -> None:
    """10,000 checkouts with errors and forgotten transactions leave nothing out or open."""
    engine = make_engine(pool_size=4, max_overflow=4, pool_timeout=10)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        connection.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    query = OPEN_TRANSACTIONS.get(backend)
    if query is not None:
        # Control: the probe does see a transaction left open.
        with engine.connect() as forgotten, engine.connect() as probe:
            forgotten.execute(text("SELECT n FROM counter WHERE id = 1")).scalar()
            probe.execution_options(isolation_level="AUTOCOMMIT")
            assert probe.execute(text(query)).scalar() == 1
    failures: list[BaseException] = []
    checkouts_per_thread = 2500

    def worker(seed: int) -> None:
        chooser = random.Random(seed)
        try:
            for _ in range(checkouts_per_thread):
                choice = chooser.randrange(4)
                try:
                    with engine.connect() as connection:
                        connection.execute(text("SELECT n FROM counter WHERE id = 1")).scalar()
                        if choice == 0:
                            raise KeyError("a bug in the application")
                        if choice == 1:
                            connection.execute(text("SELECT * FROM no_such_table"))
                        # choice 2 and 3: return the connection with the transaction open
                except (KeyError, exc.ProgrammingError):
                    pass
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert engine.pool.checkedout() == 0
    if query is not None:
        with engine.connect() as probe:
            probe.execution_options(isolation_level="AUTOCOMMIT")
            assert probe.execute(text(query)).scalar() == 0


def _kill_session_of(engine: Engine, victim: Connection, backend: str) -> None:
    victim_id = victim.execute(text(SESSION_ID[backend])).scalar()
    with engine.connect() as killer:
        killer.execution_options(isolation_level="AUTOCOMMIT")
        killer.execute(text(KILL[backend].format(int(victim_id))))
    time.sleep(0.1)  # let the server finish closing the session


@pytest.fixture
def server(backend: str) -> str:
    """The backend, for tests that need a server session that can be killed."""
    if backend not in KILL:
        pytest.skip("needs a server whose sessions can be killed")
    return backend


def test_killed_connection_raises_disconnect_and_next_checkout_works(
    make_engine: EngineFactory, server: str
) -> None:
    """A session killed on the server gives an invalidating error; the pool then recovers."""
    engine = make_engine(pool_size=2)
    with engine.connect() as victim:
        _kill_session_of(engine, victim, server)
        with pytest.raises(exc.DBAPIError) as info:
            victim.execute(text("SELECT 1"))
        assert info.value.connection_invalidated
        assert victim.invalidated
        victim.rollback()
        assert victim.execute(text("SELECT 2")).scalar() == 2
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 3")).scalar() == 3
    assert engine.pool.checkedout() == 0


def test_connection_lost_before_commit_is_commit_outcome_unknown(
    make_engine: EngineFactory, server: str
) -> None:
    """A connection that fails while COMMIT is in flight raises CommitOutcomeUnknownError."""
    engine = make_engine()
    with engine.connect() as victim:
        victim.execute(text("SELECT 1"))  # a transaction is open
        _kill_session_of(engine, victim, server)
        with pytest.raises(exc.CommitOutcomeUnknownError) as info:
            victim.commit()
        assert info.value.connection_invalidated
        assert not victim.in_transaction()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_pre_ping_replaces_a_killed_idle_connection(
    make_engine: EngineFactory, server: str
) -> None:
    """With pool_pre_ping a connection killed while idle in the pool is replaced silently."""
    engine = make_engine(pool_size=1, max_overflow=0, pool_pre_ping=True)
    with engine.connect() as connection:
        session_id = connection.execute(text(SESSION_ID[server])).scalar()
    with engine.connect() as killer:
        # The pool is 1+0, so this is the same DB-API connection: kill it from outside.
        killer.execution_options(isolation_level="AUTOCOMMIT")
        assert killer.execute(text(SESSION_ID[server])).scalar() == session_id
    other = make_engine()
    with other.connect() as outside:
        outside.execution_options(isolation_level="AUTOCOMMIT")
        outside.execute(text(KILL[server].format(int(session_id))))
    time.sleep(0.1)
    with engine.connect() as connection:
        assert connection.execute(text(SESSION_ID[server])).scalar() != session_id


def _driver_connection_class(backend: str) -> Any:
    if backend == "postgresql":
        import psycopg

        return psycopg.Connection
    import pymysql

    return pymysql.connections.Connection


def _spy_rollbacks(engine: Engine, server: str, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The connections the driver is asked to roll back, in order."""
    rollbacks: list[object] = []
    if engine.dialect.driver == "psycopg2":  # its rollback() sends nothing: corral sends it
        run = engine.dialect.run

        def spy_run(dbapi_connection: object, sql: str) -> None:
            if sql == "ROLLBACK":
                rollbacks.append(dbapi_connection)
            run(dbapi_connection, sql)

        monkeypatch.setattr(engine.dialect, "run", spy_run)
        return rollbacks
    if engine.dialect.driver == "psycopg":
        # The pool's reset writes ROLLBACK itself (its answer is read at the next checkout).
        send = pipeline.send_rollback

        def spy_send(dbapi_connection: object) -> Generator[Any, Any, bool]:
            sent = yield from send(dbapi_connection)
            if sent:
                rollbacks.append(dbapi_connection)
            return sent

        monkeypatch.setattr(pipeline, "send_rollback", spy_send)
    if server == "mysql":
        # PyMySQL's rollback() and the pool's reset (which reads the answer later) both
        # write the ROLLBACK through _execute_command.
        import pymysql

        execute_command = pymysql.connections.Connection._execute_command

        def spy_command(dbapi_connection: Any, command: int, sql: Any) -> Any:
            if sql == "ROLLBACK":
                rollbacks.append(dbapi_connection)
            return execute_command(dbapi_connection, command, sql)

        monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", spy_command)
        return rollbacks
    driver_class = _driver_connection_class(server)
    original = driver_class.rollback

    def spy(dbapi_connection: object) -> None:
        rollbacks.append(dbapi_connection)
        original(dbapi_connection)

    monkeypatch.setattr(driver_class, "rollback", spy)
    return rollbacks


def test_check_in_sends_rollback_only_for_an_open_transaction(
    engine: Engine, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool resets each connection it takes back; the driver's rollback is called only
    when the server reports a transaction open (an idle one costs no driver call)."""
    rollbacks = _spy_rollbacks(engine, server, monkeypatch)
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE reset_probe (id INTEGER)"))
        connection.commit()
    assert rollbacks == []  # committed, then taken back idle
    engine.raw_connection().close()
    assert rollbacks == []
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO reset_probe (id) VALUES (1)"))
    assert len(rollbacks) == 1  # left open: rolled back once
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reset_probe")).scalar() == 0
        assert connection.in_transaction()
    assert len(rollbacks) == 2  # the SELECT's transaction, rolled back at close
