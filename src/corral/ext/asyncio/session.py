"""``AsyncSession``, ``AsyncSessionTransaction`` and ``async_sessionmaker``.

An AsyncSession holds a plain ``Session`` (``sync_session``): its identity
map, unit of work (the I/O-free flush plan and its executor) and loaders are
the sync ones. Each method that talks to the database runs the sync method in
a worker thread (``runner.py``) with the connection checked out on the loop
beforehand; its I/O is awaited on the loop. ``add``, ``expunge``, ``expire``
and the other in-memory methods stay plain.

Under asyncio an attribute that is not loaded (a lazy relationship, an
expired column) cannot load itself without blocking the loop: reading it
raises ``AwaitRequired`` at once, naming it and the fixes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from corral import exc
from corral.engine import shared_connection
from corral.engine.async_bridge import BridgedCheckout
from corral.engine.async_execute import control, deliver_pending_cancel, finish
from corral.engine.async_stream import StreamCursor
from corral.engine.result import Result, ScalarResult
from corral.ext.asyncio import native_session
from corral.ext.asyncio.engine import AsyncConnection, AsyncEngine, AsyncTransactionBase
from corral.ext.asyncio.result import AsyncResult, AsyncScalarResult
from corral.ext.asyncio.runner import run_in_worker
from corral.ext.asyncio.task_guard import OneTaskGuard
from corral.orm.session.maker import sessionmaker
from corral.orm.session.session import Session
from corral.pool.asyncio import AsyncPool

T = TypeVar("T")

_running_loop = asyncio._get_running_loop


def _refuse_load(obj: object, key: str | None, relationship: bool) -> None:
    name = type(obj).__name__
    what = f"{name}.{key}" if key else f"the expired attributes of {name}"
    if relationship:
        fixes = (
            f"load it with the query (select({name}).options(selectinload({name}.{key}))), "
            f"await it with `await obj.awaitable_attrs.{key}` (AsyncAttrs), or declare "
            'it lazy="raise" to catch such reads early'
        )
    else:
        fixes = (
            "keep values after commit with async_sessionmaker(expire_on_commit=False), "
            f"`await session.refresh(obj)` first, or `await obj.awaitable_attrs.{key or 'name'}`"
        )
    raise exc.AwaitRequired(
        f"{what} is not loaded, and loading it needs the database: under asyncio an "
        f"attribute read cannot do I/O without blocking the event loop. Instead, {fixes}."
    )


class AsyncBackedSession(Session):
    """The sync session of an AsyncSession: refuses to load attributes on the loop."""

    #: The AsyncSession this session serves (``async_session()``).
    async_owner: AsyncSession | None = None

    def _lazy_load(self, obj: object, rel: Any, params: dict[str, Any]) -> Any:
        if _running_loop() is not None:
            _refuse_load(obj, rel.key, True)
        return super()._lazy_load(obj, rel, params)

    def _load_unloaded(self, obj: object, state: Any, key: str | None = None) -> None:
        if _running_loop() is not None:
            _refuse_load(obj, key, False)
        super()._load_unloaded(obj, state, key)


#: The AsyncBackedSession subclass made for each Session class (``_async_backed``).
_ASYNC_BACKED: dict[type[Session], type[AsyncBackedSession]] = {}


def _async_backed(cls: type[Session]) -> type[AsyncBackedSession]:
    """``cls`` made to refuse attribute loads on the loop (one class per Session class)."""
    if issubclass(cls, AsyncBackedSession):
        return cls
    made = _ASYNC_BACKED.get(cls)
    if made is None:
        made = _ASYNC_BACKED[cls] = type(
            f"AsyncBacked{cls.__name__}", (AsyncBackedSession, cls), {}
        )
    return made


def _sync_bind(bind: Any) -> Any:
    if isinstance(bind, AsyncEngine):
        return bind.sync_engine
    if isinstance(bind, AsyncConnection):
        return bind._sync()
    if bind is None:
        return None
    raise exc.ArgumentError(
        f"AsyncSession(bind=...) takes an AsyncEngine or AsyncConnection, got {bind!r}; "
        "make one with create_async_engine(url)"
    )


class AsyncSession:
    """A Session whose database calls are awaited (``sqlalchemy.ext.asyncio.AsyncSession``)."""

    sync_session_class: type[Session] = AsyncBackedSession

    def __init__(
        self,
        bind: AsyncEngine | AsyncConnection | None = None,
        *,
        sync_session_class: type[Session] | sessionmaker[Any] | None = None,
        **kw: Any,
    ) -> None:
        if "binds" in kw:
            raise exc.ArgumentError(
                "AsyncSession(binds=...) is not supported: bind the session to one AsyncEngine"
            )
        factory = sync_session_class or self.sync_session_class
        self.bind = bind
        if isinstance(factory, sessionmaker):
            # Its options and its listeners apply (SQLAlchemy takes any Session factory).
            cls = _async_backed(factory.class_)
            self.sync_session = factory._make(cls, bind=_sync_bind(bind), **kw)
        elif isinstance(factory, type) and issubclass(factory, Session):
            self.sync_session = _async_backed(factory)(bind=_sync_bind(bind), **kw)
        else:
            raise exc.ArgumentError(
                f"AsyncSession(sync_session_class={factory!r}): give a Session subclass or a "
                "sessionmaker (whose options and event listeners then apply to the "
                "AsyncSession's sync_session)"
            )
        self.sync_session.async_owner = self
        self._async_engine = (
            bind if isinstance(bind, AsyncEngine) else bind.engine if bind is not None else None
        )
        self._guard = OneTaskGuard("AsyncSession")
        #: The streamed results being read (closed before a commit, rollback or close).
        self._streams: set[StreamCursor] = set()

    # -- running sync calls ------------------------------------------------

    def _pool_to_reserve(self) -> AsyncPool | None:
        if self.sync_session._connection is not None or not isinstance(self.bind, AsyncEngine):
            return None
        return self.bind.pool

    def _refuse_while_streaming(self) -> None:
        if self._streams and any(stream.exclusive for stream in self._streams):
            raise exc.InvalidRequestError(
                "This AsyncSession is reading a streamed result (stream() / stream_scalars()) "
                "from a driver that runs no other statement until it is read: read the "
                "result to the end or `await result.close()` first, or use another session"
            )

    async def _end_stream(self) -> None:
        """Close the streamed results being read (before commit, rollback, close)."""
        for stream in list(self._streams):
            await stream.end()

    def _stream_ended(self, stream: StreamCursor) -> None:
        self._streams.discard(stream)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self._refuse_while_streaming()
        with self._guard:
            engine = self._async_engine
            if engine is not None:
                engine._on_running_loop()  # a session made outside the loop: bind it here
            return await run_in_worker(
                fn,
                *args,
                executor=engine._executor if engine is not None else None,
                reserve=self._pool_to_reserve(),
                on_cancel=self.sync_session.rollback,
                **kwargs,
            )

    def _executor(self) -> ThreadPoolExecutor | None:
        engine = self._async_engine
        return engine._executor if engine is not None else None

    async def _native(self, call: Callable[[], Awaitable[T]]) -> T:
        """Await a call run on the loop (``native_session``); cancelled, the session is
        rolled back (its connection given back) before the ``CancelledError`` goes on."""
        with self._guard:
            self._refuse_while_streaming()
            try:
                await deliver_pending_cancel()
                return await call()
            except asyncio.CancelledError:
                with contextlib.suppress(BaseException):
                    await finish(self._roll_back_after_cancel())
                raise

    async def _roll_back_after_cancel(self) -> None:
        await self._end_stream()
        rollback = self.sync_session.rollback
        if not await native_session.end_transaction(self, rollback, commit=False):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor(), rollback)

    # -- database calls ----------------------------------------------------

    async def execute(
        self,
        statement: Any,
        params: Any = None,
        *,
        execution_options: Any = None,
        bind_arguments: Any = None,
    ) -> Result:
        result = await self._native(
            lambda: native_session.execute(
                self, statement, params, execution_options, bind_arguments
            )
        )
        if result is not native_session.NOT_NATIVE:
            return result  # type: ignore[no-any-return]
        kw: dict[str, Any] = {}
        if execution_options is not None:
            kw["execution_options"] = execution_options
        if bind_arguments is not None:
            kw["bind_arguments"] = bind_arguments
        return await self._run(self.sync_session.execute, statement, params, **kw)

    async def scalar(self, statement: Any, params: Any = None, **kw: Any) -> Any:
        return (await self.execute(statement, params, **kw)).scalar()

    async def scalars(self, statement: Any, params: Any = None, **kw: Any) -> ScalarResult:
        return (await self.execute(statement, params, **kw)).scalars()

    async def get(
        self,
        entity: Any,
        ident: Any,
        *,
        with_for_update: Any = None,
        populate_existing: bool = False,
        **unsupported: Any,
    ) -> Any:
        if not unsupported:
            found = await self._native(
                lambda: native_session.get(self, entity, ident, with_for_update, populate_existing)
            )
            if found is not native_session.NOT_NATIVE:
                return found
        return await self._run(
            self.sync_session.get,
            entity,
            ident,
            with_for_update=with_for_update,
            populate_existing=populate_existing,
            **unsupported,
        )

    async def get_one(self, entity: Any, ident: Any, **kw: Any) -> Any:
        found = await self.get(entity, ident, **kw)
        if found is None:
            raise exc.NoResultFound(
                f"No {getattr(entity, '__name__', entity)} has the primary key {ident!r}; "
                "get_one() requires one (get() returns None instead)"
            )
        return found

    async def stream(
        self, statement: Any, params: Any = None, *, execution_options: Any = None, **kw: Any
    ) -> AsyncResult:
        """The result to read with ``async for``: a select without eager loads reads a
        server-side cursor (objects built a batch at a time), and the session runs no other
        statement until it ends; otherwise its rows are read before it is returned."""
        if not kw:
            opened = await self._native(
                lambda: native_session.stream(self, statement, params, execution_options)
            )
            if opened is not native_session.NOT_NATIVE:
                result, cursor = opened
                self._streams.add(cursor)
                cursor.on_end = self._stream_ended
                return AsyncResult(result, cursor)
        return AsyncResult(
            await self.execute(statement, params, execution_options=execution_options, **kw)
        )

    async def stream_scalars(
        self, statement: Any, params: Any = None, **kw: Any
    ) -> AsyncScalarResult:
        return (await self.stream(statement, params, **kw)).scalars()

    async def flush(self, objects: Iterable[object] | None = None) -> None:
        if objects is None and await self._native(lambda: native_session.flush(self)):
            return
        await self._run(self.sync_session.flush, objects)

    async def _end(self, step: Callable[[], object], *, commit: bool) -> None:
        """Commit or roll back: on the loop when possible, else in a worker thread."""
        await self._end_stream()
        if not await self._native(
            lambda: native_session.end_transaction(self, step, commit=commit)
        ):
            await self._run(step)

    async def _begin_nested(self) -> Any:
        nested = await self._native(lambda: native_session.begin_nested(self))
        if nested is native_session.NOT_NATIVE:
            return await self._run(self.sync_session.begin_nested)
        return nested

    async def commit(self) -> None:
        await self._end(self.sync_session.commit, commit=True)

    async def rollback(self) -> None:
        await self._end(self.sync_session.rollback, commit=False)

    async def close(self) -> None:
        """Roll back, give the connection back, expunge every object (the session stays
        usable). Cancelled meanwhile, it still ends, then raises ``CancelledError``."""
        if self._streams:
            await finish(self._end_stream())
        sync = self.sync_session
        connection = sync._connection
        if connection is None and sync._transaction is None:
            sync.close()  # nothing to give back: no need to leave the loop
            return
        checkout = getattr(connection, "_pooled", None)
        if (
            connection is not None
            and sync._owns_connection
            and connection._isolation_override is None
            and isinstance(checkout, BridgedCheckout)
            and not shared_connection.takes_part(connection)
        ):
            # Closing is bookkeeping plus the pool's rollback, which runs on the loop: no
            # worker thread needed. Wait for the connection to be back in the pool.
            with self._guard:
                await control(connection, sync.close)
            return
        await finish(self._run(sync.close))

    async def reset(self) -> None:
        await self.close()

    async def invalidate(self) -> None:
        connection = self.sync_session._connection
        if connection is not None:
            await self._run(connection.invalidate)
        await self.close()

    async def refresh(
        self,
        obj: object,
        attribute_names: Iterable[str] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
    ) -> None:
        # A locking refresh goes the sync way, in the worker thread (rare; not worth a copy).
        if not with_for_update and await self._native(
            lambda: native_session.refresh(self, obj, attribute_names)
        ):
            return
        await self._run(self.sync_session.refresh, obj, attribute_names, with_for_update)

    async def merge(self, obj: T, *, load: bool = True) -> T:
        return await self._run(self.sync_session.merge, obj, load=load)

    async def delete(self, obj: object) -> None:
        if not await self._native(lambda: native_session.delete(self, obj)):
            await self._run(self.sync_session.delete, obj)

    async def connection(
        self, execution_options: Mapping[str, Any] | None = None
    ) -> AsyncConnection:
        """The ``AsyncConnection`` of the current transaction (begun if needed); its
        ``sync_connection`` is the session's ``Connection``."""
        sync_connection = await self._run(self.sync_session.connection, execution_options)
        engine = self._async_engine
        if engine is None:  # unbound: connection() raised above
            raise exc.UnboundExecutionError("This AsyncSession is not bound to an AsyncEngine")
        return AsyncConnection.of_session(engine, sync_connection)

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(sync_session, *args, **kwargs)`` in a worker thread, its I/O on the loop:
        code written for the sync Session (lazy loads included) runs as is."""
        return await self._run(fn, self.sync_session, *args, **kwargs)

    def begin(self) -> AsyncSessionTransaction:
        """``async with session.begin():`` commits at the end of the block."""
        return AsyncSessionTransaction(self, nested=False)

    def begin_nested(self) -> AsyncSessionTransaction:
        """``async with session.begin_nested():`` a SAVEPOINT."""
        return AsyncSessionTransaction(self, nested=True)

    # -- in memory: plain methods ------------------------------------------

    def add(self, obj: object, _warn: bool = True) -> None:
        self.sync_session.add(obj)

    def add_all(self, objects: Iterable[object]) -> None:
        self.sync_session.add_all(objects)

    def expunge(self, obj: object) -> None:
        self.sync_session.expunge(obj)

    def expunge_all(self) -> None:
        self.sync_session.expunge_all()

    def expire(self, obj: object, attribute_names: Iterable[str] | None = None) -> None:
        self.sync_session.expire(obj, attribute_names)

    def expire_all(self) -> None:
        self.sync_session.expire_all()

    def is_modified(self, instance: object, include_collections: bool = True) -> bool:
        return self.sync_session.is_modified(instance, include_collections)

    def in_transaction(self) -> bool:
        return self.sync_session.in_transaction()

    def in_nested_transaction(self) -> bool:
        return self.sync_session.in_nested_transaction()

    def get_transaction(self) -> Any:
        return self.sync_session.get_transaction()

    def get_bind(self, mapper: Any = None) -> Any:
        return self.sync_session.get_bind(mapper)

    @property
    def no_autoflush(self) -> Any:
        return self.sync_session.no_autoflush

    @property
    def is_active(self) -> bool:
        return self.sync_session.is_active

    @property
    def info(self) -> dict[str, Any]:
        return self.sync_session.info

    @property
    def identity_map(self) -> Any:
        return self.sync_session.identity_map

    @property
    def new(self) -> Any:
        return self.sync_session.new

    @property
    def dirty(self) -> Any:
        return self.sync_session.dirty

    @property
    def deleted(self) -> Any:
        return self.sync_session.deleted

    def __contains__(self, obj: object) -> bool:
        return obj in self.sync_session

    def __iter__(self) -> Iterator[object]:
        return iter(self.sync_session)

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @classmethod
    async def close_all(cls) -> None:
        """Not supported: corral keeps no registry of sessions (close each one)."""
        raise exc.InvalidRequestError(
            "AsyncSession.close_all() is not supported: corral keeps no global registry of "
            "sessions; close each session (async with ...) or use async_scoped_session.remove()"
        )

    def __repr__(self) -> str:
        return f"<AsyncSession bind={self.bind!r}>"


class AsyncSessionTransaction(AsyncTransactionBase):
    """A transaction (or savepoint) of an AsyncSession; commits at the end of its block."""

    def __init__(self, session: AsyncSession, *, nested: bool) -> None:
        self.session = session
        self.nested = nested

    async def _run(self, fn: Callable[..., Any]) -> Any:
        return await self.session._run(fn)

    async def _control(self, step: Callable[[], Any], *, commit: bool = False) -> Any:
        await self.session._end(step, commit=commit)

    async def start(self) -> AsyncSessionTransaction:
        sync = self.session.sync_session
        if self.nested:
            self.sync_transaction = await self.session._begin_nested()
        else:
            self.sync_transaction = sync.begin()  # no I/O: the connection comes on first use
        return self


class async_sessionmaker:
    """A factory of AsyncSessions with fixed arguments (``async_sessionmaker(engine)``)."""

    def __init__(
        self,
        bind: AsyncEngine | AsyncConnection | None = None,
        *,
        class_: type[AsyncSession] = AsyncSession,
        **kw: Any,
    ) -> None:
        self.bind = bind
        self.class_ = class_
        self.kw = kw

    def __call__(self, **local_kw: Any) -> AsyncSession:
        kw = {**self.kw, **local_kw}
        bind = kw.pop("bind", self.bind)
        return self.class_(bind, **kw)

    def begin(self) -> _BeginSession:
        """``async with maker.begin() as session``: committed at the end, then closed."""
        return _BeginSession(self())

    async def run_transaction(
        self,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        retries: int = 5,
        backoff: Callable[[int], float] | None = None,
        on_retry: Callable[[int, BaseException], object] | None = None,
    ) -> T:
        """``await work(session)`` in a new session, committed; retried on serialization
        failures, deadlocks, lock timeouts and stale versions (``sessionmaker.run_transaction``)."""
        from corral.ext.asyncio.retry import run_transaction

        return await run_transaction(
            self, work, retries=retries, backoff=backoff, on_retry=on_retry
        )

    def configure(self, **kw: Any) -> None:
        if "bind" in kw:
            self.bind = kw.pop("bind")
        self.kw.update(kw)

    def __repr__(self) -> str:
        return f"async_sessionmaker(bind={self.bind!r}, class_={self.class_.__name__})"


class _BeginSession:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.transaction = session.begin()

    async def __aenter__(self) -> AsyncSession:
        await self.transaction.start()
        return self.session

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.transaction.__aexit__(kind, error, traceback)
        finally:
            await self.session.close()


def async_session(session: Session) -> AsyncSession | None:
    """The AsyncSession whose ``sync_session`` is ``session``, if any."""
    owner = getattr(session, "async_owner", None)
    return owner if isinstance(owner, AsyncSession) else None


def async_object_session(obj: object) -> AsyncSession | None:
    """The AsyncSession ``obj`` belongs to, if any."""
    from corral.orm import object_session

    session = object_session(obj)
    return None if session is None else async_session(session)


async def close_all_sessions() -> None:
    """Not supported: corral keeps no registry of sessions."""
    raise exc.InvalidRequestError(
        "close_all_sessions() is not supported: corral keeps no global registry of sessions; "
        "close each AsyncSession (async with ...) or use async_scoped_session.remove()"
    )
