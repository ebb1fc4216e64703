"""The pool's events (SQLAlchemy's ``PoolEvents``): connections opened, checked out,
checked in, reset, invalidated and closed.

Listeners attach to a Pool, a Pool class, or (through ``engine/events.py``) an
Engine, meaning its pool. The pool checks ``self.dispatch.<event>`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral.event.dispatch import Dispatch
from corral.event.families import Events, instance_dispatch


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
        from corral.pool.base import Pool

        if isinstance(target, type) and issubclass(target, Pool):
            return target._class_dispatch
        if isinstance(target, Pool):
            return instance_dispatch(target, POOL_EVENTS)
        for resolve in POOL_OF:
            pool = resolve(target)
            if pool is not None:
                return cls._dispatch_for(pool)
        return None


POOL_EVENTS = PoolEvents.event_names()

#: Ways to find the pool a target stands for (the engine layer adds "an Engine's pool").
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
