"""Flushing a Session: plan the unit of work, run it, and settle the objects' new states.

The plan is computed without I/O (``unit_of_work.plan``) and executed on the
session's connection (``unit_of_work.execute``); this module ties them to the
session: which objects go in, what a failure does, and what success changes.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import STATE_ATTR, ObjectStatus
from corral.orm.mapping import properties
from corral.orm.mapping.instance_state import NO_CHANGES, IdentityKey, InstanceState, state_of
from corral.orm.mapping.mapper import Mapper
from corral.orm.relationships.in_memory import holding_related, holds_related
from corral.orm.session import flush_events, unbatched
from corral.orm.session.events import FlushContext
from corral.orm.session.large_sessions import check_size
from corral.orm.session.transaction import (
    SessionTransaction,
    TransactionStatus,
    restore_after_rollback,
)
from corral.orm.unit_of_work import dependencies, relational_flush
from corral.orm.unit_of_work.dependencies import FlushWork
from corral.orm.unit_of_work.execute import execute_plan
from corral.orm.unit_of_work.plan import FlushPlan, Step, StepKind, plan_flush
from corral.sql.defaults import ConnectionSource
from corral.util.gc_pause import PAUSE_AT, collector_pause

if TYPE_CHECKING:
    from corral.orm.session.session import Session

# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_DELETED = ObjectStatus.DELETED
_FAILED = TransactionStatus.FAILED
_INSERT = StepKind.INSERT
_PENDING = ObjectStatus.PENDING
_PERSISTENT = ObjectStatus.PERSISTENT
_UPDATE = StepKind.UPDATE
#: Runs an iterator to its end, keeping nothing (a loop in C).
_consume: Callable[[Iterable[Any]], None] = deque[Any](maxlen=0).extend


def flush_pending(
    session: Session, objects: Iterable[object] | None = None, commit: bool = False
) -> None:
    """Flush the session's changes (of ``objects`` only, if given).

    ``commit``: the session's commit follows at once (``Session._commits_alone``): the
    flush may send the COMMIT with its last statement (``execute_plan``), and then marks
    the transaction ``committed_by_flush``."""
    if session._flushing:
        raise exc.InvalidRequestError(
            "Session is already flushing; flush() was called from inside a flush"
        )
    if not (session._new or session._deleted or session._modified):
        return  # nothing pending (an autoflush before most reads): no lists, no events
    if session.dispatch.before_flush and (session._new or session._deleted or session.dirty):
        # It may add, change or delete objects; what it reads must not autoflush (the
        # flush it is part of would start again from inside itself).
        session._autoflush_suspended += 1
        try:
            flush_events.before_flush(session, objects)
        finally:
            session._autoflush_suspended -= 1
    new = list(session._new.values())
    deleted = list(session._deleted.values())
    dirty: list[object] = session.dirty
    if objects is not None:
        chosen = {id(o) for o in objects}
        new = [o for o in new if id(o) in chosen]
        deleted = [o for o in deleted if id(o) in chosen]
        dirty = [o for o in dirty if id(o) in chosen]
    if not (new or deleted or dirty):
        return
    session.stats.flushes += 1
    session._flushing = True
    # A large flush allocates per object (parameters, keys) while every object is alive:
    # without the pause the cyclic collector would rescan them again and again.
    try:
        with ConnectionSource(session.connection):
            if len(new) + len(dirty) >= PAUSE_AT:
                with collector_pause:
                    _flush(session, new, dirty, deleted, commit)
            else:
                _flush(session, new, dirty, deleted, commit)
    finally:
        session._flushing = False
    check_size(session)


def _flush(
    session: Session, new: list[object], dirty: list[object], deleted: list[object], commit: bool
) -> None:
    transaction = session._active_transaction()
    if properties.PENDING:
        properties.configure_mappers()
    classes: set[Any] = {type(o) for o in (*new, *dirty, *deleted)}
    if writes_related(classes, new, dirty, deleted):
        _flush_related(session, transaction, new, dirty, deleted, commit)
        return
    if any(cls.__mapper__.version_id_key is not None for cls in classes):
        _load_expired_versions(session, [*dirty, *deleted])
    listening = flush_events.listening(session, classes)
    if listening and unbatched.wants_one_by_one(classes):
        connection = _connection(session, transaction)
        try:
            plan = unbatched.write_one_by_one(connection, new, dirty, deleted)
        except BaseException as error:
            _fail_flush(session, transaction, error)
            raise
        with flush_events.after_writes(session, connection, new, dirty, deleted):
            _finalize_flush(session, transaction, plan, dirty)
        return
    if listening:
        connection = _connection(session, transaction)
        try:
            flush_events.before_writes(connection, new, dirty, deleted)
        except BaseException as error:
            _fail_flush(session, transaction, error)
            raise
    plan = plan_flush(new, dirty, deleted)
    if not listening:
        connection = _connection(session, transaction)
    try:  # (a listener runs between the writes and the commit: nothing goes with them)
        if execute_plan(connection, plan, commits(commit, transaction, listening)):
            transaction.committed_by_flush = True
    except BaseException as error:
        _fail_flush(session, transaction, error)
        raise
    if not listening:
        _finalize_flush(session, transaction, plan, dirty)
        return
    try:
        with flush_events.after_writes(session, connection, new, dirty, deleted):
            _finalize_flush(session, transaction, plan, dirty)
    except BaseException as error:
        _fail_flush(session, transaction, error)
        raise


def writes_related(
    classes: set[Any], new: list[object], dirty: list[object], deleted: list[object]
) -> bool:
    """Whether the flush needs the relational writing (``dependencies.presort``, then the
    tables one at a time): classes with inheritance or several tables, or with
    relationships, unless the flush only inserts, or only updates, objects that hold no
    relationship value (``holds_related``) of classes the plain plan writes as that
    writing would (``relational_flush.writes_plainly``): the presort would find nothing
    to do for them, and the writing would send the plain plan's statements."""
    mappers = [cls.__mapper__ for cls in classes]
    if any(m.inheritance is not None or m.multi_table for m in mappers):
        return True
    if not any(m.relationships for m in mappers):
        return False
    return bool(
        deleted
        or (new and dirty)
        or unbatched.wants_one_by_one(classes)
        or not all(map(relational_flush.writes_plainly, mappers))
        or any(map(holds_related, new))
        or any(map(holds_related, dirty))
    )


def _flush_related(
    session: Session,
    transaction: SessionTransaction,
    new: list[object],
    dirty: list[object],
    deleted: list[object],
    commit: bool,
) -> None:
    """A flush of objects with relationships: tables one at a time, keys copied between."""
    work = dependencies.presort(session, new, dirty, deleted)
    write_related(session, transaction, work, commit)


def write_related(
    session: Session, transaction: SessionTransaction, work: FlushWork, commit: bool = False
) -> None:
    """The writing of a related flush, after ``dependencies.presort`` (the asyncio
    executor calls it in a worker thread when the writing cannot run on the loop);
    ``commit``: see ``flush_pending``."""
    classes: set[Any] = {type(o) for o in (*work.new, *work.dirty, *work.deleted)}
    if unbatched.wants_one_by_one(classes):
        raise exc.InvalidRequestError(
            "__mapper_args__ batch=False is supported for classes without relationships or "
            "inheritance; remove batch=False, or do the per-row work in before_flush"
        )
    if any(cls.__mapper__.version_id_key is not None for cls in classes):
        _load_expired_versions(session, [*work.dirty, *work.deleted])
    connection = _connection(session, transaction)
    executed = FlushPlan()
    assigned: list[tuple[object, str]] = []
    listening = flush_events.listening(session, classes)
    try:
        if listening:
            flush_events.before_writes(connection, work.new, work.dirty, work.deleted)
        if commits(commit, transaction, listening) and relational_flush.inserts_alone(work):
            # (the plan ``relational_flush.writes`` runs for such a flush, run here)
            plan = plan_flush(work.new, (), ())
            if execute_plan(connection, plan, commit=True):
                transaction.committed_by_flush = True
            executed.steps.extend(plan.steps)
            updated: list[object] = []
        else:
            updated = relational_flush.write(connection, work, executed, assigned)
    except BaseException as error:
        forget_assigned(assigned)
        _fail_flush(session, transaction, error)
        raise
    if not listening:
        finish_related(session, transaction, work, executed, updated)
        return
    try:
        with flush_events.after_writes(session, connection, work.new, work.dirty, work.deleted):
            _finalize_flush(session, transaction, executed, updated)
    except BaseException as error:
        _fail_flush(session, transaction, error)
        raise
    _settle_write_only(work, updated)


def commits(commit: bool, transaction: SessionTransaction, listening: bool) -> bool:
    """Whether the flush may send the COMMIT with its last statement: the session commits
    next, no listener runs in between, and the transaction is the session's to commit
    (not one of a Connection the session was given)."""
    return commit and not listening and transaction.commits_database


def forget_assigned(assigned: list[tuple[object, str]]) -> None:
    """A failed related flush: the generated keys of rows that are rolled back go."""
    for obj, key in assigned:
        obj.__dict__.pop(key, None)


def finish_related(
    session: Session,
    transaction: SessionTransaction,
    work: FlushWork,
    executed: FlushPlan,
    updated: list[object],
) -> None:
    """After the writes of a related flush: the objects' new states."""
    _finalize_flush(session, transaction, executed, updated)
    _settle_write_only(work, updated)


def _settle_write_only(work: FlushWork, updated: list[object]) -> None:
    """After a related flush: the written objects' write-only collections forget their
    pending changes. Only objects holding relationship values can hold one: those of the
    flush (``work.related``), and those the writing updated (settling one twice is
    harmless)."""
    for obj in [*work.related, *holding_related(updated)]:
        relational_flush.settle_write_only(obj)


def _connection(session: Session, transaction: SessionTransaction) -> Any:
    """The session's connection; a router over its binds when the session routes."""
    if session._routes:
        from corral.orm.session.binds import FlushRouter

        return FlushRouter(session, transaction)
    return session._connection_for_transaction(transaction)


def _load_expired_versions(session: Session, objects: list[object]) -> None:
    """Load the version of versioned objects whose version was expired (after a commit).

    UPDATE and DELETE match the version the row was loaded with; without it they
    would match ``version IS NULL`` and report a stale row that is not stale.
    """
    for obj in objects:
        state = state_of(obj)
        key = state.mapper.version_id_key
        if key is not None and key not in obj.__dict__ and key not in state.committed_state:
            session._load_unloaded(obj, state)


def _fail_flush(session: Session, transaction: SessionTransaction, error: BaseException) -> None:
    """Roll back the database work of a failed flush; the session waits for rollback().

    The objects are put back at once, as SQLAlchemy does when a flush fails: objects
    new in the failed transaction (or SAVEPOINT) leave the session, deletions are
    cancelled, and changed objects expire. rollback() then ends the transaction.
    """
    transaction.failure = error
    with contextlib.suppress(Exception):  # the flush error is the one to report
        transaction.database_transaction.rollback()
    if not transaction.nested:
        session._release_connection()
    transaction.move(_FAILED)
    restore_after_rollback(session, transaction)


def _finalize_flush(
    session: Session, transaction: SessionTransaction, plan: FlushPlan, dirty: list[object]
) -> None:
    for step in plan.steps:
        mapper = step.mapper
        if step.kind is _INSERT:
            _finish_inserts(
                session, transaction, mapper, step.objects, step.params, step.server_generated
            )
            if mapper.dispatch.refresh_flush:
                _refresh_flush(session, step, fetched_keys(step))
        elif step.kind is _UPDATE:
            if mapper.dispatch.refresh_flush:
                _refresh_flush(session, step, ())
            # Values the database wrote (a server-side version), and column_property
            # expressions of the changed row, reload on read.
            reload = set(step.server_generated) | mapper.expire_on_flush
            if reload:
                for obj in step.objects:
                    state = state_of(obj)
                    state.commit_all()
                    state.expire(obj, reload)
            # (their change history goes with the dirty objects' below: they are among them)
        else:
            for obj in step.objects:
                state = state_of(obj)
                state.move(_DELETED)
                session.identity_map.discard(state.key)
                session._deleted.pop(id(obj), None)
                transaction.deleted[id(obj)] = obj
    if not dirty:
        return
    for obj in dirty:
        obj.__dict__[STATE_ATTR].committed_state = NO_CHANGES  # InstanceState.commit_all
    ids = list(map(id, dirty))
    _consume(map(session._modified.pop, ids, repeat(None)))  # pop(id, None) each, in C
    # Flushed in this transaction even when no column differed (SQLAlchemy
    # counts it too): a SAVEPOINT rollback expires it.
    transaction.touched.update(zip(ids, dirty, strict=True))


def fetched_keys(step: Step) -> tuple[str, ...]:
    """The server-decided attributes of an INSERT step that came back with its rows."""
    keys = step.mapper.primary_key_attrs
    first = step.params[0] if step.params else {}
    return tuple(k for k in step.server_generated if k not in keys and k in first)


def _refresh_flush(session: Session, step: Step, fetched: tuple[str, ...]) -> None:
    """Run ``refresh_flush`` for each object of a step the flush set attributes of."""
    context = FlushContext(session)
    listeners = step.mapper.dispatch.refresh_flush
    for obj, defaulted in zip(step.objects, step.defaulted, strict=False):
        attrs = [*defaulted, *fetched]
        if attrs:
            for listener in listeners:
                listener(obj, context, attrs)


def _finish_inserts(
    session: Session,
    transaction: SessionTransaction,
    mapper: Mapper,
    objects: list[object],
    rows: list[dict[str, Any]],
    server_generated: tuple[str, ...],
) -> None:
    """The inserted objects become persistent: keys assigned, into the identity map."""
    pk_names = mapper.primary_key_attrs
    # The identity is the class's primary key: a table's own key when a class mapped
    # against several tables writes one row per table (mapping/multi_table.py).
    identity_names = state_of(objects[0]).mapper.primary_key_attrs if objects else pk_names
    cls = mapper.identity_class
    # Values the database decided (server defaults) reload when read; the same for every row.
    others = {k for k in server_generated if k not in pk_names}
    identity_map, new, inserted = session.identity_map, session._new, transaction.inserted
    # Those fetched with the row (INSERT ... RETURNING) are set, not expired.
    fetched = [k for k in others if rows and k in rows[0]]
    others -= set(fetched)
    token = session._load_token  # a sharded session's shard: part of the identity key
    # The identity map's entries are written directly, as the loaders do (a weak map holds
    # the state, a strong one the object), after one sweep check for the whole batch.
    identity_map.adding()
    entries, weak = identity_map.entries, identity_map.weak
    only_key = identity_names[0] if len(identity_names) == 1 else None  # (no list to build)
    for obj, params in zip(objects, rows, strict=True):
        d = obj.__dict__
        for name in pk_names:
            if name in params:
                d[name] = params[name]
        for name in fetched:
            d[name] = params[name]
        state: InstanceState = d[STATE_ATTR]
        pk = (d[only_key],) if only_key is not None else tuple([d[k] for k in identity_names])
        key: IdentityKey = (cls, pk) if token is None else (cls, pk, token)
        state.key = key
        if state.status is _PENDING:  # (a valid transition: no check to make)
            state.status = _PERSISTENT
        else:
            state.move(_PERSISTENT)
        state.committed_state = NO_CHANGES  # InstanceState.commit_all
        if others:
            state.expire(obj, others)
        entries[key] = state if weak else obj
        new.pop(oid := id(obj), None)
        inserted[oid] = obj
