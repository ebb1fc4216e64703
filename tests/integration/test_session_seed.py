"""The seed's behaviours of the Session, one test each, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from corral import Engine, Session, exc, inspect, select, text
from tests.integration.orm_models import (
    GATE,
    Address,
    Gated,
    User,
    create_schema,
    dml,
    recorded_sql,
)


@pytest.fixture
def schema_engine(engine: Engine) -> Iterator[Engine]:
    create_schema(engine)
    yield engine


def _read_begins(engine: Engine) -> bool:
    """Whether a read sends BEGIN: not on SQLite, whose database transaction waits for a write."""
    return not engine.dialect.begins_at_first_write()


def _add_users(engine: Engine, *names: str) -> None:
    with Session(engine) as session:
        session.add_all([User(name=n) for n in names])
        session.commit()


def test_new_session_holds_no_connection(schema_engine: Engine) -> None:
    """1. A new Session has no connection; the first query checks one out and begins."""
    pool = schema_engine.pool
    session = Session(schema_engine)
    assert pool.checkedout() == 0
    assert not session.in_transaction()
    with recorded_sql() as sql:
        session.execute(select(User)).all()
    assert pool.checkedout() == 1
    assert session.in_transaction()
    assert sql[0].startswith("BEGIN") is _read_begins(schema_engine)
    session.close()
    assert pool.checkedout() == 0


@pytest.mark.parametrize("first_use", ["get", "execute", "flush"])
def test_each_first_use_begins_a_transaction(schema_engine: Engine, first_use: str) -> None:
    """1. get, execute and flush each check out a connection and begin on first use."""
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            if first_use == "get":
                session.get(User, 1)
            elif first_use == "execute":
                session.execute(text("SELECT 1"))
            else:
                session.add(User(name="a"))
                session.flush()
        assert sql[0].startswith("BEGIN") is (first_use == "flush" or _read_begins(schema_engine))
        assert session.in_transaction()
        assert schema_engine.pool.checkedout() == 1


def test_read_only_transaction_lasts_until_commit(schema_engine: Engine) -> None:
    """2. A transaction that only read stays open until commit; then the connection returns."""
    _add_users(schema_engine, "ann")
    session = Session(schema_engine)
    with recorded_sql() as sql:
        session.execute(select(User)).all()
        session.execute(select(User)).all()
        assert session.in_transaction()
        assert schema_engine.pool.checkedout() == 1
        session.commit()
    control = [s for s in sql if s in ("COMMIT",) or s.startswith("BEGIN")]
    if _read_begins(schema_engine):
        assert control == [sql[0], "COMMIT"]
        assert sql.count(sql[0]) == 1  # one BEGIN for both reads
    else:
        assert control == []  # the session held its connection; the database had no transaction
    assert schema_engine.pool.checkedout() == 0
    assert not session.in_transaction()
    session.close()


def test_many_transactions_one_at_a_time(schema_engine: Engine) -> None:
    """2. Using the session after commit or rollback begins a new transaction."""
    with Session(schema_engine) as session, recorded_sql() as sql:
        for _ in range(3):
            session.execute(select(User)).all()
            session.rollback()
            assert schema_engine.pool.checkedout() == 0
        begins = [s for s in sql if s.startswith("BEGIN")]
        rollbacks = [s for s in sql if s == "ROLLBACK"]
    assert len(begins) == len(rollbacks) == (3 if _read_begins(schema_engine) else 0)


def test_autoflush_before_query_and_commit(schema_engine: Engine) -> None:
    """3. Pending changes are flushed before a query runs and before commit."""
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            session.add(User(name="ann"))
            found = session.execute(select(User).where(User.name == "ann")).scalars().all()
        assert [s.split(" ")[0] for s in dml(sql)] == ["INSERT", "SELECT"]
        assert [u.name for u in found] == ["ann"]
        with recorded_sql() as sql:
            session.add(User(name="bob"))
            session.commit()
        assert [s.split(" ")[0] for s in dml(sql)] == ["INSERT"]
        assert sql[-1] == "COMMIT"


def test_no_autoflush_suspends(schema_engine: Engine) -> None:
    """3. Inside no_autoflush, and with autoflush=False, a query does not flush."""
    with Session(schema_engine) as session:
        session.add(User(name="ann"))
        with session.no_autoflush:
            assert session.execute(select(User)).scalars().all() == []
        assert len(session.execute(select(User)).scalars().all()) == 1
    with Session(schema_engine, autoflush=False) as session:
        session.add(User(name="bob"))
        assert session.execute(select(User).where(User.name == "bob")).scalars().all() == []


def test_changes_are_recorded_per_attribute(schema_engine: Engine) -> None:
    """3. Each change is recorded per attribute, and only changed columns are updated."""
    _add_users(schema_engine, "ann")
    with Session(schema_engine) as session:
        user = session.execute(select(User)).scalar_one()
        user.nickname = "a"
        history = inspect(user).attrs.nickname.history
        assert history.added == ("a",)
        assert history.deleted == (None,)
        assert inspect(user).attrs.name.history.unchanged == ("ann",)
        with recorded_sql() as sql:
            session.flush()
        assert dml(sql) == ["UPDATE users SET nickname=? WHERE users.id = ?"]


def test_identity_map_returns_same_object_and_keeps_changes(schema_engine: Engine) -> None:
    """4. Loading a row already in the map returns that object without overwriting changes."""
    _add_users(schema_engine, "ann")
    with Session(schema_engine) as session:
        first = session.execute(select(User)).scalar_one()
        with session.no_autoflush:
            first.name = "changed"
            again = session.execute(select(User)).scalar_one()
        assert again is first
        assert again.name == "changed"
        assert session.get(User, first.id) is first


def test_populate_existing_overrides(schema_engine: Engine) -> None:
    """4. populate_existing overwrites in-memory values with the row's."""
    _add_users(schema_engine, "ann")
    with Session(schema_engine, autoflush=False) as session:
        user = session.execute(select(User)).scalar_one()
        user.name = "changed"
        session.execute(select(User), execution_options={"populate_existing": True}).scalar_one()
        assert user.name == "ann"
        assert session.dirty == [] or not inspect(user).modified


def test_expire_on_commit_reloads_in_next_transaction(schema_engine: Engine) -> None:
    """5. After commit instances are expired and reload on next access, in a new transaction."""
    with Session(schema_engine) as session:
        user = User(name="ann")
        session.add(user)
        session.commit()
        assert inspect(user).expired_attributes >= {"name"}
        with recorded_sql() as sql:
            assert user.name == "ann"
        assert session.in_transaction()
        assert sql[0].startswith("BEGIN") is _read_begins(schema_engine)
        assert dml(sql) == [
            "SELECT users.id, users.name, users.nickname, users.status "
            "FROM users WHERE users.id = ?"
        ]


def test_rollback_expunges_pending_and_expires_persistent(schema_engine: Engine) -> None:
    """5. After rollback, pending objects are expunged and persistent ones expired."""
    _add_users(schema_engine, "ann")
    with Session(schema_engine) as session:
        ann = session.execute(select(User)).scalar_one()
        ann.name = "changed"
        new = User(name="bob")
        session.add(new)
        session.flush()
        session.rollback()
        assert inspect(new).transient
        assert new not in session
        assert inspect(ann).persistent
        assert ann.name == "ann"


def test_failed_flush_rolls_back_and_refuses_until_rollback(schema_engine: Engine) -> None:
    """6. A failed flush rolls back; the session refuses work, naming why, until rollback()."""
    _add_users(schema_engine, "ann")
    with Session(schema_engine) as session:
        session.add(User(name="kept"))
        session.flush()
        session.add(Address(user_id=999, email="x"))
        with pytest.raises(exc.IntegrityError) as failure:
            session.flush()
        assert failure.value.statement is not None
        assert "INSERT INTO" in failure.value.statement
        assert not session.is_active
        with pytest.raises(exc.PendingRollbackError, match="IntegrityError") as refused:
            session.execute(select(User))
        assert "session.rollback()" in str(refused.value)
        session.rollback()
        names = session.execute(select(User.name).order_by(User.name)).scalars().all()
        assert names == ["ann"]  # the flushed 'kept' row went with the failed transaction


def test_begin_nested_rolls_back_only_inside(schema_engine: Engine) -> None:
    """7. Rolling back a savepoint undoes only its work and expires only what it touched."""
    _add_users(schema_engine, "ann", "bob")
    with Session(schema_engine) as session:
        ann, bob = session.execute(select(User).order_by(User.id)).scalars().all()
        ann.nickname = "outer"
        nested = session.begin_nested()
        bob.nickname = "inner"
        session.add(User(name="cy"))
        session.flush()
        nested.rollback()
        assert session.in_transaction()
        assert "nickname" in ann.__dict__  # not touched inside: not expired
        assert "nickname" not in bob.__dict__  # touched inside: expired
        assert bob.nickname is None
        session.commit()
    with Session(schema_engine) as session:
        rows = session.execute(select(User.name, User.nickname).order_by(User.id)).all()
    assert [tuple(r) for r in rows] == [("ann", "outer"), ("bob", None)]


def test_begin_nested_commit_keeps_work(schema_engine: Engine) -> None:
    """7. A released savepoint's work commits with the outer transaction."""
    with Session(schema_engine) as session:
        with session.begin_nested():
            session.add(User(name="inside"))
        session.commit()
    with Session(schema_engine) as session:
        assert session.execute(select(User.name)).scalars().all() == ["inside"]


def test_detached_object_keeps_loaded_values(schema_engine: Engine) -> None:
    """8. After close, a detached object keeps the values it had loaded."""
    _add_users(schema_engine, "ann")
    with Session(schema_engine) as session:
        user = session.execute(select(User)).scalar_one()
    assert inspect(user).detached
    assert user.name == "ann"


def test_expired_attribute_on_detached_object_explains(schema_engine: Engine) -> None:
    """8. An expired attribute of a detached object raises naming class, attribute and fixes."""
    with Session(schema_engine) as session:
        user = User(name="ann")
        session.add(user)
        session.commit()
    with pytest.raises(exc.DetachedInstanceError) as error:
        _ = user.name
    message = str(error.value)
    assert "User.name" in message
    assert "expire_on_commit=False" in message
    assert "refresh" in message
    assert "merge" in message


def test_expire_on_commit_false_keeps_values(schema_engine: Engine) -> None:
    """8. With expire_on_commit=False the committed values stay readable after close."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = User(name="ann")
        session.add(user)
        session.commit()
    assert user.name == "ann"
    assert user.status == "new"


def test_two_threads_at_once_raise(schema_engine: Engine) -> None:
    """9. A Session used by two threads at the same time raises at once, naming both."""
    session = Session(schema_engine)
    session.add(Gated())
    GATE.arm()
    worker = threading.Thread(target=session.flush, name="flusher")
    worker.start()
    try:
        assert GATE.entered.wait(10)
        with pytest.raises(exc.ConcurrentUseError) as error:
            session.execute(select(User))
    finally:
        GATE.open()
        worker.join(10)
        session.close()
    message = str(error.value)
    assert "'flusher'" in message
    assert repr(threading.current_thread().name) in message


def test_two_threads_without_the_guard_corrupt_state(schema_engine: Engine) -> None:
    """9. Control: with the guard disabled, the second thread runs inside the first's flush."""
    from corral.util.guard import OneThreadGuard

    class NoGuard(OneThreadGuard):
        def __enter__(self) -> None:
            return None

        def __exit__(self, *args: object) -> None:
            return None

    session = Session(schema_engine)
    session._guard = NoGuard("Session", "")
    session.add(Gated())
    GATE.arm()
    worker = threading.Thread(target=session.flush, name="flusher")
    worker.start()
    try:
        assert GATE.entered.wait(10)
        with pytest.raises(exc.InvalidRequestError, match="already flushing"):
            session.flush()  # unguarded, it walks into the other thread's flush
    finally:
        GATE.open()
        worker.join(10)
        session.close()


def test_session_handed_between_threads_works(schema_engine: Engine) -> None:
    """9. Used by one thread at a time (handed over), a Session works."""
    session = Session(schema_engine)
    results: list[int] = []

    def work(name: str) -> None:
        session.add(User(name=name))
        session.flush()
        results.append(len(session.execute(select(User)).scalars().all()))

    for index in range(3):
        thread = threading.Thread(target=work, args=(f"u{index}",))
        thread.start()
        thread.join()
    session.commit()
    session.close()
    assert results == [1, 2, 3]
