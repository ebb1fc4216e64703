"""One DB-API connection as the pool keeps it: its age, its ``info`` and its lifecycle."""

from __future__ import annotations

import enum
import time
from typing import Any


class RecordState(enum.Enum):
    """Where a pooled DB-API connection is in its life."""

    IDLE = "idle in the pool"
    CHECKED_OUT = "checked out"
    DISCARDED = "discarded"
    LEFT_TO_PARENT = "left to the parent process after fork"

    @property
    def is_final(self) -> bool:
        """True for the states a record never leaves."""
        return not _TRANSITIONS[self]

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name


# Tuples, not sets: membership then compares by identity and skips Enum's Python-level hash.
_TRANSITIONS: dict[RecordState, tuple[RecordState, ...]] = {
    RecordState.IDLE: (
        RecordState.CHECKED_OUT,
        RecordState.DISCARDED,
        RecordState.LEFT_TO_PARENT,
    ),
    RecordState.CHECKED_OUT: (
        RecordState.IDLE,
        RecordState.DISCARDED,
        RecordState.LEFT_TO_PARENT,
    ),
    RecordState.DISCARDED: (),
    RecordState.LEFT_TO_PARENT: (),
}


class PoolStateError(RuntimeError):
    """A pool tried an undeclared lifecycle transition: a bug in the pool, never in user code."""


class ConnectionRecord:
    """A pool slot: the DB-API connection in it (``None`` until opened) and its bookkeeping.

    ``generation`` is the pool's event count when the connection was opened or
    last pinged successfully; after an invalidation the pool pings every record
    stamped at or before it before that record's next checkout.
    ``dispose_epoch`` is the pool's dispose count when the record was made; a
    record from before a ``dispose()`` is closed when it comes back.
    """

    __slots__ = ("created_at", "dbapi_connection", "dispose_epoch", "generation", "info", "state")

    dbapi_connection: Any
    created_at: float
    generation: int
    dispose_epoch: int
    info: dict[Any, Any]
    state: RecordState

    def __init__(self, state: RecordState, dispose_epoch: int) -> None:
        self.dbapi_connection = None
        self.created_at = time.monotonic()
        self.generation = 0
        self.dispose_epoch = dispose_epoch
        self.info = {}
        self.state = state

    def move_to(self, state: RecordState) -> None:
        """Change state along a declared transition."""
        if state not in _TRANSITIONS[self.state]:
            raise PoolStateError(
                f"pool bug: a connection record cannot go from {self.state.value!r} to "
                f"{state.value!r}; please report it with the traceback"
            )
        self.state = state

    def __repr__(self) -> str:
        conn = self.dbapi_connection
        described = "unopened" if conn is None else f"{type(conn).__name__}@{id(conn):#x}"
        return f"<ConnectionRecord {described} {self.state.value}>"
