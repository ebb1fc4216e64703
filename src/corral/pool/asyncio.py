"""``AsyncPool``: a pool of asyncio driver connections that waits on the event loop.

The same options and diagnostics as ``QueuePool`` (size, overflow, timeout,
pre-ping, recycle, LIFO, the holders named when a checkout times out), but a
task waiting for a connection awaits a future: the loop keeps running every
other task meanwhile. All methods run on the loop's thread; nothing here takes
a thread lock.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Protocol

from corral import exc
from corral.event.dispatch import Dispatch
from corral.pool.base import Pool
from corral.pool.checkout_site import CheckoutSite, capture_site
from corral.pool.events import ResetState

logger = logging.getLogger("corral.pool")


class AsyncDriverConnection(Protocol):
    """What the pool needs from a connection of an asyncio driver."""

    async def ping(self) -> bool: ...

    async def rollback(self) -> None: ...

    async def settle(self) -> None:
        """Read the answer a reset left unread (``AsyncDriverConnection.reset``)."""

    async def close(self) -> None: ...

    def terminate(self) -> Any:
        """Close without waiting; may return an awaitable the pool awaits on dispose()."""


class AsyncPooledConnection:
    """One open driver connection and its checkout bookkeeping."""

    __slots__ = (
        "checked_out_at",
        "connection",
        "created_at",
        "generation",
        "info",
        "site",
        "task_name",
        "unread",
    )

    def __init__(self, connection: AsyncDriverConnection, generation: int) -> None:
        self.connection = connection
        #: Free for the application (pool event listeners keep per-connection state here).
        self.info: dict[Any, Any] = {}
        self.generation = generation
        self.created_at = time.monotonic()
        self.checked_out_at = 0.0
        self.site: CheckoutSite | None = None
        self.task_name = ""
        #: Whether the reset at check-in left its ROLLBACK's answer to be read (``settle``).
        self.unread = False


#: Runs the listeners of a pool event (``dispatch``'s, for ``event``) for a connection:
#: ``(dispatch, event, record, extra arguments)``. ``create_async_engine`` runs them in a
#: worker thread, with a connection whose sync calls are awaited on the loop.
ListenerRunner = Callable[[Dispatch, str, AsyncPooledConnection, tuple[Any, ...]], Awaitable[None]]


async def run_on_loop(
    dispatch: Dispatch, event: str, record: AsyncPooledConnection, args: tuple[Any, ...]
) -> None:
    """Listeners run here on the loop, given the driver connection (a pool made without an
    engine: they must not wait for the database)."""
    for listener in getattr(dispatch, event):
        listener(record.connection, record, *args)


#: A task waiting for a connection, and when it times out (``loop.time()``).
Waiter = tuple[asyncio.Future[AsyncPooledConnection | None], float]


def _task_name() -> str:
    task = asyncio.current_task()
    return task.get_name() if task is not None else "(no task)"


class AsyncPool:
    """Up to ``pool_size`` idle connections kept, ``max_overflow`` more opened under load."""

    #: The listeners of PoolEvents (pool/events.py), under those of every ``Pool``.
    dispatch: Dispatch = Pool._class_dispatch._child()
    #: The pool events an AsyncPool fires (the others are refused by ``listen()``).
    FIRED_EVENTS = frozenset({"connect", "first_connect", "checkout", "checkin", "reset"})

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[AsyncDriverConnection]],
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        timeout: float = 30.0,
        recycle: float = -1,
        pre_ping: bool = False,
        use_lifo: bool = False,
        reset: Callable[[AsyncDriverConnection], Awaitable[bool | None]] | None = None,
        run_listeners: ListenerRunner = run_on_loop,
    ) -> None:
        if pool_size < 0 or (max_overflow < 0 and max_overflow != -1) or timeout < 0:
            raise exc.ArgumentError(
                f"AsyncPool needs pool_size >= 0, max_overflow >= 0 (or -1: unlimited) and "
                f"timeout >= 0; got {pool_size}, {max_overflow}, {timeout}"
            )
        self._open = open_connection
        self._reset = reset
        self._run_listeners = run_listeners
        self._opened_any = False
        self.pool_size = pool_size
        self.max_overflow = max_overflow
        self.timeout = timeout
        self.recycle = recycle
        self.pre_ping = pre_ping
        self.use_lifo = use_lifo
        self._idle: collections.deque[AsyncPooledConnection] = collections.deque()
        self._out: set[AsyncPooledConnection] = set()
        self._opening = 0
        #: Tasks waiting for a connection, first come first served, with their deadlines.
        self._waiters: collections.deque[Waiter] = collections.deque()
        #: The one timer that fails the waiters past their deadline (``_expire``).
        self._expiry: asyncio.TimerHandle | None = None
        self._expiry_loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        #: Bumped by dispose(): connections of an older generation are dropped on return.
        self._generation = 0
        #: Closes started by _terminate(), awaited by dispose().
        self._terminating: set[asyncio.Future[Any]] = set()

    def _terminate(self, connection: AsyncDriverConnection) -> None:
        """Drop a connection; a close the driver must finish on the loop is awaited by
        dispose()."""
        pending = connection.terminate()
        if pending is not None:
            task = asyncio.ensure_future(pending)
            self._terminating.add(task)
            task.add_done_callback(self._terminating.discard)

    # -- counts ---------------------------------------------------------------

    def size(self) -> int:
        return self.pool_size

    def checkedout(self) -> int:
        return len(self._out)

    def checkedin(self) -> int:
        return len(self._idle)

    def overflow(self) -> int:
        return len(self._out) + len(self._idle) + self._opening - self.pool_size

    def status(self) -> str:
        return (
            f"AsyncPool size: {self.pool_size}  Connections in pool: {len(self._idle)} "
            f"Current Overflow: {self.overflow()} Current Checked out connections: "
            f"{len(self._out)}"
        )

    def _may_open(self) -> bool:
        total = len(self._out) + len(self._idle) + self._opening
        return self.max_overflow == -1 or total < self.pool_size + self.max_overflow

    # -- checkout and check-in --------------------------------------------------

    async def acquire(
        self, site: CheckoutSite | None = None, *, owner: Hashable | None = None
    ) -> AsyncPooledConnection:
        """A ready connection; waits (on the loop) up to ``timeout`` seconds for one.

        ``owner``, the task the checkout is for, matters to ``AsyncStaticPool`` only: here
        every checkout gets a connection of its own.
        """
        if site is None:
            site = capture_site()
        while True:
            if self._idle and not self._closed:  # the usual case, without a coroutine
                record = self._idle.pop() if self.use_lifo else self._idle.popleft()
                self._out.add(record)
            else:
                taken = await self._take(site)
                if taken is None:
                    continue
                record = taken
            as_is = self.recycle < 0 and not self.pre_ping and not record.unread
            if as_is or await self._ready(record):
                record.site = site
                record.task_name = _task_name()
                record.checked_out_at = time.monotonic()
                if self.dispatch.checkout:
                    await self._fire_or_drop(record, [("checkout", (record,))])
                return record

    async def _take(self, site: CheckoutSite) -> AsyncPooledConnection | None:
        if self._closed:
            raise exc.InvalidRequestError("This AsyncPool was disposed; create a new engine")
        if self._idle:
            record = self._idle.pop() if self.use_lifo else self._idle.popleft()
            self._out.add(record)
            return record
        if self._may_open():
            return await self._open_record()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[AsyncPooledConnection | None] = loop.create_future()
        self._waiters.append((waiter, loop.time() + self.timeout))
        if self._expiry is None or self._expiry_loop is not loop:
            self._watch(loop)
        try:
            return await waiter
        except BaseException:
            # Cancelled just as a connection was handed over: pass it on. (A waiter that
            # ends here is done: check-in and _expire drop it from the queue.)
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                handed = waiter.result()
                if handed is not None:
                    self._out.discard(handed)
                    self._check_in(handed)
            raise

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Time the first waiter out at its deadline (later ones are timed from there)."""
        self._expiry, self._expiry_loop = None, loop
        if self._waiters:
            self._expiry = loop.call_at(self._waiters[0][1], self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        """Fail the waiters whose deadline passed with the holders named; one timer for
        all of them, rather than one per wait."""
        now = loop.time()
        while self._waiters and self._waiters[0][1] <= now:
            waiter = self._waiters.popleft()[0]
            if not waiter.done():
                waiter.set_exception(exc.TimeoutError(self._timeout_message()))
        self._watch(loop)

    async def _open_record(self) -> AsyncPooledConnection:
        self._opening += 1
        try:
            connection = await self._open()
        except BaseException:
            self._opening -= 1
            self._wake_one(None)  # a slot stays free: let a waiter try to open one
            raise
        self._opening -= 1
        record = AsyncPooledConnection(connection, self._generation)
        self._out.add(record)
        await self._fire_or_drop(record, self._open_events())
        return record

    def _open_events(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The events to fire for a connection just opened (none when nothing listens)."""
        first, self._opened_any = not self._opened_any, True
        dispatch = self.dispatch
        events: list[tuple[str, tuple[Any, ...]]] = []
        if first and dispatch.first_connect:
            events.append(("first_connect", ()))
        if dispatch.connect:
            events.append(("connect", ()))
        return events

    async def _fire(
        self, record: AsyncPooledConnection, events: list[tuple[str, tuple[Any, ...]]]
    ) -> None:
        """Run the listeners of each (event, extra arguments) for ``record``."""
        for event, extra in events:
            await self._run_listeners(self.dispatch, event, record, extra)

    async def _fire_or_drop(
        self, record: AsyncPooledConnection, events: list[tuple[str, tuple[Any, ...]]]
    ) -> None:
        """``_fire()`` for a checked-out connection: if a listener raises (or the task is
        cancelled), the connection is dropped and the error goes on."""
        if not events:
            return
        try:
            await self._fire(record, events)
        except BaseException:
            self._out.discard(record)
            self._terminate(record.connection)
            self._wake_one(None)
            raise

    async def _ready(self, record: AsyncPooledConnection) -> bool:
        """Read what the reset at check-in left unread, recycle an old connection, ping if
        asked; a connection that fails is replaced by a new one."""
        try:
            if record.unread:
                record.unread = False
                try:
                    await record.connection.settle()
                except Exception as error:
                    logger.debug(
                        "asyncio pool: a connection failed on reading the answer to its "
                        "reset (%s: %s); replacing it",
                        type(error).__name__,
                        error,
                    )
                    self._terminate(record.connection)
                    await self._open_in_place(record)
                    return True
            if self.recycle >= 0 and time.monotonic() - record.created_at > self.recycle:
                with contextlib.suppress(Exception):
                    await record.connection.close()
                await self._open_in_place(record)
            elif self.pre_ping and not await record.connection.ping():
                self._terminate(record.connection)
                await self._open_in_place(record)
        except BaseException:
            self._out.discard(record)
            self._terminate(record.connection)
            self._wake_one(None)
            raise
        return True

    async def _open_in_place(self, record: AsyncPooledConnection) -> None:
        """A new driver connection for ``record``, whose old one is closed."""
        record.connection = await self._open()
        record.created_at = time.monotonic()
        await self._fire(record, self._open_events())

    def release(self, record: AsyncPooledConnection, *, discard: bool = False) -> None:
        """Give a connection back (already reset by the caller), or drop it (``discard``)."""
        if record not in self._out:
            return
        self._out.discard(record)
        if discard or self._closed or record.generation != self._generation:
            self._terminate(record.connection)
            self._wake_one(None)
            return
        self._check_in(record)

    async def release_after_reset(self, record: AsyncPooledConnection) -> None:
        """Roll back whatever is open, then give back; a connection that fails is dropped."""
        try:
            if self.dispatch.reset:
                await self._fire(record, [("reset", (ResetState(),))])
            if self._reset is not None:
                record.unread = bool(await self._reset(record.connection))
            if self.dispatch.checkin:
                if record.unread:  # the listeners may use the connection
                    record.unread = False
                    await record.connection.settle()
                await self._fire(record, [("checkin", ())])
        except BaseException:
            self.release(record, discard=True)
            raise
        self.release(record)

    async def release_unused(self, record: AsyncPooledConnection) -> None:
        """Give back a connection checked out for a call that did not use it (no reset)."""
        try:
            if self.dispatch.checkin:
                await self._fire(record, [("checkin", ())])
        except BaseException:
            self.release(record, discard=True)
            raise
        self.release(record)

    def _check_in(self, record: AsyncPooledConnection) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()[0]
            if not waiter.done():
                self._out.add(record)
                waiter.set_result(record)
                return
        if len(self._idle) >= self.pool_size:
            self._terminate(record.connection)  # overflow: closed on return
            return
        self._idle.append(record)

    def _wake_one(self, value: AsyncPooledConnection | None) -> None:
        """Tell a waiter to try again (a slot was freed without a connection to hand over)."""
        while self._waiters:
            waiter = self._waiters.popleft()[0]
            if not waiter.done():
                waiter.set_result(value)
                return

    async def dispose(self) -> None:
        """Close the idle connections; checked-out ones are closed when given back."""
        self._generation += 1
        idle, self._idle = list(self._idle), collections.deque()
        for record in idle:
            try:
                await record.connection.close()
            except Exception:
                self._terminate(record.connection)
        if self._terminating:
            await asyncio.gather(*self._terminating, return_exceptions=True)

    def forget_idle(self) -> None:
        """Drop the idle connections without awaiting (their event loop is gone)."""
        self._generation += 1
        idle, self._idle = list(self._idle), collections.deque()
        for record in idle:
            with contextlib.suppress(Exception):
                self._terminate(record.connection)

    def _timeout_message(self) -> str:
        now = time.monotonic()
        holders = sorted(self._out, key=lambda record: record.checked_out_at)
        lines = []
        for record in holders[:20]:
            where = record.site.describe() if record.site is not None else "(not recorded)"
            lines.append(
                f"  - held {now - record.checked_out_at:.2f} s by task "
                f"{record.task_name!r}, checked out at {where}"
            )
        overflow = "unlimited" if self.max_overflow == -1 else str(self.max_overflow)
        return (
            f"AsyncPool (pool_size={self.pool_size}, max_overflow={overflow}) had no connection "
            f"to give within timeout={self.timeout} s: {len(self._out)} checked out. Holders, "
            "longest first:\n" + "\n".join(lines) + "\nClose connections (or sessions) when "
            "done with them (async with ...), or raise pool_size, max_overflow or pool_timeout."
        )
