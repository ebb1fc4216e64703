"""An AsyncSession's calls run on the event loop, with no worker thread, where they can.

The sync Session's own steps are reused, each free of I/O: ``plan_get`` and
``load_plain_row`` for ``get()``, ``prepare_orm_select`` and ``load_orm_select``
for an ORM select (``corral.orm.session.querying``), the transaction bookkeeping
of ``commit()`` / ``rollback()``. Only the driver calls differ: awaited through
``corral.engine.async_execute``.

A call falls back to the thread bridge (``runner.py``; each function here returns
``NOT_NATIVE`` or False before running any statement) when: the session has event
listeners (sync code that may query), several binds, an isolation level, two-phase
commit or a deadline; it is bound to an ``AsyncConnection``; there are changes to
flush first that must load values before writing, or whose column defaults take the
execution context and may query (``unit_of_work.needs_io``); the
statement is an ``insert()``, a ``from_statement()``, an ``update()`` / ``delete()``
that must SELECT to synchronize the session (``dml.prepare_on_loop``), or asks for
streaming or ``yield_per``. When the rows
load more by SELECT (``selectinload``), they are fetched on the loop and the loading
runs in a worker thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from corral.engine import async_execute, async_stream
from corral.engine.async_stream import DEFAULT_BATCH
from corral.engine.base import Connection
from corral.engine.result import Result
from corral.ext.asyncio.runner import run_in_worker, with_reserved
from corral.orm.loading.entities import loads_entities, mapped_entities
from corral.orm.loading.loader_criteria import apply_criteria
from corral.orm.mapping import properties
from corral.orm.mapping.instance_state import state_of
from corral.orm.session import dml, expiring, flush_events, flushing, querying, unbatched
from corral.orm.session.large_sessions import check_size
from corral.orm.session.options import execute_options
from corral.orm.unit_of_work import dependencies, needs_io, relational_flush
from corral.orm.unit_of_work.dependencies import FlushWork
from corral.orm.unit_of_work.execute import committing_step, more_after_commit, step_statements
from corral.orm.unit_of_work.plan import FlushPlan, plan_flush
from corral.sql.dml import Delete, Update
from corral.sql.execution_options import STREAMING_OPTIONS
from corral.sql.selectable import Select
from corral.sql.text import TextClause

if TYPE_CHECKING:
    from corral.ext.asyncio.session import AsyncSession
    from corral.orm.session.session import Session

#: Returned when the call must go through the thread bridge.
NOT_NATIVE: Final = object()
#: The statements ``execute()`` may run on the loop (``insert()`` and
#: ``from_statement()`` do not).
ON_THE_LOOP: Final = (Select, TextClause, Update, Delete)


def ready(session: AsyncSession) -> bool:
    """Whether the session's calls can run on the loop (see the module docstring)."""
    from corral.ext.asyncio.engine import AsyncEngine

    sync = session.sync_session
    bind = session.bind
    if not isinstance(bind, AsyncEngine):
        return False
    if (
        sync.dispatch.listening
        or sync._routes
        or sync._extra
        or sync.isolation_level is not None
        or sync.twophase
        or sync._deadline is not None
    ):
        return False
    engine = bind.sync_engine
    if engine.dispatch.listening or engine.echo == "debug":
        return False
    connection = sync._connection
    return connection is None or async_execute.native(connection)


async def connection_for(session: AsyncSession) -> Connection:
    """The session's connection in its transaction, checked out on the loop if needed."""
    sync = session.sync_session
    if sync._connection is not None:
        return sync._connection
    transaction = sync._active_transaction()
    pool = session.bind.pool  # type: ignore[union-attr]  # ready(): an AsyncEngine
    return await with_reserved(pool, lambda: sync._connection_for_transaction(transaction))


async def get(
    session: AsyncSession,
    entity: Any,
    ident: Any,
    with_for_update: Any = None,
    populate_existing: bool = False,
) -> Any:
    """``Session.get()`` on the loop, or ``NOT_NATIVE``."""
    sync = session.sync_session
    if not ready(session):
        return NOT_NATIVE
    obj, load = querying.plan_get(sync, entity, ident, with_for_update, populate_existing)
    if load is None:
        return obj
    if not load.plain or not await autoflush(session):
        return NOT_NATIVE
    connection = await connection_for(session)
    rows = await async_execute.execute_rows(connection, load.statement, load.params)
    if rows is None:
        return NOT_NATIVE
    found = querying.load_plain_row(sync, load.mapper, rows, load.overwrite)
    if found is None and load.cached is not None:
        querying.vanished(sync, load.cached)
    return found


async def execute(
    session: AsyncSession,
    statement: Any,
    params: Any = None,
    execution_options: Any = None,
    bind_arguments: Any = None,
) -> Any:
    """``Session.execute()`` of a select, ``text()``, or an ``update()`` / ``delete()``
    whose session synchronization needs no SELECT, on the loop; or ``NOT_NATIVE``."""
    sync = session.sync_session
    if bind_arguments or not ready(session) or not isinstance(statement, ON_THE_LOOP):
        return NOT_NATIVE
    options = execute_options(statement, execution_options, None)
    if "yield_per" in options or any(key in STREAMING_OPTIONS for key in options):
        return NOT_NATIVE  # objects built batch by batch as read: their loads may query
    if options.get("autoflush", True) and not await autoflush(session):
        return NOT_NATIVE
    if isinstance(statement, Update | Delete):  # matching objects found in memory
        after = dml.prepare_on_loop(sync, statement, params, options)
        if after is None:
            return NOT_NATIVE
        connection = await connection_for(session)
        written = await async_execute.execute(connection, statement, params)
        return NOT_NATIVE if written is None else after(written)
    if not isinstance(statement, Select):  # text(): the connection runs it
        connection = await connection_for(session)
        core = await async_execute.execute(connection, statement, params)
        return NOT_NATIVE if core is None else core
    if statement._with_options:  # with_loader_criteria() conditions join the WHERE
        statement = apply_criteria(statement)
    mappers = mapped_entities(statement)
    if not loads_entities(statement, mappers):
        connection = await connection_for(session)
        core = await async_execute.execute(connection, statement, params)
        return NOT_NATIVE if core is None else core
    select = querying.prepare_orm_select(statement, options, mappers)
    connection = await connection_for(session)
    result = await async_execute.execute(connection, select.executed, params)
    if result is None:
        return NOT_NATIVE
    if querying.loads_more(select):  # eager loads by SELECT: loaded in a worker thread
        return await run_in_worker(
            _load_in_thread, sync, select, result, params, executor=session._executor()
        )
    return querying.load_orm_select(sync, select, result, params)


def _load_in_thread(sync: Session, select: querying.OrmSelect, result: Result, params: Any) -> Any:
    with sync._guard:
        return querying.load_orm_select(sync, select, result, params)


async def end_transaction(
    session: AsyncSession, step: Callable[[], object], *, commit: bool
) -> bool:
    """``step`` (the session's or one of its transactions' commit / rollback) on the loop;
    False when it needs the thread bridge (nothing was done then)."""
    sync = session.sync_session
    # The commit of the outermost transaction: the flush may send the COMMIT with its
    # last statement, as the sync Session's commit does.
    alone = commit and sync._commits_alone(sync._transaction)
    if not ready(session) or (commit and not await flush(session, commit=alone)):
        return False
    connection = sync._connection
    if connection is None:
        step()  # no connection: bookkeeping only
        return True
    await async_execute.control(connection, step, commit=commit)
    return True


async def begin_nested(session: AsyncSession) -> Any:
    """``Session.begin_nested()`` on the loop (SAVEPOINT awaited), or ``NOT_NATIVE``."""
    sync = session.sync_session
    if not ready(session) or not await flush(session):
        return NOT_NATIVE
    connection = await connection_for(session)
    return await async_execute.control(connection, sync.begin_nested)


async def stream(
    session: AsyncSession, statement: Any, params: Any = None, execution_options: Any = None
) -> Any:
    """``(Result, StreamCursor)``: a select's rows read from a server-side cursor, objects
    built a batch at a time as they are read; or ``NOT_NATIVE`` (loads by a plan, among
    the cases of ``execute()``)."""
    sync = session.sync_session
    if not ready(session) or not isinstance(statement, Select):
        return NOT_NATIVE
    options = execute_options(statement, execution_options, None)
    if any(key in STREAMING_OPTIONS for key in options):
        return NOT_NATIVE
    if options.get("autoflush", True) and not await autoflush(session):
        return NOT_NATIVE
    if statement._with_options:
        statement = apply_criteria(statement)
    mappers = mapped_entities(statement)
    batch = options.get("yield_per") or DEFAULT_BATCH
    if not loads_entities(statement, mappers):
        connection = await connection_for(session)
        opened = await async_stream.open_stream(connection, statement, params, batch)
        return NOT_NATIVE if opened is None else opened
    select = querying.prepare_orm_select(statement, options, mappers)
    if select.plan is not None:  # eager loads, several entities: the buffered way
        return NOT_NATIVE
    connection = await connection_for(session)
    opened = await async_stream.open_stream(connection, select.executed, params, batch)
    if opened is None:
        return NOT_NATIVE
    raw, cursor = opened
    return querying.load_orm_select_in_batches(sync, select, raw, batch), cursor


async def refresh(session: AsyncSession, obj: object, attribute_names: Any) -> bool:
    """``Session.refresh()`` on the loop (its SELECT awaited); False when it needs the
    worker thread (nothing was done then)."""
    if not ready(session):
        return False
    sync = session.sync_session
    names = None if attribute_names is None else set(attribute_names)
    related = expiring.expire_for_refresh(sync, obj, names)
    whole = names is None
    state = state_of(obj)
    expired = state.expired
    if not await autoflush(session):  # (as the sync refresh: after the expire, before the load)
        await run_in_worker(
            expiring.finish_refresh,
            sync,
            obj,
            names,
            expired,
            related,
            executor=session._executor(),
        )
        return True
    expiring.expire_again(obj, names, expired)
    planned = querying.plan_unloaded(obj, state)
    if planned is not None:
        statement, wanted = planned
        connection = await connection_for(session)
        result = await async_execute.execute(connection, statement)
        if result is None:  # the engine's own reasons: the load in a worker thread
            await run_in_worker(
                querying.load_unloaded, sync, obj, state, whole=whole, executor=session._executor()
            )
        else:
            querying.fill_unloaded(sync, obj, state, wanted, result.first(), whole=whole)
    expiring.expire_related(sync, related)
    return True


async def delete(session: AsyncSession, obj: object) -> bool:
    """``Session.delete(obj)`` on the loop (it only marks objects, when its cascade needs
    nothing loaded); False when it needs the worker thread (nothing was done then)."""
    if not ready(session) or needs_io.delete_reads(obj):
        return False
    session.sync_session.delete(obj)
    return True


# -- flush ---------------------------------------------------------------------------
#
# The plan (``plan_flush``, or ``dependencies.presort`` and the relational flush's
# ``writes`` for classes with relationships or inheritance), what each step sends and
# does with the results, and the bookkeeping after (``flushing._finalize_flush``) or
# after a failure (``flushing._fail_flush``, its ROLLBACK awaited) are the sync
# Session's own. A flush that would load values between its writes (``needs_io``
# says so from memory, before anything is sent), or that flush listeners wait on,
# runs in a worker thread.


def pending(session: AsyncSession) -> bool:
    """Whether the session holds changes a flush would write."""
    sync = session.sync_session
    return bool(sync._new or sync._deleted or sync._modified)


async def flush(session: AsyncSession, *, commit: bool = False) -> bool:
    """Flush the session's changes on the loop; False when it needs the worker thread.
    ``commit``: the session's commit follows (``flushing.flush_pending``)."""
    sync = session.sync_session
    if not ready(session) or sync._flushing:
        return False
    if not pending(session):
        return True
    new = list(sync._new.values())
    deleted = list(sync._deleted.values())
    dirty: list[object] = sync.dirty
    if not (new or deleted or dirty):
        return True
    if properties.PENDING:
        return False
    classes: set[Any] = {type(o) for o in (*new, *dirty, *deleted)}
    if flush_events.listening(sync, classes):
        return False
    mappers = [cls.__mapper__ for cls in classes]
    if needs_io.defaults_may_query(mappers):
        return False  # a default taking the context may query: in a worker thread
    if flushing.writes_related(classes, new, dirty, deleted):
        if needs_io.presort_reads(sync, new, dirty, deleted):
            return False  # it loads collections: the whole flush in a worker thread
        await _flush_related(session, new, dirty, deleted, commit)
        return True
    if any(m.version_id_key for m in mappers) and needs_io.versions_read([*dirty, *deleted]):
        return False  # an expired version is loaded first
    await _flush_plain(session, new, dirty, deleted, commit)
    return True


async def _flush_plain(
    session: AsyncSession,
    new: list[object],
    dirty: list[object],
    deleted: list[object],
    commit: bool,
) -> None:
    sync = session.sync_session
    transaction = sync._active_transaction()
    sync.stats.flushes += 1
    sync._flushing = True
    try:
        plan = plan_flush(new, dirty, deleted)
        connection = await connection_for(session)
        try:
            # (no listener waits on a flush run here: ``flush`` sent those to the thread)
            if await _run_plan(
                session, connection, plan, flushing.commits(commit, transaction, False)
            ):
                transaction.committed_by_flush = True
        except BaseException as error:
            await _fail(connection, partial(flushing._fail_flush, sync, transaction, error))
            raise
        flushing._finalize_flush(sync, transaction, plan, dirty)
    finally:
        sync._flushing = False
    check_size(sync)


async def _flush_related(
    session: AsyncSession,
    new: list[object],
    dirty: list[object],
    deleted: list[object],
    commit: bool,
) -> None:
    """The flush of related objects: presort on the loop, the writes awaited on the loop
    (or, when they would load values first, run in a worker thread)."""
    sync = session.sync_session
    transaction = sync._active_transaction()
    sync.stats.flushes += 1
    sync._flushing = True
    try:
        work = dependencies.presort(sync, new, dirty, deleted)
        classes: set[Any] = {type(o) for o in (*work.new, *work.dirty, *work.deleted)}
        if (
            unbatched.wants_one_by_one(classes)
            or flush_events.listening(sync, classes)
            or needs_io.writes_read(work)
        ):
            await connection_for(session)  # checked out here: the thread never waits for it
            await run_in_worker(
                _write_in_thread, sync, transaction, work, executor=session._executor()
            )
        else:
            await _write_related(session, transaction, work, commit)
    finally:
        sync._flushing = False
    check_size(sync)


def _write_in_thread(sync: Session, transaction: Any, work: FlushWork) -> None:
    with sync._guard:
        flushing.write_related(sync, transaction, work)


async def _write_related(
    session: AsyncSession, transaction: Any, work: FlushWork, commit: bool
) -> None:
    sync = session.sync_session
    connection = await connection_for(session)
    if flushing.commits(commit, transaction, False) and relational_flush.inserts_alone(work):
        # (the plan ``relational_flush.writes`` runs for such a flush, as the sync
        # ``flushing.write_related`` does)
        plan = plan_flush(work.new, (), ())
        try:
            if await _run_plan(session, connection, plan, commit=True):
                transaction.committed_by_flush = True
        except BaseException as error:
            await _fail(connection, partial(flushing._fail_flush, sync, transaction, error))
            raise
        flushing.finish_related(sync, transaction, work, plan, [])
        return
    executed = FlushPlan()
    assigned: list[tuple[object, str]] = []
    statements = relational_flush.writes(connection, work, executed, assigned)
    result = None
    try:
        while True:
            try:
                target, statement, params = statements.send(result)
            except StopIteration as done:
                updated: list[object] = done.value
                break
            result = await _execute(session, target, statement, params)
    except BaseException as error:
        flushing.forget_assigned(assigned)
        await _fail(connection, partial(flushing._fail_flush, sync, transaction, error))
        raise
    flushing.finish_related(sync, transaction, work, executed, updated)


async def _fail(connection: Connection, fail: Callable[[], None]) -> None:
    """A failed flush: the sync bookkeeping, its ROLLBACK awaited."""
    with contextlib.suppress(Exception):  # the flush's error is the one to raise
        await async_execute.control(connection, fail)


async def autoflush(session: AsyncSession) -> bool:
    """The flush before a query or a commit, when the session autoflushes and has changes;
    False when it needs the worker thread."""
    sync = session.sync_session
    if not sync.autoflush or sync._autoflush_suspended or not pending(session):
        return True
    return await flush(session)


async def _run_plan(
    session: AsyncSession, connection: Connection, plan: FlushPlan, commit: bool = False
) -> bool:
    """The plan's statements awaited in order (``execute_plan``, whose COMMIT may go with
    the last one: then True)."""
    last = committing_step(plan) if commit else None
    committed = False
    for step in plan.steps:
        statements = step_statements(connection, step)
        result: Result | None = None
        while True:
            try:
                statement, params = statements.send(result)
            except StopIteration:
                break
            if committed:
                raise more_after_commit(step)
            result = None
            if step is last:
                result = await async_execute.execute_then_commit(connection, statement, params)
                committed = result is not None
            if result is None:
                result = await _execute(session, connection, statement, params)
    return committed


async def _execute(
    session: AsyncSession, connection: Connection, statement: Any, params: Any
) -> Result:
    """One statement of a flush, awaited on the loop."""
    result = await async_execute.execute(connection, statement, params)
    if result is None:  # batched by the engine itself: through the worker thread
        result = await run_in_worker(
            connection.execute, statement, params, executor=session._executor()
        )
    return result
