"""Where a Session's connection comes from, and what the Session may do to its transaction.

A Session bound to an Engine checks a connection out when its transaction first needs the
database, begins a transaction on it, and gives it back when that transaction ends. A
Session bound to a Connection (``Session(conn)``, as in SQLAlchemy 2.0) uses that
connection and never closes it. If the connection is not in a transaction, the Session
begins one and ends it on commit or rollback; if it is (a test fixture's outer
transaction, say), ``join_transaction_mode`` decides how the Session takes part:

``"conditional_savepoint"`` (the default)
    ``"create_savepoint"`` when the connection is inside a SAVEPOINT, else ``"rollback_only"``.
``"create_savepoint"``
    the Session's transaction is a SAVEPOINT of its own: commit releases it, rollback and
    close roll it back, and the outer transaction is never ended.
``"rollback_only"``
    the Session uses the outer transaction: its commit does not commit it and its close
    leaves it open, but its rollback (or a failed flush) rolls it back.
``"control_fully"``
    the Session takes the outer transaction as its own: commit commits it, rollback and
    close roll it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, get_args

from corral import exc
from corral.engine.base import Connection

if TYPE_CHECKING:
    from corral.orm.session.session import Session
    from corral.orm.session.transaction import SessionTransaction

JoinTransactionMode = Literal[
    "conditional_savepoint", "create_savepoint", "control_fully", "rollback_only"
]
JOIN_TRANSACTION_MODES: tuple[str, ...] = get_args(JoinTransactionMode)


def check_join_transaction_mode(mode: object) -> JoinTransactionMode:
    """``mode`` if it is one of SQLAlchemy's four join modes, else an ArgumentError."""
    if mode not in JOIN_TRANSACTION_MODES:
        raise exc.ArgumentError(
            f"join_transaction_mode={mode!r} is not a mode; use one of "
            f"{', '.join(repr(m) for m in JOIN_TRANSACTION_MODES)}"
        )
    return mode  # type: ignore[return-value]


def open_connection(
    session: Session, root: SessionTransaction, options: Mapping[str, Any] | None, bind: Any
) -> tuple[Connection, bool]:
    """The connection for ``root`` with its database transaction set on ``root``, and
    whether the session checked it out (and so closes it when the transaction ends)."""
    if isinstance(bind, Connection):
        bind._meter.attach(session.stats, session._deadline, None)
        return _join(session, bind, root, options), False
    connection: Connection = bind.connect()
    connection._meter.attach(session.stats, session._deadline, connection._pooled)
    level = session.isolation_level
    try:
        if level is not None or options:
            connection.execution_options(
                **({} if level is None else {"isolation_level": level}), **(options or {})
            )
        if session.twophase:
            from corral.orm.session.binds import TwoPhaseTransaction

            root.database_transaction = TwoPhaseTransaction(connection)
        else:
            root.database_transaction = connection.begin()
    except BaseException:
        connection.close()
        raise
    return connection, True


def _join(
    session: Session,
    connection: Connection,
    root: SessionTransaction,
    options: Mapping[str, Any] | None,
) -> Connection:
    if connection.closed:
        raise exc.ResourceClosedError(
            "The Connection this Session is bound to is closed; bind the Session to an open "
            "Connection, or to the Engine"
        )
    if session.isolation_level is not None:
        raise exc.ArgumentError(
            "Session(isolation_level=...) sets the level of connections the Session checks "
            "out; this Session uses the Connection it was given, so set the level there: "
            "conn.execution_options(isolation_level=...)"
        )
    if options:
        connection.execution_options(**options)
    if not connection.in_transaction():
        root.database_transaction = connection.begin()
        return connection
    mode = session.join_transaction_mode
    if mode == "conditional_savepoint":
        mode = "create_savepoint" if connection.in_nested_transaction() else "rollback_only"
    if mode == "create_savepoint":
        root.database_transaction = connection.begin_nested()
        return connection
    root.database_transaction = connection.get_nested_transaction() or connection.get_transaction()
    root.commits_database = mode == "control_fully"
    return connection


def end_on_given_connection(transactions: list[SessionTransaction]) -> None:
    """Roll back what a closing Session began on a Connection it was given, innermost first.

    Its SAVEPOINTs are rolled back; an outer transaction it joined in ``rollback_only``
    mode is left as it is, for its owner to end.
    """
    for transaction in transactions:
        database = transaction.database_transaction
        if database is None or not database.is_active:
            continue
        if transaction.nested or transaction.commits_database:
            database.rollback()
