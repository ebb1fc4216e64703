"""Event listeners with the asyncio API, as SQLAlchemy's asyncio page uses them: pool events
on ``AsyncEngine.sync_engine`` (the listener gets a connection with sync-style cursors),
session listeners doing sync I/O, engines and sessions made outside any event loop, and
``async_sessionmaker(sync_session_class=sessionmaker())``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from corral import event, exc, select, text
from corral.engine import URL, Engine
from corral.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from corral.orm import Session, sessionmaker
from corral.pool import Pool
from tests.integration.test_asyncio import Child, Parent, async_url, run

__all__ = ["async_url"]


def _select_literal(url: URL) -> str:
    return "SELECT 'from the listener'"


def test_connect_listener_gets_a_sync_style_connection(async_url: URL) -> None:
    """connect / first_connect on sync_engine fire once per new driver connection, with a
    connection whose cursor runs SQL synchronously inside the listener."""
    seen: list[tuple[str, str, Any]] = []

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as one, engine.connect() as two:
            await one.execute(text("SELECT 1"))
            await two.execute(text("SELECT 1"))

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(_select_literal(async_url))
        record.info["checked"] = True
        seen.append(("connect", repr(dbapi_connection), cursor.fetchone()[0]))

    def on_first(dbapi_connection: Any, record: Any) -> None:
        seen.append(("first_connect", repr(dbapi_connection), None))

    async def main() -> None:
        engine = create_async_engine(async_url)
        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine, "first_connect", on_first)
        try:
            await body(engine)
            assert all(record.info == {"checked": True} for record in engine.pool._idle)
        finally:
            await engine.dispose()

    asyncio.run(main())
    # one connection per engine.begin() in run() is not used here: two connections exactly
    assert [name for name, _, _ in seen] == ["first_connect", "connect", "connect"]
    assert all(text_.startswith("<AdaptedConnection <") for _, text_, _ in seen)
    assert [value for name, _, value in seen if name == "connect"] == ["from the listener"] * 2


def test_checkout_and_checkin_balance(async_url: URL) -> None:
    """checkout, reset and checkin fire for each checkout of connections and sessions,
    on the loop's fast path too; a checkout listener may run SQL."""
    log: list[str] = []

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
        log.append("checkout")

    async def body(engine: AsyncEngine) -> int:
        sync = engine.sync_engine
        event.listen(sync, "checkout", on_checkout)
        event.listen(sync, "reset", lambda dbapi, record, state: log.append("reset"))
        event.listen(sync, "checkin", lambda dbapi, record: log.append("checkin"))
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        async with AsyncSession(engine) as session:
            session.add(Parent(id=1, name="p"))
            await session.commit()
            found = await session.scalar(select(Parent.id))
        return int(found)

    assert run(async_url, body) == 1
    assert log.count("checkout") == 3  # the connection, the commit, the select after it
    assert log.count("checkin") == log.count("checkout")
    assert log.count("reset") == log.count("checkout")
    assert log[:3] == ["checkout", "reset", "checkin"]


def test_class_listeners_reach_async_engines(async_url: URL) -> None:
    """Listeners on the Engine and Pool classes fire for an async engine's connections."""
    log: list[str] = []

    def before_execute(connection: Any, clause: Any, multi: Any, params: Any, options: Any) -> None:
        log.append("before_execute")

    def on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        log.append("checkout")

    async def body(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    event.listen(Engine, "before_execute", before_execute)
    event.listen(Pool, "checkout", on_checkout)
    try:
        run(async_url, body)
    finally:
        event.remove(Engine, "before_execute", before_execute)
        event.remove(Pool, "checkout", on_checkout)
    assert log.count("checkout") == 2  # run()'s create_all, then the body's connection
    assert log[-2:] == ["checkout", "before_execute"]


def test_failing_connect_listener_drops_the_connection(async_url: URL) -> None:
    """A connect listener that raises: the error reaches the caller, naming the listener,
    and the new connection is closed, not pooled."""

    def refuse(dbapi_connection: Any, record: Any) -> None:
        raise ValueError("not this one")

    async def main() -> tuple[int, int]:
        engine = create_async_engine(async_url)
        event.listen(engine.sync_engine, "connect", refuse)
        try:
            with pytest.raises(ValueError, match="not this one") as caught:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            assert any("refuse" in note for note in caught.value.__notes__)
            return engine.pool.checkedout(), engine.pool.checkedin()
        finally:
            await engine.dispose()

    assert asyncio.run(main()) == (0, 0)


def test_async_pool_refuses_events_it_does_not_fire(async_url: URL) -> None:
    """Listening to a pool event an AsyncPool never fires is an error that lists the ones
    it fires."""
    engine = create_async_engine(async_url)
    with pytest.raises(exc.InvalidRequestError, match=r"does not fire 'invalidate'.*checkin"):
        event.listen(engine.sync_engine, "invalidate", lambda *args: None)
    with pytest.raises(exc.InvalidRequestError, match="sync_engine"):
        event.listen(engine, "connect", lambda *args: None)


def test_session_made_outside_the_loop_runs_sync_io_in_a_listener(async_url: URL) -> None:
    """An engine and AsyncSession made before any loop runs bind to the loop on their first
    awaited call; a before_commit listener queries through the sync session."""
    engine = create_async_engine(async_url)
    session = AsyncSession(engine)
    seen: list[Any] = []

    @event.listens_for(session.sync_session, "before_commit")
    def before_commit(sync_session: Session) -> None:
        seen.append(sync_session.connection().execute(text(_select_literal(async_url))).first())

    async def main() -> None:
        await session.execute(text("SELECT 1"))
        await session.commit()
        await session.close()
        await engine.dispose()

    asyncio.run(main())
    assert [tuple(row) for row in seen] == [("from the listener",)]


def test_engine_keeps_its_listeners_on_a_new_loop(async_url: URL) -> None:
    """An engine used from a second event loop keeps its sync_engine (and so its listeners
    and the sessions bound to it)."""
    engine = create_async_engine(async_url)
    sync = engine.sync_engine
    session = AsyncSession(engine)
    log: list[str] = []
    event.listen(sync, "before_execute", lambda *args: log.append("before_execute"))

    async def once() -> int:
        value = await session.scalar(text("SELECT 2"))
        await session.close()
        await engine.dispose()
        assert engine.sync_engine is sync
        return int(value)

    assert asyncio.run(once()) == 2
    assert asyncio.run(once()) == 2
    assert log == ["before_execute", "before_execute"]


def test_sync_session_class_may_be_a_sessionmaker(async_url: URL) -> None:
    """async_sessionmaker(sync_session_class=sessionmaker(...)): the maker's listeners fire
    and its options apply; lazy loads are still refused on the loop."""
    sync_maker: sessionmaker[Session] = sessionmaker(expire_on_commit=False)
    log: list[str] = []
    event.listen(sync_maker, "before_commit", lambda session: log.append("before_commit"))

    async def body(engine: AsyncEngine) -> str:
        maker = async_sessionmaker(engine, sync_session_class=sync_maker)
        async with maker() as session:
            parent = Parent(id=1, name="kept", children=[Child(id=1)])
            session.add(parent)
            await session.commit()
            session.expire(parent, ["children"])
            with pytest.raises(exc.AwaitRequired, match=r"Parent\.children"):
                parent.children  # noqa: B018 - the read is the test
            return parent.name  # not expired by the commit

    assert run(async_url, body) == "kept"
    assert log == ["before_commit"]


def test_sync_session_class_refuses_other_callables() -> None:
    """Anything but a Session subclass or a sessionmaker is refused, naming both."""
    with pytest.raises(exc.ArgumentError, match="Session subclass or a sessionmaker"):
        AsyncSession(sync_session_class=lambda **kw: None)  # type: ignore[arg-type]  # the wrong type is the test
    with pytest.raises(exc.ArgumentError, match="sync_session_class=<class 'int'>"):
        async_sessionmaker(sync_session_class=int)()
