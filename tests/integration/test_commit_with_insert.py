"""A Session's commit whose flush ends with the INSERT of one row sends the COMMIT with
that INSERT: on PostgreSQL BEGIN, INSERT and COMMIT go in one pipeline, one round trip
(``Connection._execute_then_commit``, ``pipeline.exchange``'s ``after``); an AsyncSession's
too, through psycopg's AsyncConnection (``async_execute.execute_then_commit``).

Each test that changes what reaches the server compares with the same work done with the
COMMIT sent on its own (``separate_commit``): the rows, the errors and the session's
state after them are the same; only the round trips differ."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from corral import Engine, ForeignKey, String, event, exc, select, text
from corral.dialects.postgresql.asyncio import PsycopgAsyncConnection
from corral.engine import URL
from corral.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from tests.integration.orm_models import recorded_sql

from .conftest import EngineFactory
from .server_sessions import terminate


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "commit_with_ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)


class Stub(Base):
    __tablename__ = "commit_with_stub"
    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(String(20))


@pytest.fixture(params=["postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The dialect whose ``commits_with_statement()`` is true."""
    name: str = request.param
    return name


@pytest.fixture(params=[False, True], ids=["with_insert", "separate_commit"])
def separate_commit(request: pytest.FixtureRequest, engine: Engine, monkeypatch: Any) -> bool:
    """Run the test as is, and again with the COMMIT sent on its own (the control)."""
    separate: bool = request.param
    if separate:
        monkeypatch.setattr(type(engine.dialect), "commits_with_statement", lambda self: False)
    Base.metadata.create_all(engine)
    return separate


def _codes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Ticket.code).order_by(Ticket.id)))


def test_one_insert_and_its_commit_take_one_round_trip(
    engine: Engine, separate_commit: bool
) -> None:
    """BEGIN, INSERT and COMMIT are sent in that order, in one round trip; the row is
    committed (another connection reads it) and the object has its generated key."""
    with recorded_sql() as sql, Session(engine) as session:
        ticket = Ticket(code="a1")
        session.add(ticket)
        session.commit()
        assert [s.split(" ", 1)[0] for s in sql] == ["BEGIN", "INSERT", "COMMIT"]
        assert session.stats.statements == 3
        assert session.stats.round_trips == (2 if separate_commit else 1)
        assert not session.in_transaction()
        assert ticket.id is not None and ticket.code == "a1"  # (loaded again: expired)
    assert _codes(engine) == ["a1"]


def test_later_statements_of_the_transaction_keep_their_round_trips(
    engine: Engine, separate_commit: bool
) -> None:
    """After a read, and in a flush of two tables, only the last INSERT carries the
    COMMIT: the statements before it run as they would have."""
    with Session(engine) as session:
        assert session.scalar(select(Ticket.id).limit(1)) is None
        session.add_all([Ticket(code="b1"), Stub(note="n")])
        with recorded_sql() as sql:
            session.commit()
        assert [s.split(" (")[0] for s in sql] == [
            "INSERT INTO commit_with_ticket",
            "INSERT INTO commit_with_stub",
            "COMMIT",
        ]
        # the SELECT with its BEGIN, the two INSERTs, the COMMIT
        assert session.stats.round_trips == (4 if separate_commit else 3)
    assert _codes(engine) == ["b1"]


def test_a_failing_insert_commits_nothing(engine: Engine, separate_commit: bool) -> None:
    """The INSERT breaks a unique key: the server skips the COMMIT behind it. commit()
    raises the IntegrityError, the new object is pending again, nothing of the
    transaction is committed (not the row an earlier flush wrote either), and after
    rollback() the session and its connection work."""
    with Session(engine) as session:
        session.add(Ticket(code="c1"))
        session.commit()
    with Session(engine) as session:
        session.add(Ticket(code="c2"))
        session.flush()
        clash = Ticket(code="c1")
        session.add(clash)
        trips = session.stats.round_trips
        with pytest.raises(exc.IntegrityError):
            session.commit()
        # the INSERT (with the COMMIT the server skipped, or none), the failed flush's ROLLBACK
        assert session.stats.round_trips - trips == 2
        with pytest.raises(exc.PendingRollbackError):
            session.execute(select(Ticket))
        session.rollback()
        assert clash not in session
        session.add(Ticket(code="c3"))
        session.commit()
    assert _codes(engine) == ["c1", "c3"]


def test_a_commit_the_server_refuses_raises_from_commit(
    engine: Engine, separate_commit: bool
) -> None:
    """The INSERT runs, the COMMIT fails (a deferred foreign key checked at COMMIT):
    commit() raises the IntegrityError, the row is not there, and the session rolls back
    and goes on, on a connection that is not left in a transaction."""
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE commit_with_parent (id integer PRIMARY KEY)"))
        connection.execute(
            text(
                "ALTER TABLE commit_with_stub ADD CONSTRAINT commit_with_stub_parent "
                "FOREIGN KEY (id) REFERENCES commit_with_parent (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )
        )
    try:
        with Session(engine) as session:
            session.add(Stub(id=5, note="orphan"))
            with pytest.raises(exc.IntegrityError) as raised:
                session.commit()
            assert "commit_with_stub_parent" in str(raised.value)
            assert session.stats.round_trips == (2 if separate_commit else 1)
            session.rollback()
            assert session.scalar(select(Stub).where(Stub.id == 5)) is None
            dbapi = session.connection().connection.dbapi_connection
            assert dbapi.pgconn.transaction_status == 2  # in the session's new transaction
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM commit_with_stub")) == 0
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("ALTER TABLE commit_with_stub DROP CONSTRAINT commit_with_stub_parent")
            )
            connection.execute(text("DROP TABLE commit_with_parent"))


def test_a_flush_listener_keeps_the_commit_apart(engine: Engine) -> None:
    """An after_flush listener writes in the same transaction, after the INSERT and
    before the COMMIT: the COMMIT waits for it, and both rows are committed."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:

        @event.listens_for(session, "after_flush")
        def audit(flushed: Session, context: Any) -> None:
            flushed.connection().execute(
                text("INSERT INTO commit_with_stub (note) VALUES ('audit')")
            )

        session.add(Ticket(code="d1"))
        with recorded_sql() as sql:
            session.commit()
        assert [s.split(" ", 1)[0] for s in sql] == ["BEGIN", "INSERT", "INSERT", "COMMIT"]
        assert session.stats.round_trips == 3
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT note FROM commit_with_stub")) == "audit"
    assert _codes(engine) == ["d1"]


def test_a_savepoint_or_an_update_keeps_the_commit_apart(engine: Engine) -> None:
    """The COMMIT goes only with an INSERT of one row at the root transaction: with a
    SAVEPOINT open, the INSERT is flushed inside it and the COMMIT follows the release on
    its own; with an UPDATE (whose matched rows the session checks after it runs) too."""
    Base.metadata.create_all(engine)
    with Session(engine) as session, recorded_sql() as sql:
        session.begin_nested()
        session.add(Ticket(code="e1"))
        session.commit()  # the SAVEPOINT's work, then the transaction
        assert [s.split(" ", 1)[0] for s in sql] == [
            "BEGIN",
            "SAVEPOINT",
            "INSERT",
            "RELEASE",
            "COMMIT",
        ]
        assert session.stats.round_trips == 5  # each on its own
    with Session(engine) as session:
        ticket = session.scalars(select(Ticket)).one()
        ticket.code = "e2"
        trips = session.stats.round_trips
        session.commit()
        assert session.stats.round_trips - trips == 2  # UPDATE, then COMMIT
    assert _codes(engine) == ["e2"]


def test_a_deadline_goes_in_the_same_round_trip(engine: Engine) -> None:
    """With a deadline the statement timeout goes in the pipeline too: BEGIN, the limit,
    INSERT and COMMIT, one round trip, none of them the deadline's own."""
    Base.metadata.create_all(engine)
    with Session(engine, deadline=60.0) as session:
        session.add(Ticket(code="f1"))
        session.commit()
        assert session.stats.statements == 4
        assert session.stats.round_trips == 1
        assert session.stats.deadline_round_trips == 0
    assert _codes(engine) == ["f1"]


@pytest.mark.parametrize("checked", [True, False], ids=["checked", "unchecked_control"])
def test_a_connection_the_server_closed_is_replaced_before_the_commit_is_written(
    make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch, checked: bool
) -> None:
    """The server session of the pooled connection ended while it sat in the pool (a
    restart): before writing INSERT and COMMIT, corral sees the closed socket and takes
    a new connection, on which the row is committed once. Control, without that look:
    the pipeline is written to the dead connection, and since a COMMIT was in it,
    commit() can only say that the outcome is unknown, though the server never saw it."""
    engine = make_engine(pool_size=1, max_overflow=0)
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        pid = connection.connection.dbapi_connection.info.backend_pid
    terminate(make_engine, pid)
    if not checked:
        monkeypatch.setattr(type(engine.dialect), "closed_by_server", lambda self, dbapi: None)
    with Session(engine) as session:
        session.add(Ticket(code="g1"))
        if checked:
            session.commit()
            assert session.stats.round_trips == 1
        else:
            with pytest.raises(exc.CommitOutcomeUnknownError):
                session.commit()
    assert _codes(engine) == (["g1"] if checked else [])


def test_a_cursor_class_of_the_users_keeps_the_commit_apart(
    make_engine: EngineFactory,
) -> None:
    """psycopg's ClientCursor given as ``cursor_factory`` binds parameters itself, and
    the pipeline is written for psycopg's own cursor: the COMMIT goes on its own, and the
    round trips counted are the ones made."""
    import psycopg

    engine = make_engine(connect_args={"cursor_factory": psycopg.ClientCursor})
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Ticket(code="h1"))
        session.commit()
        assert session.stats.statements == 3
        assert session.stats.round_trips == 2
    assert _codes(engine) == ["h1"]


# -- the same under asyncio (psycopg's AsyncConnection: async_execute.execute_then_commit)


class Shelf(Base):
    """A class with a one-to-many relationship: its flush is the relational one."""

    __tablename__ = "commit_with_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    books: Mapped[list[Book]] = relationship()


class Book(Base):
    __tablename__ = "commit_with_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("commit_with_shelf.id"))


@pytest.fixture(params=[False, True], ids=["with_insert", "separate_commit"])
def async_separate(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run the asyncio test as is, and again with the COMMIT sent on its own."""
    separate: bool = request.param
    if separate:
        monkeypatch.setattr(PsycopgAsyncConnection, "commits_with_statement", lambda self: False)
    return separate


def _run_async(url: URL, body: Callable[[AsyncEngine], Awaitable[None]], **options: Any) -> None:
    async def main() -> None:
        engine = create_async_engine(url, **options)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            await body(engine)
            assert engine.pool.checkedout() == 0
        finally:
            await engine.dispose()

    asyncio.run(main())


async def _async_codes(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list(await connection.scalars(select(Ticket.code).order_by(Ticket.id)))


def test_asyncio_one_insert_and_its_commit_take_one_round_trip(
    psycopg_url: URL, async_separate: bool
) -> None:
    """An AsyncSession's commit of one new object, and of one object of a class with a
    relationship: BEGIN, INSERT and COMMIT in one round trip, the rows committed."""

    async def body(engine: AsyncEngine) -> None:
        for obj in (Ticket(code="i1"), Shelf(label="s")):
            with recorded_sql() as sql:
                async with AsyncSession(engine) as session:
                    session.add(obj)
                    await session.commit()
                    assert session.sync_session.stats.statements == 3
                    assert session.sync_session.stats.round_trips == (2 if async_separate else 1)
            assert [s.split(" ", 1)[0] for s in sql] == ["BEGIN", "INSERT", "COMMIT"]
        assert await _async_codes(engine) == ["i1"]

    _run_async(psycopg_url, body)


def test_asyncio_failing_insert_and_refused_commit(psycopg_url: URL, async_separate: bool) -> None:
    """A failing INSERT: the COMMIT is skipped, commit() raises its IntegrityError, the
    row an earlier flush wrote is not committed either. A refused COMMIT (a deferred
    foreign key): commit() raises, the row is not there. After rollback() the session
    goes on."""

    async def body(engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "ALTER TABLE commit_with_stub ADD CONSTRAINT commit_with_stub_ticket "
                    "FOREIGN KEY (id) REFERENCES commit_with_ticket (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
            )
        async with AsyncSession(engine) as session:
            session.add(Ticket(code="j1"))
            await session.commit()
        async with AsyncSession(engine) as session:
            session.add(Ticket(code="j2"))
            await session.flush()
            session.add(Ticket(code="j1"))
            with pytest.raises(exc.IntegrityError):
                await session.commit()
            await session.rollback()
            session.add(Stub(id=99, note="orphan"))
            with pytest.raises(exc.IntegrityError) as raised:
                await session.commit()
            assert "commit_with_stub_ticket" in str(raised.value)
            await session.rollback()
            session.add(Ticket(code="j3"))
            await session.commit()
        assert await _async_codes(engine) == ["j1", "j3"]
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM commit_with_stub")) == 0

    _run_async(psycopg_url, body)


def test_asyncio_a_savepoint_keeps_the_commit_apart(psycopg_url: URL) -> None:
    """With a SAVEPOINT open, the INSERT is flushed inside it, the COMMIT goes alone."""

    async def body(engine: AsyncEngine) -> None:
        with recorded_sql() as sql:
            async with AsyncSession(engine) as session:
                await session.begin_nested()
                session.add(Ticket(code="k1"))
                await session.commit()
        assert [s.split(" ", 1)[0] for s in sql] == [
            "BEGIN",
            "SAVEPOINT",
            "INSERT",
            "RELEASE",
            "COMMIT",
        ]
        assert await _async_codes(engine) == ["k1"]

    _run_async(psycopg_url, body)


@pytest.mark.parametrize("checked", [True, False], ids=["checked", "unchecked_control"])
def test_asyncio_a_connection_the_server_closed_gets_no_commit_written(
    psycopg_url: URL,
    make_engine: EngineFactory,
    monkeypatch: pytest.MonkeyPatch,
    checked: bool,
) -> None:
    """The pooled connection's server session ended while it sat in the pool: corral
    sees the closed socket and writes no COMMIT; the statement meets the dead connection
    as it would have, a TransactionLostError (retryable: nothing ran). Control, without
    that look: the COMMIT was in the pipeline written, so the outcome is unknown."""
    if not checked:
        monkeypatch.setattr(PsycopgAsyncConnection, "closed_by_server", lambda self: None)

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            pid = raw.driver_connection.info.backend_pid
        await asyncio.to_thread(terminate, make_engine, pid)
        async with AsyncSession(engine) as session:
            session.add(Ticket(code="l1"))
            expected = exc.TransactionLostError if checked else exc.CommitOutcomeUnknownError
            with pytest.raises(expected):
                await session.commit()
        assert await _async_codes(engine) == []

    _run_async(psycopg_url, body, pool_size=1, max_overflow=0)
