"""``async_scoped_session``: one AsyncSession per scope (an asyncio task, typically).

With ``scopefunc=asyncio.current_task`` each task gets its own session,
closed when the task ends; a task that ends with a transaction still open
(flushed, uncommitted work) gets a ``SessionLeakWarning`` naming where its
session was created, as the thread scope does.
"""

from __future__ import annotations

import asyncio
import traceback
import warnings
from collections.abc import Callable, Hashable
from typing import Any

from corral import exc
from corral.ext.asyncio.runner import run_in_worker
from corral.ext.asyncio.session import AsyncSession, async_sessionmaker


def _creation_site() -> str:
    frames = [f for f in traceback.extract_stack()[:-3] if "/corral/" not in f.filename]
    return "".join(traceback.format_list(frames[-3:])).rstrip()


class async_scoped_session:
    """A registry of AsyncSessions by ``scopefunc()``; calling it gives the current one."""

    def __init__(
        self,
        session_factory: async_sessionmaker | Callable[[], AsyncSession],
        scopefunc: Callable[[], Hashable],
    ) -> None:
        if scopefunc is None:
            raise exc.ArgumentError(
                "async_scoped_session needs scopefunc=, e.g. asyncio.current_task"
            )
        self.session_factory = session_factory
        self.scopefunc = scopefunc
        self.registry: dict[Hashable, tuple[AsyncSession, str]] = {}

    def __call__(self, **kw: Any) -> AsyncSession:
        key = self.scopefunc()
        entry = self.registry.get(key)
        if entry is not None:
            if kw:
                raise exc.InvalidRequestError(
                    "This scope already has a session; arguments apply only to a new one"
                )
            return entry[0]
        session = self.session_factory(**kw)
        self.registry[key] = (session, _creation_site())
        if isinstance(key, asyncio.Task):
            key.add_done_callback(self._task_done)
        return session

    def has(self) -> bool:
        return self.scopefunc() in self.registry

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        entry = self.registry.pop(task, None)
        if entry is None:
            return
        session, site = entry
        sync = session.sync_session
        if sync.in_transaction() and sync._connection is not None:
            warnings.warn(
                f"The scoped AsyncSession of task {task.get_name()!r} still had a transaction "
                "when the task ended; it was rolled back and its connection returned. Await "
                "registry.remove() (or commit) at the end of each task. The session was "
                f"created at:\n{site}",
                exc.SessionLeakWarning,
                stacklevel=1,
            )
            closing = asyncio.get_running_loop().create_task(run_in_worker(sync.close))
            _closing.add(closing)
            closing.add_done_callback(_closing.discard)
        else:
            sync.close()

    async def remove(self) -> None:
        """Close the current scope's session and forget it."""
        entry = self.registry.pop(self.scopefunc(), None)
        if entry is not None:
            await entry[0].close()

    def configure(self, **kw: Any) -> None:
        if self.registry:
            warnings.warn(
                "configure() was refused: a scope already has a session. remove() it first.",
                UserWarning,
                stacklevel=2,
            )
            return
        factory = self.session_factory
        if isinstance(factory, async_sessionmaker):
            factory.configure(**kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self(), name)


_closing: set[asyncio.Task[Any]] = set()
