"""MariaDB and MySQL errors (from PyMySQL) classified into corral's tree by error number."""

from __future__ import annotations

import re

from corral import exc
from corral.engine.default import Classification, classify_by_dbapi_class

#: Server error numbers with a corral class of their own.
_BY_ERRNO: dict[int, type[exc.DBAPIError]] = {
    1213: exc.DeadlockDetected,  # ER_LOCK_DEADLOCK
    1205: exc.LockTimeout,  # ER_LOCK_WAIT_TIMEOUT
    1969: exc.DeadlineExceeded,  # ER_STATEMENT_TIMEOUT: max_statement_time (MariaDB)
    3024: exc.DeadlineExceeded,  # ER_QUERY_TIMEOUT: max_execution_time (MySQL)
    1020: exc.SnapshotConflict,  # ER_CHECKREAD: record changed since last read (MariaDB)
    3572: exc.LockNotAvailable,  # ER_LOCK_NOWAIT (MySQL 8)
    1062: exc.IntegrityError,  # duplicate key
    1169: exc.IntegrityError,  # duplicate key on update
    1451: exc.IntegrityError,  # foreign key: parent row referenced
    1452: exc.IntegrityError,  # foreign key: no parent row
    1048: exc.IntegrityError,  # column cannot be null
    1364: exc.IntegrityError,  # field has no default value
    4025: exc.IntegrityError,  # CHECK constraint failed (MariaDB)
    3819: exc.IntegrityError,  # CHECK constraint violated (MySQL)
    1054: exc.ProgrammingError,  # unknown column
    1146: exc.ProgrammingError,  # table does not exist
    1064: exc.ProgrammingError,  # syntax error
    1050: exc.ProgrammingError,  # table already exists
    1051: exc.ProgrammingError,  # unknown table
    1052: exc.ProgrammingError,  # ambiguous column
    1136: exc.ProgrammingError,  # column count does not match value count
    1264: exc.DataError,  # out of range
    1406: exc.DataError,  # data too long
    1366: exc.DataError,  # incorrect value
    1292: exc.DataError,  # truncated incorrect value
}
#: Client and server error numbers meaning the connection is gone.
_DISCONNECT_ERRNOS = frozenset(
    {
        1053,  # server shutdown in progress
        1927,  # connection was killed (MariaDB)
        2006,  # server has gone away
        2013,  # lost connection during query
        2014,  # commands out of sync
        2045,  # can't open shared memory
        2055,  # lost connection at reading
        4031,  # disconnected by the server for inactivity
    }
)
#: Error numbers of a connect the server refused, never answered or cut off (2002, 2003:
#: can't connect; 2006, 2013: lost during the handshake; 1053: shutting down).
_UNREACHABLE_ERRNOS = frozenset({1053, 2002, 2003, 2006, 2013})
_CONSTRAINT_PATTERNS = (
    re.compile(r"for key '(?:[^'.]*\.)?([^']+)'"),  # 1062: MySQL 8 writes 'table.key'
    re.compile(r"CONSTRAINT `([^`]+)`"),  # 1451, 1452, 4025, 3819
    re.compile(r"Check constraint '([^']+)'"),
)


def _errno(error: BaseException) -> int | None:
    args = getattr(error, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def classify(error: BaseException) -> Classification:
    """The corral class for a PyMySQL error and the constraint it names, if any."""
    errno = _errno(error)
    corral_class = _BY_ERRNO.get(errno) if errno is not None else None
    if corral_class is None:
        corral_class = classify_by_dbapi_class(error)
    constraint = None
    if corral_class is exc.IntegrityError and len(error.args) > 1:
        message = str(error.args[1])
        for pattern in _CONSTRAINT_PATTERNS:
            match = pattern.search(message)
            if match is not None:
                constraint = match.group(1)
                break
    return corral_class, constraint


def is_unreachable(error: BaseException) -> bool:
    """Whether a failed connect means the server could not be reached or take it now
    (PyMySQL reports a failed TLS handshake as 2003 too: that is no outage)."""
    if isinstance(error, ConnectionError):
        return True
    if _errno(error) not in _UNREACHABLE_ERRNOS:
        return False
    message = str(error).lower()
    return "ssl" not in message and "certificate" not in message


def is_disconnect(error: BaseException) -> bool:
    """Whether the error means the connection to the server is gone."""
    if isinstance(error, ConnectionError | BrokenPipeError):
        return True
    errno = _errno(error)
    if errno in _DISCONNECT_ERRNOS:
        return True
    names = {klass.__name__ for klass in type(error).__mro__}
    if "InterfaceError" in names:
        # PyMySQL raises InterfaceError(0, '') for a connection it already closed.
        message = str(error).lower()
        return errno == 0 or "closed" in message or "not connected" in message
    return False
