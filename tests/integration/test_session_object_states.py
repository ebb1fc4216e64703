"""Session.get_one, Session.is_modified, make_transient, make_transient_to_detached and
object_session, as SQLAlchemy 2.0 has them (``corral.orm`` and ``corral.orm.session``)."""

from __future__ import annotations

import pytest

from corral import Engine, exc, inspect, select
from corral.orm import Session, make_transient, make_transient_to_detached, object_session
from corral.orm import session as orm_session
from tests.integration.orm_models import User, create_schema, recorded_sql
from tests.integration.relationship_models import Customer, Order

SELECT_USER = (
    "SELECT users.id, users.name, users.nickname, users.status FROM users WHERE users.id = ?"
)


@pytest.fixture
def users(engine: Engine) -> Engine:
    create_schema(engine)
    with Session(engine) as session:
        session.add_all([User(id=1, name="ann"), User(id=2, name="bob")])
        session.commit()
    return engine


def _rows(engine: Engine) -> list[tuple[int, str, str | None]]:
    with engine.connect() as connection:
        query = select(User.id, User.name, User.nickname).order_by(User.id)
        return [tuple(row) for row in connection.execute(query)]


def test_get_one_returns_the_object_or_raises(users: Engine) -> None:
    """get_one() returns what get() would; with no such row it raises NoResultFound."""
    with Session(users) as session, recorded_sql() as sql:
        ann = session.get_one(User, 1)
        assert ann.name == "ann"
        assert session.get_one(User, 1) is ann  # from the identity map, no second SELECT
        with pytest.raises(exc.NoResultFound, match=r"No User has the primary key 99"):
            session.get_one(User, 99)
    assert [s for s in sql if s.startswith("SELECT")] == [SELECT_USER, SELECT_USER]


def test_is_modified_counts_net_changes_only(users: Engine) -> None:
    """is_modified(): False when loaded or set back to the loaded value, True after a change."""
    with Session(users) as session:
        assert not session.is_modified(User())
        assert session.is_modified(User(name="new"))
        ann = session.get_one(User, 1)
        assert not session.is_modified(ann)
        ann.name = "ann"
        assert not session.is_modified(ann)
        with recorded_sql() as sql:
            session.commit()  # nothing to write
        assert [s for s in sql if s.startswith("UPDATE")] == []
        ann.nickname = "a"
        assert session.is_modified(ann)
        with recorded_sql() as sql:
            session.commit()
        assert "UPDATE users SET nickname=? WHERE users.id = ?" in sql
    assert _rows(users) == [(1, "ann", "a"), (2, "bob", None)]


def test_is_modified_with_and_without_collections(db: Engine) -> None:
    """A collection that gained a member counts, unless include_collections=False."""
    with Session(db) as session:
        session.add(Customer(id=1, name="c"))
        session.commit()
        customer = session.get_one(Customer, 1)
        assert list(customer.orders) == []
        customer.orders.append(Order(id=1, reference="o1"))
        assert session.is_modified(customer)
        assert not session.is_modified(customer, include_collections=False)
        with recorded_sql() as sql:
            session.commit()
        assert "INSERT INTO orders (id, reference, customer_id) VALUES (?, ?, ?)" in sql
        assert not session.is_modified(customer)
    with Session(db) as session:
        references = session.scalars(select(Order.reference).where(Order.customer_id == 1))
        assert references.all() == ["o1"]


def test_make_transient_then_insert_as_a_new_row(users: Engine) -> None:
    """make_transient(): out of the session, no identity; adding it again INSERTs a copy."""
    with Session(users) as session:
        bob = session.get_one(User, 2)
        assert object_session(bob) is session
        make_transient(bob)
        assert inspect(bob).transient
        assert object_session(bob) is None and bob not in session
        assert inspect(bob).identity is None
        bob.id = 3
        session.add(bob)
        with recorded_sql() as sql:
            session.commit()
        assert "INSERT INTO users (id, name, nickname, status) VALUES (?, ?, ?, ?)" in sql
    assert _rows(users) == [(1, "ann", None), (2, "bob", None), (3, "bob", None)]


def test_make_transient_to_detached_then_update(users: Engine) -> None:
    """make_transient_to_detached(): a built object takes its row's identity and UPDATEs it."""
    ann = User(id=1, name="anne")
    make_transient_to_detached(ann)
    assert inspect(ann).detached
    assert inspect(ann).identity == (1,)
    with Session(users) as session:
        session.add(ann)
        assert inspect(ann).persistent and not session.is_modified(ann)
        with recorded_sql() as sql:
            assert ann.nickname is None  # absent when built: loads from the row
        assert sql[-1] == "SELECT users.nickname, users.status FROM users WHERE users.id = ?"
        ann.nickname = "a"
        with recorded_sql() as sql:
            session.commit()
        assert [s for s in sql if s.startswith("UPDATE")] == [
            "UPDATE users SET nickname=? WHERE users.id = ?"
        ]
    # The name given when built counts as the row's (as in SQLAlchemy): it was not written.
    assert _rows(users) == [(1, "ann", "a"), (2, "bob", None)]


def test_make_transient_to_detached_refuses_what_is_not_transient(users: Engine) -> None:
    """Only a transient object with its primary key set can be made detached."""
    with Session(users) as session:
        ann = session.get_one(User, 1)
        with pytest.raises(exc.InvalidRequestError, match="needs a transient object"):
            make_transient_to_detached(ann)
    with pytest.raises(exc.InvalidRequestError, match="set id first"):
        make_transient_to_detached(User(name="no key"))


def test_object_session_of_unmapped_object_raises() -> None:
    """object_session() of an object of an unmapped class raises UnmappedInstanceError."""
    with pytest.raises(exc.UnmappedInstanceError):
        object_session(object())


def test_functions_are_exported_where_sqlalchemy_has_them() -> None:
    """corral.orm.session exports the same functions as corral.orm."""
    assert orm_session.make_transient is make_transient
    assert orm_session.make_transient_to_detached is make_transient_to_detached
    assert orm_session.object_session is object_session


def test_close_undoes_what_its_one_transaction_flushed(users: Engine) -> None:
    """close() of a session whose one transaction flushed an INSERT and a DELETE: the new
    object becomes transient, the deleted one detached again, and neither row changed."""
    session = Session(users)
    carl = User(id=3, name="carl")
    session.add(carl)
    ann = session.get(User, 1)
    assert ann is not None
    session.delete(ann)
    session.flush()
    session.close()
    assert inspect(carl).transient and inspect(carl).identity is None
    assert inspect(ann).detached and inspect(ann).identity == (1,)
    assert _rows(users) == [(1, "ann", None), (2, "bob", None)]


def test_close_of_a_session_that_only_read_detaches_its_objects(users: Engine) -> None:
    """close() after a get(): the object keeps its values, detached; the session is empty."""
    session = Session(users)
    bob = session.get(User, 2)
    assert bob is not None
    session.close()
    assert inspect(bob).detached and bob.name == "bob"
    assert object_session(bob) is None and list(session.identity_map.values()) == []
    assert not session.in_transaction()
