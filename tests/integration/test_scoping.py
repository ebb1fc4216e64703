"""scoped_session: one session per thread or task, remove(), and sessions that never leak."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator

import pytest

from corral import Engine, Session, SessionLeakWarning, scoped_session, select, sessionmaker
from corral.orm.session.scoping import ScopedRegistry, TaskRegistry
from tests.integration.orm_models import User, create_schema


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    create_schema(engine)
    yield sessionmaker(engine)


def test_each_thread_gets_its_own_session(factory: sessionmaker[Session]) -> None:
    """Each thread gets its own session, the same one on every call in that thread."""
    registry = scoped_session(factory)
    seen: dict[str, tuple[Session, Session]] = {}  # the objects, so no id is reused

    def work(name: str) -> None:
        first, second = registry(), registry()
        seen[name] = (first, second)
        registry.remove()

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a is b for a, b in seen.values())
    assert len({id(a) for a, _ in seen.values()}) == 4


def test_remove_closes_and_forgets(factory: sessionmaker[Session], engine: Engine) -> None:
    """remove() rolls back, returns the connection and makes the next call a new session."""
    registry = scoped_session(factory)
    registry.add(User(name="never committed"))
    registry.flush()
    first = registry()
    assert engine.pool.checkedout() == 1
    registry.remove()
    assert engine.pool.checkedout() == 0
    assert not registry.has()
    assert registry() is not first
    assert registry.scalars(select(User)).all() == []
    registry.remove()


def test_proxies_reach_the_current_session(factory: sessionmaker[Session]) -> None:
    """Session methods called on the registry act on the current scope's session."""
    registry = scoped_session(factory)
    user = User(name="ann")
    registry.add(user)
    assert user in registry and registry.new == [user]
    registry.commit()
    assert registry.get(User, user.id) is user
    assert registry.scalar(select(User.name)) == "ann"
    registry.remove()


def test_scopefunc_names_the_scope(factory: sessionmaker[Session]) -> None:
    """A scopefunc decides which session a call gets."""
    current = {"request": 1}
    registry = scoped_session(factory, scopefunc=lambda: current["request"])
    first = registry()
    current["request"] = 2
    assert registry() is not first
    current["request"] = 1
    assert registry() is first
    registry.remove()
    current["request"] = 2
    registry.remove()


def test_configure_is_refused_while_a_session_exists(factory: sessionmaker[Session]) -> None:
    """configure() warns and changes nothing while the scope has a session."""
    registry = scoped_session(factory)
    registry()
    with pytest.warns(UserWarning, match="refused"):
        registry.configure(autoflush=False)
    assert factory.kw.get("autoflush", True) is True
    registry.remove()
    registry.configure(autoflush=False)
    assert registry().autoflush is False
    registry.remove()


def test_asyncio_tasks_get_their_own_sessions_and_none_outlive_them(
    factory: sessionmaker[Session],
) -> None:
    """200 tasks each get their own session; when they finish none is left in the registry."""
    registry = scoped_session(factory, scope="task")
    sessions: list[Session] = []

    async def request() -> None:
        session = registry()
        assert registry() is session
        sessions.append(session)
        await asyncio.sleep(0)
        assert registry() is session  # still this task's after a switch

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(200)))
        await asyncio.sleep(0)  # let the done-callbacks run

    asyncio.run(main())
    assert len({id(s) for s in sessions}) == 200
    assert isinstance(registry.registry, TaskRegistry)
    assert len(registry.registry) == 0
    assert all(not s.in_transaction() for s in sessions)


def test_task_scope_control_without_cleanup_keeps_sessions(
    factory: sessionmaker[Session],
) -> None:
    """Control: a plain scopefunc keyed by task keeps every session until remove()."""
    registry = scoped_session(factory, scopefunc=lambda: id(asyncio.current_task()))

    async def request() -> None:
        registry()
        await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(20)))

    asyncio.run(main())
    assert isinstance(registry.registry, ScopedRegistry)
    assert len(registry.registry) == 20
    for session in list(registry.registry._sessions.values()):
        session.close()


def test_thread_ending_with_a_transaction_rolls_back_and_warns(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    """A thread that ends holding a transaction has it rolled back, with a warning naming where."""
    registry = scoped_session(factory)

    def leaky_request() -> None:
        registry.add(User(name="left open"))
        registry.flush()

    with pytest.warns(SessionLeakWarning, match="leaky_request"):
        thread = threading.Thread(target=leaky_request)
        thread.start()
        thread.join()
        del thread
        gc.collect()
    assert engine.pool.checkedout() == 0
    with factory() as session:
        assert session.scalars(select(User)).all() == []
