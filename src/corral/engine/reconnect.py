"""What a ``Connection`` does when its DB-API connection turns out to be dead.

After a database restart, every connection idle in the pool is dead, and the
pool only finds out when one is used (or pinged, with ``pool_pre_ping=True``).

*Nothing done yet.* When the failure comes before the transaction did any
work (its ``BEGIN``, or the ``BEGIN`` pipelined with its first statement, or a
first statement after a ``BEGIN`` that reported nothing), the server never
saw any of it: the dead connection is discarded, a fresh one is checked out
and the call runs again on it without the caller seeing anything (once per
transaction: if the new connection dies too, the error surfaces).

*Work done.* When statements of the transaction had already run, their effects
died with the server's session: the error is a ``TransactionLostError``,
retryable, so ``run_transaction`` runs the whole transaction again.

Neither applies in AUTOCOMMIT mode, where a statement cut off mid-flight may
or may not have been committed: that error surfaces as it is.

*No connection at all.* While the server is down (or starting up), making a new
connection fails. When the dialect says the server refused or could not be
reached, the error is a ``DatabaseUnavailable``, retryable: nothing of the
transaction ran, so ``run_transaction`` tries again after its backoff.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.engine.connection_state import ConnectionState

if TYPE_CHECKING:
    from corral.engine.base import Connection
    from corral.engine.default import DefaultDialect

log = logging.getLogger("corral.engine")

#: Test-only switch: False restores the old behaviour (no replacement, plain
#: ``OperationalError``), so that tests can show what the replacement prevents.
ENABLED = True


def _is_disconnect(connection: Connection, error: BaseException) -> bool:
    if not isinstance(error, Exception):
        return False
    try:
        return bool(connection.dialect.is_disconnect(error))
    except Exception:
        return False


def replace_dead(connection: Connection, error: BaseException) -> bool:
    """Swap in a fresh connection if ``error`` is a disconnect and the transaction did
    nothing yet; True when the caller should run its call again on it."""
    if not ENABLED or connection._autocommit or connection._work_done:
        return False
    root = connection._stack.root
    if root is None or connection._replaced_for is root:  # once per transaction
        return False
    pooled = connection._pooled
    if pooled is None or not _is_disconnect(connection, error):
        return False
    connection._replaced_for = root
    connection._pooled = connection._reclaimer.pooled = None
    connection._dbapi = None
    pooled.invalidate(error)
    log.warning(
        "The pooled connection to %s was dead before its transaction did anything "
        "(%s: %s); running it on a new connection",
        connection.engine.url,
        type(error).__name__,
        str(error).strip(),
    )
    try:
        connection._checkout()
    except BaseException:
        connection._stack.deactivate_all()
        connection._move(ConnectionState.INVALIDATED)
        raise
    connection._stack.begun = False
    connection._unsent_begin = None
    return True


def lost_in_transaction(connection: Connection) -> bool:
    """Whether a disconnect now loses a begun transaction (call before invalidating)."""
    return (
        ENABLED
        and not connection._autocommit
        and connection._stack.root is not None
        and connection._stack.begun
    )


def transaction_lost(wrapped: exc.DBAPIError, orig: BaseException) -> exc.TransactionLostError:
    """``wrapped`` (a disconnect inside a begun transaction) as a ``TransactionLostError``."""
    statement: Any = wrapped.statement
    return exc.TransactionLostError(
        statement,
        wrapped.params,
        orig,
        connection_invalidated=True,
        message=(
            "The connection to the database was lost inside a transaction, which the "
            "database has rolled back: its work is gone. Roll back, then run the whole "
            f"transaction again (run_transaction() does that). ({type(orig).__name__}) "
            f"{str(orig).strip()}"
        ),
    )


def connect_error(dialect: DefaultDialect, error: BaseException) -> exc.DBAPIError:
    """A failed connect's driver ``error`` as corral raises it: ``DatabaseUnavailable``
    (retryable) when the server refused or could not be reached, else as classified."""
    if ENABLED and dialect.is_unreachable(error):
        return exc.DatabaseUnavailable(None, None, error, hide_parameters=dialect.hide_parameters)
    return dialect.wrap_error(error, None, None)


def unavailable_hint(error: exc.DBAPIError) -> str | None:
    """What a ``DatabaseUnavailable`` message adds (None for any other connect error)."""
    if not isinstance(error, exc.DatabaseUnavailable):
        return None
    return (
        "the server refused the connection or could not be reached: down, restarting or "
        "unreachable. Nothing was sent, so the transaction can be run again; "
        "run_transaction() retries it"
    )
