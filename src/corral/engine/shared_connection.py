"""A Connection on a StaticPool's one DB-API connection (a ``sqlite://`` memory database),
or on the one connection of an async engine's memory database (``AsyncStaticPool``): the
transaction it shares with the other Connections of its thread or task (``pool/shared.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from corral.engine.async_bridge import LoopPool
from corral.engine.log import logger
from corral.pool import Pool, StaticPool
from corral.pool.async_static import AsyncStaticPool
from corral.pool.shared import SharedTransaction

if TYPE_CHECKING:
    from corral.engine.base import Connection


def of(pool: Pool | LoopPool) -> SharedTransaction | None:
    """The shared transaction of ``pool``'s one connection; None for separate connections."""
    # The class's own MRO rather than isinstance(), which Pool's ABCMeta runs in Python.
    if StaticPool in type(pool).__mro__:
        return cast(StaticPool, pool).transaction
    if isinstance(pool, LoopPool) and isinstance(pool.async_pool, AsyncStaticPool):
        return pool.async_pool.transaction
    return None


def takes_part(connection: Connection) -> bool:
    """Whether ``connection`` takes part in its pool's shared transaction (closing it
    without a commit rolls that back: I/O, which code on the event loop must not do)."""
    shared = connection._shared
    return shared is not None and shared.takes_part(connection)


def warn_undone(undone: int) -> None:
    """A rollback of a shared transaction undoes what other Connections committed into it."""
    if undone:
        logger.warning(
            "Rolling back the transaction this engine's Connections share (one database "
            "connection: a sqlite:// memory database or a StaticPool) undoes what %d other "
            "Connection(s) of this thread committed into it",
            undone,
        )


def roll_back_on_close(connection: Connection, undone: int) -> None:
    """``connection`` closes without committing: roll the shared transaction back for every
    Connection taking part (the pool does not, while another still holds the connection)."""
    warn_undone(undone)
    dbapi = connection._dbapi
    if dbapi is not None and connection._stack.begun and not connection._autocommit:
        try:
            connection.dialect.do_rollback(dbapi)
        except Exception:
            logger.warning("Could not roll back the shared transaction on close")
