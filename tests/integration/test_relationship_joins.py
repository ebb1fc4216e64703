"""Joins along relationships, aliased() and relationship comparisons return the right rows.

On SQLite, PostgreSQL and MariaDB. The rows are inserted with plain INSERTs so
that these tests read only what the queries under test return.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, aliased, insert, select
from corral.orm.relationships.attribute import RelationshipAttribute
from tests.integration.relationship_models import (
    City,
    Customer,
    Node,
    Order,
    OrderLine,
    Person,
    Post,
    RelBase,
    Tag,
    Trip,
    rel_session,
)


def rel(attribute: object) -> RelationshipAttribute[Any]:
    """A relationship attribute as its own type (``Mapped[...]`` types it as a column)."""
    assert isinstance(attribute, RelationshipAttribute)
    return attribute


ROWS: list[tuple[Any, list[dict[str, Any]]]] = [
    (Customer, [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bob"}, {"id": 3, "name": "Cy"}]),
    (
        Order,
        [
            {"id": 10, "reference": "A-1", "customer_id": 1},
            {"id": 11, "reference": "A-2", "customer_id": 1},
            {"id": 20, "reference": "B-1", "customer_id": 2},
            {"id": 30, "reference": "loose", "customer_id": None},
        ],
    ),
    (
        OrderLine,
        [
            {"id": 100, "product": "pen", "quantity": 2, "order_id": 10},
            {"id": 101, "product": "ink", "quantity": 1, "order_id": 20},
        ],
    ),
    (Person, [{"id": 1, "name": "Pat"}, {"id": 2, "name": "Quinn"}]),
    (Post, [{"id": 1, "title": "hello"}, {"id": 2, "title": "world"}, {"id": 3, "title": "bare"}]),
    (Tag, [{"id": 1, "name": "news"}, {"id": 2, "name": "misc"}]),
    (
        RelBase.metadata.tables["post_tag"],
        [{"post_id": 1, "tag_id": 1}, {"post_id": 1, "tag_id": 2}, {"post_id": 2, "tag_id": 2}],
    ),
    (
        Node,
        [
            {"id": 1, "name": "root", "parent_id": None},
            {"id": 2, "name": "a", "parent_id": 1},
            {"id": 3, "name": "b", "parent_id": 1},
            {"id": 4, "name": "a1", "parent_id": 2},
        ],
    ),
    (City, [{"id": 1, "name": "Oslo"}, {"id": 2, "name": "Rome"}, {"id": 3, "name": "Lima"}]),
    (
        Trip,
        [
            {"id": 1, "origin_id": 1, "destination_id": 2},
            {"id": 2, "origin_id": 2, "destination_id": 3},
            {"id": 3, "origin_id": 3, "destination_id": 1},
        ],
    ),
]


@pytest.fixture
def db(db: Engine) -> Iterator[Engine]:
    """The relationship models' tables (conftest's ``db``), filled with a small fixed data set."""
    with db.begin() as connection:
        for target, rows in ROWS:
            table = getattr(target, "__table__", target)
            connection.execute(insert(table), rows)
    yield db


def ids(objects: Any) -> list[int]:
    return sorted(o.id for o in objects)


def test_join_one_to_many(db: Engine) -> None:
    """Customers with an order whose reference matches, through Customer.orders."""
    with rel_session(db) as s:
        found = s.scalars(
            select(Customer).join(Customer.orders).where(Order.reference.startswith("A"))
        ).all()
    assert [c.name for c in found] == ["Ada", "Ada"]  # one row per matching order


def test_join_many_to_one(db: Engine) -> None:
    """Orders of the customer named Bob, through Order.customer."""
    with rel_session(db) as s:
        found = s.scalars(select(Order).join(Order.customer).where(Customer.name == "Bob")).all()
    assert [o.reference for o in found] == ["B-1"]


def test_outerjoin_keeps_customers_without_orders(db: Engine) -> None:
    """LEFT OUTER JOIN: Cy, who has no order, comes back with a NULL order id."""
    statement = (
        select(Customer.name, Order.id).outerjoin(Customer.orders).order_by(Customer.id, Order.id)
    )
    with rel_session(db) as s:
        found = [tuple(r) for r in s.execute(statement)]
    assert found == [("Ada", 10), ("Ada", 11), ("Bob", 20), ("Cy", None)]


def test_join_isouter_and_join_from(db: Engine) -> None:
    """join(isouter=True) and join_from(left, relationship) build the same join."""
    outer = select(Customer.id).join(Customer.orders, isouter=True).where(Order.id.is_(None))
    from_left = select(Customer.id).join_from(Customer, Order, Customer.orders)
    with rel_session(db) as s:
        assert s.scalars(outer).all() == [3]
        assert sorted(s.scalars(from_left).all()) == [1, 1, 2]


def test_chained_joins(db: Engine) -> None:
    """customer JOIN orders JOIN order_line: who bought ink."""
    statement = (
        select(Customer).join(Customer.orders).join(Order.lines).where(OrderLine.product == "ink")
    )
    with rel_session(db) as s:
        assert [c.name for c in s.scalars(statement)] == ["Bob"]


def test_many_to_many_join(db: Engine) -> None:
    """post JOIN post_tag JOIN tag: posts tagged misc."""
    with rel_session(db) as s:
        found = s.scalars(select(Post).join(Post.tags).where(Tag.name == "misc")).all()
    assert ids(found) == [1, 2]


def test_two_foreign_keys_to_one_table(db: Engine) -> None:
    """Trip.origin and Trip.destination join city through their own foreign keys."""
    with rel_session(db) as s:
        leaving = s.scalars(select(Trip).join(Trip.origin).where(City.name == "Oslo")).all()
        arriving = s.scalars(select(Trip).join(Trip.destination).where(City.name == "Oslo")).all()
    assert ids(leaving) == [1]
    assert ids(arriving) == [3]


def test_self_join_through_an_alias(db: Engine) -> None:
    """Nodes with a child named a1, joined through Node.children.of_type(aliased(Node))."""
    child = aliased(Node)
    by_of_type = select(Node).join(rel(Node.children).of_type(child)).where(child.name == "a1")
    by_target = select(Node).join(child, Node.children).where(child.name == "b")
    with rel_session(db) as s:
        assert [n.name for n in s.scalars(by_of_type)] == ["a"]
        assert [n.name for n in s.scalars(by_target)] == ["root"]


def test_selecting_an_aliased_class_loads_objects(db: Engine) -> None:
    """select(aliased(Node)) loads Node objects, the same ones the identity map holds."""
    parent = aliased(Node, name="parent")
    statement = select(Node, parent).join(rel(Node.parent).of_type(parent)).order_by(Node.id)
    with rel_session(db) as s:
        pairs = [tuple(row) for row in s.execute(statement)]
        assert [(n.name, p.name) for n, p in pairs] == [("a", "root"), ("b", "root"), ("a1", "a")]
        assert all(isinstance(p, Node) for _, p in pairs)
        assert pairs[0][1] is pairs[1][1]  # root, once per session
        assert pairs[2][1] is pairs[0][0]  # a, as child and as parent


def test_many_to_one_comparisons(db: Engine) -> None:
    """== object, == None, != object (NULLs included) and != None on Order.customer."""
    with rel_session(db) as s:
        ada = s.get(Customer, 1)
        assert ada is not None
        assert ids(s.scalars(select(Order).where(Order.customer == ada))) == [10, 11]
        assert ids(s.scalars(select(Order).where(Order.customer == None))) == [30]  # noqa: E711
        assert ids(s.scalars(select(Order).where(Order.customer != ada))) == [20, 30]
        assert ids(s.scalars(select(Order).where(Order.customer != None))) == [10, 11, 20]  # noqa: E711


def test_comparison_with_an_object_flushed_later(db: Engine) -> None:
    """The compared key is read when the query runs, after autoflush gives the object its key."""
    with rel_session(db) as s:
        dee = Customer(name="Dee")
        statement = select(Order).where(Order.customer == dee)  # dee has no id yet
        dee.id = 4  # explicit: the fixture's rows left PostgreSQL's sequence at 1
        s.add(Order(id=40, reference="D-1", customer=dee))  # autoflush sets customer_id
        assert ids(s.scalars(statement)) == [40]


def test_any_and_has(db: Engine) -> None:
    """any() with a criterion, with keywords, without arguments, negated; has()."""
    orders = rel(Customer.orders)
    with rel_session(db) as s:
        assert ids(s.scalars(select(Customer).where(orders.any(Order.reference == "B-1")))) == [2]
        assert ids(s.scalars(select(Customer).where(orders.any(reference="A-2")))) == [1]
        assert ids(s.scalars(select(Customer).where(orders.any()))) == [1, 2]
        assert ids(s.scalars(select(Customer).where(~orders.any()))) == [3]
        assert ids(s.scalars(select(Customer).where(Customer.orders == None))) == [3]  # noqa: E711
        has_ada = rel(Order.customer).has(Customer.name == "Ada")
        assert ids(s.scalars(select(Order).where(has_ada))) == [10, 11]


def test_many_to_many_any_and_contains(db: Engine) -> None:
    """Post.tags.any() goes through post_tag; contains() finds the posts holding a tag."""
    with rel_session(db) as s:
        news = s.scalars(select(Tag).where(Tag.name == "news")).one()
        tags = rel(Post.tags)
        assert ids(s.scalars(select(Post).where(tags.any(Tag.name == "misc")))) == [1, 2]
        assert ids(s.scalars(select(Post).where(~tags.any()))) == [3]
        assert ids(s.scalars(select(Post).where(tags.contains(news)))) == [1]


def test_one_to_many_contains(db: Engine) -> None:
    """Customer.orders.contains(order) finds the order's customer by its foreign key."""
    with rel_session(db) as s:
        b1 = s.get(Order, 20)
        assert b1 is not None
        found = s.scalars(select(Customer).where(rel(Customer.orders).contains(b1))).all()
    assert [c.name for c in found] == ["Bob"]


def test_self_referential_any(db: Engine) -> None:
    """Node.children.any() looks at the children through an alias of node."""
    with rel_session(db) as s:
        with_a1 = s.scalars(select(Node).where(rel(Node.children).any(Node.name == "a1")))
        assert [n.name for n in with_a1] == ["a"]
        leaves = s.scalars(select(Node).where(~rel(Node.children).any()))
        assert ids(leaves) == [3, 4]
