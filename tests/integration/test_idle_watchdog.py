"""The idle-in-transaction watchdog: ``create_engine(idle_in_transaction_warn=, _abort=)``.

Thresholds are short (0.2 s); the tests wait for the watchdog's warning by
polling with a bound, never by sleeping and asserting a time. Writers fail
fast on a held lock (``NO_WAITING``), so a lock still held shows as an error.
"""

from __future__ import annotations

import gc
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corral import Engine, Session, create_engine, exc, select, text
from corral.engine import URL
from tests.integration.orm_models import User, create_schema, dml, recorded_sql
from tests.integration.test_dropped_sessions import (
    LOCK_ERRORS,
    NO_WAITING,
    committed_name,
    here,
    rename,
)

EngineFactory = Callable[..., Engine]
#: How long a test waits for the watchdog before failing (it acts within 0.25 s).
BOUND = 15.0


@pytest.fixture
def record() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning raised meanwhile, in any thread (the watchdog's included)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def idle_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, exc.IdleInTransactionWarning)]


def wait_for(condition: Callable[[], Any], what: str) -> None:
    """Poll ``condition`` until true; fail after ``BOUND`` seconds."""
    deadline = time.monotonic() + BOUND
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {BOUND} s for {what}")
        time.sleep(0.02)


def users_engine(make_engine: EngineFactory, backend: str, **options: Any) -> Engine:
    """An engine with ``options`` whose writers do not wait for locks; user 1 is 'a'."""
    engine = make_engine(connect_args=NO_WAITING[backend], **options)
    create_schema(engine)
    with Session(engine) as session:
        session.add(User(id=1, name="a"))
        session.commit()
    return engine


def lock_user_1(session: Session, sites: list[str]) -> None:
    """Flush an UPDATE of user 1 in ``session`` (holding its row lock), recording the site."""
    sites.append(here())
    user = session.get(User, 1)
    assert user is not None
    user.name = "locked"
    with recorded_sql() as sql:
        session.flush()
    assert dml(sql) == ["UPDATE users SET name=? WHERE users.id = ?"]


def test_idle_session_gets_a_warning_naming_its_site(
    make_engine: EngineFactory, backend: str, record: list[warnings.WarningMessage]
) -> None:
    """Past idle_in_transaction_warn, an idle session gets one IdleInTransactionWarning that
    names where its connection was checked out; the transaction is left alone."""
    engine = users_engine(make_engine, backend, idle_in_transaction_warn=0.2)
    session = Session(engine)
    sites: list[str] = []
    lock_user_1(session, sites)
    wait_for(lambda: idle_warnings(record), "the idle warning")
    message = idle_warnings(record)[0]
    assert sites[0] in message
    assert "(via Session.get)" in message
    assert "A Session kept a transaction open" in message
    assert "idle_in_transaction_warn=0.2" in message
    assert rename(engine, "other") in {cls.__name__ for cls in LOCK_ERRORS}  # still locked
    with recorded_sql() as sql:
        session.commit()  # warned only: its transaction still works
    assert "COMMIT" in sql
    assert committed_name(engine) == "locked"
    assert len(idle_warnings(record)) == 1  # once per transaction
    session.close()


def test_abort_rolls_back_and_frees_the_lock(
    make_engine: EngineFactory, backend: str, record: list[warnings.WarningMessage]
) -> None:
    """Past idle_in_transaction_abort, the transaction is rolled back and its connection
    pooled: a second writer succeeds; the session's next use raises
    IdleInTransactionAbortedError, and it works again after rollback()."""
    engine = users_engine(make_engine, backend, idle_in_transaction_abort=0.2)
    session = Session(engine)
    sites: list[str] = []
    lock_user_1(session, sites)
    assert engine.pool.checkedout() == 1
    wait_for(lambda: engine.pool.checkedout() == 0, "the watchdog to return the connection")
    wait_for(lambda: idle_warnings(record), "the abort warning")
    message = idle_warnings(record)[0]
    assert sites[0] in message and "(via Session.get)" in message
    assert "rolled it back" in message
    assert rename(engine, "second") == "ok"
    assert committed_name(engine) == "second"
    with pytest.raises(exc.IdleInTransactionAbortedError, match="watchdog rolled back"):
        session.execute(select(User.name).where(User.id == 1))
    with pytest.raises(exc.IdleInTransactionAbortedError):
        session.commit()
    session.rollback()
    with recorded_sql() as sql:
        assert session.scalar(select(User.name).where(User.id == 1)) == "second"
    assert dml(sql) == ["SELECT users.name FROM users WHERE users.id = ?"]
    session.close()
    assert engine.pool.checkedout() == 0


def test_abort_on_a_plain_connection(
    make_engine: EngineFactory, backend: str, record: list[warnings.WarningMessage]
) -> None:
    """A Connection idle in a transaction is rolled back too: its INSERT is gone, the next
    execute raises IdleInTransactionAbortedError, and after rollback() it runs again."""
    engine = users_engine(make_engine, backend, idle_in_transaction_abort=0.2)
    connection = engine.connect()
    connection.execute(text("INSERT INTO users (id, name, status) VALUES (2, 'b', 'new')"))
    wait_for(lambda: engine.pool.checkedout() == 0, "the watchdog to return the connection")
    with pytest.raises(exc.IdleInTransactionAbortedError):
        connection.execute(text("SELECT 1"))
    with pytest.raises(exc.IdleInTransactionAbortedError):
        connection.commit()
    with pytest.raises(exc.IdleInTransactionAbortedError):
        connection.connection  # noqa: B018 - the DB-API connection is not handed out either
    connection.rollback()
    assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
    connection.close()
    assert "(via Engine.connect)" in idle_warnings(record)[0]


def test_control_without_the_option_the_lock_stays(
    make_engine: EngineFactory, backend: str, record: list[warnings.WarningMessage]
) -> None:
    """Control: without the options, an idle session keeps its lock and its connection
    (no thread, no warning) however long it waits."""
    engine = users_engine(make_engine, backend)
    session = Session(engine)
    lock_user_1(session, [])
    time.sleep(0.6)  # three times the threshold the other tests use; nothing may happen
    assert engine.pool.checkedout() == 1
    assert rename(engine, "second") in {cls.__name__ for cls in LOCK_ERRORS}
    assert idle_warnings(record) == []
    assert not any("idle-in-transaction" in t.name for t in threading.enumerate())
    session.commit()
    assert committed_name(engine) == "locked"
    session.close()


SLEEP_SQL = {
    "sqlite": "SELECT corral_sleep(0.8)",
    "postgresql": "SELECT pg_sleep(0.8)",
    "mysql": "SELECT SLEEP(0.8)",
}


def test_a_long_statement_is_not_idle(
    make_engine: EngineFactory, backend: str, record: list[warnings.WarningMessage]
) -> None:
    """A statement running longer than the abort threshold is never interrupted (the watchdog
    skips a connection whose guard is held), and the idle time counts from its end."""
    engine = users_engine(make_engine, backend, idle_in_transaction_abort=0.3)
    with Session(engine) as session:
        connection = session.connection()
        if backend == "sqlite":
            connection.connection.create_function("corral_sleep", 1, time.sleep)
        session.execute(text("SELECT 1"))
        session.execute(text(SLEEP_SQL[backend]))
        assert session.scalar(select(User.name).where(User.id == 1)) == "a"
        session.commit()
    assert idle_warnings(record) == []


def test_the_thread_stops_on_dispose_and_with_the_engine(db_url: URL) -> None:
    """The watchdog thread starts with the first checkout, stops on dispose() (and starts
    again on the next checkout), and ends when its engine is collected."""
    engine = create_engine(db_url, idle_in_transaction_warn=0.2)
    watchdog = engine._watchdog
    assert watchdog is not None and not watchdog.is_running()
    engine.connect().close()
    assert watchdog.is_running()
    thread = watchdog._thread
    engine.dispose()
    assert not watchdog.is_running() and thread is not None and not thread.is_alive()
    with engine.connect():
        assert watchdog.is_running()
        thread = watchdog._thread
    engine.pool.dispose()  # close the pooled connection, leaving the watchdog running
    assert watchdog.is_running()
    del engine, watchdog
    gc.collect()  # the thread holds only a weak reference: it ends at its next look
    assert thread is not None
    thread.join(timeout=BOUND)
    assert not thread.is_alive()


def test_busy_threads_race_the_watchdog(
    make_engine: EngineFactory, record: list[warnings.WarningMessage]
) -> None:
    """Four threads commit increments with pauses around the abort threshold: each transaction
    either commits or gets IdleInTransactionAbortedError (then rolls back); no other error, the
    committed count is exactly the sum in the database, and no connection stays out."""
    engine = make_engine(idle_in_transaction_abort=0.03, pool_size=8)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE tally (id INTEGER PRIMARY KEY, n INTEGER)")
        for i in range(4):
            connection.exec_driver_sql(f"INSERT INTO tally VALUES ({i}, 0)")
    outcomes: list[str] = []
    pauses = (0, 0, 0.001, 0.02, 0.25)  # the last far past the threshold, even on a busy machine

    def work(i: int) -> None:
        with Session(engine) as session:
            for step in range(40):
                try:
                    session.execute(text("UPDATE tally SET n = n + 1 WHERE id = :i"), {"i": i})
                    time.sleep(pauses[(i + step) % len(pauses)])
                    session.execute(text("SELECT n FROM tally WHERE id = :i"), {"i": i})
                    session.commit()
                    outcomes.append("commit")
                except exc.IdleInTransactionAbortedError:
                    outcomes.append("aborted")
                    session.rollback()
                except Exception as error:  # anything else is a failure of the test
                    outcomes.append(repr(error))
                    session.rollback()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND * 4)
    assert set(outcomes) <= {"commit", "aborted"}, [o for o in outcomes if len(o) > 7][:3]
    assert len(outcomes) == 160 and "aborted" in outcomes
    with engine.connect() as connection:
        total = connection.execute(text("SELECT sum(n) FROM tally")).scalar()
    assert total == outcomes.count("commit")
    assert engine.pool.checkedout() == 0
