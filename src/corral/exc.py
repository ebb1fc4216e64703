"""corral's one exception hierarchy.

Names follow SQLAlchemy 2.0 where it has them, so ``except`` clauses move over
unchanged. Database errors wrap the driver's exception as ``.orig`` and carry
the statement and its parameters, elided past a size so that a failed bulk
insert does not print megabytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ArgumentError",
    "AwaitRequired",
    "CommitOutcomeUnknownError",
    "CompileError",
    "ConcurrentUseError",
    "ConnectionLeakWarning",
    "CorralError",
    "DBAPIError",
    "DataError",
    "DatabaseBusy",
    "DatabaseError",
    "DatabaseUnavailable",
    "DeadlineExceeded",
    "DeadlockDetected",
    "DetachedInstanceError",
    "DisconnectionError",
    "FlushError",
    "ForkedConnectionError",
    "IdleInTransactionAbortedError",
    "IdleInTransactionWarning",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "InvalidRequestError",
    "LargeSessionWarning",
    "LegacyAPIWarning",
    "LockNotAvailable",
    "LockTimeout",
    "MappingError",
    "MissingGreenlet",
    "MultipleResultsFound",
    "NPlusOneError",
    "NPlusOneWarning",
    "NoInspectionAvailable",
    "NoResultFound",
    "NoSuchColumnError",
    "NoSuchTableError",
    "NotSupportedError",
    "ObjectDeletedError",
    "ObjectDereferencedError",
    "OperationalError",
    "PendingRollbackError",
    "ProgrammingError",
    "RaiseLoadError",
    "ResourceClosedError",
    "RetryableError",
    "SAWarning",
    "SQLAlchemyError",
    "SerializationFailure",
    "SessionLeakWarning",
    "SnapshotConflict",
    "StaleDataError",
    "StatementError",
    "TimeoutError",
    "TransactionLostError",
    "UnboundExecutionError",
    "UnmappedClassError",
    "UnmappedColumnError",
    "UnmappedError",
    "UnmappedInstanceError",
    "UnsupportedCompilationError",
]

#: Parameters longer than this many characters (in ``repr``) are elided in messages.
PARAMS_REPR_LIMIT = 300
#: At most this many parameter sets of an executemany are shown in messages.
PARAMS_SETS_SHOWN = 3


class CorralError(Exception):
    """Base of every exception corral raises."""


#: SQLAlchemy's name for the base class, so ``except SQLAlchemyError`` moves over unchanged.
SQLAlchemyError = CorralError


class ArgumentError(CorralError):
    """A function or constructor was given an argument it cannot use."""


class NoSuchColumnError(ArgumentError, KeyError, AttributeError):
    """A column name that the table, selectable or row does not have."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else ""


class CompileError(CorralError):
    """A statement cannot be turned into SQL for the dialect at hand."""


class UnsupportedCompilationError(CompileError):
    """A construct the dialect has no SQL for."""


class InvalidRequestError(CorralError):
    """corral was asked to do something it cannot do in the current state."""


class NoInspectionAvailable(InvalidRequestError):
    """``inspect()`` was given an object it has nothing to say about."""


class NoSuchTableError(InvalidRequestError):
    """Reflection was asked for a table the database does not have."""


class UnboundExecutionError(InvalidRequestError):
    """A statement needs a database and nothing names one: no bind covers it."""


class NoResultFound(InvalidRequestError):
    """A result expected to hold exactly one row held none."""


class MultipleResultsFound(InvalidRequestError):
    """A result expected to hold at most one row held more."""


class ResourceClosedError(InvalidRequestError):
    """A connection, transaction, result or session was used after it was closed."""


class ForkedConnectionError(ResourceClosedError):
    """A connection (or the Session using it) made before ``os.fork()`` was used in the child.

    It still holds the parent's socket and transaction; the child must make its own.
    """


class PendingRollbackError(InvalidRequestError):
    """The transaction failed and must be rolled back before the object is used again."""


class IdleInTransactionAbortedError(PendingRollbackError):
    """The idle-in-transaction watchdog rolled this transaction back; call ``rollback()``.

    Raised on the next use of a Session or Connection whose transaction stayed
    idle for ``create_engine(idle_in_transaction_abort=...)`` seconds.
    """


class ConcurrentUseError(InvalidRequestError):
    """An object meant for one thread at a time was used by two at once."""


class UnmappedError(InvalidRequestError):
    """An object or class that is not mapped was given where a mapped one is needed."""


class UnmappedInstanceError(UnmappedError):
    """An object of a class that is not mapped."""


class UnmappedClassError(UnmappedError):
    """A class that is not mapped."""


class UnmappedColumnError(InvalidRequestError):
    """A column that the mapper given maps to no attribute."""


class MappingError(ArgumentError):
    """A class cannot be mapped as declared."""


class DetachedInstanceError(InvalidRequestError):
    """An attribute of an object outside any session needed a load from the database."""


class ObjectDeletedError(InvalidRequestError):
    """The row behind an expired object was deleted, so its attributes cannot be reloaded."""


class ObjectDereferencedError(CorralError):
    """A collection was changed after Python freed the object that owns it."""


class AwaitRequired(InvalidRequestError):
    """Database I/O was asked for from the event loop's thread without ``await``
    (a lazy load or an expired attribute read in async code, a sync call on the loop)."""


#: SQLAlchemy's name for the same mistake (it needs greenlet; corral has no greenlet).
MissingGreenlet = AwaitRequired


class RaiseLoadError(InvalidRequestError):
    """A relationship with a ``raise`` loader strategy was read before it was loaded."""


class NPlusOneError(InvalidRequestError):
    """One relationship was lazy-loaded for too many objects in one session (N+1 queries)."""


class SAWarning(RuntimeWarning):
    """Something the ORM did not do, or did differently than the program may expect (the
    name SQLAlchemy gives its warnings)."""


class NPlusOneWarning(UserWarning):
    """The warning form of ``NPlusOneError`` (``Session(n_plus_one="warn")``)."""


class LegacyAPIWarning(DeprecationWarning):
    """A legacy API SQLAlchemy 2.0 keeps for 1.x code was used (``Query.get()``); the
    message names its 2.0 replacement."""


class ConnectionLeakWarning(UserWarning):
    """A Connection was garbage collected without ``close()``; corral gave its connection back.

    A ``UserWarning`` rather than a ``ResourceWarning`` (which Python hides by
    default): a leaked transaction holds locks other programs wait on.
    """


class SessionLeakWarning(ConnectionLeakWarning):
    """A Session was dropped (or its scoped thread ended) with a transaction open; rolled back."""


class IdleInTransactionWarning(UserWarning):
    """A transaction stayed open without a statement past ``idle_in_transaction_warn``
    (or was rolled back past ``idle_in_transaction_abort``); names where it was checked out."""


class LargeSessionWarning(UserWarning):
    """A Session's identity map grew past its ``identity_map_warn`` size (warned once)."""


class FlushError(InvalidRequestError):
    """The unit of work could not flush the session's changes."""


class TimeoutError(CorralError):
    """The pool had no connection to give within its timeout."""


class DisconnectionError(CorralError):
    """A pooled connection was found dead before use; the pool retries with a new one."""


class RetryableError:
    """Mixin marking an error after which running the whole transaction again may succeed.

    Serialization failures, deadlocks, lock wait timeouts, snapshot conflicts,
    a busy SQLite database and stale optimistic versions are retryable.
    """


class StaleDataError(CorralError, RetryableError):
    """An UPDATE or DELETE matched no row: the row changed or vanished underneath (retry)."""


#: What messages and log lines show instead of parameters under ``hide_parameters=True``.
PARAMETERS_HIDDEN = "[SQL parameters hidden: create_engine(hide_parameters=True)]"


class StatementError(CorralError):
    """An error raised while executing a statement, carrying the statement and parameters.

    With ``create_engine(hide_parameters=True)`` the message leaves the
    parameters out (``params`` still holds them, for the program's own use).
    """

    statement: str | None
    params: Any
    orig: BaseException | None
    hide_parameters: bool = False

    def __init__(
        self,
        message: str,
        statement: str | None,
        params: Any,
        orig: BaseException | None,
    ) -> None:
        super().__init__(message)
        self.statement = statement
        self.params = params
        self.orig = orig

    def __str__(self) -> str:
        parts = [str(self.args[0]) if self.args else ""]
        if self.statement is not None:
            parts.append(f"[SQL: {self.statement}]")
        if self.hide_parameters:
            parts.append(PARAMETERS_HIDDEN)
        elif self.params is not None and self.params not in ((), {}):
            parts.append(f"[parameters: {describe_params(self.params)}]")
        return "\n".join(parts)


class DBAPIError(StatementError):
    """A driver (DB-API) exception, wrapped with the statement and parameters that caused it.

    ``connection_invalidated`` is true when the error meant the connection was
    lost; the pool has then discarded it.
    """

    connection_invalidated: bool
    constraint_name: str | None

    def __init__(
        self,
        statement: str | None,
        params: Any,
        orig: BaseException | None,
        *,
        connection_invalidated: bool = False,
        constraint_name: str | None = None,
        message: str | None = None,
        hide_parameters: bool = False,
    ) -> None:
        if message is None:
            name = type(orig).__name__ if orig is not None else type(self).__name__
            message = f"({name}) {orig}".rstrip()
        super().__init__(message, statement, params, orig)
        self.connection_invalidated = connection_invalidated
        self.constraint_name = constraint_name
        if hide_parameters:
            self.hide_parameters = True


class InterfaceError(DBAPIError):
    """The driver's interface failed (not the database itself)."""


class DatabaseError(DBAPIError):
    """The database reported an error."""


class DataError(DatabaseError):
    """A value was out of range, malformed or otherwise unfit for its column."""


class OperationalError(DatabaseError):
    """An error in the database's operation: lost connection, locks, resources."""


class IntegrityError(DatabaseError):
    """A constraint was violated: unique, foreign key, not null or check."""


class InternalError(DatabaseError):
    """The database reported an internal error."""


class ProgrammingError(DatabaseError):
    """The SQL was wrong: syntax, unknown table or column, wrong parameter count."""


class NotSupportedError(DatabaseError):
    """The database does not support the operation."""


class SerializationFailure(OperationalError, RetryableError):
    """The database could not serialize this transaction with a concurrent one; retry it."""


class DeadlockDetected(OperationalError, RetryableError):
    """The database broke a deadlock by failing this transaction; retry it."""


class LockTimeout(OperationalError, RetryableError):
    """A lock was not granted within the database's lock wait timeout; retry it."""


class LockNotAvailable(OperationalError, RetryableError):
    """A ``NOWAIT`` locking read found the row locked; retry later or skip it."""


class SnapshotConflict(OperationalError, RetryableError):
    """The row changed since this transaction's snapshot (MariaDB); retry the transaction."""


class DatabaseBusy(OperationalError, RetryableError):
    """SQLite's database file was locked by another connection; retry the transaction."""


class DeadlineExceeded(OperationalError):
    """The session's time budget (``Session(deadline=...)``) ran out, or the database's own
    statement timeout cancelled a statement; roll the session back before using it again.

    Not retryable: running the same work again would need the time that is already spent.
    """


class CommitOutcomeUnknownError(OperationalError):
    """The connection failed while COMMIT was in flight: the data may or may not be saved.

    Never retried automatically: check whether the work is there before doing it again.
    """


class DatabaseUnavailable(OperationalError, RetryableError):
    """No connection could be made: the server refused it, could not be reached, or is
    starting up or shutting down (a restart, a failover).

    Nothing of the transaction ran, so running it again is safe: ``run_transaction``
    retries it, with its backoff, within its ``retries``. A connect that fails for
    another reason (a wrong password, an unknown database, a TLS certificate) is a
    plain ``OperationalError``, never retried.
    """


class TransactionLostError(OperationalError, RetryableError):
    """The connection died inside a transaction that had already done work; that work is gone.

    The database rolled the transaction back when the connection ended. Run the
    whole transaction again (``run_transaction`` does so); the pool has already
    discarded the dead connection.
    """


def describe_params(params: Any) -> str:
    """Render statement parameters for a message, elided past ``PARAMS_REPR_LIMIT``."""
    first = params[0] if isinstance(params, list) and params else None
    if isinstance(first, Sequence | Mapping) and not isinstance(first, str | bytes):
        shown = ", ".join(_short_repr(p) for p in params[:PARAMS_SETS_SHOWN])
        hidden = len(params) - PARAMS_SETS_SHOWN
        suffix = f" ... and {hidden} more parameter sets" if hidden > 0 else ""
        return f"[{shown}]{suffix}"
    return _short_repr(params)


def _short_repr(value: Any) -> str:
    text = repr(value)
    if len(text) <= PARAMS_REPR_LIMIT:
        return text
    half = PARAMS_REPR_LIMIT // 2
    return (
        f"{text[:half]} ... ({len(text) - PARAMS_REPR_LIMIT} characters elided) ... {text[-half:]}"
    )
