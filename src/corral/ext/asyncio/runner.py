"""Running synchronous corral code in a worker thread while its I/O runs on the loop.

This is how the async API reuses the sync engine and ORM without greenlet: a
call (``Session.execute``, ``Connection.commit``, a ``run_sync`` function)
runs in a worker thread; each driver call it makes is a coroutine submitted
back to the loop (``corral.engine.async_bridge``). The loop never blocks.

Before leaving the loop, a call that will need a connection checks one out of
the ``AsyncPool`` there (so waiting for a connection is a loop-side wait, and
the worker threads never pile up waiting for the pool). A call whose task is
cancelled lets the thread finish what it started (its I/O needs the loop),
then runs ``on_cancel`` (roll back, give the connection back) before the
``CancelledError`` propagates: nothing leaks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from corral.engine.async_bridge import RESERVED, Reservation
from corral.pool.async_static import CALLING_TASK, current_owner
from corral.pool.asyncio import AsyncPool
from corral.pool.checkout_site import capture_site

T = TypeVar("T")

#: Worker threads for calls of engines that did not get their own executor.
_shared_executor: ThreadPoolExecutor | None = None
#: Clean-up tasks after a cancellation, kept until done.
_cleanups: set[asyncio.Task[Any]] = set()


def shared_executor() -> ThreadPoolExecutor:
    global _shared_executor
    if _shared_executor is None:
        _shared_executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="corral-async")
    return _shared_executor


async def run_in_worker(
    fn: Callable[..., T],
    *args: Any,
    executor: ThreadPoolExecutor | None = None,
    reserve: AsyncPool | None = None,
    on_cancel: Callable[[], Any] | None = None,
    **kwargs: Any,
) -> T:
    """``fn(*args, **kwargs)`` in a worker thread; a connection from ``reserve`` ready for it."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    context.run(CALLING_TASK.set, current_owner())  # the worker's checkouts are this task's
    reservation: Reservation | None = None
    if reserve is not None:
        record = await reserve.acquire(capture_site())
        reservation = Reservation(reserve, record)
        context.run(RESERVED.set, reservation)
    pool = executor if executor is not None else shared_executor()
    future = loop.run_in_executor(pool, _call, context, fn, args, kwargs)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cleanup = loop.create_task(_after_cancel(future, on_cancel, pool, reservation))
        _cleanups.add(cleanup)
        cleanup.add_done_callback(_cleanups.discard)
        with contextlib.suppress(BaseException):
            await asyncio.shield(cleanup)
        raise
    finally:
        if reservation is not None and reservation.record is not None and future.done():
            await release_unused(reservation)


async def with_reserved(pool: AsyncPool, connect: Callable[[], T]) -> T:
    """``connect()`` run here on the loop with a connection of ``pool`` reserved for it
    (its checkout takes that one: ``LoopPool.connect``); given back if unused."""
    reservation = Reservation(pool, await pool.acquire(capture_site()))
    token = RESERVED.set(reservation)
    try:
        return connect()
    finally:
        RESERVED.reset(token)
        if reservation.record is not None:
            await release_unused(reservation)


def _call(context: contextvars.Context, fn: Callable[..., T], args: Any, kwargs: Any) -> T:
    return context.run(fn, *args, **kwargs)


async def release_unused(reservation: Reservation) -> None:
    record, reservation.record = reservation.record, None
    if record is not None:
        await reservation.pool.release_unused(record)


async def _after_cancel(
    future: asyncio.Future[Any],
    on_cancel: Callable[[], Any] | None,
    pool: ThreadPoolExecutor,
    reservation: Reservation | None,
) -> None:
    """Wait for the interrupted call to finish, then clean up after it."""
    with contextlib.suppress(BaseException):
        await future
    if reservation is not None:
        await release_unused(reservation)
    if on_cancel is not None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            await loop.run_in_executor(pool, on_cancel)
