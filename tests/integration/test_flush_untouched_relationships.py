"""A flush of objects with relationships, most of which were never touched.

The relationship passes of a flush (cascades, orphans, collection history, key copying)
visit only the objects holding a relationship value (``in_memory.holding_related``):
these tests mix such objects with many that hold none, and check that what is written,
in which statements, is the same as ever.
"""

from __future__ import annotations

from corral import Engine, select
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import Customer, Order, rel_session, rows, shape


def _customers(db: Engine, count: int, orders_of_first: int = 0) -> None:
    with rel_session(db) as session:
        customers = [Customer(name=f"c{i}") for i in range(count)]
        customers[0].orders = [Order(reference=f"o-{i}") for i in range(orders_of_first)]
        session.add_all(customers)
        session.commit()


def test_renamed_customers_are_one_batched_update(db: Engine) -> None:
    """Customers renamed, their orders never loaded: one UPDATE for all, nothing else."""
    _customers(db, 5)
    with rel_session(db) as session:
        customers = session.scalars(select(Customer).order_by(Customer.id)).all()
        for customer in customers:
            customer.name = customer.name + "_upd"
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["UPDATE customer"]
        assert not session.dirty
        session.commit()
    assert rows(db, "SELECT name FROM customer ORDER BY id") == [(f"c{i}_upd",) for i in range(5)]


def test_a_collection_appended_to_among_renamed_customers(db: Engine) -> None:
    """One renamed customer's loaded orders gain an order (it gets the key); another's are
    loaded and left alone; the rest hold no collection: one UPDATE, then one INSERT."""
    _customers(db, 4)
    with rel_session(db, n_plus_one=None) as session:
        customers = session.scalars(select(Customer).order_by(Customer.id)).all()
        assert customers[1].orders == customers[2].orders == []  # loaded before any change
        for customer in customers:
            customer.name = customer.name + "_upd"
        customers[1].orders.append(Order(reference="o-new"))
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["UPDATE customer", "INSERT orders"]
        owner = customers[1].id
        session.commit()
    assert rows(db, "SELECT reference, customer_id FROM orders") == [("o-new", owner)]
    assert rows(db, "SELECT count(*) FROM customer WHERE name LIKE '%_upd'") == [(4,)]


def test_a_moved_order_among_renamed_orders(db: Engine) -> None:
    """Among orders renamed through their column only, one is given another customer: its
    row also takes that customer's key (a batch of its own, in key order)."""
    _customers(db, 2, orders_of_first=4)
    with rel_session(db, n_plus_one=None) as session:
        orders = session.scalars(select(Order).order_by(Order.id)).all()
        other = session.scalars(select(Customer).where(Customer.name == "c1")).one()
        for order in orders:
            order.reference = order.reference + "_upd"
        orders[2].customer = other
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["UPDATE orders"] * 3
        first, other_id = orders[0].customer_id, other.id
        session.commit()
    assert rows(db, "SELECT reference, customer_id FROM orders ORDER BY id") == [
        ("o-0_upd", first),
        ("o-1_upd", first),
        ("o-2_upd", other_id),
        ("o-3_upd", first),
    ]


def test_an_orphan_among_renamed_customers_is_deleted(db: Engine) -> None:
    """An order removed from its (delete-orphan) customer's loaded orders is deleted, while
    the other renamed customers hold nothing: the UPDATE, then the DELETE."""
    _customers(db, 3, orders_of_first=2)
    with rel_session(db, n_plus_one=None) as session:
        customers = session.scalars(select(Customer).order_by(Customer.id)).all()
        removed = customers[0].orders[0]
        assert removed.lines == []  # (else the delete cascade would load them in the flush)
        for customer in customers:
            customer.name = customer.name + "_upd"
        customers[0].orders.remove(removed)
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["UPDATE customer", "DELETE orders"]
        session.commit()
    assert rows(db, "SELECT reference FROM orders") == [("o-1",)]
