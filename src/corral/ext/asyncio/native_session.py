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
flush first that ``flush()`` below cannot write on the loop; the statement is a DML
or ``from_statement()`` one, or asks for streaming or ``yield_per``. When the rows
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
from corral.orm.session import flush_events, flushing, querying
from corral.orm.session.large_sessions import check_size
from corral.orm.session.options import execute_options
from corral.orm.unit_of_work.execute import step_statements
from corral.orm.unit_of_work.plan import FlushPlan, plan_flush
from corral.sql.execution_options import STREAMING_OPTIONS
from corral.sql.selectable import Select

if TYPE_CHECKING:
    from corral.ext.asyncio.session import AsyncSession
    from corral.orm.session.session import Session

#: Returned when the call must go through the thread bridge.
NOT_NATIVE: Final = object()


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
    result = await async_execute.execute(connection, load.statement, load.params)
    if result is None:
        return NOT_NATIVE
    found = querying.load_plain_row(sync, load.mapper, result.raw_rows(), load.overwrite)
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
    """``Session.execute()`` of a select or a Core statement on the loop, or ``NOT_NATIVE``."""
    sync = session.sync_session
    if bind_arguments or not ready(session) or not isinstance(statement, Select):
        return NOT_NATIVE
    options = execute_options(statement, execution_options, None)
    if "yield_per" in options or any(key in STREAMING_OPTIONS for key in options):
        return NOT_NATIVE  # objects built batch by batch as read: their loads may query
    if options.get("autoflush", True) and not await autoflush(session):
        return NOT_NATIVE
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
    if not ready(session) or (commit and not await flush(session)):
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


# -- flush ---------------------------------------------------------------------------
#
# The plan (``plan_flush``), what each step sends and does with the results
# (``unit_of_work.execute.step_statements``), and the bookkeeping after
# (``flushing._finalize_flush``) or after a failure (``flushing._fail_flush``, its
# ROLLBACK awaited) are the sync Session's own. This covers the batched flush of
# classes without relationships, inheritance or a version counter, when no listener
# waits on the flush; any other flush runs in a worker thread.


def pending(session: AsyncSession) -> bool:
    """Whether the session holds changes a flush would write."""
    sync = session.sync_session
    return bool(sync._new or sync._deleted or sync._modified)


async def flush(session: AsyncSession) -> bool:
    """Flush the session's changes on the loop; False when it needs the worker thread."""
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
    for cls in classes:
        mapper = cls.__mapper__
        if mapper.relationships or mapper.inheritance is not None or mapper.version_id_key:
            return False
    if flush_events.listening(sync, classes):
        return False
    transaction = sync._active_transaction()
    sync.stats.flushes += 1
    sync._flushing = True
    try:
        plan = plan_flush(new, dirty, deleted)
        connection = await connection_for(session)
        try:
            await _run_plan(session, connection, plan)
        except BaseException as error:
            fail = partial(flushing._fail_flush, sync, transaction, error)
            with contextlib.suppress(Exception):  # the flush's error is the one to raise
                await async_execute.control(connection, fail)
            raise
        flushing._finalize_flush(sync, transaction, plan, dirty)
    finally:
        sync._flushing = False
    check_size(sync)
    return True


async def autoflush(session: AsyncSession) -> bool:
    """The flush before a query or a commit, when the session autoflushes and has changes;
    False when it needs the worker thread."""
    sync = session.sync_session
    if not sync.autoflush or sync._autoflush_suspended or not pending(session):
        return True
    return await flush(session)


async def _run_plan(session: AsyncSession, connection: Connection, plan: FlushPlan) -> None:
    for step in plan.steps:
        statements = step_statements(connection, step)
        result = None
        while True:
            try:
                statement, params = statements.send(result)
            except StopIteration:
                break
            result = await async_execute.execute(connection, statement, params)
            if result is None:  # batched by the engine itself: through the worker thread
                result = await run_in_worker(
                    connection.execute, statement, params, executor=session._executor()
                )
