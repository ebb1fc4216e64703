"""The Session: a holding zone for objects, a unit of work, and a database transaction.

A new Session holds no connection. The first query, ``get``, ``execute`` or
flush checks one out of the Engine and begins a transaction on it; the
transaction lasts until ``commit()``, ``rollback()`` or ``close()`` (also when
it only read), and the connection then goes back to the pool. Using the
session again begins a new transaction: one session, many transactions, one at
a time. A Session given a Connection instead uses that one (``binding.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self, TypeVar, cast, overload

from corral import exc
from corral.engine.base import Connection
from corral.engine.deadline import deadline_at
from corral.engine.result import Result, ScalarResult
from corral.engine.stats import SessionStats
from corral.event.families import DispatchHolder
from corral.orm.base import STATE_ATTR, ObjectStatus
from corral.orm.loading import lazy
from corral.orm.loading.entities import loads_entities, mapped_entities
from corral.orm.loading.loader_criteria import apply_criteria
from corral.orm.mapping.identity_map import IdentityMap, WeakIdentityMap
from corral.orm.mapping.instance_state import InstanceState, expire_objects, state_of
from corral.orm.relationships.in_memory import holds_related
from corral.orm.relationships.parents import added_to_session
from corral.orm.session import (
    binding,
    bulk_persistence,
    cascades,
    expiring,
    flushing,
    large_sessions,
    merging,
    object_states,
    querying,
)
from corral.orm.session import binds as routing
from corral.orm.session.events import (
    SESSION_EVENTS,
    fire_bulk,
    fire_object,
    fire_transaction_end,
    orm_execute,
)
from corral.orm.session.options import check_session_options, execute_options
from corral.orm.session.query import Query
from corral.orm.session.transaction import (
    SessionTransaction,
    TransactionStatus,
    restore_after_rollback,
)
from corral.sql.dml import DMLStatement
from corral.sql.elements import ClauseElement
from corral.sql.execution_options import carry_streaming
from corral.sql.from_statement import FromStatement
from corral.sql.selectable import Select
from corral.util.guard import OneThreadGuard
from corral.util.identity_set import IdentitySet
from corral.util.row_typing import TP_co

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_ACTIVE = TransactionStatus.ACTIVE
_COMMITTED = TransactionStatus.COMMITTED
_DELETED = ObjectStatus.DELETED
_DETACHED = ObjectStatus.DETACHED
_FAILED = TransactionStatus.FAILED
_PENDING = ObjectStatus.PENDING
_PERSISTENT = ObjectStatus.PERSISTENT
_ROLLED_BACK = TransactionStatus.ROLLED_BACK
_TRANSIENT = ObjectStatus.TRANSIENT

T = TypeVar("T")


class Session(DispatchHolder):
    """Tracks objects, flushes their changes in order, and owns one transaction at a time."""

    #: ``dispatch`` holds the listeners of SessionEvents (orm/session/events.py): of the
    #: class, of the sessionmaker that made the session, or of this session.
    _event_names = SESSION_EVENTS

    #: Whether get() may take its lean path (one SELECT, the row made an object directly)
    #: when the session routes statements (several binds, a get_bind() override): its
    #: SELECT is routed as any other (``_bind_for``). False where get() itself works
    #: differently (a ShardedSession asks each shard).
    _routes_plain_get: ClassVar[bool] = True
    #: The identity token objects loaded or inserted now get (the shard, for a sharded
    #: session): their identity keys are ``(class, primary key, token)``. None: no token.
    _load_token: Any = None

    def __init__(
        self,
        bind: Any = None,
        *,
        autoflush: bool = True,
        expire_on_commit: bool = True,
        autobegin: bool = True,
        info: dict[str, Any] | None = None,
        isolation_level: str | None = None,
        n_plus_one: str | None = lazy.FROM_ENVIRONMENT,
        n_plus_one_threshold: int = lazy.DEFAULT_THRESHOLD,
        join_transaction_mode: binding.JoinTransactionMode = "conditional_savepoint",
        identity_map_warn: int | None = None,
        weak_identity_map: bool = True,
        deadline: float | None = None,
        binds: Mapping[Any, Any] | None = None,
        twophase: bool = False,
        autocommit: Literal[False] = False,
        future: Literal[True] = True,
        **unsupported: Any,
    ) -> None:
        if unsupported or autocommit is not False or future is not True:  # a hot path
            check_session_options(
                type(self),
                {"autocommit": autocommit, "future": future, **unsupported},
                f"{type(self).__name__}()",
            )
        self.dispatch = self._class_dispatch  # a sessionmaker's listeners replace it
        self.bind = bind
        #: Engines per class, base class or table (binds.py); ``twophase``: prepare, then commit.
        self._binds = routing.bind_map(binds) if binds else {}
        self.twophase = twophase
        #: Whether statements pick their connection by get_bind() (several binds, or an override).
        self._routes = bool(binds) or type(self).get_bind is not Session.get_bind
        self._connection_bind: Any = None
        self._extra: list[routing.ExtraConnection] = []
        #: How the session takes part in a transaction its Connection is already in.
        self.join_transaction_mode = (
            join_transaction_mode
            if join_transaction_mode == "conditional_savepoint"  # the default, checked
            else binding.check_join_transaction_mode(join_transaction_mode)
        )
        #: The isolation level of this session's transactions (None: the engine's).
        self.isolation_level = isolation_level
        self.autoflush = autoflush
        self.expire_on_commit = expire_on_commit
        self.autobegin = autobegin
        self.info: dict[str, Any] = info if info is not None else {}
        # Weak by default, as SQLAlchemy's: unchanged objects nobody references leave the
        # map; weak_identity_map=False holds every object until close() or expunge().
        self.identity_map: IdentityMap = (
            WeakIdentityMap()
            if weak_identity_map is True
            else large_sessions.strong_map(weak_identity_map)
        )
        #: What this session cost (docs/statistics.md); ``deadline``: its time budget.
        self.stats = SessionStats(self.identity_map.__len__)
        self._deadline = None if deadline is None else deadline_at(deadline)
        self._new: dict[int, object] = {}
        self._deleted: dict[int, object] = {}
        self._modified: dict[int, object] = {}
        self._transaction: SessionTransaction | None = None
        self._connection: Connection | None = None
        #: Whether the session checked ``_connection`` out (else it was given one to use).
        self._owns_connection = True
        self._flushing = False
        self._autoflush_suspended = 0
        #: Lazy loads per relationship, for N+1 detection (``n_plus_one="warn" | "raise"``).
        self._lazy_loads = lazy.counter_for(n_plus_one, n_plus_one_threshold)
        self._guard = OneThreadGuard(
            "Session", "give each thread its own session (scoped_session does this)"
        )
        self._size_watch = (
            None if identity_map_warn is None else large_sessions.watch_for(identity_map_warn)
        )

    def __repr__(self) -> str:
        return f"<Session {len(self.identity_map)} objects, transaction={self._transaction}>"

    # -- context manager --------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions -----------------------------------------------------------------

    def begin(self) -> SessionTransaction:
        """Begin a transaction explicitly (``with session.begin():`` commits at the end)."""
        with self._guard:
            if self._transaction is not None:
                raise exc.InvalidRequestError(
                    "A transaction is already begun on this Session; commit or roll it back "
                    "first, or use begin_nested() for a SAVEPOINT"
                )
            self._transaction = SessionTransaction(self)
            return self._transaction

    def begin_nested(self) -> SessionTransaction:
        """Flush, then open a SAVEPOINT; rolling it back undoes only what was flushed inside."""
        with self._guard:
            self.flush()
            if self._extra:
                raise exc.InvalidRequestError(
                    "begin_nested() on a Session using several databases is not supported: a "
                    "SAVEPOINT would cover only one of them. Use one Session per database"
                )
            parent = self._active_transaction()
            connection = self._connection_for_transaction(parent)
            nested = SessionTransaction(self, parent)
            nested.database_transaction = connection.begin_nested()
            self._transaction = nested
            return nested

    def commit(self) -> None:
        """Flush, commit the transaction, and return its connection to the pool."""
        with self._guard:
            if self._transaction is None:
                if not self.autobegin:
                    raise exc.InvalidRequestError("No transaction is begun on this Session")
                self._autobegin()
            assert self._transaction is not None
            root = self._transaction
            while root.parent is not None:
                root = root.parent
            self._commit_transaction(root)

    def rollback(self) -> None:
        """Roll back the transaction (all of it, savepoints included); always allowed."""
        with self._guard:
            if self._transaction is None:
                return
            root = self._transaction
            while root.parent is not None:
                root = root.parent
            self._rollback_transaction(root)

    def __del__(self) -> None:
        # Collected without close(): objects do not keep their session (they refer to it
        # weakly), so one the program let go ends here, its connection given back by the
        # Connection's own clean-up. What it held is left as close() leaves it.
        try:
            if self._transaction is None and not self._new and not self.identity_map.entries:
                return  # closed, or never used: nothing held
        except AttributeError:
            return  # __init__ did not get that far (refused options)
        object_states.forget_collected(self)

    def close(self) -> None:
        """Roll back what was not committed, give back the connection, detach every object.

        Unlike ``rollback()``, closing expires nothing: detached objects keep the values
        they had loaded. Objects whose INSERT was rolled back become transient.
        """
        with self._guard:
            transaction = ending = self._transaction
            if transaction is not None and transaction.parent is None:
                # One transaction, the usual case: its own dicts, nothing merged.
                inserted = transaction.inserted
                deleted = transaction.deleted
                unfinished = [transaction] if transaction.status is _ACTIVE else []
                transaction.status = _ROLLED_BACK
            else:
                inserted, deleted, unfinished = {}, {}, []
                while transaction is not None:
                    inserted.update(transaction.inserted)
                    deleted.update(transaction.deleted)
                    if transaction.status is _ACTIVE:
                        unfinished.append(transaction)
                    transaction.status = _ROLLED_BACK
                    transaction = transaction.parent
            self._transaction = None
            self._release_connection(unfinished)  # roll back what was not committed
            if inserted or deleted:
                for obj in list(inserted.values()):
                    self._make_transient(obj)
                for key, obj in list(deleted.items()):
                    if key not in inserted:  # its DELETE was rolled back: it has a row again
                        self._expunge(obj, state_of(obj))
            object_states.detach_all(self)
            if self._lazy_loads.counts:  # N+1 counts are per use of the session, close to close
                self._lazy_loads.reset()
            while ending is not None and self.dispatch.after_transaction_end:
                fire_transaction_end(self, ending)
                ending = ending.parent

    def in_transaction(self) -> bool:
        return self._transaction is not None

    def in_nested_transaction(self) -> bool:
        return self._transaction is not None and self._transaction.nested

    @property
    def is_active(self) -> bool:
        """False only while a failed flush waits for ``rollback()``."""
        return self._transaction is None or self._transaction.status is _ACTIVE

    def get_transaction(self) -> SessionTransaction | None:
        return self._transaction

    def _autobegin(self) -> SessionTransaction:
        if not self.autobegin:
            raise exc.InvalidRequestError(
                "This Session has autobegin=False and no transaction; call session.begin()"
            )
        self._transaction = SessionTransaction(self)
        return self._transaction

    def _active_transaction(self) -> SessionTransaction:
        transaction = self._transaction or self._autobegin()
        if transaction.status is _FAILED:
            raise self._pending_rollback_error(transaction)
        return transaction

    def _pending_rollback_error(self, transaction: SessionTransaction) -> exc.PendingRollbackError:
        return transaction.pending_rollback_error()

    def get_bind(
        self, mapper: Any = None, *, clause: Any = None, bind: Any = None, **kw: Any
    ) -> Any:
        """The Engine or Connection for ``mapper`` (a class or Mapper) or ``clause``.

        Resolved from ``binds`` by the class, then its bases, then the statement's tables,
        and else the Session's ``bind``; subclasses override it to route (sharding).
        """
        if bind is not None:
            return bind
        if not self._binds and self.bind is not None:
            return self.bind
        return routing.resolve(self, mapper, clause)

    def _bind_for(self, statement: Any, bind_arguments: Mapping[str, Any] | None) -> Any:
        """get_bind() for a statement executed with ``bind_arguments``."""
        arguments = dict(bind_arguments or {})
        if "mapper" not in arguments:
            arguments["mapper"] = routing.statement_mapper(statement)
        arguments.setdefault("clause", statement)
        return self.get_bind(**arguments)

    def _connection_for_transaction(
        self,
        transaction: SessionTransaction,
        options: Mapping[str, Any] | None = None,
        bind: Any = None,
    ) -> Connection:
        connection = self._connection
        if connection is None:
            root = transaction
            while root.parent is not None:
                root = root.parent
            if bind is None:
                bind = self.get_bind()
            self._connection_bind = bind
            self._connection, self._owns_connection = binding.open_connection(
                self, root, options, bind
            )
            if self.dispatch.after_begin:
                for listener in self.dispatch.after_begin:
                    listener(self, root, self._connection)
            return self._connection
        if bind is None or bind is self._connection_bind:
            return connection
        for extra in self._extra:
            if extra.bind is bind:
                return extra.connection
        if transaction.nested:
            raise exc.InvalidRequestError(
                "This Session's SAVEPOINT (begin_nested()) is on its first database only; a "
                f"statement for {bind!r} would run outside it. Reach that database before "
                "begin_nested(), or use one Session per database"
            )
        extra = routing.ExtraConnection(self, bind)
        self._extra.append(extra)
        if self.dispatch.after_begin:
            for listener in self.dispatch.after_begin:
                listener(self, transaction, extra.connection)
        return extra.connection

    def connection(
        self,
        execution_options: Mapping[str, Any] | None = None,
        *,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Connection:
        """The Connection of the current transaction, beginning one if needed
        (``bind_arguments``: get_bind()'s ``mapper=`` / ``clause=`` / ``bind=``, for one of
        several databases)."""
        with self._guard:
            routed = bind_arguments or self._routes
            bind = self.get_bind(**(bind_arguments or {})) if routed else None
            if self._connection is None or (bind is not None and bind is not self._connection_bind):
                return self._connection_for_transaction(
                    self._active_transaction(), execution_options, bind
                )
            # Later options apply from now on (a new isolation level mid-transaction raises).
            return self._connection.execution_options(**execution_options or {})

    def _commit_transaction(self, transaction: SessionTransaction) -> None:
        if transaction is not self._transaction:
            # Committing an outer transaction commits what is inside it first.
            while self._transaction is not None and self._transaction is not transaction:
                self._commit_transaction(self._transaction)
        if transaction.status is _FAILED:
            raise self._pending_rollback_error(transaction)
        if self.dispatch.before_commit:
            for listener in self.dispatch.before_commit:
                listener(self)
        bind = self.bind  # (the dialect asked first: a SQLite session skips the rest)
        if (
            bind is not None
            and bind.dialect.commits_with_statement()
            and self._commits_alone(transaction)
        ):
            with self._guard:
                flushing.flush_pending(self, None, commit=True)
        else:
            self.flush()
        if transaction.nested:
            transaction.database_transaction.commit()
            transaction.move(_COMMITTED)
            transaction.fold_into_parent()
            self._transaction = transaction.parent
            if self.dispatch.listening:
                self._ended(transaction, "after_commit")
            return
        try:
            if (
                transaction.database_transaction is not None
                and transaction.commits_database
                and not transaction.committed_by_flush
            ):
                if self._extra or self.twophase:
                    routing.commit_all(transaction.database_transaction, self._extra)
                else:
                    transaction.database_transaction.commit()
        finally:
            self._release_connection()
        transaction.move(_COMMITTED)
        self._transaction = None
        self._after_commit(transaction)
        if self.dispatch.listening:
            self._ended(transaction, "after_commit")
        for callback in transaction.after_commit:
            callback()

    def _commits_alone(self, transaction: SessionTransaction | None) -> bool:
        """Whether committing ``transaction`` (the current one; None: the one the flush
        will begin) is one COMMIT, which the flush before it may send with its last
        statement (``flushing.flush_pending``): the outermost transaction, of one
        database, without two-phase commit, flushed by the Session's own ``flush()``."""
        return not (
            (transaction is not None and transaction.parent is not None)
            or self._extra
            or self.twophase
            or self._routes
            or type(self).flush is not Session.flush
        )

    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the current transaction commits (never if it rolls back).

        A callback registered inside a SAVEPOINT that is rolled back is dropped.
        """
        with self._guard:
            self._active_transaction().after_commit.append(callback)

    def _ended(self, transaction: SessionTransaction, event: str) -> None:
        """Run the listeners of a transaction's end (``event``: after_commit/_rollback);
        called only when the session's dispatch is listening at all."""
        for listener in getattr(self.dispatch, event):
            listener(self)
        if self.dispatch.after_transaction_end:
            fire_transaction_end(self, transaction)

    def _after_commit(self, transaction: SessionTransaction) -> None:
        for obj in transaction.deleted.values():
            state = state_of(obj)
            state.move(_DETACHED)
            state._session = None
        if self.dispatch.deleted_to_detached:
            for obj in transaction.deleted.values():
                fire_object(self, "deleted_to_detached", obj)
        if self.expire_on_commit:
            expire_objects(self.identity_map.values())

    def _rollback_transaction(self, transaction: SessionTransaction) -> None:
        while self._transaction is not None and self._transaction is not transaction:
            self._rollback_transaction(self._transaction)
        database = transaction.database_transaction
        try:
            if database is not None and transaction.status is not _FAILED:
                database.rollback()
        finally:
            if not transaction.nested:
                self._release_connection()
            transaction.status = _ROLLED_BACK
            self._transaction = transaction.parent
            self._restore_after_rollback(transaction)
        if self.dispatch.listening:
            self._ended(transaction, "after_rollback")
        if self.dispatch.after_soft_rollback:
            for listener in self.dispatch.after_soft_rollback:
                listener(self, transaction)

    def _release_connection(self, unfinished: Sequence[SessionTransaction] = ()) -> None:
        """Close a connection the session checked out (the pool rolls back what is open);
        on a Connection it was given, roll back only what it began there (``unfinished``)."""
        connection, self._connection = self._connection, None
        if self.twophase:
            routing.abandon(t.database_transaction for t in unfinished)
        if self._extra:
            extras, self._extra = self._extra, []
            routing.release_all(extras)
        if connection is None:
            return
        if self._owns_connection:
            connection.close()
        else:
            binding.end_on_given_connection(list(unfinished))
            connection._meter.detach()  # (close() detaches a connection it checked out)

    def _restore_after_rollback(self, transaction: SessionTransaction) -> None:
        restore_after_rollback(self, transaction)

    def _make_transient(self, obj: object) -> None:
        state = state_of(obj)
        self.identity_map.discard_object(state.key, obj)
        self._new.pop(id(obj), None)
        self._modified.pop(id(obj), None)
        state.key = None
        state._session = None
        state.committed_state = {}
        state.status = _TRANSIENT

    # -- the holding zone ---------------------------------------------------------------

    def add(self, obj: object) -> None:
        """Place an object in the session: a new one is INSERTed at the next flush."""
        with self._guard:
            self._add(obj)

    def add_all(self, objects: Iterable[object]) -> None:
        with self._guard:
            for obj in objects:
                self._add(obj)

    def _add(self, obj: object) -> None:
        try:
            state: InstanceState = obj.__dict__[STATE_ATTR]
        except (KeyError, AttributeError):
            state = state_of(obj)  # made now, or the error for an unmapped object
        if state.parents is not None:
            added_to_session(state)
        held = state._session  # (InstanceState.session's weak reference, read once)
        if held is not None and (holder := held()) is not None and holder is not self:
            raise exc.InvalidRequestError(
                f"{obj!r} is already attached to another Session; expunge it there or "
                "use session.merge(obj) to copy its state into this one"
            )
        # As in SQLAlchemy, adding begins the session's transaction (no connection yet),
        # so a rollback before any flush still expunges what was added.
        transaction = self._transaction or self._autobegin()
        if state.status is _TRANSIENT:
            if self.dispatch.before_attach:
                fire_object(self, "before_attach", obj)
            state.session = self
            state.status = _PENDING  # (InstanceState.move: transient to pending is allowed)
            self._new[oid := id(obj)] = obj
            transaction.added[oid] = obj
            if self.dispatch.transient_to_pending or self.dispatch.after_attach:
                fire_object(self, "transient_to_pending", obj)
                fire_object(self, "after_attach", obj)
        elif state.status is _DETACHED:
            self._attach(obj, state)
        elif state.status is _DELETED:
            raise exc.InvalidRequestError(
                f"{obj!r} was deleted in this transaction and cannot be added back; "
                "roll back to restore it"
            )
        # pending or persistent in this session already: nothing to do
        # (an object holding no relationship value, a new one's usual case: nothing to cascade)
        if state.mapper.relationships and holds_related(obj):
            cascades.cascade_add(self, obj)

    def _attach(self, obj: object, state: InstanceState) -> None:
        assert state.key is not None
        existing = self.identity_map.get(state.key)
        if existing is not None and existing is not obj:
            raise exc.InvalidRequestError(
                f"Cannot attach {obj!r}: this session already holds another object with the "
                f"identity {state.key[1]}; use session.merge(obj) instead"
            )
        if self.dispatch.before_attach:
            fire_object(self, "before_attach", obj)
        state.session = self
        state.move(_PERSISTENT)
        self.identity_map.add(state.key, obj)
        if state.committed_state:
            self._modified[id(obj)] = obj
        if self.dispatch.detached_to_persistent or self.dispatch.after_attach:
            fire_object(self, "detached_to_persistent", obj)
            fire_object(self, "after_attach", obj)

    def delete(self, obj: object) -> None:
        """Mark a persistent object for DELETE at the next flush (and cascade ``delete``)."""
        with self._guard:
            self._delete(obj)

    def _delete(self, obj: object) -> None:
        if id(obj) in self._deleted:
            return
        state = state_of(obj)
        if state.status in (_TRANSIENT, _PENDING):
            raise exc.InvalidRequestError(
                f"{obj!r} is not persisted (it is {state.status.value}), so there is no row "
                "to delete; use session.expunge(obj) to forget a pending object"
            )
        if state.session is not None and state.session is not self:
            raise exc.InvalidRequestError(f"{obj!r} belongs to another Session")
        if self._transaction is None:  # a rollback() before the flush cancels the delete
            self._autobegin()
        if state.status is _DETACHED:
            self._attach(obj, state)
        if state.status is _PERSISTENT:
            self._deleted[id(obj)] = obj
            if state.mapper.relationships:
                cascades.cascade_delete(self, obj)

    def expunge(self, obj: object) -> None:
        """Remove one object from the session (it becomes detached, or transient if new)."""
        with self._guard:
            state = state_of(obj)
            if state.session is not self:
                raise exc.InvalidRequestError(f"{obj!r} is not in this Session")
            for item in [obj, *cascades.along(obj, "expunge")]:
                item_state = state_of(item)
                if item_state.session is self:
                    self._expunge(item, item_state)

    def _expunge(self, obj: object, state: InstanceState) -> None:
        self.identity_map.discard_object(state.key, obj)
        self._new.pop(id(obj), None)
        self._deleted.pop(id(obj), None)
        self._modified.pop(id(obj), None)
        state._session = None
        if state.status is _PENDING:
            state.status = _TRANSIENT
            if self.dispatch.pending_to_transient:
                fire_object(self, "pending_to_transient", obj)
        elif state.status in (_PERSISTENT, _DELETED):
            state.status = _DETACHED
            if self.dispatch.persistent_to_detached:
                fire_object(self, "persistent_to_detached", obj)

    def expunge_all(self) -> None:
        with self._guard:
            object_states.detach_all(self)

    def _note_modified(self, obj: object) -> None:
        """A change to an object begins the transaction a rollback() will discard it with."""
        if self._transaction is None:
            self._autobegin()
        self._modified[id(obj)] = obj

    def _lazy_load(self, obj: object, rel: Any, params: dict[str, Any]) -> Any:
        return lazy.load(self, obj, rel, params)  # asked for by relationships.unloaded

    @property
    def new(self) -> IdentitySet:
        """Objects added and not yet flushed."""
        return IdentitySet(self._new.values())

    @property
    def deleted(self) -> IdentitySet:
        """Objects marked for deletion and not yet flushed."""
        return IdentitySet(self._deleted.values())

    @property
    def dirty(self) -> IdentitySet:
        """Persistent objects with attribute changes not yet flushed."""
        deleted, persistent = self._deleted, _PERSISTENT
        return IdentitySet(
            [
                obj
                for obj in self._modified.values()
                # every object in _modified has its state (record_change put it there)
                if obj.__dict__[STATE_ATTR].status is persistent and id(obj) not in deleted
            ]
        )

    def __contains__(self, obj: object) -> bool:
        try:
            state = state_of(obj)
        except exc.UnmappedInstanceError:
            return False
        return state.session is self and state.status in (
            _PENDING,
            _PERSISTENT,
        )

    def __iter__(self) -> Iterator[object]:
        return iter(list(self._new.values()) + self.identity_map.values())

    # -- flushing -------------------------------------------------------------------------

    @property
    @contextlib.contextmanager
    def no_autoflush(self) -> Iterator[Session]:
        """``with session.no_autoflush:`` suspends autoflush inside the block."""
        self._autoflush_suspended += 1
        try:
            yield self
        finally:
            self._autoflush_suspended -= 1

    def _autoflush(self) -> None:
        if (
            self.autoflush
            and not self._autoflush_suspended
            and not self._flushing
            and (self._new or self._deleted or self._modified)  # (flush_pending's own check)
        ):
            flushing.flush_pending(self)

    def flush(self, objects: Iterable[object] | None = None) -> None:
        """Write pending changes to the database inside the current transaction."""
        with self._guard:
            flushing.flush_pending(self, objects)

    # -- querying -------------------------------------------------------------------------

    @overload
    def execute(
        self,
        statement: Select[TP_co],
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Result[TP_co]: ...
    @overload
    def execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Result: ...
    def execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Result:
        """Execute a statement in the session's transaction; ORM selects return objects."""
        with self._guard:
            return self._execute(statement, params, execution_options, bind_arguments)

    def _execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
        events: bool = True,
    ) -> Result:
        if events and self.dispatch.do_orm_execute:  # listeners may change or replace it
            return cast(
                Result, orm_execute(self, statement, params, execution_options, bind_arguments)
            )
        options = execute_options(statement, execution_options, bind_arguments)
        statement = carry_streaming(statement, execution_options or {}, "Session.execute()")
        if options.get("autoflush", True):
            self._autoflush()
        if self._routes or bind_arguments:
            connection = self._connection_for_transaction(
                self._active_transaction(), None, self._bind_for(statement, bind_arguments)
            )
        else:
            connection = self._connection_for_transaction(self._active_transaction())
        if isinstance(statement, Select):
            if statement._with_options:  # with_loader_criteria() conditions join the WHERE
                statement = apply_criteria(statement)
            mappers = mapped_entities(statement)
            if loads_entities(statement, mappers):
                return querying.execute_orm_select(
                    self, connection, statement, params, options, mappers
                )
        if isinstance(statement, FromStatement):
            return querying.execute_from_statement(self, connection, statement, params, options)
        if isinstance(statement, DMLStatement):
            from corral.orm.session.dml import execute_dml

            result = execute_dml(self, connection, statement, params, options)
            if self.dispatch.after_bulk_update or self.dispatch.after_bulk_delete:
                fire_bulk(self, statement, params, result)
            return result
        return connection.execute(statement, params)

    @overload
    def scalars(
        self, statement: Select[tuple[T]], params: Any = None, **kw: Any
    ) -> ScalarResult[T]: ...
    @overload
    def scalars(self, statement: ClauseElement, params: Any = None, **kw: Any) -> ScalarResult: ...
    def scalars(self, statement: ClauseElement, params: Any = None, **kw: Any) -> ScalarResult:
        return self.execute(statement, params, **kw).scalars()

    @overload
    def scalar(self, statement: Select[tuple[T]], params: Any = None, **kw: Any) -> T | None: ...
    @overload
    def scalar(self, statement: ClauseElement, params: Any = None, **kw: Any) -> Any: ...
    def scalar(self, statement: ClauseElement, params: Any = None, **kw: Any) -> Any:
        return self.execute(statement, params, **kw).scalar()

    def query(self, *entities: Any, **unsupported: Any) -> Query[Any]:
        """Legacy (SQLAlchemy 1.x style): a ``Query`` of ``entities`` run by this session."""
        if unsupported:
            raise exc.ArgumentError(
                f"Session.query() takes entities only, not {', '.join(unsupported)}"
            )
        return Query(entities, self)

    def bulk_save_objects(
        self,
        objects: Iterable[object],
        return_defaults: bool = False,
        update_changed_only: bool = True,
        preserve_order: bool = True,
    ) -> None:
        """Legacy: INSERT/UPDATE the objects in batches, without adding them to the session."""
        with self._guard:
            bulk_persistence.bulk_save_objects(
                self, objects, return_defaults, update_changed_only, preserve_order
            )

    def bulk_insert_mappings(
        self,
        mapper: Any,
        mappings: Iterable[Mapping[str, Any]],
        return_defaults: bool = False,
        render_nulls: bool = False,
    ) -> None:
        """Legacy: INSERT one row per dict of attribute values, in batches."""
        with self._guard:
            bulk_persistence.bulk_insert_mappings(
                self, mapper, mappings, return_defaults, render_nulls
            )

    def bulk_update_mappings(self, mapper: Any, mappings: Iterable[Mapping[str, Any]]) -> None:
        """Legacy: UPDATE one row per dict, by the primary key it holds."""
        with self._guard:
            bulk_persistence.bulk_update_mappings(self, mapper, mappings)

    def get(
        self,
        entity: type[T],
        ident: Any,
        *,
        options: Sequence[Any] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
        populate_existing: bool = False,
    ) -> T | None:
        """The object with this primary key: from the identity map, else one SELECT (with
        the loader ``options``, such as ``selectinload(A.bs)``)."""
        if not (with_for_update or populate_existing) and (
            type(ident) is int or not isinstance(ident, tuple | list | Mapping)
        ):
            # The common case first: a scalar key already in the map, with nothing expired.
            identity_map = self.identity_map
            found = identity_map.entries.get((entity, (ident,)))
            if found is not None:
                if identity_map.weak:  # the object's state, a weak reference to it
                    if not found.expired and (hit := found()) is not None:
                        return cast(T, hit)
                elif not found.__dict__[STATE_ATTR].expired:
                    return cast(T, found)
        with self._guard:
            return querying.get(
                self, entity, ident, with_for_update, populate_existing, options or ()
            )

    def get_one(
        self,
        entity: type[T],
        ident: Any,
        *,
        options: Sequence[Any] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
        populate_existing: bool = False,
    ) -> T:
        """Like ``get()``, but raises ``NoResultFound`` instead of returning None."""
        found = self.get(
            entity,
            ident,
            options=options,
            with_for_update=with_for_update,
            populate_existing=populate_existing,
        )
        if found is None:
            raise exc.NoResultFound(
                f"No {getattr(entity, '__name__', entity)} has the primary key {ident!r}; "
                "get_one() requires one (get() returns None instead)"
            )
        return found

    def _load_unloaded(self, obj: object, state: InstanceState, key: str | None = None) -> None:
        """Load an object's expired attributes, and ``key`` if deferred (one SELECT)."""
        querying.load_unloaded(self, obj, state, key)

    def refresh(
        self,
        obj: object,
        attribute_names: Iterable[str] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
    ) -> None:
        """Reload the object's attributes from the database, discarding unflushed changes;
        ``with_for_update`` (True or ``{"nowait": True, ...}``) locks its row as it reads."""
        with self._guard:
            expiring.refresh(self, obj, attribute_names, with_for_update)

    def expire(self, obj: object, attribute_names: Iterable[str] | None = None) -> None:
        """Drop loaded values so they reload on next access (unflushed changes are lost)."""
        with self._guard:
            expiring.expire(self, obj, attribute_names)

    def expire_all(self) -> None:
        with self._guard:
            expire_objects(self.identity_map.values())
            self._modified.clear()

    def is_modified(self, instance: object, include_collections: bool = True) -> bool:
        """Whether ``instance`` has attribute changes a flush would write (net changes only:
        a value set back to what was loaded is no change); collections unless told not to."""
        return object_states.is_modified(instance, include_collections)

    def merge(self, obj: T, *, load: bool = True) -> T:
        """Copy ``obj``'s state onto this session's object of its identity; return that object."""
        return merging.merge(self, obj, load=load)
