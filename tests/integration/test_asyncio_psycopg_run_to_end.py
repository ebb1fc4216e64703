"""psycopg's asyncio statements, COMMIT and ROLLBACK run to their end on the loop in the
calling task (``async_wait.run_to_end``): a cancellation while the server works is held
until the answer is read, so the connection is left between statements; no task is made
per call. Each protection is shown against a control without it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from corral import text
from corral.dialects.postgresql import pipeline
from corral.dialects.postgresql.async_wait import run_to_end
from corral.engine import URL, async_execute
from corral.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

#: How long the server sleeps in the statement that is cancelled (the cancellation comes a
#: third of the way in: the margins hold on a slow machine).
SLEEP = 1.0


def run(url: URL, body: Any) -> Any:
    async def main() -> Any:
        engine = create_async_engine(url, pool_size=1, max_overflow=0)
        try:
            result = await body(engine)
            assert engine.pool.checkedout() == 0, "a connection was not given back"
            return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def cancel_while_waiting(work: Any) -> float:
    """Start ``work``, cancel it once the server is busy with it, and return how long
    the task took to end (it must end by ``CancelledError``)."""
    task = asyncio.create_task(work)
    await asyncio.sleep(SLEEP / 3)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return time.monotonic() - started


def test_a_statement_cancelled_while_the_server_works_ends_before_the_task_does(
    psycopg_url: URL,
) -> None:
    """The cancelled get (BEGIN and the statement in one exchange) is read to its end: the
    task ends after the server's sleep, the connection goes back, and the next session
    finds it between statements."""

    async def body(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:  # the pool's connection made first
            await session.execute(text("SELECT 1"))

        async def slow() -> None:
            async with AsyncSession(engine) as session:
                await session.execute(text(f"SELECT pg_sleep({SLEEP})"))

        waited = await cancel_while_waiting(slow())
        assert waited >= SLEEP / 2  # held until the answer came
        async with AsyncSession(engine) as session:
            assert (await session.execute(text("SELECT 41 + 1"))).scalar() == 42

    run(psycopg_url, body)


def test_without_run_to_end_a_cancelled_exchange_cuts_the_statement_off(
    psycopg_url: URL,
) -> None:
    """The control: the same exchange driven by psycopg's own ``AsyncConnection.wait`` and
    cancelled the same way stops at once: psycopg cancels the statement on the server, and
    the transaction is left failed, its statement cut off."""
    import psycopg
    from psycopg import pq

    async def body(engine: AsyncEngine) -> None:
        raw = await psycopg.AsyncConnection.connect(str(psycopg_url.set(drivername="postgresql")))
        try:
            cursor = raw.cursor()
            exchange = pipeline.exchange(cursor, ("BEGIN",), f"SELECT pg_sleep({SLEEP})", None)
            waited = await cancel_while_waiting(raw.wait(exchange))
            assert waited < SLEEP / 2  # stopped at once
            assert raw.pgconn.transaction_status == pq.TransactionStatus.INERROR
        finally:
            raw.pgconn.finish()

    run(psycopg_url, body)


def test_run_to_end_reads_the_answer_of_a_cancelled_exchange(psycopg_url: URL) -> None:
    """``run_to_end`` on the control's exchange: the cancellation is raised after the
    answer is read; the connection is out of pipeline mode, in its transaction, idle."""
    import psycopg
    from psycopg import pq

    async def body(engine: AsyncEngine) -> None:
        raw = await psycopg.AsyncConnection.connect(
            str(psycopg_url.set(drivername="postgresql")), autocommit=True
        )
        try:
            cursor = raw.cursor()
            exchange = pipeline.exchange(cursor, ("BEGIN",), f"SELECT pg_sleep({SLEEP})", None)
            waited = await cancel_while_waiting(run_to_end(exchange, raw.pgconn.socket))
            assert waited >= SLEEP / 2
            assert raw.pgconn.pipeline_status == pq.PipelineStatus.OFF
            assert raw.pgconn.transaction_status == pq.TransactionStatus.INTRANS
            await raw.rollback()
        finally:
            await raw.close()

    run(psycopg_url, body)


def test_a_get_makes_no_task_of_its_own(psycopg_url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's get and close wait on ``HeldFuture`` only: no ``RunToEnd`` task. The
    control: with psycopg's own pipeline (``writes_at_once`` off) each call needs one."""
    made: list[object] = []

    class Counted(async_execute.RunToEnd[Any]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(async_execute, "RunToEnd", Counted)

    async def gets(engine: AsyncEngine, writes_at_once: bool) -> int:
        async with engine.connect() as connection:  # the pool's one connection
            raw = await connection.get_raw_connection()
            raw.driver.writes_at_once = writes_at_once
        made.clear()
        for _ in range(3):
            async with AsyncSession(engine) as session:
                assert (await session.execute(text("SELECT 1"))).scalar() == 1
                await session.commit()
        return len(made)

    async def body(engine: AsyncEngine) -> None:
        assert await gets(engine, True) == 0
        assert await gets(engine, False) >= 3  # the control: a task per waiting call

    run(psycopg_url, body)
