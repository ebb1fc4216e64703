"""Where a ``Connection`` is in its life, and the moves allowed between those states."""

from __future__ import annotations

import enum


class ConnectionState(enum.Enum):
    """Where a ``Connection`` is in its life."""

    OPEN = "open"
    #: The DB-API connection was lost; a new one is checked out after rollback().
    INVALIDATED = "invalidated"
    CLOSED = "closed"

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name


TRANSITIONS: dict[ConnectionState, frozenset[ConnectionState]] = {
    ConnectionState.OPEN: frozenset({ConnectionState.INVALIDATED, ConnectionState.CLOSED}),
    ConnectionState.INVALIDATED: frozenset({ConnectionState.OPEN, ConnectionState.CLOSED}),
    ConnectionState.CLOSED: frozenset(),
}
