"""Issue 20's bound, counted on the wire: a short read transaction (get, then close) and
a one-row insert transaction each send at most two requests to PostgreSQL and MariaDB.

The count comes from a loopback proxy between the pool and the server
(``FaultProxy.requests``: each run of bytes a client sends after it last heard from the
server is one request), not from corral's own statistics, so a regression in what the
meter reports cannot hide one in what the driver sends. Each count is taken between two
probes, so every byte of the measured work has passed the proxy: a probe's reply comes
back on the same connection, after what was sent before it. The asyncio Session's
requests are counted too: the same on PostgreSQL, one more on MariaDB (``ASYNC_EXTRA``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from corral import Engine, Integer, String, create_engine, delete, text
from corral.engine import URL
from corral.ext.asyncio import AsyncSession, create_async_engine
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.fault_proxy import FaultProxy


class Base(DeclarativeBase):
    pass


class Crate(Base):
    __tablename__ = "wire_crate"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(40))


@pytest.fixture
def proxied(db_url: URL, backend: str) -> Iterator[tuple[Engine, FaultProxy]]:
    """An Engine of one pooled connection that reaches the server through the proxy."""
    if backend == "sqlite":
        pytest.skip("SQLite runs in the process: nothing goes over a network")
    proxy = FaultProxy(db_url.port or 0)
    engine = create_engine(db_url.set(port=proxy.port), pool_size=1, max_overflow=0)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Crate(id=n, label=f"c{n}") for n in (1, 2, 3)])
        session.commit()
    yield engine, proxy
    engine.dispose()
    proxy.close()


def _probe(engine: Engine) -> None:
    """A statement and its COMMIT, both awaited, leaving nothing in flight."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.commit()


def _requests(engine: Engine, proxy: FaultProxy, work: Callable[[], None]) -> int:
    """The requests ``work`` sent, its own unawaited ones included."""
    _probe(engine)  # whatever an earlier step left in flight has now passed
    before = proxy.requests
    _probe(engine)
    probe = proxy.requests - before
    before = proxy.requests
    work()
    _probe(engine)
    return proxy.requests - before - probe


def _get_then_close(engine: Engine) -> None:
    with Session(engine) as session:
        assert session.get(Crate, 2) is not None


def _insert_one(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Crate(id=10, label="ten"))
        session.commit()


#: Requests per database: on PostgreSQL BEGIN goes with the first statement and the COMMIT
#: with the INSERT, and the pool's ROLLBACK is written without waiting (still a request);
#: on MariaDB no BEGIN is sent and the COMMIT goes on its own.
EXPECTED = {
    ("postgresql", "_get_then_close"): 2,
    ("postgresql", "_insert_one"): 1,
    ("mysql", "_get_then_close"): 2,
    ("mysql", "_insert_one"): 2,
}


@pytest.mark.parametrize("work", [_get_then_close, _insert_one])
def test_a_short_transaction_sends_at_most_two_requests(
    proxied: tuple[Engine, FaultProxy], backend: str, work: Callable[[Engine], None]
) -> None:
    engine, proxy = proxied
    work(engine)  # warm: statements compiled, server-side caches filled
    with Session(engine) as session:  # (the insert again needs a free key)
        session.execute(delete(Crate).where(Crate.id == 10))
        session.commit()
    count = _requests(engine, proxy, lambda: work(engine))
    assert count == EXPECTED[backend, work.__name__] <= 2


def test_control_the_same_get_one_statement_at_a_time_sends_more(
    proxied: tuple[Engine, FaultProxy],
) -> None:
    """Control: the same row read through the driver's cursor alone, BEGIN, SELECT and
    ROLLBACK each awaited in turn, counts three requests, so the bound above is one the
    proxy can see broken."""
    engine, proxy = proxied

    def one_at_a_time() -> None:
        with engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            cursor.execute("BEGIN")
            cursor.execute("SELECT label FROM wire_crate WHERE id = 2")
            assert [tuple(row) for row in cursor.fetchall()] == [("c2",)]
            cursor.execute("ROLLBACK")
            cursor.close()

    one_at_a_time()
    assert _requests(engine, proxy, one_at_a_time) == 3


#: The asyncio driver of each database (corral's native AsyncSession, no greenlet).
ASYNC_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+aiomysql"}
#: Where the asyncio path sends more than the synchronous one: aiomysql's connections stay
#: in the server's autocommit mode and corral sends BEGIN as a request of its own (the
#: synchronous PyMySQL path turns autocommit off and lets the statement begin), so a
#: short transaction on MariaDB costs a third request there.
ASYNC_EXTRA = {"postgresql": 0, "mysql": 1}


@pytest.mark.parametrize("insert", [False, True], ids=["get_then_close", "insert_one"])
def test_an_asyncio_short_transaction_counts_its_requests(
    db_url: URL, backend: str, insert: bool
) -> None:
    """The same two transactions through ``AsyncSession``: on PostgreSQL the same requests
    as the synchronous Session's above; on MariaDB one more (``ASYNC_EXTRA``)."""
    if backend == "sqlite":
        pytest.skip("SQLite runs in the process: nothing goes over a network")
    proxy = FaultProxy(db_url.port or 0)
    url = db_url.set(drivername=ASYNC_DRIVERS[backend], port=proxy.port)

    async def main() -> int:
        engine = create_async_engine(url, pool_size=1, max_overflow=0)

        async def probe() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                await connection.commit()

        async def work() -> None:
            async with AsyncSession(engine) as session:
                if insert:
                    session.add(Crate(id=10, label="ten"))
                    await session.commit()
                else:
                    assert await session.get(Crate, 2) is not None

        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with AsyncSession(engine) as session:
                session.add_all([Crate(id=n, label=f"c{n}") for n in (1, 2, 3)])
                await session.commit()
            await work()  # warm
            async with AsyncSession(engine) as session:
                await session.execute(delete(Crate).where(Crate.id == 10))
                await session.commit()
            await probe()
            before = proxy.requests
            await probe()
            cost = proxy.requests - before
            before = proxy.requests
            await work()
            await probe()
            return proxy.requests - before - cost
        finally:
            await engine.dispose()

    try:
        count = asyncio.run(main())
    finally:
        proxy.close()
    expected = EXPECTED[backend, "_insert_one" if insert else "_get_then_close"]
    assert count == expected + ASYNC_EXTRA[backend]
