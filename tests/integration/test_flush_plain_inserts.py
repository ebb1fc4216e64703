"""New rows whose relationships have nothing to write: the flush sends their INSERTs alone
(unit_of_work/relational_flush.inserts_alone) and leaves the objects as any flush does.

Every test runs on SQLite, PostgreSQL and MariaDB; ``shape()`` reduces each statement to
its verb and table.
"""

from __future__ import annotations

import pytest

from corral import Engine, exc, inspect, select
from tests.integration.orm_models import presorted_flushes, recorded_sql
from tests.integration.relationship_models import (
    Customer,
    Order,
    Post,
    Tag,
    rel_session,
    rows,
    shape,
)


def test_new_parent_alone_is_one_insert_and_becomes_persistent(db: Engine) -> None:
    """A new Customer (one-to-many orders, none given): one INSERT, the generated key in
    the object, in the identity map, and its empty collection a base for the next flush."""
    with rel_session(db) as session:
        customer = Customer(name="ann")
        session.add(customer)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer"]
        assert inspect(customer).persistent
        customer_id = customer.id
        assert isinstance(customer_id, int)
        with recorded_sql() as sql:
            assert session.get(Customer, customer_id) is customer
        assert shape(sql) == []
        customer.orders.append(Order(reference="o-1"))
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT orders"]
    assert rows(db, "SELECT id, name FROM customer") == [(customer_id, "ann")]
    assert rows(db, "SELECT reference, customer_id FROM orders") == [("o-1", customer_id)]


def test_new_rows_of_two_classes_in_the_order_added(db: Engine) -> None:
    """Unlinked Customers and a Post with no tags: one INSERT per table and shape, each row
    with its own key, no association rows."""
    with rel_session(db) as session:
        first, post, second = Customer(name="ann"), Post(title="p"), Customer(name="bo")
        session.add_all([first, post, second])
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) in (
            ["INSERT customer", "INSERT post"],  # one executemany for both customers
            ["INSERT customer", "INSERT customer", "INSERT post"],  # one INSERT per row
        )
        assert len({first.id, second.id}) == 2
        keys = [(first.id, "ann"), (second.id, "bo")]
        post_id = post.id
    assert rows(db, "SELECT id, name FROM customer ORDER BY name") == keys
    assert rows(db, "SELECT id, title FROM post") == [(post_id, "p")]
    assert rows(db, "SELECT * FROM post_tag") == []


def test_post_with_a_tag_still_writes_its_association_row(db: Engine) -> None:
    """A collection member given: the table-by-table writing, association row last."""
    with rel_session(db) as session:
        session.add(Post(title="p", tags=[Tag(name="t")]))
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT post", "INSERT tag", "INSERT post_tag"]
    assert len(rows(db, "SELECT * FROM post_tag")) == 1


def test_failed_insert_leaves_the_object_pending_again(db: Engine) -> None:
    """A duplicate key: the flush fails, rollback() leaves the new object out of the
    session without a key it did not have, and the table as it was."""
    with rel_session(db) as session:
        session.add(Customer(id=1, name="ann"))
        session.commit()
    with rel_session(db) as session:
        duplicate = Customer(id=1, name="bo")
        other = Customer(name="cy")
        session.add_all([other, duplicate])
        with pytest.raises(exc.IntegrityError):
            session.commit()
        session.rollback()
        assert inspect(duplicate).transient and inspect(other).transient
        assert other.__dict__.get("id") is None  # the key it was given is gone
        assert session.scalars(select(Customer.name)).all() == ["ann"]


def test_new_rows_holding_no_relationship_value_skip_the_presort(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new Customer whose orders were never touched, then the same Customer renamed: the
    plain plan, decided before the presort (``flushing.writes_related``), one INSERT, one
    UPDATE; the control, a Customer given an order, is presorted each time."""
    presorted = presorted_flushes(monkeypatch)
    with rel_session(db) as session:
        bare = Customer(name="ann")
        session.add(bare)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer"]
        assert presorted == []
        control = Customer(name="bo", orders=[Order(reference="o-1")])
        session.add(control)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer", "INSERT orders"]
        assert len(presorted) == 1
        bare.name = "ann-2"  # changed, its orders never loaded: the plain plan too
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE customer"]
        assert len(presorted) == 1
        assert [order.reference for order in control.orders] == ["o-1"]
        control.name = "bo-2"  # control: it holds its orders, loaded
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE customer"]
        assert len(presorted) == 2
        keys = [(bare.id, "ann-2"), (control.id, "bo-2")]
    assert rows(db, "SELECT id, name FROM customer ORDER BY id") == keys
    assert rows(db, "SELECT reference, customer_id FROM orders") == [("o-1", control.id)]
