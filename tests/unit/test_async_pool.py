"""AsyncPool on a fake driver: sizes, overflow, waiting on the loop, timeout diagnostics,
LIFO, pre-ping and recycle. No database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from corral import event, exc
from corral.pool.asyncio import AsyncPool, AsyncPooledConnection


class FakeConnection:
    """Counts what the pool asked of it."""

    opened = 0

    def __init__(self) -> None:
        FakeConnection.opened += 1
        self.number = FakeConnection.opened
        self.alive = True
        self.closed = False
        self.rollbacks = 0
        #: Whether a reset left an answer unread, and the answers read (``settle``).
        self.unread = False
        self.settled = 0

    async def ping(self) -> bool:
        return self.alive

    async def rollback(self) -> None:
        self.rollbacks += 1

    async def settle(self) -> None:
        assert self.unread, "settle() without an answer left unread"
        self.unread = False
        if not self.alive:
            raise ConnectionError("the server closed the connection")
        self.settled += 1

    async def close(self) -> None:
        self.closed = True

    def terminate(self) -> None:
        self.closed = True


def make_pool(*, unread: bool = False, **options: Any) -> AsyncPool:
    """A pool of FakeConnections; ``unread``: the reset leaves its answer to ``settle``."""

    async def open_connection() -> FakeConnection:
        await asyncio.sleep(0)
        return FakeConnection()

    async def reset(connection: Any) -> bool:
        await connection.rollback()
        connection.unread = unread
        return unread

    return AsyncPool(open_connection, reset=reset, **options)


def fake(record: AsyncPooledConnection) -> FakeConnection:
    """The record's connection, which make_pool's pools make as FakeConnections."""
    assert isinstance(record.connection, FakeConnection)
    return record.connection


def test_an_answer_left_unread_by_the_reset_is_read_at_the_next_checkout() -> None:
    """A reset that leaves its answer unread: the next checkout settles the connection
    first (once), and a connection that fails there is replaced, not handed out."""

    async def main() -> None:
        pool = make_pool(unread=True, pool_size=1)
        first = await pool.acquire()
        connection = fake(first)
        await pool.release_after_reset(first)
        assert connection.unread and connection.settled == 0
        again = await pool.acquire()
        assert again.connection is connection
        assert connection.settled == 1
        pool.release(again)  # given back without a reset: nothing to settle
        third = await pool.acquire()
        assert connection.settled == 1
        await pool.release_after_reset(third)
        connection.alive = False  # the server ended it
        replaced = await pool.acquire()
        assert replaced.connection is not connection and connection.closed
        assert pool.checkedout() == 1

    asyncio.run(main())


def test_checkin_listeners_get_a_settled_connection() -> None:
    """Listeners of ``checkin`` may use the connection: the answer is read before them."""

    async def main() -> None:
        pool = make_pool(unread=True, pool_size=1)
        seen: list[bool] = []
        event.listen(pool, "checkin", lambda connection, record: seen.append(connection.unread))
        record = await pool.acquire()
        await pool.release_after_reset(record)
        assert seen == [False]
        assert fake(record).settled == 1

    asyncio.run(main())


def test_reuses_idle_connections_and_resets_them_on_return() -> None:
    """A connection given back is rolled back and handed out again."""

    async def main() -> None:
        pool = make_pool(pool_size=2)
        first = await pool.acquire()
        await pool.release_after_reset(first)
        again = await pool.acquire()
        assert again is first
        assert first.connection.rollbacks == 1  # type: ignore[attr-defined]
        pool.release(again)
        assert pool.checkedin() == 1 and pool.checkedout() == 0

    asyncio.run(main())


def test_overflow_connections_are_closed_on_return() -> None:
    """Beyond pool_size, max_overflow more open under load and close when given back."""

    async def main() -> None:
        pool = make_pool(pool_size=1, max_overflow=1)
        a = await pool.acquire()
        b = await pool.acquire()
        pool.release(a)
        pool.release(b)
        assert pool.checkedin() == 1
        assert b.connection.closed  # type: ignore[attr-defined]

    asyncio.run(main())


def test_a_waiter_gets_the_returned_connection_while_the_loop_runs() -> None:
    """With the pool exhausted, a checkout waits on the loop (other tasks keep running)."""

    async def main() -> None:
        pool = make_pool(pool_size=1, max_overflow=0, timeout=5)
        held = await pool.acquire()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            for _ in range(5):
                ticks += 1
                await asyncio.sleep(0.01)
            pool.release(held)

        ticking = asyncio.create_task(ticker())
        got = await pool.acquire()
        await ticking
        assert got is held and ticks == 5

    asyncio.run(main())


def test_timeout_names_the_holding_task_and_the_fix() -> None:
    """A checkout that waits past timeout raises TimeoutError naming holders and the fix."""

    async def main() -> None:
        pool = make_pool(pool_size=1, max_overflow=0, timeout=0.05)

        async def hold() -> Any:
            return await pool.acquire()

        await asyncio.create_task(hold(), name="the-holder")
        with pytest.raises(exc.TimeoutError, match=r"(?s)task 'the-holder'.*raise pool_size"):
            await pool.acquire()

    asyncio.run(main())


def test_each_waiter_times_out_at_its_own_deadline() -> None:
    """Waiters share one timer, yet each gets its full timeout: a waiter that came later
    is not failed when the first one's deadline passes, and a served one never is."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        pool = make_pool(pool_size=1, max_overflow=0, timeout=0.3)
        held = await pool.acquire()
        first = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.15)
        started = loop.time()
        second = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        pool.release(held)  # the first waiter is served before its deadline
        assert (await first) is held
        with pytest.raises(exc.TimeoutError):
            await second
        waited = loop.time() - started
        assert 0.28 <= waited < 1.0, waited

    asyncio.run(main())


def test_cancelled_waiter_leaves_no_trace() -> None:
    """A waiting checkout that is cancelled does not swallow the next returned connection."""

    async def main() -> None:
        pool = make_pool(pool_size=1, max_overflow=0, timeout=5)
        held = await pool.acquire()
        waiter = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        pool.release(held)
        assert pool.checkedin() == 1 and pool.checkedout() == 0

    asyncio.run(main())


def test_lifo_hands_out_the_most_recently_returned() -> None:
    """use_lifo=True reuses the last connection given back (FIFO by default)."""

    async def order(lifo: bool) -> bool:
        pool = make_pool(pool_size=2, use_lifo=lifo)
        a = await pool.acquire()
        b = await pool.acquire()
        pool.release(a)
        pool.release(b)
        return (await pool.acquire()) is b

    assert asyncio.run(order(True)) is True
    assert asyncio.run(order(False)) is False


def test_pre_ping_replaces_a_dead_connection() -> None:
    """pool_pre_ping: a connection that fails its ping is replaced before it is handed out."""

    async def main() -> None:
        pool = make_pool(pool_size=1, pre_ping=True)
        record = await pool.acquire()
        dead = record.connection
        pool.release(record)
        dead.alive = False  # type: ignore[attr-defined]
        again = await pool.acquire()
        assert again.connection is not dead and dead.closed  # type: ignore[attr-defined]

    asyncio.run(main())


def test_recycle_reopens_old_connections() -> None:
    """pool_recycle: a connection older than recycle seconds is closed and reopened."""

    async def main() -> None:
        pool = make_pool(pool_size=1, recycle=0)
        record = await pool.acquire()
        old = record.connection
        pool.release(record)
        await asyncio.sleep(0.01)
        again = await pool.acquire()
        assert again.connection is not old and old.closed  # type: ignore[attr-defined]

    asyncio.run(main())


def test_dispose_closes_idle_and_drops_checked_out_on_return() -> None:
    """dispose() closes idle connections; ones out at the time are closed when returned."""

    async def main() -> None:
        pool = make_pool(pool_size=2)
        a = await pool.acquire()
        b = await pool.acquire()
        pool.release(a)
        await pool.dispose()
        assert a.connection.closed  # type: ignore[attr-defined]
        pool.release(b)
        assert b.connection.closed and pool.checkedin() == 0  # type: ignore[attr-defined]

    asyncio.run(main())
