"""The pool's events (SQLAlchemy's ``PoolEvents``): connections opened, checked out,
checked in, reset, invalidated and closed.

Listeners attach to a Pool, a Pool class, an ``AsyncPool``, or (through
``engine/events.py``) an Engine, meaning its pool: an async engine's
``sync_engine`` stands for its ``AsyncPool``. The pool checks
``self.dispatch.<event>`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral import exc
from corral.event.dispatch import Dispatch, Listener
from corral.event.families import Events, class_dispatch, instance_dispatch


class PoolEvents(Events):
    """What happens to the DB-API connections of a pool."""

    family_name = "PoolEvents"

    def connect(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A DB-API connection was just opened."""

    def first_connect(self, dbapi_connection: Any, connection_record: Any) -> None:
        """The pool's first DB-API connection was just opened (once per pool)."""

    def checkout(
        self, dbapi_connection: Any, connection_record: Any, connection_proxy: Any
    ) -> None:
        """A connection is checked out of the pool."""

    def checkin(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A connection is given back to the pool."""

    def reset(self, dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        """A connection given back is about to be rolled back (the pool's reset)."""

    def invalidate(self, dbapi_connection: Any, connection_record: Any, exception: Any) -> None:
        """A checked-out connection was invalidated; it will be closed."""

    def close(self, dbapi_connection: Any, connection_record: Any) -> None:
        """A DB-API connection is about to be closed."""

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        pool = _pool(target)
        if pool is None:
            return None
        if isinstance(pool, type):
            from corral.pool.base import Pool

            if issubclass(pool, Pool):  # a DispatchHolder: its class's own listeners
                return pool._class_dispatch
            return class_dispatch(pool, POOL_EVENTS)
        return instance_dispatch(pool, POOL_EVENTS)

    @classmethod
    def _add(cls, target: Any, listener: Listener, insert: bool) -> None:
        from corral.pool.asyncio import AsyncPool

        pool = _pool(target)
        is_async = isinstance(pool, AsyncPool) or (
            isinstance(pool, type) and issubclass(pool, AsyncPool)
        )
        if is_async and listener.name not in AsyncPool.FIRED_EVENTS:
            raise exc.InvalidRequestError(
                f"The pool of an async engine does not fire {listener.name!r}; it fires "
                f"{', '.join(sorted(AsyncPool.FIRED_EVENTS))}. Listen to those, or to "
                f"{listener.name!r} on a sync engine's pool"
            )
        super()._add(target, listener, insert)


def _pool(target: Any) -> Any:
    """The pool (or pool class) ``target`` stands for, or None."""
    from corral.pool.asyncio import AsyncPool
    from corral.pool.base import Pool

    if isinstance(target, type):
        if issubclass(target, Pool | AsyncPool):
            return target
    elif isinstance(target, Pool | AsyncPool):
        return target
    for resolve in POOL_OF:
        pool = resolve(target)
        if pool is not None:
            return _pool(pool)
    return None


POOL_EVENTS = PoolEvents.event_names()

#: Ways to find the pool a target stands for (the engine layer adds "an Engine's pool",
#: and "the AsyncPool under an async engine's sync pool").
POOL_OF: list[Callable[[Any], Any]] = []


class ResetState:
    """What a ``reset`` listener learns about the reset (SQLAlchemy's ``PoolResetState``)."""

    __slots__ = ("asyncio_safe", "terminate_only", "transaction_was_reset")

    def __init__(self) -> None:
        self.transaction_was_reset = False
        self.terminate_only = False
        self.asyncio_safe = True


def fire(dispatch: Dispatch, event: str, *args: Any) -> None:
    for listener in getattr(dispatch, event):
        listener(*args)


__all__ = ["POOL_EVENTS", "POOL_OF", "PoolEvents", "ResetState", "fire"]
