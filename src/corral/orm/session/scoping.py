"""``scoped_session``: a registry of Sessions, one per scope (thread, task, or your own).

Calling the registry returns the session of the current scope, creating it on
first use; its methods proxy to that session; ``remove()`` closes it and
forgets it. The default scope is the current thread. ``scope="task"`` gives
each asyncio task (and each thread outside a task) its own session and closes
it when the task ends, even if ``remove()`` is never called.
"""

from __future__ import annotations

import asyncio
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Generic, Literal, TypeVar

from corral import exc
from corral.engine.result import Result, ScalarResult
from corral.exc import SessionLeakWarning
from corral.orm.mapping.identity_map import IdentityMap
from corral.orm.session.maker import sessionmaker
from corral.orm.session.options import check_session_options
from corral.orm.session.query import Query
from corral.orm.session.retry import run_transaction
from corral.orm.session.session import Session
from corral.orm.session.transaction import SessionTransaction
from corral.sql.elements import ClauseElement
from corral.util.identity_set import IdentitySet

S = TypeVar("S", bound=Session)
T = TypeVar("T")
R = TypeVar("R")


def _creation_site() -> str:
    frames = [f for f in traceback.extract_stack()[:-3] if "/corral/" not in f.filename]
    return "".join(traceback.format_list(frames[-3:])).rstrip()


def _close_leaked(session: Session, site: str, thread_name: str) -> None:
    """Runs when a thread ends with its scoped session still registered."""
    if session.in_transaction():
        warnings.warn(
            f"The scoped session of thread {thread_name!r} still had a transaction when the "
            "thread ended; it was rolled back and its connection returned. Call "
            f"registry.remove() at the end of each unit of work. The session was created at:\n"
            f"{site}",
            SessionLeakWarning,
            stacklevel=1,
        )
    session.close()


class _ThreadHolder:
    """Kept in a thread's local storage; dropped when the thread ends, closing its session."""

    __slots__ = ("__weakref__", "finalizer", "session")

    def __init__(self, session: Session) -> None:
        self.session = session
        name = threading.current_thread().name
        self.finalizer = weakref.finalize(self, _close_leaked, session, _creation_site(), name)


class ThreadLocalRegistry(Generic[S]):
    """One object per thread, in ``threading.local`` storage."""

    def __init__(self, create: Callable[[], S]) -> None:
        self.create = create
        self._local = threading.local()

    def __call__(self) -> S:
        holder: _ThreadHolder | None = getattr(self._local, "holder", None)
        if holder is None:
            holder = _ThreadHolder(self.create())
            self._local.holder = holder
        session: S = holder.session  # type: ignore[assignment]
        return session

    def has(self) -> bool:
        return getattr(self._local, "holder", None) is not None

    def set(self, session: S) -> None:
        self._local.holder = _ThreadHolder(session)

    def clear(self) -> Session | None:
        holder: _ThreadHolder | None = getattr(self._local, "holder", None)
        if holder is None:
            return None
        holder.finalizer.detach()
        del self._local.holder
        return holder.session


class ScopedRegistry(Generic[S]):
    """One object per value of ``scopefunc()``."""

    def __init__(self, create: Callable[[], S], scopefunc: Callable[[], Hashable]) -> None:
        self.create = create
        self.scopefunc = scopefunc
        self._sessions: dict[Hashable, S] = {}
        self._lock = threading.Lock()

    def __call__(self) -> S:
        key = self.scopefunc()
        session = self._sessions.get(key)
        if session is None:
            with self._lock:
                session = self._sessions.get(key)
                if session is None:
                    session = self._sessions[key] = self.create()
        return session

    def has(self) -> bool:
        return self.scopefunc() in self._sessions

    def set(self, session: S) -> None:
        with self._lock:
            self._sessions[self.scopefunc()] = session

    def clear(self) -> Session | None:
        with self._lock:
            return self._sessions.pop(self.scopefunc(), None)

    def __len__(self) -> int:
        return len(self._sessions)


class TaskRegistry(Generic[S]):
    """One object per asyncio task (per thread outside a task), closed when its task ends."""

    def __init__(self, create: Callable[[], S]) -> None:
        self.create = create
        self._by_task: dict[int, S] = {}
        self._threads: ThreadLocalRegistry[S] = ThreadLocalRegistry(create)
        self._lock = threading.Lock()

    @staticmethod
    def _task() -> asyncio.Task[Any] | None:
        try:
            return asyncio.current_task()
        except RuntimeError:  # no running event loop in this thread
            return None

    def __call__(self) -> S:
        task = self._task()
        if task is None:
            return self._threads()
        session = self._by_task.get(id(task))
        if session is None:
            session = self.create()
            self._register(task, session)
        return session

    def _register(self, task: asyncio.Task[Any], session: S) -> None:
        with self._lock:
            self._by_task[id(task)] = session
        task.add_done_callback(self._task_done)

    def set(self, session: S) -> None:
        task = self._task()
        if task is None:
            self._threads.set(session)
        else:
            self._register(task, session)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        with self._lock:
            session = self._by_task.pop(id(task), None)
        if session is not None:
            session.close()

    def has(self) -> bool:
        task = self._task()
        return self._threads.has() if task is None else id(task) in self._by_task

    def clear(self) -> Session | None:
        task = self._task()
        if task is None:
            return self._threads.clear()
        with self._lock:
            return self._by_task.pop(id(task), None)

    def __len__(self) -> int:
        return len(self._by_task)


class _QueryProperty:
    """``Class.query``: a Query of the class on its scoped_session's current session."""

    def __init__(self, scoped: scoped_session[Any]) -> None:
        self.scoped = scoped

    def __get__(self, instance: object, owner: type[Any]) -> Query[Any]:
        return Query(owner, self.scoped())


class scoped_session(Generic[S]):
    """A registry of Sessions, one per scope, whose methods act on the current scope's session."""

    def __init__(
        self,
        session_factory: sessionmaker[S] | Callable[[], S],
        scopefunc: Callable[[], Hashable] | None = None,
        *,
        scope: Literal["thread", "task"] = "thread",
    ) -> None:
        self.session_factory = session_factory
        if scopefunc is not None:
            self.registry: ThreadLocalRegistry[S] | ScopedRegistry[S] | TaskRegistry[S] = (
                ScopedRegistry(session_factory, scopefunc)
            )
        elif scope == "task":
            self.registry = TaskRegistry(session_factory)
        elif scope == "thread":
            self.registry = ThreadLocalRegistry(session_factory)
        else:
            raise exc.ArgumentError(f"scope={scope!r}; use 'thread' or 'task'")

    def __call__(self, **options: Any) -> S:
        """The current scope's session (created on first use; options only when creating it)."""
        if options:
            if self.registry.has():
                raise exc.InvalidRequestError(
                    "This scope already has a session; options can only be given when the "
                    "session is created (call remove() first)"
                )
            factory = self.session_factory
            if not isinstance(factory, sessionmaker):
                raise exc.InvalidRequestError("Session options need a sessionmaker as the factory")
            session = factory(**options)
            self.registry.set(session)
            return session
        return self.registry()

    def has(self) -> bool:
        """Whether the current scope has a session yet."""
        return self.registry.has()

    def remove(self) -> None:
        """Close the current scope's session (rolling back what it did not commit) and forget it."""
        session = self.registry.clear()
        if session is not None:
            session.close()

    def run_transaction(
        self,
        work: Callable[[S], R],
        *,
        retries: int = 5,
        backoff: Callable[[int], float] | None = None,
        on_retry: Callable[[int, BaseException], object] | None = None,
    ) -> R:
        """``sessionmaker.run_transaction`` in this scope: each attempt gets a fresh session.

        The session of the attempt that committed stays registered until ``remove()``.
        """

        def fresh_session() -> S:
            self.remove()
            return self.registry()

        return run_transaction(
            fresh_session, work, retries=retries, backoff=backoff, on_retry=on_retry
        )

    def configure(self, **options: Any) -> None:
        """Change the factory's options; refused (with a warning) while a session exists."""
        factory = self.session_factory
        if isinstance(factory, sessionmaker):
            check_session_options(factory.class_, options, "scoped_session.configure()")
        if self.registry.has():
            warnings.warn(
                "configure() was refused: this scope already has a session, which the new "
                "options would not reach. Call remove() first.",
                UserWarning,
                stacklevel=2,
            )
            return
        if not isinstance(factory, sessionmaker):
            raise exc.InvalidRequestError("configure() needs a sessionmaker as the factory")
        factory.configure(**options)

    # -- proxies to the current session (one per public Session member) ----------------

    def add(self, obj: object) -> None:
        self.registry().add(obj)

    def add_all(self, objects: Iterable[object]) -> None:
        self.registry().add_all(objects)

    def begin(self) -> SessionTransaction:
        return self.registry().begin()

    def begin_nested(self) -> SessionTransaction:
        return self.registry().begin_nested()

    def close(self) -> None:
        self.registry().close()

    def commit(self) -> None:
        self.registry().commit()

    def connection(
        self,
        execution_options: Mapping[str, Any] | None = None,
        *,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Any:
        return self.registry().connection(execution_options, bind_arguments=bind_arguments)

    def delete(self, obj: object) -> None:
        self.registry().delete(obj)

    def execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Result:
        return self.registry().execute(
            statement, params, execution_options=execution_options, bind_arguments=bind_arguments
        )

    def expire(self, obj: object, attribute_names: Iterable[str] | None = None) -> None:
        self.registry().expire(obj, attribute_names)

    def expire_all(self) -> None:
        self.registry().expire_all()

    def expunge(self, obj: object) -> None:
        self.registry().expunge(obj)

    def expunge_all(self) -> None:
        self.registry().expunge_all()

    def flush(self, objects: Iterable[object] | None = None) -> None:
        self.registry().flush(objects)

    def get(
        self,
        entity: type[T],
        ident: Any,
        *,
        options: Sequence[Any] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
        populate_existing: bool = False,
    ) -> T | None:
        return self.registry().get(
            entity,
            ident,
            options=options,
            with_for_update=with_for_update,
            populate_existing=populate_existing,
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
        return self.registry().get_one(
            entity,
            ident,
            options=options,
            with_for_update=with_for_update,
            populate_existing=populate_existing,
        )

    def get_bind(
        self, mapper: Any = None, *, clause: Any = None, bind: Any = None, **kw: Any
    ) -> Any:
        return self.registry().get_bind(mapper, clause=clause, bind=bind, **kw)

    def is_modified(self, instance: object, include_collections: bool = True) -> bool:
        return self.registry().is_modified(instance, include_collections)

    def get_transaction(self) -> SessionTransaction | None:
        return self.registry().get_transaction()

    def in_nested_transaction(self) -> bool:
        return self.registry().in_nested_transaction()

    def in_transaction(self) -> bool:
        return self.registry().in_transaction()

    def merge(self, obj: T, *, load: bool = True) -> T:
        return self.registry().merge(obj, load=load)

    def on_commit(self, callback: Callable[[], object]) -> None:
        self.registry().on_commit(callback)

    def refresh(
        self,
        obj: object,
        attribute_names: Iterable[str] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
    ) -> None:
        self.registry().refresh(obj, attribute_names, with_for_update)

    def query(self, *entities: Any, **unsupported: Any) -> Query[Any]:
        return self.registry().query(*entities, **unsupported)

    def query_property(self, query_cls: type[Query[Any]] | None = None) -> Any:
        """A class attribute giving ``Query(cls)`` on the current scope's session
        (``User.query.filter_by(name="ann").all()``)."""
        if query_cls is not None and query_cls is not Query:
            raise exc.ArgumentError(
                "query_property(query_cls=...) takes only corral's Query; leave it out"
            )
        return _QueryProperty(self)

    def bulk_save_objects(
        self,
        objects: Iterable[object],
        return_defaults: bool = False,
        update_changed_only: bool = True,
        preserve_order: bool = True,
    ) -> None:
        self.registry().bulk_save_objects(
            objects, return_defaults, update_changed_only, preserve_order
        )

    def bulk_insert_mappings(
        self,
        mapper: Any,
        mappings: Iterable[Mapping[str, Any]],
        return_defaults: bool = False,
        render_nulls: bool = False,
    ) -> None:
        self.registry().bulk_insert_mappings(mapper, mappings, return_defaults, render_nulls)

    def bulk_update_mappings(self, mapper: Any, mappings: Iterable[Mapping[str, Any]]) -> None:
        self.registry().bulk_update_mappings(mapper, mappings)

    def rollback(self) -> None:
        self.registry().rollback()

    def scalar(self, statement: ClauseElement, params: Any = None, **kw: Any) -> Any:
        return self.registry().scalar(statement, params, **kw)

    def scalars(self, statement: ClauseElement, params: Any = None, **kw: Any) -> ScalarResult:
        return self.registry().scalars(statement, params, **kw)

    @property
    def autoflush(self) -> bool:
        return self.registry().autoflush

    @property
    def bind(self) -> Any:
        return self.registry().bind

    @property
    def deleted(self) -> IdentitySet:
        return self.registry().deleted

    @property
    def dirty(self) -> IdentitySet:
        return self.registry().dirty

    @property
    def new(self) -> IdentitySet:
        return self.registry().new

    @property
    def identity_map(self) -> IdentityMap:
        return self.registry().identity_map

    @property
    def info(self) -> dict[str, Any]:
        return self.registry().info

    @property
    def is_active(self) -> bool:
        return self.registry().is_active

    @property
    def no_autoflush(self) -> AbstractContextManager[Session]:
        return self.registry().no_autoflush

    def __contains__(self, obj: object) -> bool:
        return obj in self.registry()

    def __iter__(self) -> Iterator[object]:
        return iter(self.registry())
