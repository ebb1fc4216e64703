"""The asyncio executor runs statements, gets, selects and transaction control on the
event loop, with no worker thread, on every asyncio driver; what it cannot run falls back
to the thread bridge. Worker-thread calls are counted by wrapping the engine's executor."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from corral import String, delete, event, exc, insert, select, text, update
from corral.engine import URL
from corral.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from corral.orm import Mapped, mapped_column, selectinload
from tests.integration.test_asyncio import (
    Base,
    Child,
    Parent,
    async_url,
    run,
    server_connections,
)

__all__ = ["async_url"]  # the fixture, shared with test_asyncio.py


class Note(Base):
    """A class without relationships: its flush runs on the loop."""

    __tablename__ = "async_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(40))


class CountingExecutor(ThreadPoolExecutor):
    """A worker-thread pool that counts the calls handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="counted")
        self.calls = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls += 1
        return super().submit(fn, *args, **kwargs)


def counted(engine: AsyncEngine) -> CountingExecutor:
    executor = CountingExecutor()
    engine._executor = executor
    return executor


async def seed(engine: AsyncEngine) -> None:
    async with async_sessionmaker(engine).begin() as session:
        session.add_all(
            [Parent(id=1, name="a", children=[Child(id=1), Child(id=2)]), Parent(id=2, name="b")]
        )


def trips(engine: AsyncEngine) -> int:
    return int(engine.sync_engine.stats.round_trips)


def test_connection_statements_and_transactions_run_on_the_loop(async_url: URL) -> None:
    """execute, scalar(s), stream, commit, rollback and savepoints use no worker thread;
    BEGIN goes with the first statement (one round trip where the driver pipelines)."""

    async def body(engine: AsyncEngine) -> None:
        table = Parent.__table__
        async with engine.connect() as connection:
            threads = counted(engine)
            before = trips(engine)
            await connection.execute(table.insert(), {"id": 1, "name": "a"})
            assert trips(engine) - before == (1 if engine.dialect.pipelines_begin else 2)
            await connection.execute(table.insert(), [{"id": 2, "name": "b"}])
            await connection.commit()
            assert await connection.scalar(select(table.c.name).where(table.c.id == 2)) == "b"
            assert (await connection.scalars(select(table.c.id).order_by(table.c.id))).all() == [
                1,
                2,
            ]
            stream = await connection.stream(select(table.c.name).order_by(table.c.id))
            assert [row[0] async for row in stream] == ["a", "b"]
            await connection.execute(table.insert(), {"id": 3, "name": "rolled back"})
            await connection.rollback()
            async with connection.begin():
                async with connection.begin_nested() as savepoint:
                    await connection.execute(table.insert(), {"id": 4, "name": "undone"})
                    await savepoint.rollback()
                async with connection.begin_nested():
                    await connection.execute(table.insert(), {"id": 5, "name": "released"})
            ids = (await connection.scalars(select(table.c.id).order_by(table.c.id))).all()
            assert ids == [1, 2, 5]
            assert threads.calls == 0
            # The control: run_sync goes through a worker thread, and the counter sees it.
            await connection.run_sync(lambda sync: sync.execute(text("SELECT 1")))
            assert threads.calls == 1

    run(async_url, body)


def test_driver_errors_on_the_loop_are_translated_and_the_connection_recovers(
    async_url: URL,
) -> None:
    """A failing statement run on the loop raises corral's IntegrityError; after a
    rollback the same connection runs statements again."""

    async def body(engine: AsyncEngine) -> None:
        table = Parent.__table__
        async with engine.connect() as connection:
            threads = counted(engine)
            await connection.execute(table.insert(), {"id": 1, "name": "a"})
            with pytest.raises(exc.IntegrityError) as caught:
                await connection.execute(table.insert(), {"id": 1, "name": "again"})
            assert "INSERT INTO async_parent" in str(caught.value)
            await connection.rollback()
            assert await connection.scalar(select(table.c.id)) is None
            assert threads.calls == 0

    run(async_url, body)


def test_session_get_select_and_commit_run_on_the_loop(async_url: URL) -> None:
    """get, get_one, execute/scalars of ORM and Core selects and of text(), commit and
    rollback use no worker thread; a selectinload's follow-up SELECT is loaded in one,
    and an ORM insert() goes through one."""

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        threads = counted(engine)
        maker = async_sessionmaker(engine, expire_on_commit=False)
        async with maker() as session:
            parent = await session.get(Parent, 1)
            assert parent is not None and parent.name == "a"
            assert await session.get(Parent, 99) is None
            assert (await session.get_one(Parent, 2)).name == "b"
            names = (await session.scalars(select(Parent.name).order_by(Parent.id))).all()
            assert names == ["a", "b"]
            parents = (await session.scalars(select(Parent).order_by(Parent.id))).all()
            assert parents[0] is parent
            assert await session.scalar(text("SELECT 1")) == 1
            assert (await session.execute(text("SELECT :x AS x"), {"x": "two"})).one().x == "two"
            await session.commit()
            await session.rollback()
            assert threads.calls == 0
            loaded = await session.scalars(select(Parent).options(selectinload(Parent.children)))
            assert sorted(len(p.children) for p in loaded) == [0, 2]
            assert threads.calls == 1  # the selectin load, in a worker thread
            await session.execute(insert(Parent), {"id": 7, "name": "x"})  # ORM insert
            assert threads.calls == 2

    run(async_url, body)


def test_session_work_the_loop_cannot_do_falls_back_to_a_worker_thread(async_url: URL) -> None:
    """Any call of a session with event listeners runs in a worker thread, with the same
    results; the control: the same calls without listeners use no thread."""

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            parent = await session.get_one(Parent, 1)
            parent.name = "renamed"
            await session.commit()  # flushes first
            assert threads.calls == 0
        seen: list[str] = []
        async with AsyncSession(engine) as session:
            event.listen(session.sync_session, "after_begin", lambda *args: seen.append("begin"))
            assert (await session.get_one(Parent, 1)).name == "renamed"
            await session.commit()
            assert seen == ["begin"]
            assert threads.calls == 2

    run(async_url, body)


@pytest.mark.parametrize(
    "work",
    ["get", "select", "commit", "flush", "related_flush", "delete", "refresh", "connection"],
)
def test_cancellation_at_every_await_of_a_call_on_the_loop(async_url: URL, work: str) -> None:
    """Cancelling a task after 0, 1, 2... (then ever more) loop iterations of a call run on
    the loop: the connection always goes back to the pool, and nothing half-done stays."""

    async def one(engine: AsyncEngine) -> None:
        if work == "connection":
            async with engine.connect() as connection:
                await connection.execute(Parent.__table__.insert(), {"id": 50, "name": "c"})
                await connection.commit()
            return
        async with AsyncSession(engine) as session:
            if work == "get":
                await session.get(Parent, 1)
            elif work == "select":
                await session.scalars(select(Parent).order_by(Parent.id))
            elif work == "flush":
                session.add(Note(id=60, body="c"))
                await session.flush()
                await session.commit()
            elif work == "related_flush":
                session.add(Parent(id=50, name="c", children=[Child(id=50), Child(id=51)]))
                await session.flush()
                await session.commit()
            elif work == "refresh":
                await session.refresh(await session.get_one(Parent, 1))
                await session.commit()
            elif work == "delete":
                note = Note(id=60, body="c")
                session.add(note)
                await session.flush()
                await session.delete(note)
                await session.commit()
            else:
                await session.get(Parent, 1)
                await session.commit()

    async def body(engine: AsyncEngine) -> int:
        await seed(engine)
        threads = counted(engine)
        cancelled = 0
        steps = 0
        while True:
            task = asyncio.create_task(one(engine))
            for _ in range(steps):
                await asyncio.sleep(0)
            if task.done() or steps > 2000:  # past every await (or a slow driver thread)
                await task
                break
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                cancelled += 1
            assert engine.pool.checkedout() == 0, f"leaked after {steps} steps"
            async with engine.connect() as connection:
                await connection.execute(Child.__table__.delete().where(Child.id >= 50))
                await connection.execute(Parent.__table__.delete().where(Parent.id == 50))
                await connection.execute(Note.__table__.delete().where(Note.id == 60))
                await connection.commit()
            steps = steps + 1 if steps < 20 else steps * 5 // 4
        assert threads.calls == 0
        return cancelled

    before = server_connections(async_url)
    cancelled = run(async_url, body, pool_size=2, max_overflow=0)
    assert cancelled >= 2  # cancelled at the checkout and during a driver call, at least
    assert server_connections(async_url, before) == before


def test_frozen_results_of_other_sessions_merge_into_one(async_url: URL) -> None:
    """As SQLAlchemy's gather_orm_statements example: statements run concurrently in
    their own sessions, their frozen results merged into one session without loading."""
    from corral.orm import merge_frozen_result

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        maker = async_sessionmaker(engine, expire_on_commit=False)

        async def out_of_band(statement: Any) -> Any:
            async with maker() as session:
                return (await session.execute(statement)).freeze()

        statements = [select(Parent).where(Parent.id == i) for i in (2, 1, 2)]
        frozen = await asyncio.gather(*(out_of_band(s) for s in statements))
        async with maker() as session:
            before = trips(engine)
            merged = [
                (await session.run_sync(merge_frozen_result, s, f, load=False))()
                for s, f in zip(statements, frozen, strict=True)
            ]
            assert trips(engine) == before  # load=False: nothing read
            rows = [result.scalars().one() for result in merged]
            assert [p.name for p in rows] == ["b", "a", "b"]
            assert rows[0] is rows[2] and rows[0] in session and rows[0] not in session.dirty
            again = await (await session.stream(select(Parent).order_by(Parent.id))).freeze()
            assert [p.id for p in again().scalars()] == [1, 2]

    run(async_url, body)


def test_stream_reads_a_server_side_cursor_in_batches(async_url: URL) -> None:
    """stream() fetches rows a batch at a time as they are read (fetchmany, partitions,
    async for); other statements run meanwhile where the driver allows (refused on
    MySQL's unbuffered result), and closing the connection closes an unread stream."""

    async def body(engine: AsyncEngine) -> None:
        table = Parent.__table__
        async with engine.begin() as connection:
            await connection.execute(
                table.insert(), [{"id": i, "name": f"p{i}"} for i in range(1, 251)]
            )
        ordered = select(table.c.id).order_by(table.c.id)
        async with engine.connect() as connection:
            threads = counted(engine)
            result = await connection.stream(
                ordered.execution_options(stream_results=True, max_row_buffer=100)
            )
            stream = result._stream
            assert stream is not None
            assert [row[0] for row in await result.fetchmany(3)] == [1, 2, 3]
            assert len(stream.buffer) == 97  # one batch of 100 fetched, not all 250 rows
            if stream.exclusive:  # MySQL's unbuffered result: nothing else meanwhile
                with pytest.raises(exc.InvalidRequestError, match="reading a streamed result"):
                    await connection.execute(select(table.c.id))
            else:  # a server-side cursor of PostgreSQL, or SQLite's: other statements run
                assert await connection.scalar(select(table.c.name).where(table.c.id == 9)) == "p9"
            sizes = [len(part) async for part in result.partitions(100)]
            assert sizes == [100, 100, 47]
            assert not connection._streams  # read to the end: the stream ended
            scalars = await connection.stream_scalars(ordered)
            seen = [value async for value in scalars]
            assert seen == list(range(1, 251))
            unread = await connection.stream(ordered)
            assert await unread.first() == (1,)
            assert not connection._streams  # first() closes the result
            await connection.stream(ordered)  # left open: the connection's close ends it
            assert threads.calls == 0
        assert engine.pool.checkedout() == 0

    run(async_url, body)


def test_session_savepoints_run_on_the_loop(async_url: URL) -> None:
    """begin_nested() and the savepoint's rollback and release run on the loop, and so
    does a flush inside one (undone with it)."""

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            await session.get_one(Parent, 1)
            async with session.begin_nested() as savepoint:
                await session.get_one(Parent, 2)
                await savepoint.rollback()
            async with session.begin_nested():
                pass
            assert threads.calls == 0
            async with session.begin_nested() as savepoint:
                session.add(Parent(id=9, name="undone"))
                await session.flush()
                await savepoint.rollback()
            await session.commit()
            assert threads.calls == 0
        async with engine.connect() as connection:
            ids = (await connection.scalars(select(Parent.id).order_by(Parent.id))).all()
        assert ids == [1, 2]

    run(async_url, body)


def test_session_stream_builds_objects_a_batch_at_a_time(async_url: URL) -> None:
    """AsyncSession.stream() of a select reads a server-side cursor and builds objects a
    batch (yield_per) at a time; other statements run meanwhile where the driver allows,
    and a select with eager loads is read in full first (the buffered way)."""

    async def body(engine: AsyncEngine) -> None:
        async with async_sessionmaker(engine).begin() as session:
            session.add_all([Parent(id=i, name=f"p{i}") for i in range(1, 121)])
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            ordered = select(Parent).order_by(Parent.id).execution_options(yield_per=50)
            result = await session.stream_scalars(ordered)
            stream = result._stream
            assert stream is not None
            first = await result.fetchmany(2)
            assert [p.id for p in first] == [1, 2]
            assert len(session.identity_map) == 50  # one batch built, not all 120 rows
            if stream.exclusive:
                with pytest.raises(exc.InvalidRequestError, match="reading a streamed result"):
                    await session.get(Parent, 121)
            else:  # as SQLAlchemy's async_orm example: a query inside the iteration
                assert await session.get(Parent, 121) is None
            sizes = [len(part) async for part in result.partitions(50)]
            assert sizes == [50, 50, 18]
            assert not session._streams
            names = await session.stream(select(Parent.name).where(Parent.id < 3))
            assert [row.name async for row in names] == ["p1", "p2"]
            assert threads.calls == 0
            eager = await session.stream(select(Parent).options(selectinload(Parent.children)))
            assert len(await eager.all()) == 120
            assert threads.calls == 1  # the selectin load
            unread = await session.stream_scalars(ordered)
            assert (await unread.fetchone()).id == 1
        assert engine.pool.checkedout() == 0  # closing the session ended the stream

    run(async_url, body)


def test_flush_of_plain_classes_runs_on_the_loop(async_url: URL) -> None:
    """Inserts (keys generated by the database), updates and deletes of a class without
    relationships flush on the loop, by autoflush, flush() and commit(); a failed flush
    rolls back and the session recovers; delete() marks on the loop too."""

    async def body(engine: AsyncEngine) -> None:
        threads = counted(engine)
        maker = async_sessionmaker(engine, expire_on_commit=False)
        async with maker() as session:
            notes = [Note(body=f"n{i}") for i in range(3)]
            session.add_all(notes)
            await session.flush()
            assert all(isinstance(note.id, int) for note in notes)
            notes[0].body = "changed"
            found = await session.scalars(select(Note.body).order_by(Note.id))  # autoflush
            assert found.all() == ["changed", "n1", "n2"]
            await session.commit()
            assert threads.calls == 0
        async with maker() as session:
            session.add(Note(id=notes[2].id, body="duplicate"))
            with pytest.raises(exc.IntegrityError):
                await session.commit()
            await session.rollback()
            assert (await session.get_one(Note, notes[0].id)).body == "changed"
            assert threads.calls == 0
            await session.delete(await session.get_one(Note, notes[1].id))
            await session.commit()
            assert threads.calls == 0
        async with engine.connect() as connection:
            bodies = (await connection.scalars(select(Note.body).order_by(Note.id))).all()
        assert bodies == ["changed", "n2"]

    run(async_url, body)


def test_refresh_runs_on_the_loop(async_url: URL) -> None:
    """refresh() reloads on the loop what another connection changed, keeps nothing
    stale, and detaches an object whose row is gone (ObjectDeletedError), with no worker
    thread; the control: refresh with an option it does not take goes to the thread."""

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            parent = await session.get_one(Parent, 1)
            gone = await session.get_one(Parent, 2)
            async with engine.begin() as other:
                table = Parent.__table__
                await other.execute(table.update().where(table.c.id == 1).values(name="new"))
                await other.execute(table.delete().where(table.c.id == 2))
            await session.rollback()  # a new transaction sees the other one's commit
            parent.name = "unflushed"
            await session.refresh(parent, ["name"])
            assert parent.name == "new" and parent not in session.dirty
            with pytest.raises(exc.ObjectDeletedError, match="was deleted"):
                await session.refresh(gone)
            assert gone not in session
            assert threads.calls == 0
            with pytest.raises(TypeError):
                await session.refresh(parent, unknown=True)  # type: ignore[call-arg]
            assert threads.calls == 0
            await session.refresh(parent, with_for_update=True)  # the sync way, in a thread
            assert parent.name == "new" and threads.calls == 1

    run(async_url, body)


def test_orm_update_and_delete_run_on_the_loop(async_url: URL) -> None:
    """update() and delete() through a session run on the loop when the matching objects
    are found by evaluating the WHERE in Python (or not synchronized): the objects in the
    session follow; 'fetch' (a SELECT first) goes through a worker thread, the same."""

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            first, second = (await session.scalars(select(Parent).order_by(Parent.id))).all()
            result = await session.execute(update(Parent).where(Parent.id == 1).values(name="z"))
            assert result.rowcount == 1 and first.name == "z" and second.name == "b"
            await session.execute(delete(Parent).where(Parent.name == "b"))
            assert second not in session
            quiet = update(Parent).values(name="q").execution_options(synchronize_session=False)
            await session.execute(quiet)
            assert first.name == "z"  # not synchronized, as asked
            assert threads.calls == 0
            fetch = update(Parent).where(Parent.id == 1).values(name="f")
            await session.execute(fetch, execution_options={"synchronize_session": "fetch"})
            assert first.name == "f"
            assert threads.calls == 1
            await session.commit()
        async with engine.connect() as connection:
            names = (await connection.scalars(select(Parent.name))).all()
        assert names == ["f"]

    run(async_url, body)


def test_new_connections_use_a_worker_thread_only_to_send_settings(async_url: URL) -> None:
    """A new connection is prepared in a worker thread only when the dialect sends
    settings on connect (SQLite's PRAGMAs, MariaDB's session variables: the control);
    PostgreSQL's open on the loop alone."""
    sends_settings = async_url.backend_name != "postgresql"

    async def main() -> tuple[int, int]:
        engine = create_async_engine(async_url, pool_size=2, max_overflow=0)
        executor = engine._executor
        assert executor is not None
        submitted = 0
        submit = executor.submit

        def counting(fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            nonlocal submitted
            submitted += 1
            return submit(fn, *args, **kwargs)

        executor.submit = counting  # type: ignore[method-assign]  # counts this engine's
        try:
            async with engine.connect() as first, engine.connect() as second:
                values = [
                    await first.scalar(text("SELECT 1")),
                    await second.scalar(text("SELECT 2")),
                ]
            assert values == [1, 2]
            return submitted, engine.pool.checkedin()
        finally:
            await engine.dispose()

    submitted, idle = asyncio.run(main())
    assert idle == 2
    assert submitted == (2 if sends_settings else 0)


def test_get_on_the_loop_reads_its_rows_without_a_result(
    async_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A get's SELECT hands its rows to the loader without building a Result (as the sync
    get does); the rows are still counted, and a missing key gives None."""
    from corral.engine import async_execute

    def no_result(*args: Any) -> Any:
        raise AssertionError("a Result was built for get()")

    async def body(engine: AsyncEngine) -> None:
        await seed(engine)
        monkeypatch.setattr(async_execute, "result_of", no_result)
        threads = counted(engine)
        async with AsyncSession(engine) as session:
            parent = await session.get(Parent, 1)
            assert parent is not None and parent.name == "a"
            assert await session.get(Parent, 3) is None
            assert session.sync_session.stats.rows_fetched == 1
        assert threads.calls == 0

    run(async_url, body)
