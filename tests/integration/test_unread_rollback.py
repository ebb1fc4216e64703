"""The pool's reset writes ROLLBACK and goes on without waiting for the answer, which the
next checkout reads: on PostgreSQL through psycopg 3 (``pipeline.send_rollback`` /
``read_rollback``, sync and asyncio) and on MariaDB through PyMySQL and aiomysql (their
``rollback()`` split in two). The server ends the transaction when it reads the ROLLBACK,
so locks go at close, a session that only read costs one round trip, and a connection
that died while its answer was unread is replaced at checkout."""

from __future__ import annotations

from typing import Any

import pytest

from corral import Engine, String, exc, select
from corral.dialects.mysql.base import UNREAD_MARK
from corral.dialects.postgresql import pipeline
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column

from .conftest import EngineFactory
from .server_sessions import terminate


class Base(DeclarativeBase):
    pass


class Seat(Base):
    __tablename__ = "unread_rollback_seat"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(20))


@pytest.fixture(params=["postgresql", "mysql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The two servers (SQLite runs in the process: nothing to wait for)."""
    name: str = request.param
    return name


def _unread(dbapi: Any) -> bool:
    """Whether the ROLLBACK written at check-in has an answer not yet read."""
    if hasattr(dbapi, "pgconn"):
        return pipeline.rollback_unread(dbapi)
    return bool(getattr(dbapi, UNREAD_MARK, False))


def _server_session(dbapi: Any) -> int:
    """The server's id of the connection's session."""
    if hasattr(dbapi, "pgconn"):
        return int(dbapi.info.backend_pid)
    return int(dbapi.thread_id())


@pytest.fixture
def one_connection(make_engine: EngineFactory) -> Engine:
    """An engine of one pooled connection, with two seats."""
    engine = make_engine(pool_size=1, max_overflow=0)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Seat(id=1, holder="ann"), Seat(id=2, holder="bob")])
        session.commit()
    return engine


def _idle_connection(engine: Engine) -> Any:
    """The DB-API connection idle in the pool of one."""
    with engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
    return dbapi


def _lock_is_free(make_engine: EngineFactory, seat_id: int) -> bool:
    """Whether another connection can lock the seat's row at once."""
    other = make_engine(pool_size=1, max_overflow=0)
    with Session(other) as session:
        statement = select(Seat).where(Seat.id == seat_id).with_for_update(nowait=True)
        try:
            session.scalars(statement).one()
        except exc.OperationalError:
            return False
    return True


def test_close_ends_the_transaction_before_the_answer_is_read(
    one_connection: Engine, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row locked in a session is free right after close, while the ROLLBACK's answer is
    still unread. Control: a reset that writes nothing leaves the lock held."""
    dbapi = _idle_connection(one_connection)
    with Session(one_connection) as session:
        session.scalars(select(Seat).where(Seat.id == 1).with_for_update()).one()
    assert session.stats.round_trips == 1
    assert _unread(dbapi)  # nothing read since the close
    assert _lock_is_free(make_engine, 1)
    assert _unread(dbapi)

    monkeypatch.setattr(one_connection.pool, "_rollback_on_return", lambda dbapi: None)
    with Session(one_connection) as session:
        session.scalars(select(Seat).where(Seat.id == 2).with_for_update()).one()
    assert not _lock_is_free(make_engine, 2)
    one_connection.dispose()  # closing the connection ends its transaction


def test_the_next_checkout_reads_the_answer_and_reuses_the_connection(
    one_connection: Engine, backend: str
) -> None:
    """Sessions in a row on one pooled connection: each begins on the same server session
    after reading the previous ROLLBACK's answer, and sees committed data."""
    dbapi = _idle_connection(one_connection)
    backends = set()
    for holder in ("cy", "di", "ed"):
        with Session(one_connection) as session:
            seat = session.get(Seat, 1)
            assert seat is not None
            backends.add(_server_session(dbapi))
            seat.holder = holder
            session.commit()
            assert not _unread(dbapi)
            assert session.scalars(select(Seat.holder).where(Seat.id == 1)).one() == holder
        assert _unread(dbapi)  # the read after the commit, rolled back
    assert len(backends) == 1
    with one_connection.connect() as connection:
        assert connection.connection.dbapi_connection is dbapi
        assert not _unread(dbapi)
        if backend == "postgresql":
            assert dbapi.pgconn.pipeline_status == 0  # out of pipeline mode


def test_a_connection_killed_before_its_answer_is_read_is_replaced(
    one_connection: Engine, make_engine: EngineFactory
) -> None:
    """The server session is ended while the answer is unread: the next checkout fails to
    read it, opens a new connection, and the session's get works on it."""
    dbapi = _idle_connection(one_connection)
    with Session(one_connection) as session:
        assert session.get(Seat, 1) is not None
    assert _unread(dbapi)
    killed = _server_session(dbapi)
    terminate(make_engine, killed)
    with Session(one_connection) as session:
        seat = session.get(Seat, 2)
        assert seat is not None and seat.holder == "bob"
        replacement = session.connection().connection.dbapi_connection
    assert replacement is not dbapi
    assert _server_session(replacement) != killed


def test_checked_out_outside_a_transaction_nothing_is_written(
    one_connection: Engine, backend: str
) -> None:
    """A connection given back after its commit is idle on the server: no ROLLBACK."""
    dbapi = _idle_connection(one_connection)
    with Session(one_connection) as session:
        session.add(Seat(id=3, holder="fay"))
        session.commit()
    assert not _unread(dbapi)
    # BEGIN (not sent on MariaDB: the INSERT opens the transaction), INSERT, COMMIT
    assert session.stats.as_dict()["statements"] == (3 if backend == "postgresql" else 2)


def test_asyncio_close_frees_the_lock_and_a_killed_connection_is_replaced(
    one_connection: Engine, make_engine: EngineFactory, backend: str
) -> None:
    """The same through psycopg's AsyncConnection and aiomysql: the lock goes at close with
    the answer unread (the async pool marks the connection); a server session ended
    meanwhile is replaced at the next checkout."""
    import asyncio

    from corral.ext.asyncio import AsyncSession, create_async_engine

    driver = "postgresql+psycopg_async" if backend == "postgresql" else "mysql+aiomysql"

    async def raw_of(session: AsyncSession) -> Any:
        return (await (await session.connection()).get_raw_connection()).driver_connection

    async def body() -> None:
        url = one_connection.url.set(drivername=driver)
        async_engine = create_async_engine(url, pool_size=1, max_overflow=0)
        try:
            async with AsyncSession(async_engine) as session:
                statement = select(Seat).where(Seat.id == 1).with_for_update()
                assert (await session.scalars(statement)).one().holder == "ann"
                raw = await raw_of(session)
            # BEGIN is sent on its own on MariaDB (aiomysql has no pipeline)
            trips = 1 if backend == "postgresql" else 2
            assert session.sync_session.stats.round_trips == trips
            [idle] = async_engine.pool._idle
            assert idle.unread
            assert _lock_is_free(make_engine, 1)
            killed = _server_session(raw)
            # (in a thread: the loop runs meanwhile, as in a real program, and sees the
            # socket close)
            await asyncio.to_thread(terminate, make_engine, killed)
            async with AsyncSession(async_engine) as session:
                seat = await session.get(Seat, 2)
                assert seat is not None and seat.holder == "bob"
                replacement = await raw_of(session)
            assert _server_session(replacement) != killed
        finally:
            await async_engine.dispose()

    asyncio.run(body())
