"""``AsyncStaticPool``: the one connection of an async engine's memory database.

A ``sqlite+aiosqlite://`` memory database lives in one driver connection, so every
checkout of its engine must get that connection, as ``StaticPool`` gives it to the sync
engine's (SQLAlchemy's aiosqlite dialect picks a StaticPool here too). Its checkouts
belong to an *owner*: the asyncio task they are made for, whether the checkout happens
on the loop or in the worker thread that runs the task's call (``CALLING_TASK``).

- Every checkout of the task holding the connection gets it at once, however many it
  already has: a key generator that runs ``with engine.sync_engine.begin()`` inside a
  flush shares the flushing session's connection instead of waiting for it forever.
  Their one transaction is shared as ``shared.py`` says, with the task as its owner.
- Another task waits (on the loop, up to ``pool_timeout``) until the holder has given
  back every checkout; so tasks take turns, and none sees another's uncommitted work
  (SQLAlchemy's StaticPool lets them interleave on the one transaction instead).
- The connection is reset (rolled back) only when its holder's last checkout returns.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, Hashable

from corral.pool.asyncio import (
    AsyncDriverConnection,
    AsyncPool,
    AsyncPooledConnection,
    ListenerRunner,
    run_on_loop,
)
from corral.pool.checkout_site import CheckoutSite
from corral.pool.shared import SharedTransaction

#: The task whose call a worker thread runs (set by ``corral.ext.asyncio.runner`` in the
#: context the call runs in): the checkouts made there belong to that task.
CALLING_TASK: contextvars.ContextVar[Hashable | None] = contextvars.ContextVar(
    "corral_calling_task", default=None
)

_running_loop = asyncio._get_running_loop


def current_owner() -> Hashable:
    """Who a checkout is for: the task a worker thread's call serves, else the task
    running on the loop, else (plain synchronous code) the calling thread."""
    task = CALLING_TASK.get()
    if task is not None:
        return task
    if _running_loop() is not None:
        running = asyncio.current_task()
        if running is not None:
            return running
    return threading.get_ident()


def _describe(owner: Hashable | None) -> str:
    if isinstance(owner, asyncio.Task):
        return f"task {owner.get_name()!r}"
    return f"thread {owner}"


class AsyncStaticPool(AsyncPool):
    """One connection: shared by the checkouts of the task holding it; other tasks wait."""

    def __init__(
        self,
        open_connection: Callable[[], Awaitable[AsyncDriverConnection]],
        *,
        timeout: float = 30.0,
        recycle: float = -1,
        pre_ping: bool = False,
        reset: Callable[[AsyncDriverConnection], Awaitable[bool | None]] | None = None,
        run_listeners: ListenerRunner = run_on_loop,
    ) -> None:
        super().__init__(
            open_connection,
            pool_size=1,
            max_overflow=0,
            timeout=timeout,
            recycle=recycle,
            pre_ping=pre_ping,
            reset=reset,
            run_listeners=run_listeners,
        )
        self.transaction = SharedTransaction(owner=current_owner, kind="task")
        #: The owner holding the connection and how many checkouts it has (0: nobody).
        self._holder: Hashable | None = None
        self._holds = 0
        #: A checkout given back as broken while others still held the connection.
        self._drop = False

    async def acquire(
        self, site: CheckoutSite | None = None, *, owner: Hashable | None = None
    ) -> AsyncPooledConnection:
        """The connection: at once for its holder, else after the holder gave it back."""
        if owner is None:
            owner = current_owner()
        if self._holds and self._holder == owner:
            self._holds += 1
            return next(iter(self._out))
        record = await super().acquire(site)
        self._holder, self._holds, self._drop = owner, 1, False
        return record

    def release(self, record: AsyncPooledConnection, *, discard: bool = False) -> None:
        """One checkout given back; the connection returns when it was the holder's last."""
        if record not in self._out:
            return
        if self._holds > 1:
            self._holds -= 1
            self._drop = self._drop or discard
            return
        discard = discard or self._drop
        self._holder, self._holds, self._drop = None, 0, False
        super().release(record, discard=discard)

    async def release_after_reset(self, record: AsyncPooledConnection) -> None:
        """The holder's last checkout is rolled back and given back; an earlier one only
        leaves (a rollback would undo what the others are doing)."""
        if record in self._out and self._holds > 1:
            self.release(record)
            return
        # The last one: from here other checkouts, the holder's too, wait for the reset.
        self._holds, self._holder = 0, None
        await super().release_after_reset(record)

    def checkouts(self) -> int:
        """How many checkouts share the connection now."""
        return self._holds

    def status(self) -> str:
        holder = "nobody" if not self._holds else _describe(self._holder)
        return (
            f"AsyncStaticPool: one connection, held by {holder} ({self._holds} checkouts), "
            f"{len(self._waiters)} waiting"
        )

    def _timeout_message(self) -> str:
        where = "(not recorded)"
        for record in self._out:
            if record.site is not None:
                where = record.site.describe()
        holder = _describe(self._holder) if self._holds else "a checkout being given back"
        return (
            "The one connection of this memory database (AsyncStaticPool) was not given back "
            f"within timeout={self.timeout} s: {holder} holds it, checked out at {where}. "
            "Checkouts of the task holding it share it; other tasks wait their turn. Close "
            "the connection or session holding it when done (async with ...), raise "
            "pool_timeout, or use a file database (sqlite+aiosqlite:///file.db) so that "
            "each task has its own connection."
        )
