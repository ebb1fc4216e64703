"""The connection's events (SQLAlchemy's ``ConnectionEvents``): statements executed,
errors, and transactions begun, committed and rolled back.

Listeners attach to an Engine (its connections), the Engine class (every
engine) or one Connection. A Connection takes its engine's dispatch when it is
made; each place that fires an event checks ``self.dispatch.<event>`` first.
This module also lets pool events be given on an Engine (meaning its pool).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from corral.event.dispatch import Dispatch
from corral.event.families import Events, class_dispatch, instance_dispatch
from corral.pool import events as pool_events

if TYPE_CHECKING:
    from corral.engine.base import Connection


class ConnectionEvents(Events):
    """What a Connection does with statements and transactions."""

    family_name = "ConnectionEvents"
    retval_events = {
        "before_execute": lambda args: (args[1], args[2], args[3]),
        "before_cursor_execute": lambda args: (args[2], args[3]),
    }

    def before_execute(
        self, conn: Any, clauseelement: Any, multiparams: Any, params: Any, execution_options: Any
    ) -> Any:
        """``Connection.execute()`` was called; with ``retval=True`` return
        ``(clauseelement, multiparams, params)`` to run instead."""

    def after_execute(
        self,
        conn: Any,
        clauseelement: Any,
        multiparams: Any,
        params: Any,
        execution_options: Any,
        result: Any,
    ) -> None:
        """``Connection.execute()`` returned ``result``."""

    def before_cursor_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: Any,
        parameters: Any,
        context: Any,
        executemany: Any,
    ) -> Any:
        """The driver is about to run SQL; with ``retval=True`` return
        ``(statement, parameters)`` to run instead."""

    def after_cursor_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: Any,
        parameters: Any,
        context: Any,
        executemany: Any,
    ) -> None:
        """The driver ran the SQL."""

    def handle_error(self, exception_context: Any) -> Any:
        """A statement failed; the listener may raise, or return an exception to raise
        instead."""

    def engine_connect(self, conn: Any) -> None:
        """A Connection was made from the engine."""

    def begin(self, conn: Any) -> None:
        """A transaction begins on the connection."""

    def commit(self, conn: Any) -> None:
        """The connection's transaction is committing."""

    def rollback(self, conn: Any) -> None:
        """The connection's transaction is rolling back."""

    def savepoint(self, conn: Any, name: Any) -> None:
        """A SAVEPOINT is created."""

    def rollback_savepoint(self, conn: Any, name: Any, context: Any) -> None:
        """The connection rolls back to a SAVEPOINT."""

    def release_savepoint(self, conn: Any, name: Any, context: Any) -> None:
        """A SAVEPOINT is released."""

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        if not _is_engine_side(target):
            return None
        if isinstance(target, type):
            return class_dispatch(target, CONNECTION_EVENTS)
        proxied = target.__dict__.get("_proxied")  # an OptionEngine: under its engine's
        if proxied is not None:
            own = target.__dict__.get("dispatch")
            if own is None or own.owner_id != id(target):
                parent = instance_dispatch(proxied, CONNECTION_EVENTS)
                target.__dict__["dispatch"] = parent._child(target)
            dispatch: Dispatch = target.__dict__["dispatch"]
            return dispatch
        return instance_dispatch(target, CONNECTION_EVENTS)


CONNECTION_EVENTS = ConnectionEvents.event_names()


def _is_engine_side(target: Any) -> bool:
    """An Engine or Connection, or one of their classes (they carry this family's dispatch;
    this module sits below ``engine.py`` and ``base.py`` and cannot name them)."""
    dispatch = getattr(target, "dispatch", None)
    return isinstance(dispatch, Dispatch) and dispatch.names == CONNECTION_EVENTS


def _pool_of(target: Any) -> Any:
    from corral.pool.base import Pool

    if not _is_engine_side(target):
        return None
    if isinstance(target, type):
        return Pool
    return getattr(target, "pool", None)  # an Engine (a Connection is not a pool target)


pool_events.POOL_OF.append(_pool_of)


class ExecutionContext:
    """What cursor listeners receive as ``context``: the statement being run."""

    def __init__(self, connection: Connection, cursor: Any, statement: str, parameters: Any):
        self.connection = self.root_connection = connection
        self.cursor = cursor
        self.statement = statement
        self.parameters = parameters
        self.engine = connection.engine
        self.dialect = connection.dialect


class ExceptionContext:
    """What ``handle_error`` listeners receive (SQLAlchemy's ``ExceptionContext``)."""

    def __init__(
        self,
        connection: Connection,
        original: BaseException,
        translated: BaseException,
        statement: str | None,
        parameters: Any,
        cursor: Any,
    ):
        self.connection = connection
        self.engine = connection.engine
        self.dialect = connection.dialect
        self.original_exception = original
        self.sqlalchemy_exception = translated
        self.chained_exception: BaseException | None = None
        self.statement = statement
        self.parameters = parameters
        self.cursor = cursor
        self.execution_context = None
        self.is_disconnect = bool(getattr(translated, "connection_invalidated", False))
        self.invalidate_pool_on_disconnect = True
        self.is_pre_ping = False


def execute(
    connection: Connection, statement: Any, parameters: Any, options: Mapping[str, Any] | None
) -> Any:
    """``Connection.execute()`` with before_execute / after_execute listeners."""
    dispatch = connection.dispatch
    multiparams = parameters if isinstance(parameters, list | tuple) else ()
    params = parameters if isinstance(parameters, Mapping) else {}
    given = dict(options or {})
    for listener in dispatch.before_execute:
        statement, multiparams, params = listener(connection, statement, multiparams, params, given)
    parameters = list(multiparams) if multiparams else (params or None)
    result = connection._execute(statement, parameters)
    for listener in dispatch.after_execute:
        listener(connection, statement, multiparams, params, given, result)
    return result


def before_cursor(
    connection: Connection, cursor: Any, sql: str, args: Any, many: bool
) -> tuple[str, Any, ExecutionContext]:
    context = ExecutionContext(connection, cursor, sql, args)
    for listener in connection.dispatch.before_cursor_execute:
        sql, args = listener(connection, cursor, sql, args, context, many)
    context.statement, context.parameters = sql, args
    return sql, args, context


def after_cursor(
    connection: Connection,
    cursor: Any,
    sql: str,
    args: Any,
    many: bool,
    context: ExecutionContext,
) -> None:
    for listener in connection.dispatch.after_cursor_execute:
        listener(connection, cursor, sql, args, context, many)


def handle_error(
    connection: Connection,
    original: BaseException,
    translated: BaseException,
    sql: str | None,
    args: Any,
    cursor: Any,
) -> BaseException:
    """The exception to raise for a failed statement, after the handle_error listeners."""
    context = ExceptionContext(connection, original, translated, sql, args, cursor)
    for listener in connection.dispatch.handle_error:
        replacement = listener(context)
        if isinstance(replacement, BaseException):
            context.chained_exception = replacement
    return context.chained_exception or translated


def fire(connection: Connection, event: str, *args: Any) -> None:
    for listener in getattr(connection.dispatch, event):
        listener(connection, *args)


__all__ = [
    "CONNECTION_EVENTS",
    "ConnectionEvents",
    "ExceptionContext",
    "ExecutionContext",
    "after_cursor",
    "before_cursor",
    "execute",
    "fire",
    "handle_error",
]
