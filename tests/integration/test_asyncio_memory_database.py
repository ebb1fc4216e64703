"""An async engine's memory database (``sqlite+aiosqlite://``): one connection, shared by
every checkout of the task holding it (on the loop or through ``sync_engine`` in a worker
thread), one task at a time (``AsyncStaticPool``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from corral import exc, text
from corral.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from corral.pool.async_static import AsyncStaticPool

pytest.importorskip("aiosqlite")


def run(body: Callable[[AsyncEngine], Awaitable[Any]], **options: Any) -> Any:
    """``body(engine)`` on a fresh memory database with table ``t (x)``; disposed after."""

    async def main() -> Any:
        engine = create_async_engine("sqlite+aiosqlite://", **options)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            return await body(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def count(connection: AsyncConnection) -> int:
    return int((await connection.execute(text("SELECT count(*) FROM t"))).scalar_one())


def test_the_memory_engine_has_one_shared_connection() -> None:
    """Its pool is an AsyncStaticPool; every connection of one task is the same driver
    connection, so a second one sees the first one's uncommitted row."""

    async def body(engine: AsyncEngine) -> tuple[bool, int, int]:
        async with engine.connect() as outer, engine.connect() as inner:
            await outer.execute(text("INSERT INTO t VALUES (1)"))
            same = (await outer.get_raw_connection()).driver is (
                await inner.get_raw_connection()
            ).driver
            seen = await count(inner)
            pool = engine.pool
            shared = pool.checkouts() if isinstance(pool, AsyncStaticPool) else 0
            await outer.rollback()
        return same, seen, shared

    assert run(body) == (True, 1, 2)


def test_a_connection_begun_inside_another_takes_part_in_its_transaction() -> None:
    """The inner connection's commit only leaves the shared transaction; the outer's
    rollback undoes both, and the inner one's work with it (logged)."""

    async def body(engine: AsyncEngine) -> int:
        async with engine.connect() as outer:
            await outer.execute(text("INSERT INTO t VALUES (1)"))
            async with engine.begin() as inner:
                await inner.execute(text("INSERT INTO t VALUES (10)"))
            await outer.rollback()
        async with engine.connect() as after:
            return await count(after)

    assert run(body) == 0


def test_sync_engine_begin_in_a_worker_thread_shares_the_tasks_connection() -> None:
    """``sync_engine.begin()`` in code run by ``run_sync`` (a worker thread) while the
    session holds the connection takes part in the session's transaction, at once."""

    async def body(engine: AsyncEngine) -> tuple[int, int]:
        def bump(session: Any) -> int:
            session.execute(text("INSERT INTO t VALUES (1)"))
            with engine.sync_engine.begin() as nested:
                nested.execute(text("INSERT INTO t VALUES (2)"))
                return int(nested.execute(text("SELECT count(*) FROM t")).scalar_one())

        async with AsyncSession(engine) as session:
            inside = await session.run_sync(bump)
            await session.commit()
        async with engine.connect() as after:
            return inside, await count(after)

    assert run(body, pool_timeout=1) == (2, 2)


def test_closing_a_member_without_commit_on_the_loop_rolls_the_shared_transaction_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An inner connection that wrote and closes without committing rolls everything back
    (the ROLLBACK runs in a worker thread, not refused on the loop); the outer one must
    roll back before its next statement."""

    async def body(engine: AsyncEngine) -> int:
        outer = await engine.connect()
        await outer.begin()
        await outer.execute(text("INSERT INTO t VALUES (1)"))
        inner = await engine.connect()
        await inner.begin()
        await inner.execute(text("INSERT INTO t VALUES (2)"))
        await inner.close()
        with pytest.raises(exc.PendingRollbackError, match="another Connection"):
            await outer.execute(text("SELECT 1"))
        await outer.rollback()
        await outer.close()
        async with engine.connect() as after:
            return await count(after)

    with caplog.at_level(logging.WARNING, logger="corral.engine"):
        assert run(body) == 0
    assert not [r for r in caplog.records if "Could not roll back" in r.getMessage()]


def test_another_task_waits_for_its_turn_and_sees_only_committed_rows() -> None:
    """A second task's checkout waits until the holding task gave the connection back, so
    it never reads the first task's uncommitted row."""

    async def body(engine: AsyncEngine) -> tuple[bool, int]:
        async def reader() -> int:
            async with engine.connect() as connection:
                return await count(connection)

        async with engine.begin() as writer:
            await writer.execute(text("INSERT INTO t VALUES (1)"))
            waiting = asyncio.create_task(reader())
            await asyncio.sleep(0.1)
            done_while_held = waiting.done()
        return done_while_held, await waiting

    assert run(body) == (False, 1)


def test_a_task_waiting_too_long_is_told_which_task_holds_the_connection() -> None:
    """Past pool_timeout the waiting task gets TimeoutError naming the holder and the fixes."""

    async def body(engine: AsyncEngine) -> str:
        async def reader() -> None:
            async with engine.connect() as connection:
                await count(connection)

        async with engine.connect():
            with pytest.raises(exc.TimeoutError) as raised:
                await asyncio.create_task(reader())
        return str(raised.value)

    async def named(engine: AsyncEngine) -> str:
        return await asyncio.create_task(body(engine), name="holder")

    message = run(named, pool_timeout=0.2)
    assert "task 'holder' holds it" in message
    assert "timeout=0.2 s" in message and "sqlite+aiosqlite:///file.db" in message


@pytest.mark.parametrize(
    ("option", "value"), [("pool_size", 3), ("max_overflow", 0), ("pool_use_lifo", True)]
)
def test_pool_sizing_is_refused_for_a_memory_database(option: str, value: object) -> None:
    """A memory database has one connection: sizing options are refused, naming them."""
    with pytest.raises(exc.ArgumentError, match=f"{option} cannot apply.*file database"):
        create_async_engine("sqlite+aiosqlite://", **{option: value})


def test_a_file_database_keeps_a_pool_of_separate_connections(tmp_path: Any) -> None:
    """Only memory databases share one connection."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'f.db'}", pool_size=3)
    assert not isinstance(engine.pool, AsyncStaticPool)
    assert engine.pool.pool_size == 3
    memory = create_async_engine("sqlite+aiosqlite://")
    assert isinstance(memory.pool, AsyncStaticPool)


def test_echo_logs_the_statements(capsys: pytest.CaptureFixture[str]) -> None:
    """create_async_engine(echo=True) logs each statement to stdout, as create_engine's does."""

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 41 + 1"))

    logger = logging.getLogger("corral.engine")
    level, handlers = logger.level, list(logger.handlers)
    try:
        run(body, echo=True)
    finally:
        logger.setLevel(level)
        for handler in logger.handlers[:]:
            if handler not in handlers:
                logger.removeHandler(handler)
    assert "INFO corral.engine SELECT 41 + 1" in capsys.readouterr().out
