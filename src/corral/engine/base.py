"""``Connection``: one pooled DB-API connection, its transactions and statement execution.

A connection begins a transaction on first use (autobegin) and keeps it until
``commit()`` or ``rollback()``. ``Transaction`` objects (``transaction.py``)
decide what to do; the methods here run the driver calls and turn driver
errors into corral's, invalidating the pooled connection on a disconnect.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from corral import exc
from corral.engine import events, reconnect, row_logging, shared_connection, update_many
from corral.engine.checkout_guard import CheckoutReclaimer, refuse_inherited
from corral.engine.compiled_call import (
    PLAN_ATTR,
    CompiledCall,
    RowsPlan,
    compile_call,
    plan_rows,
    planned_rows,
    result_of,
    rows_of,
)
from corral.engine.connection_state import TRANSITIONS, ConnectionState
from corral.engine.insert_many import execute_many_rows
from corral.engine.log import log_statement, logger
from corral.engine.meter import Meter
from corral.engine.result import Result, ScalarResult
from corral.engine.returning_many import execute_returning_many, wants_rows_per_set
from corral.engine.transaction import (
    NestedTransaction,
    Transaction,
    TransactionStack,
    TransactionState,
)
from corral.engine.translate import translate_error
from corral.pool import forking
from corral.pool.base import ProxiedConnection
from corral.sql.execution_options import (
    STREAMING_OPTIONS,
    carry_streaming,
    check_call_options,
    check_connection_options,
)
from corral.util.gc_pause import PAUSE_AT, collector_pause
from corral.util.guard import OneThreadGuard

if TYPE_CHECKING:
    from corral.engine.default import DefaultDialect
    from corral.engine.engine import Engine

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_ACTIVE = TransactionState.ACTIVE
_CLOSED = ConnectionState.CLOSED
_COMMITTED = TransactionState.COMMITTED
_DEACTIVATED = TransactionState.DEACTIVATED
_INVALIDATED = ConnectionState.INVALIDATED
_OPEN = ConnectionState.OPEN
_ROLLED_BACK = TransactionState.ROLLED_BACK

AUTOCOMMIT = "AUTOCOMMIT"


class PooledConnection(Protocol):
    """What a connection needs from a pool checkout (``corral.pool.PoolConnection``)."""

    @property
    def dbapi_connection(self) -> Any: ...

    def close(self) -> None: ...

    def invalidate(self, exception: BaseException | None = None) -> None: ...


class Connection:
    """A checked-out database connection; use as a context manager to give it back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect: DefaultDialect = engine.dialect
        self._state = _OPEN
        self._stack = TransactionStack()
        #: The engine's own dict until execution_options() replaces it (never updated in place).
        self._execution_options: dict[str, Any] = engine._execution_options
        self._autocommit = engine._isolation_level == AUTOCOMMIT
        #: The level this connection switched to with execution_options(), if any.
        self._isolation_override: str | None = None
        self._pooled: PooledConnection | None = None
        self._dbapi: Any = None
        #: BEGIN that ``_prepare`` left to go out with the statement being executed.
        self._unsent_begin: str | None = None
        #: The statement being executed carries the COMMIT (``_execute_then_commit``).
        self._then_commit = False
        #: A statement of the current transaction reached the server; the transaction
        #: whose dead connection was replaced already (once each: reconnect.py).
        self._work_done = False
        self._replaced_for: Transaction | None = None
        self._guard = OneThreadGuard(
            "Connection", "give each thread its own connection (engine.connect())"
        )
        self._forks = forking.generation  # a forked child refuses it (checkout_guard.py)
        self._reclaimer = CheckoutReclaimer(self._forks)
        #: The transaction of a StaticPool's one connection, shared with the other
        #: Connections using it (pool/shared.py); None for a pool of separate connections.
        self._shared = shared_connection.of(engine._pool)  # (the property costs a call)
        #: Why the transaction became inactive, when not because the connection was lost.
        self._inactive_reason: str | None = None
        self._meter = Meter(engine)  # counts for the stats; the session's deadline
        self.dispatch = engine.dispatch  # ConnectionEvents listeners (events.py)
        self._checkout()
        if self.dispatch.engine_connect:
            events.fire(self, "engine_connect")

    # -- the public calls, each checked for use from two threads at once -----------------

    def execute(
        self,
        statement: Any,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Result:
        """Execute a statement; a list of parameter dicts runs it once per dict (executemany)."""
        if execution_options:
            dispatch = self.dispatch  # their listeners receive the call's options
            check_call_options(
                execution_options,
                "Connection.execute(execution_options=)",
                STREAMING_OPTIONS,
                listened=bool(dispatch.before_execute or dispatch.after_execute),
            )
            statement = carry_streaming(statement, execution_options, "Connection.execute()")
        with self._guard:
            if self.dispatch.listening:  # before_execute / after_execute, if any
                return events.execute(self, statement, parameters, execution_options)  # type: ignore[no-any-return]
            return self._execute(statement, parameters)

    def exec_driver_sql(self, statement: str, parameters: Any = None) -> Result:
        """Execute SQL text as the driver takes it (its own paramstyle); a list means many."""
        with self._guard:
            return self._exec_driver_sql(statement, parameters)

    def commit(self) -> None:
        """Commit the transaction in progress (nothing to do when there is none)."""
        with self._guard:
            self._commit_current()

    def rollback(self) -> None:
        """Roll back the transaction in progress (nothing to do when there is none)."""
        with self._guard:
            self._rollback_current()

    def begin_nested(self) -> NestedTransaction:
        """Open a SAVEPOINT inside the current transaction."""
        with self._guard:
            return self._begin_nested()

    # -- the DB-API connection ------------------------------------------------

    def _checkout(self) -> None:
        try:
            pooled: PooledConnection = self.engine._pool.connect()
        except Exception as error:
            if self.dialect.is_dbapi_error(error):
                wrapped = reconnect.connect_error(self.dialect, error)
                hint = self.dialect.connect_error_hint(error) or reconnect.unavailable_hint(wrapped)
                message = f"Could not connect to {self.engine.url}: {wrapped.args[0]}"
                wrapped.args = (f"{message}\n({hint})" if hint else message,)
                raise wrapped from error
            raise
        self._pooled = self._reclaimer.pooled = pooled  # type: ignore[assignment]
        self._dbapi = pooled.dbapi_connection
        level = self._isolation_override
        if level is not None and level != AUTOCOMMIT:
            self._run_control(lambda dbapi: self.dialect.set_isolation_level(dbapi, level))
        on = level == AUTOCOMMIT
        if level is not None and on != (self.engine._isolation_level == AUTOCOMMIT):
            self._run_control(lambda dbapi: self.dialect.set_autocommit(dbapi, on))

    def _move(self, new: ConnectionState) -> None:
        if new not in TRANSITIONS[self._state]:
            raise exc.InvalidRequestError(
                f"Connection is {self._state.value} and cannot become {new.value}"
            )
        self._state = new

    def _revive(self) -> Any:
        """The DB-API connection, checking out a fresh one after an invalidation."""
        if self._state is _CLOSED:
            raise exc.ResourceClosedError(
                "This Connection is closed; get a new one with engine.connect()"
            )
        root = self._stack.root
        if root is not None and root.state is _DEACTIVATED:
            raise exc.PendingRollbackError(
                "The connection was lost inside a transaction; call rollback() before using "
                "this Connection again (the transaction's work is gone)"
            )
        self._checkout()
        self._move(_OPEN)
        return self._dbapi

    @property
    def connection(self) -> ProxiedConnection:
        """The pooled connection underneath, as SQLAlchemy's: ``dbapi_connection`` is the
        DB-API connection, ``driver_connection`` the driver's own, ``info`` a dict kept with
        it, and the DB-API connection's attributes read through (``cursor()``...); checked
        out again after an invalidation."""
        if self._forks != forking.generation:
            refuse_inherited(self)
        if self._dbapi is None:
            self._revive()
        return ProxiedConnection(self._pooled)

    @property
    def info(self) -> dict[Any, Any]:
        """A dict kept with the DB-API connection across checkouts (SQLAlchemy's
        ``Connection.info``), for the program's own per-connection state."""
        return self.connection.info

    @property
    def closed(self) -> bool:
        return self._state is _CLOSED

    @property
    def invalidated(self) -> bool:
        return self._state is _INVALIDATED

    def invalidate(self, exception: BaseException | None = None) -> None:
        """Discard the DB-API connection; any open transaction must be rolled back."""
        if self._state is _CLOSED:
            raise exc.ResourceClosedError("This Connection is closed")
        pooled, self._pooled, self._dbapi = self._pooled, None, None
        self._reclaimer.pooled = None
        if pooled is not None:
            pooled.invalidate(exception)
        if self._shared is not None:
            self._shared.forget()
        self._stack.deactivate_all()
        if self._state is _OPEN:
            self._move(_INVALIDATED)

    def close(self) -> None:
        """Roll back anything open and give the connection back to the pool."""
        if self._state is _CLOSED:
            return
        stack = self._stack
        in_transaction = stack.root is not None
        if self._shared is not None:
            undone = self._shared.end_rolling_back(self)
            if undone is not None:
                shared_connection.roll_back_on_close(self, undone)
        self._meter.closing(
            stack.begun and not self._autocommit, not self.dialect.resets_without_waiting()
        )
        for savepoint in stack.nested:
            savepoint._finish(_ROLLED_BACK)
        root = stack.root
        if root is not None and root.state is not _ROLLED_BACK:
            root._move(_ROLLED_BACK)  # (``_finish``, one call fewer)
        stack.clear()
        pooled, self._pooled = self._pooled, None
        dbapi, self._dbapi = self._dbapi, None
        self._reclaimer.pooled = None
        self._move(_CLOSED)
        if pooled is None:
            return
        if self._forks != forking.generation:
            pooled.close()  # in a forked child the pool forgets it, leaving it to the parent
            return
        if self._isolation_override is not None and not self._restore_isolation(
            dbapi, in_transaction
        ):
            pooled.invalidate(None)
            return
        pooled.close()  # the pool rolls back whatever is still open

    def _restore_isolation(self, dbapi: Any, in_transaction: bool) -> bool:
        """Put the engine's isolation level back before check-in; False if that failed."""
        level = self.engine._default_isolation_level
        try:
            if in_transaction:
                self.dialect.do_rollback(dbapi)
            if level is not None and level != AUTOCOMMIT:
                self.dialect.set_isolation_level(dbapi, level)
            if self._autocommit != (level == AUTOCOMMIT):
                self.dialect.set_autocommit(dbapi, level == AUTOCOMMIT)
        except Exception:
            logger.warning("Could not restore the isolation level; discarding the connection")
            return False
        return True

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Connection {self._state.value} {self.engine.url}>"

    # -- options and isolation -------------------------------------------------

    def execution_options(self, **options: Any) -> Connection:
        """Set options on this connection (``isolation_level=``) and return it."""
        if self._state is _CLOSED:
            raise exc.ResourceClosedError("This Connection is closed")
        check_connection_options(options, "Connection.execution_options()")
        if "isolation_level" in options:
            self._set_isolation_level(options["isolation_level"])
        self._execution_options = {**self._execution_options, **options}
        return self

    def get_execution_options(self) -> dict[str, Any]:
        return dict(self._execution_options)

    def schema_for_object(self, obj: Any) -> str | None:
        """The schema ``obj`` (a Table) is in for this connection: its own ``schema`` as
        this connection's ``schema_translate_map`` translates it (None: the default)."""
        schema = getattr(obj, "schema", None)
        schema_map = self._execution_options.get("schema_translate_map")
        if schema_map and schema in schema_map:
            translated: str | None = schema_map[schema]
            return translated
        return schema

    def _set_isolation_level(self, level: object) -> None:
        normalized = self.dialect.normalize_isolation_level(level)
        if self._stack.root is not None:  # begun, or waiting for a write to send BEGIN
            raise exc.InvalidRequestError(
                f"Cannot change the isolation level to {normalized} inside a transaction; "
                "call commit() or rollback() first, or set it right after connect()"
            )
        self.engine._remember_default_isolation(self)
        if normalized != AUTOCOMMIT:
            self._run_control(lambda dbapi: self.dialect.set_isolation_level(dbapi, normalized))
        if self._autocommit != (normalized == AUTOCOMMIT):
            on = normalized == AUTOCOMMIT
            self._run_control(lambda dbapi: self.dialect.set_autocommit(dbapi, on))
        self._autocommit = normalized == AUTOCOMMIT
        self._isolation_override = normalized
        self._reclaimer.discard = True  # if leaked, close it rather than pool a changed level

    def get_isolation_level(self) -> str:
        """The isolation level of this connection as the database reports it."""
        if self._autocommit:
            return AUTOCOMMIT
        return str(self._run_control(self.dialect.get_isolation_level))

    @property
    def default_isolation_level(self) -> str | None:
        """The level connections of this engine start with."""
        return self.engine._default_isolation_level

    # -- transactions ----------------------------------------------------------

    def begin(self) -> Transaction:
        """Begin the root transaction explicitly (use as a context manager to commit).

        BEGIN itself is sent with the first statement, so a transaction that
        never runs one costs no round trip, and a first statement that is a
        locking read can ask for the write lock where the database needs that.
        """
        if self._state is _CLOSED:
            raise exc.ResourceClosedError("This Connection is closed")
        if self._stack.root is not None:
            raise exc.InvalidRequestError(
                "A transaction is already begun on this Connection (it autobegins on first "
                "execute); call commit() or rollback() first, or use begin_nested()"
            )
        root = Transaction(self)
        self._stack.root = root
        if self.dispatch.begin:
            events.fire(self, "begin")
        return root

    def _emit_begin(self, write_lock: bool = False, defer: bool = False) -> None:
        """Send BEGIN for the root transaction (nothing in AUTOCOMMIT mode).

        ``defer``: where the dialect can send BEGIN together with the statement
        about to run, leave it in ``_unsent_begin`` for ``_cursor_execute``.
        """
        dbapi = self._dbapi if self._dbapi is not None else self._revive()
        if not self._autocommit and self._shared is not None and not self._shared.join(self):
            self._stack.begun = True  # it takes part in the transaction open on the connection
            return
        if not self._autocommit:
            sql = self.dialect.begin_sql(write_lock)
            if logger.isEnabledFor(logging.INFO):
                logger.info("%s", sql)
            self._work_done = False
            if defer and self.dialect.begins_with_statement():
                self._unsent_begin = sql
                self._stack.begun = True
                return
            try:
                self._meter.begin(self.dialect.do_begin, dbapi, write_lock)
            except BaseException as error:
                if self._shared is not None:
                    self._shared.end_rolling_back(self)
                if reconnect.replace_dead(self, error):  # dead before anything was done
                    self._emit_begin(write_lock, defer)
                    return
                raise self._translate(error, sql, None) from error
        self._stack.begun = True

    def _begin_nested(self) -> NestedTransaction:
        if self._autocommit:
            raise exc.InvalidRequestError(
                "Savepoints need a transaction, and this Connection is in AUTOCOMMIT mode"
            )
        self._prepare()
        name = self._stack.next_savepoint_name()
        if self.dispatch.savepoint:
            events.fire(self, "savepoint", name)
        self._control(f"SAVEPOINT {name}", lambda dbapi: self.dialect.do_savepoint(dbapi, name))
        savepoint = NestedTransaction(self, name)
        self._stack.nested.append(savepoint)
        return savepoint

    def in_transaction(self) -> bool:
        return self._stack.root is not None

    def in_nested_transaction(self) -> bool:
        return bool(self._stack.nested)

    def get_transaction(self) -> Transaction | None:
        return self._stack.root

    def get_nested_transaction(self) -> NestedTransaction | None:
        return self._stack.nested[-1] if self._stack.nested else None

    def _commit_current(self) -> None:
        if self._state is _CLOSED:
            raise exc.ResourceClosedError("This Connection is closed")
        if self._stack.root is not None:
            self._stack.root.commit()

    def _rollback_current(self) -> None:
        if self._state is _CLOSED:
            raise exc.ResourceClosedError("This Connection is closed")
        if self._stack.root is not None:
            self._stack.root.rollback()

    def _end_transaction(self, transaction: Transaction, *, commit: bool) -> None:
        """Emit what ends ``transaction`` and update the bookkeeping (called by Transaction)."""
        if self._forks != forking.generation:
            refuse_inherited(self)
        if isinstance(transaction, NestedTransaction):
            self._end_savepoint(transaction, commit=commit)
            return
        stack = self._stack
        ended = [*reversed(stack.nested), transaction]
        begun = stack.begun
        stack.clear()
        self._inactive_reason = None
        final = _COMMITTED if commit else _ROLLED_BACK
        dbapi = self._dbapi
        if self.dispatch.commit or self.dispatch.rollback:
            events.fire(self, "commit" if commit else "rollback")
        try:
            if dbapi is not None and begun and not self._autocommit:
                shared = self._shared
                if commit:
                    if shared is None or shared.leave_committing(self):
                        self._commit(dbapi)
                elif shared is None:
                    self._control("ROLLBACK", self.dialect.do_rollback)
                else:
                    undone = shared.end_rolling_back(self)
                    if undone is not None:
                        shared_connection.warn_undone(undone)
                        self._control("ROLLBACK", self.dialect.do_rollback)
        except BaseException:
            final = _ROLLED_BACK
            raise
        finally:
            for item in ended:
                item._finish(final)

    def _commit(self, dbapi: Any) -> None:
        if logger.isEnabledFor(logging.INFO):
            logger.info("COMMIT")
        try:
            self._meter.control(self.dialect.do_commit, dbapi)
        except BaseException as error:
            raise self._commit_failed(error) from error

    def _commit_failed(self, error: BaseException) -> BaseException:
        """The COMMIT's error, translated; the connection lives on with nothing open."""
        translated = self._translate(error, "COMMIT", None, during_commit=True)
        if self._dbapi is not None:
            try:
                self.dialect.do_rollback(self._dbapi)
            except Exception as cleanup_error:
                self.invalidate(cleanup_error)
        return translated

    def _execute_then_commit(self, statement: Any, parameters: Any) -> Result | None:
        """Execute ``statement`` and commit the root transaction in the same round trip,
        where the dialect writes both at once (a Session's commit whose flush is one
        INSERT). None, having run nothing, where it cannot or where anything would see
        the difference (a savepoint open, a shared connection, listeners on the
        connection): the caller then executes and commits as usual. Otherwise the
        transaction has ended when it returns.

        A statement that fails leaves the transaction open and failed, as ``execute``
        does; a COMMIT the server refuses ends it, and raises as ``commit()`` would. Once
        the COMMIT is written, a lost connection is a ``CommitOutcomeUnknownError`` (the
        server may have committed), never run again on a new connection: so a connection
        the server has already closed is replaced first, where the transaction did nothing
        yet (else the transaction is lost, ``TransactionLostError``)."""
        root = self._stack.root
        if root is None or not self._may_commit_with_statement():
            return None
        dbapi = self._dbapi if self._dbapi is not None else self._revive()
        if not self.dialect.commits_with_statement(dbapi):
            return None
        # Defaults that run statements of their own run here, before the COMMIT is armed.
        call = compile_call(self, statement, parameters)
        if call.many or call.buffer is not None:  # (not one statement on a plain cursor)
            result = self._run(call)
            root.commit()
            return result
        compiled = call.compiled
        closed = self.dialect.closed_by_server(dbapi)
        if closed is not None and not reconnect.replace_dead(self, closed):
            raise self._translate(closed, compiled.sql, call.args) from closed
        self._then_commit = True
        try:
            cursor = self._cursor_execute(
                compiled.sql, call.args, False, call.write_lock, compiled.kind
            )
        finally:
            self._then_commit = False
        return result_of(self, call, cursor)

    def _may_commit_with_statement(self) -> bool:
        """Whether the COMMIT of the root transaction may go behind the statement about to
        run: nothing would see the difference (a savepoint open, a shared connection, a
        listener on the connection, a deadline other than PostgreSQL's, which goes in the
        same pipeline)."""
        stack = self._stack
        return not (
            stack.root is None
            or stack.nested
            or self._autocommit
            or self._shared is not None
            or (self._meter.deadline is not None and self.dialect.name != "postgresql")
            or self.dispatch.listening
            or self.dispatch.commit
            or self._state is not _OPEN
        )

    def _end_committed(self, refused: BaseException | None) -> None:
        """The root transaction ended with the statement that carried its COMMIT; raises
        the COMMIT's error if the server refused it."""
        self._finish_committed(refused is None)
        if refused is not None:
            raise self._commit_failed(refused) from refused

    def _finish_committed(self, committed: bool) -> None:
        """The bookkeeping of a root transaction that ended with its last statement:
        committed, or rolled back by the server that refused the COMMIT."""
        if logger.isEnabledFor(logging.INFO):
            logger.info("COMMIT")
        stack = self._stack
        root = stack.root
        stack.clear()
        self._inactive_reason = None
        if root is not None:
            root._finish(_COMMITTED if committed else _ROLLED_BACK)

    def _end_savepoint(self, savepoint: NestedTransaction, *, commit: bool) -> None:
        stack = self._stack
        inner = stack.inner_to(savepoint)
        stack.pop_to(savepoint)
        final = _COMMITTED if commit else _ROLLED_BACK
        try:
            if savepoint.state is _ACTIVE and self._dbapi is not None:
                name = savepoint.name
                if self.dispatch.release_savepoint or self.dispatch.rollback_savepoint:
                    event = "release_savepoint" if commit else "rollback_savepoint"
                    events.fire(self, event, name, None)
                if commit:
                    self._control(
                        f"RELEASE SAVEPOINT {name}",
                        lambda dbapi: self.dialect.do_release_savepoint(dbapi, name),
                    )
                else:
                    self._control(
                        f"ROLLBACK TO SAVEPOINT {name}",
                        lambda dbapi: self.dialect.do_rollback_to_savepoint(dbapi, name),
                    )
        except BaseException:
            final = _ROLLED_BACK
            raise
        finally:
            for item in inner:
                item._finish(final)

    def _raise_inactive(self) -> NoReturn:
        reason = self._inactive_reason or "its connection was lost"
        raise exc.PendingRollbackError(
            f"This Connection's transaction is inactive ({reason}); "
            "call rollback() before using it again"
        )

    def _shared_rolled_back(self) -> None:
        """Another Connection sharing the one database connection rolled back the
        transaction this one took part in (pool/shared.py)."""
        self._inactive_reason = (
            "another Connection sharing this engine's one database connection rolled back "
            "the transaction both took part in, undoing this one's work too"
        )
        self._stack.deactivate_all()

    # -- running driver calls -------------------------------------------------

    def _control(self, sql: str, action: Any) -> None:
        """Run a transaction-control call, logging ``sql`` and translating errors."""
        if logger.isEnabledFor(logging.INFO):
            logger.info("%s", sql)
        dbapi = self._dbapi if self._dbapi is not None else self._revive()
        try:
            self._meter.control(action, dbapi)
        except BaseException as error:
            raise self._translate(error, sql, None) from error

    def _run_control(self, action: Any) -> Any:
        if self._forks != forking.generation:
            refuse_inherited(self)
        dbapi = self._dbapi if self._dbapi is not None else self._revive()
        try:
            return self._meter.control(action, dbapi)
        except BaseException as error:
            raise self._translate(error, None, None) from error

    def _translate(
        self,
        error: BaseException,
        statement: str | None,
        params: Any,
        *,
        during_commit: bool = False,
    ) -> BaseException:
        """``error`` as corral raises it; a disconnect invalidates the pooled connection."""
        return translate_error(self, error, statement, params, during_commit=during_commit)

    def _prepare(self, write_lock: bool = False, *, sql: tuple[str, str] | None = None) -> Any:
        """The DB-API connection in a transaction, for ``sql`` ((kind, text); None: SAVEPOINT);
        BEGIN sent, left to go with it (_emit_begin), or held back until a write (dialect)."""
        if self._forks != forking.generation:
            refuse_inherited(self)
        stack = self._stack
        root = stack.root
        if root is not None and root.state is not _ACTIVE:
            self._raise_inactive()
        shared = self._shared
        if shared is not None and not stack.begun and shared.owner is not None:
            shared.check_thread("run a statement")  # another thread's transaction is open?
        if self._dbapi is None:
            self._revive()
        if root is None:
            if self._autocommit:
                return self._dbapi
            stack.root = Transaction(self)
            if self.dispatch.begin:
                events.fire(self, "begin")
        if not stack.begun and (
            sql is None or write_lock or not self.dialect.runs_before_begin(self._dbapi, *sql)
        ):
            self._emit_begin(write_lock, defer=sql is not None)
        return self._dbapi

    # -- execution ---------------------------------------------------------------

    def _execute(
        self,
        statement: Any,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> Result:
        if type(parameters) is list and len(parameters) >= PAUSE_AT:
            # Thousands of parameter sets are converted and sent with the cyclic collector
            # paused, as corral builds large results and flushes (util/gc_pause.py).
            with collector_pause:
                return self._run(compile_call(self, statement, parameters))
        return self._run(compile_call(self, statement, parameters))

    def _run(self, call: CompiledCall) -> Result:
        if call.many:
            if call.compiled.many_values is not None:
                return execute_many_rows(
                    self, call.compiled.many_values, call.args, call.write_lock
                )
            if wants_rows_per_set(call.compiled):
                return execute_returning_many(self, call.compiled, call.args, call.write_lock)
            many_update = call.compiled.many_update
            if many_update is not None and update_many.applies(call.args, many_update[3]):
                parts = many_update[:3]
                return execute_many_rows(self, parts, call.args, call.write_lock, "update")
        compiled = call.compiled
        cursor = self._cursor_execute(
            compiled.sql,
            call.args,
            call.many,
            call.write_lock,
            compiled.kind,
            stream=call.buffer is not None,
        )
        return result_of(self, call, cursor)

    def _execute_rows(self, statement: Any, parameters: Mapping[str, Any] | None) -> list[Any]:
        """``execute(statement, parameters).raw_rows()`` of a SELECT run once, without
        building its Result unless an execute listener is given it (the ORM's get())."""
        with self._guard:
            if self.dispatch.listening:  # before_execute / after_execute, if any
                result: Result = events.execute(self, statement, parameters, None)
                return result.raw_rows()
            # A frozen SELECT run before on this dialect: compiled once (``plan_rows``).
            plan: RowsPlan | None = getattr(statement, PLAN_ATTR, None)
            if (
                plan is not None
                and plan.dialect is self.dialect
                and not self._execution_options
                and type(parameters) is dict
                and plan.keys == tuple(parameters)
            ):
                compiled = plan.compiled
                args = compiled.construct_params(plan.binds, parameters)
                cursor = self._cursor_execute(compiled.sql, args, False, False, "select")
                return planned_rows(self, plan, args, cursor)
            call = compile_call(self, statement, parameters)
            if call.many:  # (not a dict: no single SELECT)
                return self._execute(statement, parameters).raw_rows()
            compiled = call.compiled
            cursor = self._cursor_execute(
                compiled.sql,
                call.args,
                False,
                call.write_lock,
                compiled.kind,
                stream=call.buffer is not None,
            )
            rows = rows_of(self, call, cursor)
            plan_rows(self, statement, call)
            return rows

    def _exec_driver_sql(self, statement: str, parameters: Any = None) -> Result:
        if self._state is _CLOSED:
            raise exc.ResourceClosedError("This Connection is closed")
        many = isinstance(parameters, list) and bool(parameters)
        if isinstance(parameters, list) and not parameters:
            parameters = None
        cursor = self._cursor_execute(statement, parameters, many)
        description = cursor.description
        if description is None:
            rowcount = cursor.rowcount
            cursor.close()
            return Result(None, (), rowcount=rowcount)
        keys = tuple(d[0] for d in description)
        return Result(
            cursor,
            keys,
            rowcount=cursor.rowcount,
            row_builder=self.dialect,
            iterate=self.dialect.cursor_iteration_is_cheap,
            on_error=partial(self._translate, statement=statement, params=parameters),
            meter=self._meter,
        )

    def scalar(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row of the statement's result."""
        return self.execute(statement, parameters).scalar()

    def scalars(self, statement: Any, parameters: Mapping[str, Any] | None = None) -> ScalarResult:
        """The statement's result as its first column's values."""
        return self.execute(statement, parameters).scalars()

    def _cursor_execute(
        self,
        sql: str,
        args: Any,
        many: bool,
        write_lock: bool = False,
        kind: str = "text",
        returning: bool = False,
        stream: bool = False,
        native: bool = False,
    ) -> Any:
        if self._state is _CLOSED:
            raise exc.ResourceClosedError(
                "This Connection is closed; get a new one with engine.connect()"
            )
        dbapi = self._prepare(write_lock, sql=(kind, sql))
        begin, self._unsent_begin = self._unsent_begin, None
        echo = self.engine.echo
        if stream:
            cursor = self.dialect.streaming_cursor(dbapi)
        elif native:  # (SQL from dialect.native_placeholders)
            cursor = self.dialect.native_cursor(dbapi)
        else:
            cursor = dbapi.cursor()
        context = None
        if self.dispatch.listening:  # before_cursor_execute, if any; the context for after
            sql, args, context = events.before_cursor(self, cursor, sql, args, many)
        if echo or logger.isEnabledFor(logging.INFO):  # what is sent, after any listener
            log_statement(sql, args, self.dialect.hide_parameters)
        committing = self._then_commit
        try:  # the meter counts and times it, and applies a session's deadline
            if begin is not None and stream:  # BEGIN on its own: no pipelining a named cursor
                self._meter.begin(self.dialect.run, dbapi, begin)
                begin = None
            if committing:  # (``_execute_then_commit``: no listener to run here)
                self._then_commit = False
                refused = self._meter.execute_then_commit(
                    self, dbapi, cursor, begin, sql, args, returning
                )
            else:
                self._meter.execute(self, dbapi, cursor, begin, sql, args, many, returning)
        except BaseException as error:
            with contextlib.suppress(Exception):  # a dead connection's cursor may refuse
                cursor.close()
            # (not with a COMMIT written: the server may have run it)
            if not committing and reconnect.replace_dead(self, error):  # dead before anything
                return self._cursor_execute(
                    sql, args, many, write_lock, kind, returning, stream, native
                )
            self._work_done = True
            translated = self._translate(error, sql, args, during_commit=committing)
            failure = self._meter.failed(translated)
            if self.dispatch.handle_error:
                failure = events.handle_error(self, error, failure, sql, args, cursor)
            raise failure from error
        self._work_done = True
        if committing:
            if refused is not None:
                cursor.close()
            self._end_committed(refused)
        if context is not None and self.dispatch.after_cursor_execute:
            events.after_cursor(self, cursor, sql, args, many, context)
        if echo and echo == "debug":
            return row_logging.wrap(cursor)
        return cursor
