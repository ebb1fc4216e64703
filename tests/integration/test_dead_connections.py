"""After a server restart: a dead pooled connection is replaced when its transaction did
nothing yet, and a transaction that had done work fails with a retryable TransactionLostError.

Each test restarts a private server (``private_servers.py``), never the shared ones.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import Engine, Session, String, create_engine, exc, select, sessionmaker, text
from corral.engine import reconnect
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.pool import QueuePool
from tests.integration.private_servers import PrivateServer

REPLACED = "dead before its transaction did anything"


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))


@pytest.fixture(params=["postgresql", "mysql"])
def server(request: pytest.FixtureRequest) -> PrivateServer:
    """A private server of the backend, with an empty ``items`` table."""
    name = "private_postgresql" if request.param == "postgresql" else "private_mariadb"
    private: PrivateServer = request.getfixturevalue(name)
    setup = create_engine(private.url, pool_size=1)
    Base.metadata.drop_all(setup)
    Base.metadata.create_all(setup)
    setup.dispose()
    return private


MakeEngine = Callable[..., Engine]


@pytest.fixture
def make_engine(server: PrivateServer) -> Iterator[MakeEngine]:
    """Engines on the private server with a pool holding two live connections."""
    made: list[Engine] = []

    def make(**options: Any) -> Engine:
        engine = create_engine(server.url, pool_size=2, max_overflow=0, **options)
        made.append(engine)
        first, second = engine.connect(), engine.connect()
        for connection in (first, second):
            connection.execute(text("SELECT 1"))
            # Committed, so no ROLLBACK's answer is left for the next checkout to read:
            # reading one would find the restart there, before any statement (that path
            # is test_postgresql_unread_rollback's); here the statement finds it.
            connection.commit()
            connection.close()
        assert _idle(engine) == 2
        return engine

    yield make
    for engine in made:
        engine.dispose()


def _idle(engine: Engine) -> int:
    """How many connections the engine's QueuePool holds idle."""
    assert isinstance(engine.pool, QueuePool)
    return engine.pool.checkedin()


def _names(engine: Engine) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [(i.id, i.name) for i in session.scalars(select(Item).order_by(Item.id))]


def _statements(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "corral.engine" and r.levelno == logging.INFO
        if not r.getMessage().startswith("[")
    ]


def _replacements(caplog: pytest.LogCaptureFixture) -> int:
    return sum(REPLACED in r.getMessage() for r in caplog.records)


def _assert_no_dead_connection_left(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection the pool hands out now works, even without the replacement."""
    assert engine.pool.checkedout() == 0
    with monkeypatch.context() as patch:
        patch.setattr(reconnect, "ENABLED", False)
        first, second = engine.connect(), engine.connect()
        try:
            assert first.execute(text("SELECT 1")).scalar() == 1
            assert second.execute(text("SELECT 2")).scalar() == 2
        finally:
            first.close()
            second.close()
    assert engine.pool.checkedout() == 0


@pytest.mark.parametrize("pre_ping", [False, True], ids=["no_pre_ping", "pre_ping"])
@pytest.mark.parametrize("api", ["connection", "session"])
@pytest.mark.parametrize("crash", [False, True], ids=["shutdown", "crash"])
def test_fresh_transaction_after_restart_runs_without_error(
    server: PrivateServer,
    make_engine: MakeEngine,
    api: str,
    pre_ping: bool,
    crash: bool,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A transaction's first statement on a connection killed by a restart (clean shutdown,
    or a crash: PostgreSQL's immediate stop, MariaDB killed) runs on a new one."""
    engine = make_engine(pool_pre_ping=pre_ping)
    server.restart(crash=crash)
    caplog.set_level(logging.INFO, logger="corral.engine")
    caplog.clear()  # only what this transaction sends (echo may have logged the setup)
    if api == "connection":
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO items (id, name) VALUES (1, 'a')"))
            connection.commit()
    else:
        with Session(engine) as session:
            session.add(Item(id=1, name="a"))
            session.commit()
    sent = [s.split(" (")[0] for s in _statements(caplog)]
    on_new = ["BEGIN", "INSERT INTO items", "COMMIT"]
    if pre_ping or (api == "session" and engine.dialect.commits_with_statement()):
        # (a session's INSERT that carries the COMMIT looks at the socket before it is
        # written, and finds it closed: Connection._execute_then_commit)
        assert sent == on_new
    else:  # the INSERT found the connection dead, then ran again on a new one (BEGIN went
        # out with it on PostgreSQL; MariaDB opens the transaction at the INSERT itself)
        assert sent == ["BEGIN", "INSERT INTO items", *on_new]
    assert _replacements(caplog) == (0 if pre_ping else 1)
    assert _names(engine) == [(1, "a")]
    _assert_no_dead_connection_left(engine, monkeypatch)


@pytest.mark.parametrize("api", ["connection", "session"])
def test_transaction_with_work_lost_in_restart_is_retryable(
    server: PrivateServer,
    make_engine: MakeEngine,
    api: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A restart after the transaction did work raises TransactionLostError, retryable;
    after rollback the same Connection or Session works again."""
    engine = make_engine()
    caplog.set_level(logging.INFO, logger="corral.engine")
    caplog.clear()  # only what this transaction sends (echo may have logged the setup)
    if api == "connection":
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO items (id, name) VALUES (1, 'a')"))
            server.restart()
            with pytest.raises(exc.TransactionLostError) as info:
                connection.execute(text("INSERT INTO items (id, name) VALUES (2, 'b')"))
            connection.rollback()
            connection.execute(text("INSERT INTO items (id, name) VALUES (3, 'c')"))
            connection.commit()
    else:
        with Session(engine) as session:
            session.add(Item(id=1, name="a"))
            session.flush()
            server.restart()
            session.add(Item(id=2, name="b"))
            with pytest.raises(exc.TransactionLostError) as info:
                session.commit()
            session.rollback()
            session.add(Item(id=3, name="c"))
            session.commit()
    error = info.value
    assert isinstance(error, exc.RetryableError)
    assert isinstance(error, exc.OperationalError)
    assert error.connection_invalidated
    assert "run the whole transaction again" in str(error)
    assert "(id, name) VALUES" in (error.statement or "")
    assert _replacements(caplog) == 0
    # The first INSERT died with the server's session; after rollback the same
    # Connection or Session works again, on a new connection.
    assert _names(engine) == [(3, "c")]
    _assert_no_dead_connection_left(engine, monkeypatch)


def test_run_transaction_retries_a_transaction_lost_in_restart(
    server: PrivateServer, make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_transaction runs again a transaction whose connection died after it did work."""
    engine = make_engine()
    attempts: list[int] = []
    causes: list[type[BaseException]] = []

    def work(session: Session) -> None:
        attempts.append(len(attempts) + 1)
        session.add(Item(id=1, name="a"))
        session.flush()
        if len(attempts) == 1:
            server.restart()
        session.add(Item(id=2, name="b"))

    sessionmaker(engine).run_transaction(
        work,
        on_retry=lambda attempt, error: causes.append(type(error)),
    )
    assert attempts == [1, 2]
    assert causes == [exc.TransactionLostError]
    assert _names(engine) == [(1, "a"), (2, "b")]
    _assert_no_dead_connection_left(engine, monkeypatch)


@pytest.mark.parametrize("api", ["connection", "session"])
def test_control_without_replacement_the_restart_surfaces(
    server: PrivateServer, make_engine: MakeEngine, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with the replacement switched off, a fresh transaction fails after a restart,
    and a lost one fails with a plain, non-retryable OperationalError."""
    monkeypatch.setattr(reconnect, "ENABLED", False)
    engine = make_engine()
    server.restart()
    with pytest.raises(exc.OperationalError) as fresh:
        if api == "connection":
            with engine.connect() as connection:
                connection.execute(text("INSERT INTO items (id, name) VALUES (1, 'a')"))
        else:
            with Session(engine) as session:
                session.add(Item(id=1, name="a"))
                session.commit()
    assert fresh.value.connection_invalidated
    assert not isinstance(fresh.value, exc.RetryableError)
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO items (id, name) VALUES (1, 'a')"))
        server.restart()
        with pytest.raises(exc.OperationalError) as lost:
            connection.execute(text("INSERT INTO items (id, name) VALUES (2, 'b')"))
    assert not isinstance(lost.value, exc.RetryableError)
    assert _names(engine) == []


def test_autocommit_statement_after_restart_is_not_replayed(
    server: PrivateServer, make_engine: MakeEngine
) -> None:
    """In AUTOCOMMIT mode a statement on a dead connection is not run again (it may have
    taken effect): its OperationalError surfaces, not retryable, and nothing was inserted."""
    engine = make_engine(isolation_level="AUTOCOMMIT")
    server.restart()
    with engine.connect() as connection, pytest.raises(exc.OperationalError) as info:
        connection.execute(text("INSERT INTO items (id, name) VALUES (1, 'a')"))
    assert info.value.connection_invalidated
    assert not isinstance(info.value, exc.RetryableError)
    assert _names(engine) == []


def test_replacement_happens_once_per_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the new connection fails as well, the statement is not tried a third time."""
    engine = create_engine(f"sqlite:///{tmp_path / 'once.db'}")
    dialect = engine.dialect
    calls: list[str] = []

    def dead(cursor: object, sql: str, *args: object) -> None:
        calls.append(sql)
        raise sqlite3.OperationalError("the connection is gone")

    monkeypatch.setattr(dialect, "is_disconnect", lambda error: True)
    monkeypatch.setattr(dialect, "do_execute", dead)
    with engine.connect() as connection:
        with pytest.raises(exc.TransactionLostError):
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.rollback()
    assert calls == ["CREATE TABLE t (x INTEGER)"] * 2
    engine.dispose()
