"""What a flush of related objects sends, in order, and what the tables hold afterwards.

Every test runs on SQLite, PostgreSQL and MariaDB. ``shape()`` reduces each
statement to its verb and table, so one expectation holds on the three
databases (PostgreSQL adds RETURNING to INSERTs; MariaDB does not).
"""

from __future__ import annotations

import pytest

from corral import Engine, exc, inspect, select
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import (
    Author,
    Book,
    City,
    Customer,
    Desk,
    Employee,
    Entry,
    Order,
    OrderLine,
    Passport,
    Person,
    Post,
    Tag,
    Trip,
    Widget,
    rel_session,
    rows,
    shape,
)


def test_many_to_one_copies_the_generated_key(db: Engine) -> None:
    """A new Order pointing at a new Customer: the customer first, then its generated key."""
    with rel_session(db) as session:
        customer = Customer(name="ann")
        order = Order(reference="o-1", customer=customer)
        session.add(order)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer", "INSERT orders"]
        customer_id = customer.id
    assert rows(db, "SELECT reference, customer_id FROM orders") == [("o-1", customer_id)]


def test_one_to_many_inserts_children_in_one_batch(db: Engine) -> None:
    """A customer's three new orders go in one INSERT after the customer's, each with its key."""
    with rel_session(db) as session:
        customer = Customer(name="ann", orders=[Order(reference=f"o-{i}") for i in range(3)])
        session.add(customer)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer", "INSERT orders"]
        customer_id = customer.id
    assert rows(db, "SELECT reference, customer_id FROM orders ORDER BY reference") == [
        ("o-0", customer_id),
        ("o-1", customer_id),
        ("o-2", customer_id),
    ]


def test_child_appended_to_persistent_parent_gets_its_key(db: Engine) -> None:
    """Appending a new order to a loaded customer: one INSERT carrying the customer's key."""
    with rel_session(db) as session:
        session.add(Customer(name="ann"))
        session.commit()
        customer = session.scalars(select(Customer)).one()
        customer.orders.append(Order(reference="late"))
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT orders"]
        customer_id = customer.id
    assert rows(db, "SELECT reference, customer_id FROM orders") == [("late", customer_id)]


def test_moving_a_child_updates_only_its_foreign_key(db: Engine) -> None:
    """An order moved to another customer: one UPDATE of orders, no INSERT or DELETE."""
    with rel_session(db) as session:
        ann, bob = Customer(name="ann"), Customer(name="bob")
        ann.orders.append(Order(reference="o"))
        session.add_all([ann, bob])
        session.commit()
        order = ann.orders[0]
        bob.orders.append(order)
        assert order.customer is bob
        assert ann.orders == []
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE orders"]
        bob_id = bob.id
    assert rows(db, "SELECT customer_id FROM orders") == [(bob_id,)]


def test_one_to_one_round_trip(db: Engine) -> None:
    """Person.passport (uselist=False): inserted after the person, read back as one object."""
    with rel_session(db) as session:
        person = Person(name="ann", passport=Passport(number="X1"))
        session.add(person)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT person", "INSERT passport"]
    with rel_session(db) as session:
        loaded = session.scalars(select(Person)).one()
        assert isinstance(loaded.passport, Passport)
        assert loaded.passport.number == "X1"
        assert loaded.passport.holder is loaded


def test_replacing_a_one_to_one_deletes_the_orphan(db: Engine) -> None:
    """Passport replaced (person_id is UNIQUE): the old row goes first, then the new one."""
    with rel_session(db) as session:
        session.add(Person(name="ann", passport=Passport(number="OLD")))
        session.commit()
        person = session.scalars(select(Person)).one()
        old = person.passport
        assert old is not None
        with recorded_sql() as sql:
            person.passport = None
            assert old.holder is None
            session.flush()  # as in SQLAlchemy: DELETEs follow INSERTs within one flush
            person.passport = Passport(number="NEW")
            session.commit()
        assert shape(sql) == ["DELETE passport", "INSERT passport"]
    assert rows(db, "SELECT number FROM passport") == [("NEW",)]


def test_handing_a_one_to_one_to_a_new_row_in_one_flush(db: Engine) -> None:
    """Desk.employee_id is UNIQUE: the old desk lets go (UPDATE) before the new desk's INSERT."""
    with rel_session(db) as session:
        session.add(Employee(name="ann", desk=Desk(label="A1")))
        session.commit()
        employee = session.scalars(select(Employee)).one()
        old = employee.desk
        assert old is not None
        with recorded_sql() as sql:
            employee.desk = Desk(label="B2")
            assert old.employee is None
            session.commit()
        assert shape(sql) == ["UPDATE desk", "INSERT desk"]
        employee_id = employee.id
    assert sorted(rows(db, "SELECT label, employee_id FROM desk")) == [
        ("A1", None),
        ("B2", employee_id),
    ]


def test_many_to_many_insert_writes_each_association_row_once(db: Engine) -> None:
    """Both sides of Post.tags / Tag.posts change together; each pair is inserted once."""
    with rel_session(db) as session:
        post = Post(title="p")
        a, b = Tag(name="a"), Tag(name="b")
        post.tags.append(a)
        b.posts.add(post)
        assert post.tags == [a, b]
        assert a.posts == {post}
        session.add(post)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT post", "INSERT tag", "INSERT post_tag"]
        expected = sorted([(post.id, a.id), (post.id, b.id)])
    assert rows(db, "SELECT post_id, tag_id FROM post_tag ORDER BY post_id, tag_id") == expected


def test_many_to_many_both_loaded_sides_record_one_row(db: Engine) -> None:
    """post.tags.append(tag) with tag.posts loaded changes both; one association row results."""
    with rel_session(db) as session:
        session.add_all([Post(title="p"), Tag(name="t")])
        session.commit()
        post = session.scalars(select(Post)).one()
        tag = session.scalars(select(Tag)).one()
        assert post.tags == [] and tag.posts == set()
        post.tags.append(tag)
        assert tag.posts == {post}
        with recorded_sql() as sql:
            session.commit()
        assert [s for s in sql if s.startswith("INSERT")] == [
            "INSERT INTO post_tag (post_id, tag_id) VALUES (?, ?)"
        ]
    assert rows(db, "SELECT count(*) FROM post_tag") == [(1,)]


def test_many_to_many_remove_deletes_the_association_row(db: Engine) -> None:
    """Removing a tag from a post deletes that pair's row only; both objects remain."""
    with rel_session(db) as session:
        post = Post(title="p", tags=[Tag(name="a"), Tag(name="b")])
        session.add(post)
        session.commit()
        tag_a = post.tags[0]
        assert tag_a.posts == {post}  # loaded, so the removal shows on both sides
        post.tags.remove(tag_a)
        assert tag_a.posts == set()
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["DELETE post_tag"]
        remaining = [(post.id, post.tags[0].id)]
    assert rows(db, "SELECT post_id, tag_id FROM post_tag") == remaining
    assert rows(db, "SELECT count(*) FROM tag") == [(2,)]


def test_deleting_a_many_to_many_owner_deletes_its_rows(db: Engine) -> None:
    """Deleting a post deletes its association rows first, then the post; tags stay."""
    with rel_session(db) as session:
        session.add_all([Post(title="p", tags=[Tag(name="a"), Tag(name="b")]), Post(title="q")])
        session.commit()
        post = session.scalars(select(Post).where(Post.title == "p")).one()
        session.delete(post)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["DELETE post_tag", "DELETE post"]
    assert rows(db, "SELECT count(*) FROM post_tag") == [(0,)]
    assert rows(db, "SELECT title FROM post") == [("q",)]
    assert rows(db, "SELECT count(*) FROM tag") == [(2,)]


def test_removed_child_without_delete_orphan_has_its_key_emptied(db: Engine) -> None:
    """Author.books (backref, no delete-orphan): a removed book stays with author_id NULL."""
    with rel_session(db) as session:
        author = Author(name="ann")
        Book(title="kept", author=author)
        Book(title="gone", author=author)
        session.add(author)
        session.commit()
        gone = next(b for b in author.books if b.title == "gone")
        author.books.remove(gone)
        assert gone.author is None
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE book"]
        author_id = author.id
    assert rows(db, "SELECT title, author_id FROM book ORDER BY title") == [
        ("gone", None),
        ("kept", author_id),
    ]


def test_post_update_breaks_the_widget_entry_cycle(db: Engine) -> None:
    """Widget and Entry refer to each other: INSERT widget, INSERT entry, then UPDATE widget."""
    with rel_session(db) as session:
        widget = Widget(name="w")
        entry = Entry(name="e")
        widget.entries.append(entry)
        widget.favorite_entry = entry
        session.add(widget)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT widget", "INSERT entry", "UPDATE widget"]
        ids = (widget.id, entry.id)
    assert rows(db, "SELECT id, favorite_entry_id FROM widget") == [(ids[0], ids[1])]
    assert rows(db, "SELECT id, widget_id FROM entry") == [(ids[1], ids[0])]


def test_deleting_a_post_update_cycle_empties_the_key_first(db: Engine) -> None:
    """Deleting a widget and its entries: UPDATE widget (key to NULL), then the DELETEs."""
    with rel_session(db) as session:
        widget = Widget(name="w")
        entry = Entry(name="e")
        widget.entries.append(entry)
        widget.favorite_entry = entry
        session.add(widget)
        session.commit()
        session.delete(widget)
        with recorded_sql() as sql:
            session.commit()
        assert [s for s in shape(sql) if s != "SELECT"] == [
            "UPDATE widget",
            "DELETE entry",
            "DELETE widget",
        ]
    assert rows(db, "SELECT count(*) FROM widget") == [(0,)]
    assert rows(db, "SELECT count(*) FROM entry") == [(0,)]


def test_two_foreign_keys_to_one_table(db: Engine) -> None:
    """Trip.origin and Trip.destination each write their own column."""
    with rel_session(db) as session:
        paris, rome = City(name="paris"), City(name="rome")
        trip = Trip(origin=paris, destination=rome)
        session.add(trip)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT city", "INSERT trip"]
        assert rome.arrivals == [trip]
        expected = [(paris.id, rome.id)]
    assert rows(db, "SELECT origin_id, destination_id FROM trip") == expected


def test_failed_second_table_rolls_back_the_first(db: Engine) -> None:
    """An order the database refuses (NULL reference) leaves no customer row behind."""
    with rel_session(db) as session:
        customer = Customer(name="ann", orders=[Order(reference=None)])  # type: ignore[arg-type]
        session.add(customer)
        with recorded_sql() as sql, pytest.raises(exc.IntegrityError):
            session.flush()
        assert shape(sql) == ["INSERT customer", "INSERT orders"]
        assert "id" not in customer.__dict__  # the rolled-back key is not kept
        session.rollback()
    assert rows(db, "SELECT count(*) FROM customer") == [(0,)]
    assert rows(db, "SELECT count(*) FROM orders") == [(0,)]


def test_line_orders_child_rows_after_parents_across_three_tables(db: Engine) -> None:
    """Customer → Order → OrderLine, all new: three INSERTs in foreign-key order."""
    with rel_session(db) as session:
        order = Order(reference="o", lines=[OrderLine(product="x"), OrderLine(product="y")])
        session.add(Customer(name="ann", orders=[order]))
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer", "INSERT orders", "INSERT order_line"]
        order_id = order.id
    assert rows(db, "SELECT product, order_id FROM order_line ORDER BY product") == [
        ("x", order_id),
        ("y", order_id),
    ]


def test_many_new_parents_mostly_without_children_insert_in_two_batches(db: Engine) -> None:
    """Forty new customers, most never given orders (the flush passes over their
    relationships, having nothing to do for them), three given orders in different ways:
    one INSERT of the customers and one of the orders, each order carrying the key of the
    customer it was given, every customer persistent under its own key."""
    with rel_session(db) as session:
        customers = [Customer(name=f"c{i:02}") for i in range(40)]
        session.add_all(customers)
        customers[3].orders.append(Order(reference="appended"))  # after add: cascaded
        customers[7].orders = [Order(reference="assigned")]
        session.add(Order(reference="many-to-one", customer=customers[30]))
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["INSERT customer", "INSERT orders"]
        assert all(inspect(c).persistent and inspect(c).session is session for c in customers)
        keys = [inspect(c).identity for c in customers]
        ids = {c.name: c.id for c in customers}
        assert keys == [(ids[c.name],) for c in customers]
        assert len(set(ids.values())) == 40
    assert rows(db, "SELECT name, id FROM customer ORDER BY name") == sorted(ids.items())
    assert rows(db, "SELECT reference, customer_id FROM orders ORDER BY reference") == [
        ("appended", ids["c03"]),
        ("assigned", ids["c07"]),
        ("many-to-one", ids["c30"]),
    ]
