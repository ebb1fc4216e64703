"""corral.ext.asyncio on every asyncio driver: SQLite (aiosqlite), PostgreSQL (psycopg's
async connection and asyncpg) and MariaDB (aiomysql). Coroutines run with asyncio.run."""

from __future__ import annotations

import asyncio
import importlib
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import ForeignKey, String, create_engine, exc, select, text
from corral.engine import URL, make_url
from corral.ext.asyncio import (
    AsyncAttrs,
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_scoped_session,
    async_sessionmaker,
    create_async_engine,
    run_transaction,
)
from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload
from tests.integration.conftest import Servers, _raw_connect, _run, require_driver

DRIVERS = [
    ("sqlite", "aiosqlite", "aiosqlite"),
    ("postgresql", "psycopg", "psycopg"),
    ("postgresql", "asyncpg", "asyncpg"),
    ("mysql", "aiomysql", "aiomysql"),
]


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "async_parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    children: Mapped[list[Child]] = relationship(back_populates="parent")


class Child(Base):
    __tablename__ = "async_child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("async_parent.id"))
    parent: Mapped[Parent] = relationship(back_populates="children")


@pytest.fixture(params=DRIVERS, ids=[f"{db}+{driver}" for db, driver, _ in DRIVERS])
def async_url(request: pytest.FixtureRequest, servers: Servers, tmp_path: Path) -> Iterator[URL]:
    """An empty database for this test, as a URL naming the asyncio driver."""
    backend, driver, module = request.param
    require_driver(module)
    if backend == "sqlite":
        yield make_url(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        return
    database = servers.get(backend)
    if database.dirty:
        database.clean()
    yield database.url.set(drivername=f"{backend}+{driver}")
    database.clean()


def server_connections(url: URL, expected: int | None = None) -> int | None:
    """Connections the server has open to this test's database (None on SQLite); waits
    briefly for closed ones to go down to ``expected``."""
    if url.backend_name == "sqlite":
        return None
    if url.backend_name == "postgresql":
        sql = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    else:
        sql = (
            "SELECT count(*) FROM information_schema.processlist "
            "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
        )
    admin = _raw_connect(url.set(drivername=url.backend_name))
    try:
        for _ in range(40):
            count = int(_run(admin, sql)[0][0])
            if expected is None or count <= expected:
                break
            time.sleep(0.05)
        return count
    finally:
        admin.close()


def run(url: URL, body: Callable[[AsyncEngine], Awaitable[Any]], **options: Any) -> Any:
    """Run ``body(engine)`` on a new event loop with the tables created, then dispose."""

    async def main() -> Any:
        engine = create_async_engine(url, **options)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            result = await body(engine)
            assert engine.pool.checkedout() == 0, "a connection was not given back"
            return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_core_execute_scalar_stream_and_run_sync(async_url: URL) -> None:
    """AsyncConnection runs Core statements, scalars, streams and sync functions."""

    async def body(engine: AsyncEngine) -> None:
        table = Parent.__table__
        async with engine.begin() as connection:
            await connection.execute(
                table.insert(), [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
            )
        async with engine.connect() as connection:
            rows = (await connection.execute(select(table).order_by(table.c.id))).all()
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")]
            assert await connection.scalar(text("SELECT count(*) FROM async_parent")) == 2
            assert (await connection.scalars(select(table.c.name))).all() == ["a", "b"]
            stream = await connection.stream(select(table.c.name).order_by(table.c.id))
            assert [row[0] async for row in stream] == ["a", "b"]
            names = await connection.run_sync(
                lambda sync: sync.execute(select(table.c.name)).scalars().all()
            )
            assert sorted(names) == ["a", "b"]

    run(async_url, body)


def test_a_sync_commit_in_run_sync_adds_one_row(async_url: URL) -> None:
    """Sync code given to ``AsyncSession.run_sync`` adds one object and commits: the
    commit of one INSERT that the sync PostgreSQL dialect sends in one pipeline takes the
    plain way through the asyncio driver (it has no sync connection to write it on)."""

    def add_and_commit(sync: Any) -> None:
        sync.add(Parent(id=1, name="a"))
        sync.commit()

    async def body(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            await session.run_sync(add_and_commit)
            assert not session.in_transaction()
        async with AsyncSession(engine) as session:
            assert (await session.get(Parent, 1)) is not None

    run(async_url, body)


def test_transactions_commit_rollback_and_savepoint(async_url: URL) -> None:
    """begin() commits, rollback() discards, begin_nested() undoes only its own work."""

    async def body(engine: AsyncEngine) -> None:
        table = Parent.__table__
        async with engine.connect() as connection:
            await connection.execute(table.insert(), {"id": 1, "name": "kept"})
            await connection.commit()
            await connection.execute(table.insert(), {"id": 2, "name": "dropped"})
            await connection.rollback()
            async with connection.begin():
                async with connection.begin_nested() as savepoint:
                    await connection.execute(table.insert(), {"id": 3, "name": "undone"})
                    await savepoint.rollback()
                await connection.execute(table.insert(), {"id": 4, "name": "nested ok"})
        async with engine.connect() as connection:
            ids = (await connection.scalars(select(table.c.id).order_by(table.c.id))).all()
        assert ids == [1, 4]

    run(async_url, body)


def test_session_add_commit_get_and_selectinload(async_url: URL) -> None:
    """AsyncSession flushes new objects, gets them by key and eager-loads collections."""

    async def body(engine: AsyncEngine) -> None:
        maker = async_sessionmaker(engine, expire_on_commit=False)
        async with maker.begin() as session:
            session.add_all([Parent(name="p1", children=[Child(), Child()]), Parent(name="p2")])
        async with maker() as session:
            parents = (
                await session.scalars(
                    select(Parent).options(selectinload(Parent.children)).order_by(Parent.id)
                )
            ).all()
            assert [(p.name, len(p.children)) for p in parents] == [("p1", 2), ("p2", 0)]
            assert await session.get(Parent, parents[0].id) is parents[0]
            with pytest.raises(exc.NoResultFound):
                await session.get_one(Parent, 999)
            parents[1].name = "renamed"
            await session.flush()
            await session.rollback()
        async with maker() as session:
            names = (await session.scalars(select(Parent.name).order_by(Parent.id))).all()
        assert names == ["p1", "p2"]

    run(async_url, body)


def test_unloaded_attributes_are_refused_on_the_loop_naming_them(async_url: URL) -> None:
    """A lazy relationship or expired column read in async code raises AwaitRequired at once,
    naming the attribute and the fixes; awaitable_attrs and refresh load them."""

    async def body(engine: AsyncEngine) -> None:
        maker = async_sessionmaker(engine)
        async with maker.begin() as session:
            session.add(Parent(id=1, name="p", children=[Child()]))
        async with maker() as session:
            parent = await session.get_one(Parent, 1)
            with pytest.raises(exc.AwaitRequired, match=r"Parent\.children.*selectinload"):
                _ = parent.children
            assert len(await parent.awaitable_attrs.children) == 1
            await session.commit()  # expires parent
            with pytest.raises(exc.MissingGreenlet, match=r"Parent\.name"):
                _ = parent.name
            await session.refresh(parent)
            assert parent.name == "p"

    run(async_url, body)


def test_one_session_used_by_two_tasks_is_refused(async_url: URL) -> None:
    """asyncio.gather of two statements on one AsyncSession raises, naming both calls."""

    async def body(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            first = asyncio.ensure_future(session.execute(select(Parent)))
            await asyncio.sleep(0)
            with pytest.raises(
                exc.ConcurrentUseError, match=r"AsyncSession\.execute.*AsyncSession\.get"
            ):
                await session.get(Parent, 1)
            await first

    run(async_url, body)


def test_two_tasks_error_names_where_the_first_call_waits(async_url: URL) -> None:
    """The refusal names the call the first task is suspended in and the line of the
    user's code that made it (read from the suspended task when the clash happens)."""

    async def first_call(session: AsyncSession) -> object:
        return await session.execute(select(Parent))  # the line the error names

    async def body(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            first = asyncio.ensure_future(first_call(session))
            await asyncio.sleep(0)
            with pytest.raises(exc.ConcurrentUseError) as refused:
                await session.get(Parent, 1)
            await first
        line = first_call.__code__.co_firstlineno + 1
        assert f"awaiting AsyncSession.execute called from {__file__}:{line} in first_call" in (
            str(refused.value)
        )

    run(async_url, body)


def test_one_connection_used_by_two_tasks_is_refused(async_url: URL) -> None:
    """Two tasks awaiting calls on one AsyncConnection at once: the second is refused."""

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            first = asyncio.ensure_future(connection.execute(select(Parent)))
            await asyncio.sleep(0)
            with pytest.raises(exc.ConcurrentUseError, match=r"AsyncConnection is in use"):
                await connection.execute(select(Parent))
            await first

    run(async_url, body)


def test_sessionmaker_run_transaction(async_url: URL) -> None:
    """async_sessionmaker.run_transaction commits the work's session and returns its value."""

    async def body(engine: AsyncEngine) -> None:
        maker = async_sessionmaker(engine)

        async def work(session: AsyncSession) -> int:
            session.add(Parent(id=5, name="five"))
            await session.flush()
            return 5

        assert await maker.run_transaction(work) == 5
        async with maker() as session:
            assert (await session.get_one(Parent, 5)).name == "five"

    run(async_url, body)


def test_pool_timeout_names_the_holding_task(async_url: URL) -> None:
    """With the pool exhausted, a checkout times out naming the task that holds it."""

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect():
            with pytest.raises(exc.TimeoutError, match=r"held .* by task 'holder'"):
                async with engine.connect():
                    pass

    async def named(engine: AsyncEngine) -> None:
        await asyncio.create_task(body(engine), name="holder")

    run(async_url, named, pool_size=1, max_overflow=0, pool_timeout=0.2)


@pytest.mark.parametrize("stage", ["checkout", "execute", "flush", "commit"])
def test_cancellation_never_leaks_a_connection(async_url: URL, stage: str) -> None:
    """A task cancelled at each await of a unit of work gives its connection back rolled back."""

    async def work(engine: AsyncEngine, reached: asyncio.Event) -> None:
        async with AsyncSession(engine) as session:
            if stage == "checkout":
                reached.set()
            await session.execute(select(Parent))
            session.add(Parent(id=7, name="cancelled"))
            if stage == "execute":
                reached.set()
            await session.execute(text("SELECT 1"))
            session.add(Parent(id=8, name="pending"))  # the flush has work: it awaits
            if stage == "flush":
                reached.set()
            await session.flush()
            if stage == "commit":
                reached.set()
            await session.commit()

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as blocker:  # holds the only connection until cancelled
            reached = asyncio.Event()
            task = asyncio.create_task(work(engine, reached))
            await reached.wait()
            task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert engine.pool.checkedout() == 0
        async with engine.connect() as connection:
            found = (await connection.scalars(select(Parent.id).order_by(Parent.id))).all()
        assert found in ([], [7, 8])  # rolled back, unless the commit had completed
        if stage != "commit":
            assert found == []
        del blocker

    before = server_connections(async_url)  # the test fixture's own connection
    run(async_url, body, pool_size=2, max_overflow=0, pool_timeout=5)
    after = server_connections(async_url, before)
    assert after == before, f"{after} connections open on the server after, {before} before"


def test_two_hundred_tasks_on_a_pool_of_five_never_stall_the_loop(async_url: URL) -> None:
    """200 tasks share 5 connections; a heartbeat sees the loop keep running throughout."""

    async def body(engine: AsyncEngine) -> float:
        maker = async_sessionmaker(engine)
        async with maker.begin() as session:
            session.add_all([Parent(id=i, name=f"p{i}") for i in range(1, 51)])
        worst = 0.0
        done = False

        async def heartbeat() -> None:
            nonlocal worst
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - before - 0.005)

        async def one(i: int) -> None:
            async with maker() as session:
                parent = await session.get(Parent, 1 + i % 50)
                assert parent is not None

        beat = asyncio.create_task(heartbeat())
        await asyncio.gather(*(one(i) for i in range(200)))
        done = True
        await beat
        return worst

    worst = run(async_url, body, pool_size=5, max_overflow=0)
    assert worst < 1.0, f"the loop stalled {worst:.3f} s"


def test_scoped_session_per_task_warns_on_uncommitted_work(async_url: URL) -> None:
    """async_scoped_session(scopefunc=current_task) gives each task its session and warns when
    a task ends with flushed, uncommitted work."""

    async def body(engine: AsyncEngine) -> None:
        registry = async_scoped_session(async_sessionmaker(engine), scopefunc=asyncio.current_task)

        async def task_work() -> AsyncSession:
            session = registry()
            assert registry() is session
            session.add(Parent(id=1, name="leaked"))
            await session.flush()
            return session

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first = await asyncio.create_task(task_work())
            await asyncio.sleep(0.2)
        assert registry() is not first
        await registry.remove()
        assert any(issubclass(w.category, exc.SessionLeakWarning) for w in caught)

    run(async_url, body)


def test_run_transaction_retries_a_retryable_error(async_url: URL) -> None:
    """The async run_transaction retries a retryable failure in a fresh session."""

    class Flaky(exc.RetryableError, Exception):
        pass

    async def body(engine: AsyncEngine) -> None:
        attempts: list[int] = []

        async def work(session: AsyncSession) -> str:
            attempts.append(1)
            session.add(Parent(id=len(attempts), name="x"))
            await session.flush()
            if len(attempts) == 1:
                raise Flaky("try again")
            return "ok"

        assert await run_transaction(async_sessionmaker(engine), work, backoff=lambda n: 0) == "ok"
        assert len(attempts) == 2
        async with AsyncSession(engine) as session:
            assert (await session.scalars(select(Parent.id))).all() == [2]

    run(async_url, body)


def test_sync_create_engine_refuses_an_asyncio_driver() -> None:
    """create_engine() with an asyncio driver's URL says to use create_async_engine()."""
    engine = create_engine("sqlite+aiosqlite://")
    with pytest.raises(exc.ArgumentError, match="create_async_engine"):
        engine.connect()


def test_session_merge_delete_stream_nested_and_connection(async_url: URL) -> None:
    """merge, delete, stream_scalars, begin_nested, connection() and async_object_session."""
    from corral.ext.asyncio import async_object_session

    async def body(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            async with session.begin():
                merged = await session.merge(Parent(id=1, name="merged"))
                session.add(Parent(id=2, name="doomed"))
            assert async_object_session(merged) is session
            async with session.begin():
                await session.delete(await session.get_one(Parent, 2))
                async with session.begin_nested():
                    session.add(Parent(id=3, name="kept in savepoint"))
                connection = await session.connection()
                assert isinstance(connection, AsyncConnection)  # as SQLAlchemy's
                assert connection.dialect.name == engine.dialect.name
                assert connection.sync_connection is session.sync_session.connection()
                # In the session's transaction: it sees the savepoint's uncommitted row.
                names = await connection.scalars(select(Parent.name).order_by(Parent.id))
                assert names.all() == ["merged", "kept in savepoint"]
            streamed = await session.stream_scalars(select(Parent.name).order_by(Parent.id))
            assert [name async for name in streamed] == ["merged", "kept in savepoint"]
            result = await session.stream(select(Parent.id).order_by(Parent.id))
            assert [list(p) async for p in result.partitions(1)] == [[(1,)], [(3,)]]
            mapped = await (await session.stream(select(Parent.id, Parent.name))).mappings().all()
            assert {row["id"] for row in mapped} == {1, 3}
            await session.rollback()

    run(async_url, body)


DRIVER_CLASSES = {
    "aiosqlite": "aiosqlite.core.Connection",
    "psycopg": "psycopg.AsyncConnection",
    "asyncpg": "asyncpg.connection.Connection",
    "aiomysql": "aiomysql.connection.Connection",
}


def test_raw_connection_has_sqlalchemys_surface(async_url: URL) -> None:
    """``get_raw_connection()`` is the pooled connection: ``driver_connection`` the asyncio
    driver's own connection, ``dbapi_connection`` the adapted one; ``info`` stays with the
    driver connection across checkouts (a pool of one here)."""
    driver = async_url.drivername.partition("+")[2]

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            own = raw.driver_connection
            module, _, name = DRIVER_CLASSES[driver].rpartition(".")
            assert isinstance(own, getattr(importlib.import_module(module), name))
            assert raw.dbapi_connection is not own  # the adapted connection
            raw.info["seen"] = True
        async with engine.connect() as connection:
            again = await connection.get_raw_connection()
            assert again.driver_connection is own
            assert again.info == {"seen": True}

    run(async_url, body, pool_size=1, max_overflow=0)


def test_exec_driver_sql_fetchmany_and_invalidate(async_url: URL) -> None:
    """exec_driver_sql runs driver SQL; AsyncResult.fetchmany pages; invalidate() discards."""

    async def body(engine: AsyncEngine) -> None:
        table = Parent.__table__
        async with engine.begin() as connection:
            await connection.execute(
                table.insert(), [{"id": i, "name": f"n{i}"} for i in range(1, 6)]
            )
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql("SELECT count(*) FROM async_parent")
            assert result.scalar() == 5
            stream = await connection.stream(select(table.c.id).order_by(table.c.id))
            assert [tuple(r) for r in await stream.fetchmany(2)] == [(1,), (2,)]
            await connection.invalidate()
            assert connection.invalidated

    run(async_url, body)


def test_session_bound_to_a_connection_joins_its_transaction(async_url: URL) -> None:
    """AsyncSession(bind=connection) works inside the connection's transaction, which the
    connection's rollback then undoes (the test-fixture pattern)."""

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            await connection.begin()
            session = AsyncSession(bind=connection)
            session.add(Parent(id=1, name="inside"))
            await session.commit()
            await session.close()
            assert await connection.scalar(select(Parent.name)) == "inside"
            await connection.rollback()
        async with engine.connect() as connection:
            assert (await connection.scalars(select(Parent.id))).all() == []

    run(async_url, body)


def test_sync_engine_is_available_before_the_loop_runs(async_url: URL) -> None:
    """engine.sync_engine can be read at module level, before any loop; it binds to the first
    loop that uses the engine."""
    engine = create_async_engine(async_url)
    assert engine.sync_engine.dialect is engine.dialect

    async def main() -> int:
        async with engine.connect() as connection:
            value = await connection.scalar(text("SELECT 1"))
        await engine.dispose()
        return int(value)

    assert asyncio.run(main()) == 1


def test_driver_errors_become_corrals_classified_errors(async_url: URL) -> None:
    """A duplicate key raises corral's IntegrityError (classified as for the sync driver),
    and the session then needs a rollback as usual."""

    async def body(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            session.add(Parent(id=1, name="first"))
            await session.commit()
            session.add(Parent(id=1, name="duplicate"))
            with pytest.raises(exc.IntegrityError) as caught:
                await session.flush()
            assert "async_parent" in str(caught.value) or caught.value.orig is not None
            with pytest.raises(exc.PendingRollbackError):
                await session.execute(select(Parent))
            await session.rollback()
            assert (await session.scalars(select(Parent.name))).all() == ["first"]

    run(async_url, body)


def test_isolation_levels_of_the_engine_and_of_one_connection(async_url: URL) -> None:
    """create_async_engine(isolation_level=) sets new connections' level; a connection's
    execution_options(isolation_level=) changes its own."""
    from corral.ext.asyncio.create import async_dialect_class

    levels = async_dialect_class(async_url).features.isolation_levels
    if not {"SERIALIZABLE", "READ COMMITTED"} <= levels:
        pytest.skip("the database lacks SERIALIZABLE or READ COMMITTED (its features say)")

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            level = await connection.run_sync(lambda sync: sync.get_isolation_level())
            assert level == "SERIALIZABLE"
            await connection.execution_options(isolation_level="READ COMMITTED")
            level = await connection.run_sync(lambda sync: sync.get_isolation_level())
            assert level == "READ COMMITTED"
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        async with autocommit.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert not connection.in_transaction()

    run(async_url, body, isolation_level="SERIALIZABLE")
