"""A driver error as one Connection raises it: wrapped in corral's tree with its statement,
a disconnect invalidating the pooled connection, a transaction lost with it reported so."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral.engine import reconnect
from corral.engine.connection_state import ConnectionState

if TYPE_CHECKING:
    from corral.engine.base import Connection


def translate_error(
    connection: Connection,
    error: BaseException,
    statement: str | None,
    params: Any,
    *,
    during_commit: bool = False,
) -> BaseException:
    """``error`` as corral raises it; a disconnect invalidates the pooled connection."""
    if not isinstance(error, Exception):
        # Interrupted mid-call (KeyboardInterrupt...): the connection's state is unknown.
        if connection._state is ConnectionState.OPEN:
            connection.invalidate(error)
        return error
    dialect = connection.dialect
    if not dialect.is_dbapi_error(error) and not dialect.is_disconnect(error):
        return error
    disconnect = dialect.is_disconnect(error)
    lost = disconnect and not during_commit and reconnect.lost_in_transaction(connection)
    if disconnect and connection._state is ConnectionState.OPEN:
        connection.invalidate(error)
    wrapped = dialect.wrap_error(
        error,
        statement,
        params,
        invalidated=disconnect,
        during_commit=during_commit,
    )
    return reconnect.transaction_lost(wrapped, error) if lost else wrapped
