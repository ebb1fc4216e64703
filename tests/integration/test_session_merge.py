"""Session.merge() as SQLAlchemy merges, on SQLite, PostgreSQL and MariaDB.

One autoflush before merging (none with ``load=False``) and none while
merging, so copies created along the way stay pending; the session's copy is
loaded when expired before values are compared, so only changed columns are
written and never the primary key.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, Session, exc, inspect
from tests.integration.orm_models import Base, Counter, User, dml, recorded_sql
from tests.integration.relationship_models import Customer, Order, RelBase, rows, shape

SELECT_USER = (
    "SELECT users.id, users.name, users.nickname, users.status FROM users WHERE users.id = ?"
)


@pytest.fixture
def schema_engine(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    RelBase.metadata.create_all(engine)
    with Session(engine) as session:
        # Keys generated (1 each), so that later rows' keys come from the same sequences.
        session.add_all([User(name="ann", nickname="a"), Counter(id=1, value=0)])
        session.add(Customer(name="ann", orders=[Order(reference="a")]))
        session.commit()
    yield engine


def test_merge_does_not_flush_midway(schema_engine: Engine) -> None:
    """Merging a graph loads what it needs and writes nothing: the new child stays pending."""
    detached = Customer(
        id=1, name="ann2", orders=[Order(id=1, reference="a2"), Order(reference="new")]
    )
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            merged = session.merge(detached)
        assert shape(sql) == ["SELECT", "SELECT"]  # the customer, then its orders
        assert merged is not detached
        kept, new = merged.orders
        assert inspect(kept).persistent
        assert inspect(new).pending
        assert new is not detached.orders[1]
        assert session.new == [new]
        assert not any(obj in session for obj in [detached, *detached.orders])
        with recorded_sql() as sql:
            session.commit()
        assert sorted(shape(sql)) == ["INSERT orders", "UPDATE customer", "UPDATE orders"]
    assert rows(schema_engine, "SELECT id, name FROM customer") == [(1, "ann2")]
    assert rows(schema_engine, "SELECT reference, customer_id FROM orders ORDER BY id") == [
        ("a2", 1),
        ("new", 1),
    ]


def test_merge_autoflushes_once_before(schema_engine: Engine) -> None:
    """Pending changes are flushed once, before the merge reads anything."""
    with Session(schema_engine) as session:
        session.add(Customer(id=2, name="bob"))
        with recorded_sql() as sql:
            merged = session.merge(Customer(id=1, name="ann2", orders=[Order(reference="x")]))
        assert shape(sql) == ["INSERT customer", "SELECT", "SELECT"]
        assert inspect(merged.orders[-1]).pending
        session.commit()
    assert rows(schema_engine, "SELECT id, name FROM customer ORDER BY id") == [
        (1, "ann2"),
        (2, "bob"),
    ]
    # The collection given replaces the old one: order "a" is an orphan and is deleted.
    assert rows(schema_engine, "SELECT reference FROM orders") == [("x",)]


def test_merge_onto_expired_object_loads_it(schema_engine: Engine) -> None:
    """An expired copy is loaded first; the UPDATE sets the changed column, not the key."""
    with Session(schema_engine) as session:
        user = session.get(User, 1)
        session.commit()  # expires ``user``
        with recorded_sql() as sql:
            merged = session.merge(User(id=1, name="B"))
            assert merged is user
            assert session.dirty == [user]
            session.commit()
        assert dml(sql) == [SELECT_USER, "UPDATE users SET name=? WHERE users.id = ?"]
    assert rows(schema_engine, "SELECT id, name, nickname, status FROM users") == [
        (1, "B", "a", "new")
    ]


def test_merge_unchanged_detached_object_writes_nothing(schema_engine: Engine) -> None:
    """Merging a detached object equal to its row loads it and emits no UPDATE."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = session.get(User, 1)
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            merged = session.merge(user)
            assert session.merge(merged) is merged  # already the session's: nothing to do
            assert session.dirty == []
            session.commit()
        assert dml(sql) == [SELECT_USER]


def test_merge_without_load(schema_engine: Engine) -> None:
    """load=False attaches a clean persistent copy without SQL; it refuses what it cannot."""
    with Session(schema_engine, expire_on_commit=False) as session:
        user = session.get(User, 1)
    assert user is not None
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            merged = session.merge(user, load=False)
            assert merged is not user
            assert inspect(merged).persistent
            assert merged.name == "ann"
            assert session.dirty == []
            with pytest.raises(exc.InvalidRequestError, match="transient"):
                session.merge(User(id=7, name="never saved"), load=False)
            session.commit()
        assert dml(sql) == []
    user.name = "changed"
    with (
        Session(schema_engine) as session,
        pytest.raises(exc.InvalidRequestError, match=r"changes not flushed \(name\)"),
    ):
        session.merge(user, load=False)
    assert rows(schema_engine, "SELECT id, name FROM users") == [(1, "ann")]


def test_merge_transient_makes_pending_copy(schema_engine: Engine) -> None:
    """A transient with no key, or a key with no row, becomes a new pending copy."""
    without_key = User(name="cy")
    with_key = User(id=5, name="dee")
    with Session(schema_engine) as session:
        with recorded_sql() as sql:
            first = session.merge(without_key)
        assert dml(sql) == []  # no key: no row to look for
        assert inspect(first).pending
        with recorded_sql() as sql:
            second = session.merge(with_key)
        # The autoflush before this merge inserts ``first``; then row 5 is looked for.
        assert dml(sql)[0].startswith("INSERT INTO users ")
        assert dml(sql)[1:] == [SELECT_USER]
        assert inspect(first).persistent and inspect(second).pending
        assert first is not without_key and second is not with_key
        assert inspect(without_key).transient and inspect(with_key).transient
        session.commit()
    assert rows(schema_engine, "SELECT name FROM users ORDER BY name") == [
        ("ann",),
        ("cy",),
        ("dee",),
    ]


def test_merge_refuses_a_stale_version(schema_engine: Engine) -> None:
    """A versioned object read before another commit does not overwrite it."""
    with Session(schema_engine, expire_on_commit=False) as session:
        stale = session.get(Counter, 1)
    with Session(schema_engine) as session:
        counter = session.get(Counter, 1)
        assert counter is not None
        counter.value = 10
        session.commit()
    assert stale is not None
    stale.value = 99
    with Session(schema_engine) as session:
        with pytest.raises(exc.StaleDataError, match="version 1 is not the version 2"):
            session.merge(stale)
        session.rollback()
        with recorded_sql() as sql:
            session.merge(Counter(id=1, value=5))  # no version given: updates the latest
            session.commit()
        assert dml(sql)[1:] == [
            "UPDATE counters SET value=?, version=? WHERE counters.id = ? AND counters.version = ?"
        ]
    assert rows(schema_engine, "SELECT value, version FROM counters") == [(5, 3)]
