"""Session methods and the unit of work's SQL, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    Engine,
    ObjectStatus,
    Session,
    delete,
    exc,
    func,
    inspect,
    select,
    sessionmaker,
    update,
)
from corral.sql.schema import ColumnDefault
from tests.integration.orm_models import (
    Address,
    Counter,
    User,
    create_schema,
    dml,
    joined_update,
    recorded_sql,
)


@pytest.fixture
def schema_engine(engine: Engine) -> Iterator[Engine]:
    create_schema(engine)
    yield engine


@pytest.fixture
def session(schema_engine: Engine) -> Iterator[Session]:
    with Session(schema_engine) as session:
        yield session


def _seed(session: Session) -> tuple[User, User]:
    ann, bob = User(name="ann"), User(name="bob")
    session.add_all([ann, bob])
    session.add_all([Address(user_id=1, email="a@x"), Address(user_id=1, email="b@x")])
    session.commit()
    return ann, bob


def test_flush_orders_parents_first_and_batches_rows(session: Session) -> None:
    """Rows of one shape go in one multi-row INSERT; referred tables are inserted first."""
    session.add(Address(user_id=1, email="a@x"))  # added before its user
    session.add_all([User(id=1, name="ann"), User(id=2, name="bob")])
    with recorded_sql() as sql:
        session.flush()
    # Without lastrowid, one generated key comes back through RETURNING.
    returning = "" if session.get_bind().dialect.features.lastrowid else " RETURNING id"
    assert dml(sql) == [
        "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
        "INSERT INTO addresses (user_id, email) VALUES (?, ?)" + returning,
    ]
    assert session.get(Address, 1) is not None


def test_generated_keys_come_back_for_a_batch(session: Session) -> None:
    """Keys the database generates for many rows land on the right objects."""
    users = [User(name=f"u{i}") for i in range(25)]
    session.add_all(users)
    session.flush()
    ids = [u.id for u in users]
    assert ids == sorted(ids)
    assert len(set(ids)) == 25
    rows: dict[int, str] = dict(session.execute(select(User.id, User.name)).tuples().all())
    assert all(rows[u.id] == u.name for u in users)


def test_python_defaults_fill_objects(session: Session) -> None:
    """A column's Python default is written and put on the object."""
    user = User(name="ann")
    session.add(user)
    session.flush()
    assert user.status == "new"
    assert inspect(user).persistent


def test_update_only_changed_columns_in_key_order(session: Session) -> None:
    """UPDATEs carry only changed columns, grouped by column set, in primary-key order."""
    ann, bob = _seed(session)
    name = bob.name  # loaded first: reading an expired attribute autoflushes earlier changes
    bob.nickname = "b"
    ann.nickname = "a"
    bob.name = name  # assigning the same value is not a change
    with recorded_sql() as sql:
        session.flush()
    assert dml(sql) == [
        joined_update("users", ["nickname"], ["id"], ["VARCHAR", "INTEGER"], 2)
        if session.get_bind().dialect.name == "postgresql"
        else "UPDATE users SET nickname=? WHERE users.id = ?"
    ]
    assert session.execute(select(User.nickname).order_by(User.id)).scalars().all() == ["a", "b"]


def test_deletes_run_last_children_first(session: Session) -> None:
    """DELETEs follow inserts and updates, referring tables first."""
    ann, bob = _seed(session)
    addresses = session.execute(select(Address)).scalars().all()
    session.delete(ann)
    for address in addresses:
        session.delete(address)
    bob.nickname = "still here"
    with recorded_sql() as sql:
        session.flush()
    assert dml(sql) == [
        "UPDATE users SET nickname=? WHERE users.id = ?",
        "DELETE FROM addresses WHERE addresses.id = ?",
        "DELETE FROM users WHERE users.id = ?",
    ]
    assert inspect(ann).deleted
    session.commit()
    assert inspect(ann).detached


def test_delete_rollback_restores_object(session: Session) -> None:
    """A deleted, flushed object comes back as persistent after rollback."""
    ann, _ = _seed(session)
    session.delete(session.get(Address, 1))
    session.delete(session.get(Address, 2))
    session.delete(ann)
    session.flush()
    assert ann not in session
    session.rollback()
    assert inspect(ann).persistent
    assert session.get(User, ann.id) is ann


def test_get_uses_identity_map_then_one_select(session: Session) -> None:
    """get() answers from the identity map without SQL, else with one SELECT."""
    _seed(session)
    with recorded_sql() as sql:
        first = session.get(User, 1)
        second = session.get(User, 1)
    assert first is second
    assert len(dml(sql)) == 1  # the commit expired ann: one SELECT, then the map
    with recorded_sql() as sql:
        assert session.get(User, 1) is first
        assert session.get(User, 999) is None
    assert len(dml(sql)) == 1


def test_get_with_for_update_and_populate_existing(session: Session) -> None:
    """get(with_for_update=True) locks and refreshes the object from the row."""
    _seed(session)
    user = session.get(User, 1)
    assert user is not None
    session.execute(
        update(User).where(User.id == 1).values(name="changed"),
        execution_options={"synchronize_session": False},
    )
    assert user.name == "ann"
    locked = session.get(User, 1, with_for_update=True)
    assert locked is user
    assert user.name == "changed"
    assert session.get(User, 1, populate_existing=True) is user


def test_refresh_with_for_update_locks_the_row_it_reads(session: Session) -> None:
    """refresh(obj, with_for_update=...) reloads by a SELECT ... FOR UPDATE (the keywords
    of with_for_update() passed through), where the database locks rows (not SQLite)."""
    _seed(session)
    user = session.get(User, 1)
    assert user is not None
    session.execute(
        update(User).where(User.id == 1).values(name="changed"),
        execution_options={"synchronize_session": False},
    )
    with recorded_sql() as statements:
        session.refresh(user, with_for_update=True)
    assert user.name == "changed"
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 1
    locks = session.get_bind().dialect.name != "sqlite"
    assert selects[0].endswith(" FOR UPDATE") is locks
    with recorded_sql() as statements:
        session.refresh(user, ["name"], with_for_update={"read": True})
    (select_sql,) = [s for s in statements if s.startswith("SELECT")]
    shared = {"postgresql": " FOR SHARE", "mysql": " LOCK IN SHARE MODE"}
    expected = shared.get(session.get_bind().dialect.name)
    if expected is None:  # SQLite: nothing appended after the WHERE
        assert select_sql.endswith(" = ?")
    else:
        assert select_sql.endswith(expected)


def test_get_with_wrong_key_shape(session: Session) -> None:
    """get() with the wrong number of key values says what the key is."""
    with pytest.raises(exc.InvalidRequestError, match="primary key of 1 column"):
        session.get(User, (1, 2))


def test_execute_columns_filter_by_scalars_and_scalar(session: Session) -> None:
    """select() of columns returns rows; filter_by, scalars and scalar work on ORM selects."""
    _seed(session)
    rows = session.execute(select(User.id, User.name).order_by(User.id)).all()
    assert [tuple(r) for r in rows] == [(1, "ann"), (2, "bob")]
    assert session.scalars(select(User).filter_by(name="bob")).one().id == 2
    assert session.scalar(select(func.count()).select_from(User)) == 2
    pairs = session.execute(
        select(User, Address).join(Address, Address.user_id == User.id).order_by(Address.id)
    ).all()
    assert [(u.name, a.email) for u, a in pairs] == [("ann", "a@x"), ("ann", "b@x")]
    owners = (
        session.execute(select(User).join(Address, Address.user_id == User.id))
        .scalars()
        .unique()
        .all()
    )
    assert [u.name for u in owners] == ["ann"]


def test_one_and_one_or_none_errors(session: Session) -> None:
    """one() raises NoResultFound and MultipleResultsFound."""
    _seed(session)
    with pytest.raises(exc.NoResultFound):
        session.scalars(select(User).where(User.name == "nobody")).one()
    with pytest.raises(exc.MultipleResultsFound):
        session.scalars(select(User)).one()


@pytest.mark.parametrize("mode", ["auto", "evaluate", "fetch"])
def test_bulk_update_synchronizes_session(session: Session, mode: str) -> None:
    """An ORM UPDATE brings matching objects in the session up to date."""
    ann, bob = _seed(session)
    session.execute(select(User)).all()
    session.execute(
        update(User).where(User.name == "ann").values(nickname="A"),
        execution_options={"synchronize_session": mode},
    )
    assert ann.nickname == "A"
    assert bob.nickname is None


@pytest.mark.parametrize("mode", ["auto", "evaluate", "fetch"])
def test_bulk_delete_synchronizes_session(session: Session, mode: str) -> None:
    """An ORM DELETE marks matching objects deleted and forgets them."""
    _seed(session)
    addresses = session.execute(select(Address)).scalars().all()
    session.execute(
        delete(Address).where(Address.email == "a@x"),
        execution_options={"synchronize_session": mode},
    )
    gone = [a for a in addresses if a.email == "a@x"]
    assert inspect(gone[0]).deleted
    assert session.get(Address, gone[0].id) is None


def test_evaluate_refuses_what_it_cannot_evaluate(session: Session) -> None:
    """synchronize_session='evaluate' explains when the WHERE is beyond it."""
    _seed(session)
    users = session.execute(select(User)).all()  # held: objects the UPDATE must evaluate
    assert users
    with pytest.raises(exc.InvalidRequestError, match="fetch"):
        session.execute(
            update(User).where(User.name.like("a%")).values(nickname="x"),
            execution_options={"synchronize_session": "evaluate"},
        )


def test_begin_context_commits_or_rolls_back(schema_engine: Engine) -> None:
    """with session.begin(): commits at the end, or rolls back on an exception."""
    with Session(schema_engine) as session:
        with session.begin():
            session.add(User(name="kept"))
        with pytest.raises(RuntimeError), session.begin():
            session.add(User(name="lost"))
            raise RuntimeError("boom")
        names = session.execute(select(User.name)).scalars().all()
    assert names == ["kept"]


def test_begin_twice_is_refused(session: Session) -> None:
    """begin() while a transaction is open is an error that names the way out."""
    session.execute(select(User)).all()
    with pytest.raises(exc.InvalidRequestError, match="begin_nested"):
        session.begin()


def test_sessionmaker_configure_and_begin(schema_engine: Engine) -> None:
    """sessionmaker makes configured sessions; begin() commits and closes."""
    factory: sessionmaker[Session] = sessionmaker(schema_engine, expire_on_commit=False)
    with factory.begin() as session:
        session.add(User(name="made"))
    assert schema_engine.pool.checkedout() == 0
    factory.configure(autoflush=False)
    with factory() as session:
        assert session.autoflush is False
        assert session.expire_on_commit is False
        assert session.scalars(select(User.name)).all() == ["made"]


def test_merge_loads_and_copies(schema_engine: Engine) -> None:
    """merge() copies a detached object's state onto the session's copy of the row."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = User(name="ann")
        session.add(user)
        session.commit()
    user.nickname = "merged"
    with Session(schema_engine) as session:
        merged = session.merge(user)
        assert merged is not user
        assert inspect(merged).persistent
        assert merged.nickname == "merged"
        assert merged in session.dirty
        session.commit()
        assert session.get(User, user.id).nickname == "merged"  # type: ignore[union-attr]
        fresh = session.merge(User(name="new"))
        assert inspect(fresh).pending


def test_merge_without_load(schema_engine: Engine) -> None:
    """merge(load=False) attaches the state as persistent without a SELECT."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = User(name="ann")
        session.add(user)
        session.commit()
    with Session(schema_engine) as session, recorded_sql() as sql:
        merged = session.merge(user, load=False)
        assert merged.name == "ann"
        assert inspect(merged).persistent
    assert dml(sql) == []


def test_expunge_new_dirty_deleted_contains_iter(session: Session) -> None:
    """new, dirty, deleted, 'in', iteration and expunge reflect the holding zone."""
    ann, bob = _seed(session)
    session.execute(select(User)).all()
    pending = User(name="cy")
    session.add(pending)
    ann.nickname = "a"
    session.delete(bob)
    assert session.new == [pending]
    assert session.dirty == [ann]
    assert session.deleted == [bob]
    assert pending in session and ann in session
    assert {id(o) for o in session} >= {id(pending), id(ann)}
    session.expunge(pending)
    assert inspect(pending).transient
    assert pending not in session
    session.expunge_all()
    assert inspect(ann).detached
    assert list(session) == []


def test_refresh_expire_and_expire_all(session: Session) -> None:
    """refresh reloads now; expire and expire_all reload on next access."""
    _seed(session)
    user = session.get(User, 1)
    assert user is not None
    user.nickname = "unsaved"
    session.refresh(user)
    assert inspect(user).attrs.nickname.value is None
    session.expire(user, ["name"])
    assert "name" not in user.__dict__
    assert user.name == "ann"
    session.expire_all()
    assert inspect(user).expired_attributes >= {"name", "nickname"}
    with recorded_sql() as sql:
        assert user.name == "ann"
    assert len(dml(sql)) == 1


def test_object_deleted_underneath(session: Session) -> None:
    """An expired object whose row was deleted raises ObjectDeletedError on access."""
    _seed(session)
    user = session.get(User, 2)
    assert user is not None
    session.execute(
        delete(User).where(User.id == 2), execution_options={"synchronize_session": False}
    )
    session.expire(user)
    with pytest.raises(exc.ObjectDeletedError, match="User row with primary key"):
        _ = user.name


def test_get_bind_connection_and_is_active(schema_engine: Engine) -> None:
    """get_bind() is the engine; connection() is the transaction's connection."""
    with Session(schema_engine) as session:
        assert session.get_bind() is schema_engine
        assert session.is_active
        connection = session.connection()
        assert connection is session.connection()
        assert session.in_transaction()


def test_misuse_errors(schema_engine: Engine) -> None:
    """Attaching to two sessions or deleting a transient object fails clearly."""
    first, second = Session(schema_engine), Session(schema_engine)
    user = User(name="ann")
    first.add(user)
    with pytest.raises(exc.InvalidRequestError, match="already attached to another Session"):
        second.add(user)
    with pytest.raises(exc.InvalidRequestError, match="not persisted"):
        second.delete(User(name="x"))
    with pytest.raises(TypeError, match="'nmae' is not an attribute of User"):
        User(nmae="x")  # type: ignore[call-arg]
    first.close()
    second.close()


def test_flush_inside_flush_is_refused(session: Session) -> None:
    """flush() called while flushing (from a column default) is refused."""
    from tests.integration.orm_models import Gated

    holder: dict[str, Any] = {}
    original = Gated.__mapper__.columns_by_key["label"].default

    def reentrant() -> str:
        try:
            session.flush()
        except exc.InvalidRequestError as error:
            holder["error"] = error
        return "x"

    Gated.__mapper__.columns_by_key["label"].default = ColumnDefault(reentrant)
    try:
        session.add(Gated())
        session.flush()
    finally:
        Gated.__mapper__.columns_by_key["label"].default = original
    assert "already flushing" in str(holder["error"])


def test_version_counter_increments_and_detects_stale_rows(schema_engine: Engine) -> None:
    """version_id_col starts at 1, goes up with each UPDATE, and a stale UPDATE raises."""
    with Session(schema_engine) as session:
        session.add(Counter(id=1))
        session.commit()
    second = Session(schema_engine, expire_on_commit=False)
    with Session(schema_engine) as first, second:
        b = second.get(Counter, 1)
        second.commit()  # b keeps version 1 in memory; its row is about to move on
        a = first.get(Counter, 1)
        assert a is not None and b is not None
        assert a.version == 1
        a.value += 1
        first.commit()
        b.value += 1
        with pytest.raises(
            exc.StaleDataError, match=r"Counter \(primary key \(1,\), expected version 1\)"
        ):
            second.flush()
        assert isinstance(exc.StaleDataError("x"), exc.RetryableError)
    with Session(schema_engine) as session:
        counter = session.get(Counter, 1)
        assert counter is not None
        assert (counter.value, counter.version) == (1, 2)


def test_object_status_transitions(session: Session) -> None:
    """transient -> pending -> persistent -> deleted -> detached, as inspect() reports."""
    user = User(name="ann")
    assert inspect(user).status is ObjectStatus.TRANSIENT
    session.add(user)
    assert inspect(user).status is ObjectStatus.PENDING
    session.flush()
    assert inspect(user).status is ObjectStatus.PERSISTENT
    assert inspect(user).identity == (user.id,)
    assert inspect(user).session is session
    session.delete(user)
    session.flush()
    assert inspect(user).status is ObjectStatus.DELETED
    session.commit()
    assert inspect(user).status is ObjectStatus.DETACHED


def test_get_with_wrong_key_type(session: Session) -> None:
    """get() with a key of the wrong type is refused before any SQL, naming the column."""
    with recorded_sql() as sql, pytest.raises(exc.ArgumentError, match=r"users\.id.*got str"):
        session.get(User, "one")
    assert dml(sql) == []


def test_add_begins_the_transaction_so_rollback_expunges(session: Session) -> None:
    """add() begins the session's transaction (no connection): rollback() expunges the object."""
    user = User(name="pending")
    session.add(user)
    assert session.in_transaction()
    assert session.get_bind().pool.checkedout() == 0
    session.rollback()
    assert inspect(user).transient
    assert session.new == []
