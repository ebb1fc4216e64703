"""A Connection on a StaticPool's one DB-API connection (a ``sqlite://`` memory database):
the transaction it shares with the other Connections of its thread (``pool/shared.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from corral.engine.log import logger
from corral.pool import Pool, StaticPool
from corral.pool.shared import SharedTransaction

if TYPE_CHECKING:
    from corral.engine.base import Connection


def of(pool: Pool) -> SharedTransaction | None:
    """The shared transaction of ``pool``'s one connection; None for separate connections."""
    # The class's own MRO rather than isinstance(), which Pool's ABCMeta runs in Python.
    if StaticPool in type(pool).__mro__:
        return cast(StaticPool, pool).transaction
    return None


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
