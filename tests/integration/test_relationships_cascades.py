"""Cascades along relationships, on SQLite, PostgreSQL and MariaDB.

save-update, merge, delete, delete-orphan, expunge, refresh-expire and "all";
passive_deletes relying on ON DELETE CASCADE; write-only collections. Each
test checks the statements sent and the rows left.
"""

from __future__ import annotations

from corral import Engine, Session, inspect, select, text
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import (
    Account,
    Author,
    Book,
    Customer,
    Document,
    Event,
    Folder,
    Order,
    OrderLine,
    rel_session,
    rows,
    shape,
)


def _customers(engine: Engine) -> None:
    """ann with orders a (two lines) and b (one line); bob with order c."""
    with rel_session(engine) as session:
        a = Order(reference="a", lines=[OrderLine(product="a1"), OrderLine(product="a2")])
        b = Order(reference="b", lines=[OrderLine(product="b1")])
        c = Order(reference="c", lines=[OrderLine(product="c1")])
        session.add_all([Customer(name="ann", orders=[a, b]), Customer(name="bob", orders=[c])])
        session.commit()


def _ann(session: Session) -> Customer:
    ann: Customer = session.scalars(select(Customer).where(Customer.name == "ann")).one()
    return ann


def test_save_update_brings_the_whole_graph_into_the_session(db: Engine) -> None:
    """Adding a customer adds its orders and their lines; a later append joins too."""
    with rel_session(db) as session:
        line = OrderLine(product="x")
        order = Order(reference="o", lines=[line])
        customer = Customer(name="ann", orders=[order])
        session.add(customer)
        assert order in session
        assert line in session
        late = Order(reference="late")
        customer.orders.append(late)
        assert late in session
        session.commit()
    assert rows(db, "SELECT reference FROM orders ORDER BY reference") == [("late",), ("o",)]


def test_delete_cascades_down_two_levels(db: Engine) -> None:
    """Deleting ann deletes her lines, then her orders, then her row; bob's stay."""
    _customers(db)
    with rel_session(db, n_plus_one=None) as session:
        ann = _ann(session)
        session.delete(ann)
        with recorded_sql() as sql:
            session.commit()
        assert [s for s in shape(sql) if s != "SELECT"] == [
            "DELETE order_line",
            "DELETE orders",
            "DELETE customer",
        ]
    assert rows(db, "SELECT name FROM customer") == [("bob",)]
    assert rows(db, "SELECT reference FROM orders") == [("c",)]
    assert rows(db, "SELECT product FROM order_line") == [("c1",)]


def test_delete_orphan_deletes_exactly_the_removed_child(db: Engine) -> None:
    """Removing order a from ann deletes a and its two lines, nothing else."""
    _customers(db)
    with rel_session(db) as session:
        ann = _ann(session)
        order_a = ann.orders[0]
        assert order_a.reference == "a"
        ann.orders.remove(order_a)
        with recorded_sql() as sql:
            session.flush()
        assert [s for s in shape(sql) if s != "SELECT"] == ["DELETE order_line", "DELETE orders"]
        assert inspect(order_a).deleted
        session.commit()
    assert rows(db, "SELECT reference FROM orders ORDER BY reference") == [("b",), ("c",)]
    assert rows(db, "SELECT product FROM order_line ORDER BY product") == [("b1",), ("c1",)]


def test_delete_orphan_from_the_many_to_one_side(db: Engine) -> None:
    """order.customer = None makes it an orphan of Customer.orders: its row goes."""
    _customers(db)
    with rel_session(db) as session:
        ann = _ann(session)
        order_b = ann.orders[1]
        order_b.customer = None
        assert ann.orders == [ann.orders[0]]
        session.commit()
    assert rows(db, "SELECT reference FROM orders ORDER BY reference") == [("a",), ("c",)]


def test_moved_child_is_not_an_orphan(db: Engine) -> None:
    """An order removed from ann but appended to bob is updated, not deleted."""
    _customers(db)
    with rel_session(db) as session:
        ann = _ann(session)
        bob = session.scalars(select(Customer).where(Customer.name == "bob")).one()
        order_a = ann.orders[0]
        assert [o.reference for o in bob.orders] == ["c"]  # loaded first: no autoflush below
        ann.orders.remove(order_a)
        bob.orders.append(order_a)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE orders"]
        bob_id = bob.id
    assert rows(db, "SELECT customer_id FROM orders WHERE reference = 'a'") == [(bob_id,)]


def test_without_delete_cascade_children_keep_their_row_with_no_parent(db: Engine) -> None:
    """Deleting an author (Author.books cascades save-update, merge): books stay, key NULL."""
    with rel_session(db) as session:
        author = Author(name="ann")
        Book(title="a", author=author)
        session.add(author)
        session.commit()
        session.delete(author)
        with recorded_sql() as sql:
            session.commit()
        assert [s for s in shape(sql) if s != "SELECT"] == ["UPDATE book", "DELETE author"]
    assert rows(db, "SELECT title, author_id FROM book") == [("a", None)]


def test_passive_deletes_leave_children_to_the_database(db: Engine) -> None:
    """A folder deleted with its documents unloaded: one DELETE; ON DELETE CASCADE does the rest."""
    with rel_session(db) as session:
        session.add(Folder(name="f", documents=[Document(title="d1"), Document(title="d2")]))
        session.add(Folder(name="g", documents=[Document(title="g1")]))
        session.commit()
    with rel_session(db) as session:
        folder = session.scalars(select(Folder).where(Folder.name == "f")).one()
        session.delete(folder)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["DELETE folder"]
    assert rows(db, "SELECT title FROM document") == [("g1",)]


def test_expunge_cascades_to_loaded_children(db: Engine) -> None:
    """Expunging ann detaches her loaded orders and lines too."""
    _customers(db)
    with rel_session(db, n_plus_one=None) as session:
        ann = _ann(session)
        orders = list(ann.orders)
        lines = [line for order in orders for line in order.lines]
        session.expunge(ann)
        assert all(o not in session for o in [ann, *orders, *lines])
        assert inspect(orders[0]).detached


def test_refresh_expire_cascades_to_loaded_children(db: Engine) -> None:
    """session.expire(ann) expires her loaded orders: a change made elsewhere is read back."""
    _customers(db)
    with rel_session(db) as session:
        ann = _ann(session)
        order_a = ann.orders[0]
        assert order_a.reference == "a"
        session.execute(text("UPDATE orders SET reference = 'A' WHERE reference = 'a'"))
        assert order_a.reference == "a"  # the loaded value, until expired
        session.expire(ann)
        assert "reference" not in order_a.__dict__
        assert order_a.reference == "A"


def test_merge_cascades_to_children(db: Engine) -> None:
    """Merging a detached customer copies its orders' changes onto the session's objects."""
    _customers(db)
    with rel_session(db) as session:
        detached = _ann(session)
        _ = detached.orders
        session.expunge(detached)
    detached.orders[0].reference = "changed"
    with rel_session(db) as session:
        merged = session.merge(detached)
        assert merged is not detached
        assert merged.orders[0] is not detached.orders[0]
        assert merged.orders[0].reference == "changed"
        session.commit()
    assert rows(db, "SELECT reference FROM orders ORDER BY reference") == [
        ("b",),
        ("c",),
        ("changed",),
    ]


def test_write_only_add_remove_select(db: Engine) -> None:
    """Account.events: add() inserts, remove() deletes the orphan, select() queries members."""
    with rel_session(db) as session:
        account = Account(name="acc")
        account.events.add(Event(kind="open"))
        account.events.add_all([Event(kind="pay"), Event(kind="close")])
        session.add(account)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT account", "INSERT event"]
        kinds = session.scalars(account.events.select().order_by(Event.kind)).all()
        assert [e.kind for e in kinds] == ["close", "open", "pay"]
        pay = next(e for e in kinds if e.kind == "pay")
        account.events.remove(pay)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["DELETE event"]
        left = session.scalars(account.events.select().where(Event.kind != "x")).all()
        assert sorted(e.kind for e in left) == ["close", "open"]
    assert rows(db, "SELECT kind FROM event ORDER BY kind") == [("close",), ("open",)]


def test_write_only_parent_delete_deletes_unloaded_members(db: Engine) -> None:
    """Deleting an account deletes its events (cascade delete), never loaded into the collection."""
    with rel_session(db) as session:
        account = Account(name="acc")
        account.events.add_all([Event(kind="a"), Event(kind="b")])
        session.add_all([account, Account(name="other")])
        session.commit()
    with rel_session(db) as session:
        account = session.scalars(select(Account).where(Account.name == "acc")).one()
        session.delete(account)
        with recorded_sql() as sql:
            session.commit()
        assert [s for s in shape(sql) if s != "SELECT"] == ["DELETE event", "DELETE account"]
    assert rows(db, "SELECT count(*) FROM event") == [(0,)]
    assert rows(db, "SELECT name FROM account") == [("other",)]
