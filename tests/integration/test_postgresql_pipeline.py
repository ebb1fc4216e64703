"""On PostgreSQL through psycopg, BEGIN and a transaction's first statement are written at
once and read in one wait (``dialects/postgresql/pipeline.py``): waits on the socket are
counted, with psycopg's own pipeline as the control; errors, prepared statements and an
interrupted exchange leave the connection usable or closed, never half in a pipeline."""

from __future__ import annotations

import types
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from corral import Column, Engine, Integer, MetaData, String, Table, exc, insert, select, text
from corral.dialects.postgresql import pipeline
from corral.dialects.postgresql.base import PostgreSQLDialect
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column

metadata = MetaData()
notes = Table(
    "pipelined_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", String(20)),
)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "pipelined_orm_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(String(20))


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only: the exchange is psycopg's."""
    name: str = request.param
    return name


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every wait on the socket psycopg's sync connections make (one poll each), in order."""
    import psycopg

    seen: list[Any] = []
    original = psycopg.Connection.wait

    def counted(gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
        try:
            state = next(gen)
            while True:
                seen.append(state)
                state = gen.send((yield state))
        except StopIteration as stop:
            return stop.value

    def wait(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        return original(self, counted(gen), *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "wait", wait)
    yield seen


def test_the_installed_psycopg_is_driven_directly(engine: Engine) -> None:
    """The psycopg installed here is one the exchange was written against (a new release
    that is not would quietly fall back to psycopg's slower pipeline: this says so)."""
    import psycopg

    assert pipeline.supported(psycopg)
    dialect = engine.dialect
    assert isinstance(dialect, PostgreSQLDialect)
    assert dialect.writes_pipeline_at_once()


def test_an_untested_psycopg_release_keeps_psycopgs_pipeline() -> None:
    """supported() refuses a psycopg whose cursor internals were not checked."""
    import psycopg

    assert not pipeline.supported(types.SimpleNamespace(__version__="3.9.0"))
    assert not pipeline.supported(types.SimpleNamespace(__version__="nonsense"))
    assert not pipeline.supported(types.SimpleNamespace(Cursor=psycopg.Cursor))


@pytest.mark.parametrize("workload", ["get_then_close", "insert_commit"])
@pytest.mark.parametrize("direct", [True, False], ids=["exchange", "psycopg_pipeline"])
def test_a_short_transaction_waits_twice(
    engine: Engine,
    waits: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    workload: str,
    direct: bool,
) -> None:
    """A get then close: one wait for BEGIN and the SELECT; the ROLLBACK at close is
    written, its answer read at the next checkout. An insert then commit: one wait for
    BEGIN, the INSERT and the COMMIT behind it. Control: psycopg's pipeline (which
    commits on its own) waits at least twice as often."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Note(id=1, body="one"))
        session.commit()
    if not direct:
        monkeypatch.setattr(type(engine.dialect), "writes_pipeline_at_once", lambda self: False)
    waits.clear()
    with Session(engine) as session:
        if workload == "get_then_close":
            note = session.get(Note, 1)
            assert note is not None and note.body == "one"
        else:
            session.add(Note(id=2, body="two"))
            session.commit()
    expected = 1 if direct else 2
    assert session.stats.round_trips == expected
    if direct:
        assert len(waits) == expected
    else:
        assert len(waits) >= 4  # psycopg: a poll before each command it writes, and more
    with Session(engine) as session:
        assert session.scalars(select(Note.id).order_by(Note.id)).all() == (
            [1] if workload == "get_then_close" else [1, 2]
        )


def test_a_statement_prepared_on_the_way_reads_the_same(engine: Engine) -> None:
    """psycopg prepares a statement after it has run a few times; the exchange prepares it
    in the same pipeline (Parse, then Bind and Execute) and later runs the prepared one."""
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(notes), [{"id": i, "body": f"n{i}"} for i in range(1, 4)])
    query = select(notes.c.body).where(notes.c.id == 2)
    # Past psycopg's prepare_threshold (5), always the first statement; committed (psycopg
    # forgets its prepared statements at a ROLLBACK).
    for _ in range(8):
        with engine.begin() as connection:
            assert connection.execute(query).scalar_one() == "n2"
    with engine.connect() as connection:
        prepared = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ("%pipelined_notes%",),
        ).scalar_one()
    assert prepared >= 1


def test_a_failing_first_statement_leaves_a_failed_transaction_then_recovers(
    engine: Engine,
) -> None:
    """An error in the statement after BEGIN is raised as corral's error, the transaction
    is open and failed until rolled back, and the connection then serves the next one."""
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(notes), {"id": 1, "body": "one"})
    with engine.connect() as connection:
        with pytest.raises(exc.IntegrityError):
            connection.execute(insert(notes), {"id": 1, "body": "again"})
        assert connection.in_transaction()
        with pytest.raises(exc.DBAPIError, match="current transaction is aborted"):
            connection.execute(text("SELECT 1"))
        connection.rollback()
        with pytest.raises(exc.ProgrammingError):
            connection.execute(text("SELEC 1"))  # a syntax error: the Parse itself fails
        connection.rollback()
        assert connection.execute(select(notes.c.body)).scalars().all() == ["one"]
        assert connection.connection.pgconn.pipeline_status == 0  # out of pipeline mode


def test_an_exchange_abandoned_midway_closes_its_connection() -> None:
    """An exchange left unread (its wait interrupted) closes the connection rather than
    leave libpq in pipeline mode with results pending."""
    import psycopg
    from psycopg import pq

    from tests.integration.conftest import configured_url

    url = configured_url("postgresql")
    raw = psycopg.connect(
        host=url.host or "",
        port=url.port or 5432,
        user=url.username or "",
        dbname=url.database or "",
        autocommit=True,
    )
    try:
        gen = pipeline.exchange(raw.cursor(), ("BEGIN",), "SELECT %s::int", (1,))
        next(gen)  # written; now waiting for the results
        gen.close()
        assert raw.pgconn.status == pq.ConnStatus.BAD or raw.closed
    finally:
        raw.close()


@pytest.mark.parametrize("direct", [True, False], ids=["exchange", "psycopg_pipeline"])
def test_an_async_short_transaction_waits_at_most_twice(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    """The asyncio driver drives the same exchange: an AsyncSession's insert then commit
    waits on the socket once (BEGIN, INSERT and COMMIT in one pipeline), a get then close
    once (its ROLLBACK's answer is read, having arrived, at the next checkout); corral
    drives the waits itself (``async_wait.run_to_end``). An answer that reaches the
    socket in two parts wakes a wait twice (seen once in a full run on a loaded
    machine), so each is allowed two. Control: psycopg's pipeline, driven by psycopg,
    four waits or more."""
    import asyncio

    import psycopg

    from corral.dialects.postgresql import asyncio as psycopg_async
    from corral.ext.asyncio import AsyncSession, create_async_engine

    Base.metadata.create_all(engine)
    seen: list[Any] = []
    original = psycopg.AsyncConnection.wait

    def counted(gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
        try:
            state = next(gen)
            while True:
                seen.append(state)
                state = gen.send((yield state))
        except StopIteration as stop:
            return stop.value

    async def wait(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        return await original(self, counted(gen), *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "wait", wait)
    from corral.dialects.postgresql.async_wait import run_to_end

    async def driven(gen: Any, fileno: int) -> Any:
        return await run_to_end(counted(gen), fileno)

    monkeypatch.setattr(psycopg_async, "run_to_end", driven)

    async def body() -> list[int]:
        async_engine = create_async_engine(engine.url.set(drivername="postgresql+psycopg_async"))
        if not direct:
            monkeypatch.setattr(
                type(async_engine.sync_engine.dialect), "writes_pipeline_at_once", lambda s: False
            )
        try:
            async with AsyncSession(async_engine) as session:  # the pool's first connection
                assert await session.get(Note, 1) is None
            counts = []
            seen.clear()
            async with AsyncSession(async_engine) as session:
                session.add(Note(id=1, body="one"))
                await session.commit()
            counts.append(len(seen))
            seen.clear()
            async with AsyncSession(async_engine) as session:
                note = await session.get(Note, 1)
                assert note is not None and note.body == "one"
            counts.append(len(seen))
            return counts
        finally:
            await async_engine.dispose()

    counts = asyncio.run(body())
    if direct:
        assert all(1 <= count <= 2 for count in counts), counts
    else:
        assert min(counts) >= 4
