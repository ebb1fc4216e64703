"""SQLite's errors (from the standard library's ``sqlite3``) classified into corral's tree."""

from __future__ import annotations

import re

from corral import exc
from corral.engine.default import Classification, classify_by_dbapi_class

#: Primary result codes (the low byte of the extended code) for a locked database.
SQLITE_BUSY = 5
SQLITE_LOCKED = 6

_CHECK_NAME = re.compile(r"CHECK constraint failed: ([A-Za-z_][\w$]*)$")
#: sqlite3 raises OperationalError for mistakes in the SQL itself; corral calls them
#: ProgrammingError on every database.
_PROGRAMMING_MESSAGES = (
    "no such table",
    "no such column",
    "no such function",
    "no such index",
    "syntax error",
    "already exists",
    "ambiguous column name",
    "has no column named",
    "values for",  # "N values for M columns"
)
_DISCONNECT_MESSAGES = (
    "cannot operate on a closed database",
    "cannot operate on a closed cursor",
)


def classify(error: BaseException) -> Classification:
    """The corral class for a ``sqlite3`` error and the constraint it names, if any."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
        return exc.DatabaseBusy, None
    message = str(error)
    if "database is locked" in message or "database table is locked" in message:
        return exc.DatabaseBusy, None
    corral_class = classify_by_dbapi_class(error)
    if corral_class is exc.OperationalError and any(m in message for m in _PROGRAMMING_MESSAGES):
        corral_class = exc.ProgrammingError
    constraint = None
    if corral_class is exc.IntegrityError:
        # SQLite names the constraint only for a named CHECK; unique, not-null and
        # foreign key failures name columns or nothing.
        match = _CHECK_NAME.search(message)
        if match is not None:
            constraint = match.group(1)
    return corral_class, constraint


def is_disconnect(error: BaseException) -> bool:
    """Whether the error means the connection is closed."""
    message = str(error).lower()
    return any(text in message for text in _DISCONNECT_MESSAGES)
