"""PostgreSQL's errors classified into corral's tree by SQLSTATE (psycopg 3 calls it
``sqlstate``, psycopg2 ``pgcode``; the messages are libpq's for both)."""

from __future__ import annotations

from corral import exc
from corral.engine.default import Classification, classify_by_dbapi_class

#: SQLSTATEs with a corral class of their own (retryable ones first).
_BY_SQLSTATE: dict[str, type[exc.DBAPIError]] = {
    "40001": exc.SerializationFailure,
    "40P01": exc.DeadlockDetected,
    "55P03": exc.LockNotAvailable,
}
#: SQLSTATE classes (first two characters) and their corral class.
_BY_CLASS: dict[str, type[exc.DBAPIError]] = {
    "23": exc.IntegrityError,
    "22": exc.DataError,
    "42": exc.ProgrammingError,
    "08": exc.OperationalError,
    "53": exc.OperationalError,
    "57": exc.OperationalError,
    "0A": exc.NotSupportedError,
    "XX": exc.InternalError,
}
#: SQLSTATEs meaning the server ended the session (admin shutdown, crash, terminate).
_DISCONNECT_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
_DISCONNECT_MESSAGES = (
    "server closed the connection",
    "the connection is closed",
    "the connection is lost",
    "connection is bad",
    "consuming input failed",
    "terminating connection",
    "could not receive data from server",
    "could not send data to server",
    "ssl syscall error",
    "connection already closed",
)


def sqlstate_of(error: BaseException) -> str | None:
    """The error's SQLSTATE, from psycopg 3 (``sqlstate``) or psycopg2 (``pgcode``)."""
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return sqlstate if isinstance(sqlstate, str) else None


def classify(error: BaseException) -> Classification:
    """The corral class for a psycopg or psycopg2 error and the constraint it names, if any."""
    sqlstate = sqlstate_of(error)
    corral_class: type[exc.DBAPIError] | None = None
    if sqlstate is not None:
        corral_class = _BY_SQLSTATE.get(sqlstate) or _BY_CLASS.get(sqlstate[:2])
    if sqlstate == "57014" and "statement timeout" in str(error):
        corral_class = exc.DeadlineExceeded  # statement_timeout (a Session's deadline)
    if corral_class is None:
        corral_class = classify_by_dbapi_class(error)
    constraint = None
    diag = getattr(error, "diag", None)
    if diag is not None:
        constraint = getattr(diag, "constraint_name", None)
    return corral_class, constraint


def is_disconnect(error: BaseException) -> bool:
    """Whether the error means the session with the server is gone."""
    sqlstate = sqlstate_of(error)
    if sqlstate in _DISCONNECT_SQLSTATES:
        return True
    if sqlstate is not None and sqlstate.startswith("08"):
        return True
    names = {klass.__name__ for klass in type(error).__mro__}
    if not names & {"OperationalError", "InterfaceError"}:
        return False
    message = str(error).lower()
    return any(text in message for text in _DISCONNECT_MESSAGES)


#: libpq's words for a server that refused, could not be reached, or takes no connections
#: now (psycopg's connect errors carry no SQLSTATE, only this message).
_UNREACHABLE_MESSAGES = (
    "connection refused",
    "no route to host",
    "network is unreachable",
    "timeout expired",
    "server closed the connection unexpectedly",
    "connection reset by peer",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
)


def is_unreachable(error: BaseException) -> bool:
    """Whether a failed connect means the server could not be reached or take it now."""
    if sqlstate_of(error) == "57P03":  # cannot_connect_now
        return True
    names = {klass.__name__ for klass in type(error).__mro__}
    if "OperationalError" not in names:
        return False
    message = str(error).lower()
    return any(text in message for text in _UNREACHABLE_MESSAGES)


def tls_failure_hint(error: BaseException) -> str | None:
    """What to check when ``error`` (failing to connect) comes from TLS settings (libpq's)."""
    message = str(error).lower()
    if "certificate verify failed" in message:
        return (
            "the server's TLS certificate could not be verified: check that sslrootcert names "
            "the file of the CA that signed the server's certificate, and sslmode"
        )
    if "does not match host name" in message:
        return (
            "the server's TLS certificate does not name the host connected to: with "
            "sslmode=verify-full the URL's host must be one the certificate lists"
        )
    if "root certificate file" in message:
        return "check the sslrootcert file (sslmode=verify-ca and verify-full need one)"
    return None
