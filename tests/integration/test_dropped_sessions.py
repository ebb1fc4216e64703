"""A Session or Connection garbage collected without close() gives its connection back.

Its transaction is rolled back (so its row locks go), the pool's count of
checked-out connections returns to 0, and a warning names where the
connection was checked out. Writers here wait (almost) not at all for a lock,
so a lock still held fails fast instead of hanging. The controls turn the
clean-up off and show the lock held after ``gc.collect()``.
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import Engine, Session, exc, inspect, select, text
from corral.engine.checkout_guard import CheckoutReclaimer
from corral.orm import object_session
from tests.integration.orm_models import User, create_schema, dml, recorded_sql

EngineFactory = Callable[..., Engine]

#: Per database, connect_args under which a writer waiting for a lock fails at once.
NO_WAITING: dict[str, dict[str, Any]] = {
    "sqlite": {"timeout": 0},
    "postgresql": {"options": "-c lock_timeout=50"},
    "mysql": {"init_command": "SET SESSION innodb_lock_wait_timeout = 1"},
}
LOCK_ERRORS = (exc.LockTimeout, exc.LockNotAvailable, exc.DatabaseBusy)


@pytest.fixture
def users(make_engine: EngineFactory, backend: str) -> Engine:
    """An engine whose writers do not wait for locks, with user 1 named 'a' committed."""
    engine = make_engine(connect_args=NO_WAITING[backend])
    create_schema(engine)
    with Session(engine) as session:
        session.add(User(id=1, name="a"))
        session.commit()
    return engine


def rename(engine: Engine, name: str) -> str:
    """Rename user 1 in a session of its own: ``"ok"``, or the lock error's class name."""
    with Session(engine) as session:
        try:
            user = session.get(User, 1)
            assert user is not None
            user.name = name
            session.commit()
        except LOCK_ERRORS as error:
            return type(error).__name__
    return "ok"


def committed_name(engine: Engine) -> str | None:
    with Session(engine) as session:
        name: str | None = session.scalar(select(User.name).where(User.id == 1))
    return name


def here() -> str:
    """``file:line`` of the caller's next line (where the next checkout happens)."""
    frame = sys._getframe(1)
    return f"{frame.f_code.co_filename}:{frame.f_lineno + 1} in {frame.f_code.co_name}"


def leave_a_locking_session(engine: Engine, sites: list[str]) -> Session:
    """A session holding user 1's row lock (its UPDATE flushed, never committed or closed)."""
    session = Session(engine)
    sites.append(here())
    user = session.get(User, 1)
    assert user is not None
    user.name = "leaked"
    with recorded_sql() as sql:
        session.flush()
    assert dml(sql) == ["UPDATE users SET name=? WHERE users.id = ?"]
    return session


@pytest.fixture
def no_cleanup(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Control: nothing happens when a Connection is collected (corral before the clean-up)."""
    monkeypatch.setattr(CheckoutReclaimer, "__del__", lambda self: None)
    yield


def test_dropped_session_releases_its_row_lock(users: Engine) -> None:
    """A forgotten session's UPDATE lock stops blocking a second writer once it is collected,
    its update is rolled back, the pool count returns to 0, and SessionLeakWarning names
    where it was checked out."""
    sites: list[str] = []
    session = leave_a_locking_session(users, sites)
    assert users.pool.checkedout() == 1
    assert rename(users, "blocked") in {cls.__name__ for cls in LOCK_ERRORS}
    with pytest.warns(exc.SessionLeakWarning) as caught:
        del session
        gc.collect()
    assert users.pool.checkedout() == 0
    message = str(caught[0].message)
    assert sites[0] in message
    assert "(via Session.get)" in message
    assert "garbage collected without close()" in message
    assert rename(users, "second") == "ok"
    assert committed_name(users) == "second"


def test_control_without_cleanup_the_lock_stays(users: Engine, no_cleanup: None) -> None:
    """Control: without the clean-up, the collected session's lock still blocks the writer
    and its connection stays checked out."""
    session = leave_a_locking_session(users, [])
    del session
    gc.collect()
    assert users.pool.checkedout() == 1
    assert rename(users, "second") in {cls.__name__ for cls in LOCK_ERRORS}
    assert committed_name(users) == "a"
    for handle in list(users.pool._out):  # end the leak by hand: close the lost connection
        handle.invalidate()
    assert rename(users, "second") == "ok"


def keep_a_locking_object(engine: Engine) -> tuple[User, weakref.ref[Session]]:
    """The object a forgotten session locked and changed, kept by the program as a web
    application keeps objects in a cache; and a weak reference to the session."""
    session = leave_a_locking_session(engine, [])
    user = session.get(User, 1)
    assert user is not None
    return user, weakref.ref(session)


def test_an_object_kept_does_not_keep_its_forgotten_session(users: Engine) -> None:
    """The object does not hold its session (it refers to it weakly, as in SQLAlchemy):
    the session is collected, its lock and connection go, and the object is detached."""
    with pytest.warns(exc.SessionLeakWarning):
        user, lost = keep_a_locking_object(users)
        gc.collect()
    assert lost() is None
    assert users.pool.checkedout() == 0
    assert rename(users, "second") == "ok"
    assert inspect(user).detached and object_session(user) is None
    assert user.name == "leaked"  # its values stay readable (the flushed one rolled back)
    user.name = "renamed"
    with Session(users) as other:  # added to another session: the change is written
        other.add(user)
        assert inspect(user).persistent and user in other.dirty
        other.commit()
    assert committed_name(users) == "renamed"


def test_an_object_inserted_by_a_forgotten_session_is_transient_again(users: Engine) -> None:
    """The INSERT the forgotten session flushed is rolled back with its transaction: the
    object kept is transient (no identity), and another session inserts it anew."""

    def insert_and_forget() -> User:
        session = Session(users)
        user = User(id=2, name="b")
        session.add(user)
        session.flush()
        assert inspect(user).persistent
        return user

    with pytest.warns(exc.SessionLeakWarning):
        user = insert_and_forget()
        gc.collect()
    assert inspect(user).transient and inspect(user).identity is None
    with Session(users) as session:
        session.add(user)
        session.commit()
    with Session(users) as session:
        assert session.scalar(select(User.name).where(User.id == 2)) == "b"


def test_an_object_deleted_by_a_forgotten_session_is_detached_again(users: Engine) -> None:
    """The DELETE the forgotten session flushed is rolled back with its transaction: the
    object kept is detached (its row is there again), and another session can change it."""

    def delete_and_forget() -> User:
        session = Session(users)
        user = session.get(User, 1)
        assert user is not None
        session.delete(user)
        session.flush()
        assert inspect(user).deleted
        return user

    with pytest.warns(exc.SessionLeakWarning):
        user = delete_and_forget()
        gc.collect()
    assert inspect(user).detached and inspect(user).identity == (1,)
    user.name = "back"
    with Session(users) as session:
        session.add(user)
        session.commit()
    assert committed_name(users) == "back"


def test_control_an_object_holding_its_session_keeps_the_lock(users: Engine) -> None:
    """Control: an object that held its session strongly (as corral's did) keeps it alive
    after gc.collect(), with its connection, transaction and row lock."""
    user, session = keep_a_locking_object(users)
    held = session()
    assert held is not None
    user.__dict__["_holds"] = held  # what the state's strong reference did
    del held
    gc.collect()
    assert session() is not None
    assert users.pool.checkedout() == 1
    assert rename(users, "second") in {cls.__name__ for cls in LOCK_ERRORS}
    with pytest.warns(exc.SessionLeakWarning):
        del user.__dict__["_holds"]
        gc.collect()
    assert users.pool.checkedout() == 0


def test_dropped_connection_releases_its_lock(users: Engine) -> None:
    """A Connection dropped mid-transaction is rolled back and returned, with
    ConnectionLeakWarning (not SessionLeakWarning) naming where it was checked out."""
    site = here()
    connection = users.connect()
    connection.execute(text("UPDATE users SET name = 'leaked' WHERE id = 1"))
    assert rename(users, "blocked") != "ok"
    with pytest.warns(exc.ConnectionLeakWarning) as caught:
        del connection
        gc.collect()
    assert [warning.category for warning in caught] == [exc.ConnectionLeakWarning]
    assert site in str(caught[0].message)
    assert "(via Engine.connect)" in str(caught[0].message)
    assert users.pool.checkedout() == 0
    assert rename(users, "second") == "ok"
    assert committed_name(users) == "second"


def test_session_collected_in_another_thread(users: Engine) -> None:
    """The clean-up runs in whichever thread drops the last reference; the driver takes the
    rollback from that thread, and the lock goes."""
    holder = [leave_a_locking_session(users, [])]
    failures: list[BaseException] = []

    def drop() -> None:
        try:
            holder.clear()
            gc.collect()
        except BaseException as error:  # reported to the main thread
            failures.append(error)

    thread = threading.Thread(target=drop)
    with pytest.warns(exc.SessionLeakWarning):
        thread.start()
        thread.join()
    assert failures == []
    assert users.pool.checkedout() == 0
    assert rename(users, "second") == "ok"


def test_collected_while_the_pool_lock_is_held(users: Engine) -> None:
    """A session collected while this thread holds the pool's lock (a finalizer run in the
    middle of a checkout) is not given back then, which would deadlock, but at the next
    checkout."""
    session = leave_a_locking_session(users, [])
    pool = users.pool
    with pytest.warns(exc.SessionLeakWarning), pool._lock:
        del session
        gc.collect()
    assert pool.checkedout() == 1  # waiting in the pool for the next connect()
    assert rename(users, "second") == "ok"
    assert pool.checkedout() == 0
    assert committed_name(users) == "second"


def test_closed_session_and_connection_do_not_warn(users: Engine) -> None:
    """Sessions and connections closed (or never used) are collected silently."""
    session = Session(users)
    session.get(User, 1)
    session.close()
    connection = users.connect()
    connection.close()
    unused = Session(users)
    del session, connection, unused
    gc.collect()  # a warning here would be an error (pytest runs with -W error)
    assert users.pool.checkedout() == 0


def test_dropped_connection_with_a_changed_isolation_level_is_closed(users: Engine) -> None:
    """A leaked Connection whose isolation level was changed is closed, not pooled with that
    level, and its lock goes with it."""
    connection = users.connect()
    connection.execution_options(isolation_level="SERIALIZABLE")
    connection.execute(text("UPDATE users SET name = 'leaked' WHERE id = 1"))
    idle_before = users.pool.checkedin()  # type: ignore[attr-defined]
    with pytest.warns(exc.ConnectionLeakWarning):
        del connection
        gc.collect()
    assert users.pool.checkedout() == 0
    assert users.pool.checkedin() == idle_before  # type: ignore[attr-defined]
    assert rename(users, "second") == "ok"
    assert committed_name(users) == "second"
