"""SQL built along relationships (joins, aliased(), comparisons, EXISTS), as exact SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from corral import aliased, exc, select
from corral.orm.relationships.attribute import RelationshipAttribute
from corral.sql.elements import BindParameter, ClauseElement
from tests.integration.relationship_models import (
    City,
    Customer,
    Node,
    Order,
    Passport,
    Person,
    Post,
    Tag,
    Trip,
)
from tests.unit.compile_helpers import DIALECT_NAMES, compile_dialect, sql, translate


def rel(attribute: object) -> RelationshipAttribute[Any]:
    """A relationship attribute as its own type (``Mapped[...]`` types it as a column)."""
    assert isinstance(attribute, RelationshipAttribute)
    return attribute


CUSTOMER = "SELECT customer.id, customer.name FROM customer"
ORDERS = "SELECT orders.id, orders.reference, orders.customer_id FROM orders"
NODE = "SELECT node.id, node.name, node.parent_id FROM node"
POST = "SELECT post.id, post.title FROM post"


def customer() -> Customer:
    return Customer(id=3, name="Ada")


def order() -> Order:
    return Order(id=5, reference="R-5", customer_id=3)


CASES: dict[str, tuple[Callable[[], ClauseElement], str]] = {
    "join_one_to_many": (
        lambda: select(Customer).join(Customer.orders),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id",
    ),
    "join_many_to_one": (
        lambda: select(Order).join(Order.customer),
        f"{ORDERS} JOIN customer ON customer.id = orders.customer_id",
    ),
    "outerjoin": (
        lambda: select(Customer).outerjoin(Customer.orders),
        f"{CUSTOMER} LEFT OUTER JOIN orders ON customer.id = orders.customer_id",
    ),
    "join_isouter": (
        lambda: select(Customer).join(Customer.orders, isouter=True),
        f"{CUSTOMER} LEFT OUTER JOIN orders ON customer.id = orders.customer_id",
    ),
    "join_target_with_relationship_as_onclause": (
        lambda: select(Customer).join(Order, Customer.orders),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id",
    ),
    "join_target_with_explicit_onclause": (
        lambda: select(Customer).join(Order, Customer.id == Order.customer_id),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id",
    ),
    "join_from_three_arguments": (
        lambda: select(Customer).join_from(Customer, Order, Customer.orders),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id",
    ),
    "join_from_two_arguments": (
        lambda: select(Customer).join_from(Customer, Customer.orders),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id",
    ),
    "chained_joins": (
        lambda: select(Customer).join(Customer.orders).join(Order.lines),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id "
        "JOIN order_line ON orders.id = order_line.order_id",
    ),
    "many_to_many_join_aliases_the_secondary": (
        lambda: select(Post).join(Post.tags),
        f"{POST} JOIN post_tag AS post_tag_1 ON post.id = post_tag_1.post_id "
        "JOIN tag ON tag.id = post_tag_1.tag_id",
    ),
    "second_many_to_many_join_numbers_its_secondary": (
        lambda: (
            select(Post).join(Post.tags).join(rel(Tag.posts).of_type(aliased(Post, name="other")))
        ),
        f"{POST} JOIN post_tag AS post_tag_1 ON post.id = post_tag_1.post_id "
        "JOIN tag ON tag.id = post_tag_1.tag_id "
        "JOIN post_tag AS post_tag_2 ON tag.id = post_tag_2.tag_id "
        "JOIN post AS other ON other.id = post_tag_2.post_id",
    ),
    "foreign_keys_picks_the_origin": (
        lambda: select(Trip).join(Trip.origin),
        "SELECT trip.id, trip.origin_id, trip.destination_id FROM trip "
        "JOIN city ON city.id = trip.origin_id",
    ),
    "primaryjoin_picks_the_destination": (
        lambda: select(Trip).join(Trip.destination).where(City.name == "Oslo"),
        "SELECT trip.id, trip.origin_id, trip.destination_id FROM trip "
        "JOIN city ON city.id = trip.destination_id WHERE city.name = ?",
    ),
    "self_join_of_type_named_alias": (
        lambda: (
            select(Node)
            .join(rel(Node.children).of_type(child := aliased(Node, name="child")))
            .where(child.name == "x")
        ),
        f"{NODE} JOIN node AS child ON node.id = child.parent_id WHERE child.name = ?",
    ),
    "self_join_target_then_relationship": (
        lambda: (
            select(Node)
            .join(child := aliased(Node, name="child"), Node.children)
            .where(child.name == "x")
        ),
        f"{NODE} JOIN node AS child ON node.id = child.parent_id WHERE child.name = ?",
    ),
    "self_join_anonymous_alias": (
        lambda: select(Node).join(rel(Node.parent).of_type(aliased(Node))),
        f"{NODE} JOIN node AS anon_1 ON anon_1.id = node.parent_id",
    ),
    "join_from_an_alias_relationship": (
        lambda: (
            select(Node)
            .join(rel(Node.children).of_type(child := aliased(Node, name="child")))
            .join(child.children.of_type(aliased(Node, name="grandchild")))
        ),
        f"{NODE} JOIN node AS child ON node.id = child.parent_id "
        "JOIN node AS grandchild ON child.id = grandchild.parent_id",
    ),
    "select_aliased_class": (
        lambda: (
            select(parent := aliased(Node, name="p"))
            .where(parent.name == "root")
            .order_by(parent.id)
        ),
        "SELECT p.id, p.name, p.parent_id FROM node AS p WHERE p.name = ? ORDER BY p.id",
    ),
    "many_to_one_equals_object": (
        lambda: select(Order).where(Order.customer == customer()),
        f"{ORDERS} WHERE orders.customer_id = ?",
    ),
    "many_to_one_equals_none": (
        lambda: select(Order).where(Order.customer == None),  # noqa: E711
        f"{ORDERS} WHERE orders.customer_id IS NULL",
    ),
    "many_to_one_not_equals_object_includes_null": (
        lambda: select(Order).where(Order.customer != customer()),
        f"{ORDERS} WHERE orders.customer_id != ? OR orders.customer_id IS NULL",
    ),
    "many_to_one_not_equals_none": (
        lambda: select(Order).where(Order.customer != None),  # noqa: E711
        f"{ORDERS} WHERE orders.customer_id IS NOT NULL",
    ),
    "collection_equals_none_is_not_exists": (
        lambda: select(Customer).where(Customer.orders == None),  # noqa: E711
        f"{CUSTOMER} WHERE NOT EXISTS (SELECT 1 FROM orders "
        "WHERE customer.id = orders.customer_id)",
    ),
    "one_to_one_equals_object_compares_the_parent_key": (
        lambda: select(Person).where(Person.passport == Passport(id=1, person_id=7)),
        "SELECT person.id, person.name FROM person WHERE person.id = ?",
    ),
    "one_to_one_not_equals_object": (
        lambda: select(Person).where(Person.passport != Passport(id=1, person_id=7)),
        "SELECT person.id, person.name FROM person WHERE NOT EXISTS (SELECT 1 FROM passport "
        "WHERE person.id = passport.person_id AND passport.id = ?)",
    ),
    "any_with_criterion": (
        lambda: select(Customer).where(rel(Customer.orders).any(Order.reference == "x")),
        f"{CUSTOMER} WHERE EXISTS (SELECT 1 FROM orders "
        "WHERE customer.id = orders.customer_id AND orders.reference = ?)",
    ),
    "any_without_criterion": (
        lambda: select(Customer).where(rel(Customer.orders).any()),
        f"{CUSTOMER} WHERE EXISTS (SELECT 1 FROM orders WHERE customer.id = orders.customer_id)",
    ),
    "any_with_keywords": (
        lambda: select(Customer).where(rel(Customer.orders).any(reference="x")),
        f"{CUSTOMER} WHERE EXISTS (SELECT 1 FROM orders "
        "WHERE customer.id = orders.customer_id AND orders.reference = ?)",
    ),
    "negated_any": (
        lambda: select(Customer).where(~rel(Customer.orders).any()),
        f"{CUSTOMER} WHERE NOT EXISTS (SELECT 1 FROM orders "
        "WHERE customer.id = orders.customer_id)",
    ),
    "any_keeps_its_table_when_the_outer_query_joins_it": (
        lambda: (
            select(Customer)
            .join(Customer.orders)
            .where(rel(Customer.orders).any(Order.reference == "x"))
        ),
        f"{CUSTOMER} JOIN orders ON customer.id = orders.customer_id WHERE EXISTS "
        "(SELECT 1 FROM orders WHERE customer.id = orders.customer_id AND orders.reference = ?)",
    ),
    "has_with_criterion": (
        lambda: select(Order).where(rel(Order.customer).has(Customer.name == "x")),
        f"{ORDERS} WHERE EXISTS (SELECT 1 FROM customer "
        "WHERE customer.id = orders.customer_id AND customer.name = ?)",
    ),
    "many_to_many_any_uses_the_secondary": (
        lambda: select(Post).where(rel(Post.tags).any(Tag.name == "x")),
        f"{POST} WHERE EXISTS (SELECT 1 FROM post_tag, tag WHERE post.id = post_tag.post_id "
        "AND tag.id = post_tag.tag_id AND tag.name = ?)",
    ),
    "self_referential_any_aliases_the_children": (
        lambda: select(Node).where(rel(Node.children).any(Node.name == "x")),
        f"{NODE} WHERE EXISTS (SELECT 1 FROM node AS anon_1 "
        "WHERE node.id = anon_1.parent_id AND anon_1.name = ?)",
    ),
    "of_type_any_on_named_alias": (
        lambda: select(Node).where(
            rel(Node.children).of_type(c := aliased(Node, name="c")).any(c.name == "x")
        ),
        f"{NODE} WHERE EXISTS (SELECT 1 FROM node AS c WHERE node.id = c.parent_id AND c.name = ?)",
    ),
    "contains_one_to_many": (
        lambda: select(Customer).where(rel(Customer.orders).contains(order())),
        f"{CUSTOMER} WHERE customer.id = ?",
    ),
    "contains_many_to_many": (
        lambda: select(Post).where(rel(Post.tags).contains(Tag(id=4, name="t"))),
        f"{POST}, post_tag AS anon_1 WHERE post.id = anon_1.post_id AND ? = anon_1.tag_id",
    ),
}


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_relationship_sql(case: str, dialect: str) -> None:
    """Each construct compiles to SQLAlchemy's SQL on every dialect."""
    build, expected = CASES[case]
    assert sql(build(), dialect) == translate(expected, dialect)


def _values(statement: ClauseElement) -> list[Any]:
    _, binds = statement._compile_for(compile_dialect("sqlite"))
    return [b.effective_value() for b in binds]


def test_object_comparison_reads_the_key_when_the_statement_runs() -> None:
    """The bound value is the object's key at execution time (set by a later flush)."""
    target = Customer(name="Ada")
    statement = select(Order).where(Order.customer == target)
    assert _values(statement) == [None]
    target.id = 42
    assert _values(statement) == [42]


def test_contains_binds_the_members_foreign_key() -> None:
    """One-to-many contains() compares the parent key with the member's foreign key."""
    assert _values(select(Customer).where(rel(Customer.orders).contains(order()))) == [3]


def test_contains_many_to_many_binds_the_members_key() -> None:
    """Many-to-many contains() compares the secondary's column with the member's key."""
    statement = select(Post).where(rel(Post.tags).contains(Tag(id=4, name="t")))
    assert _values(statement) == [4]


def test_two_anonymous_aliases_do_not_share_compiled_sql() -> None:
    """Unnamed aliases of one table have distinct cache keys, so each statement gets its SQL."""
    a, b = aliased(Node), aliased(Node)
    same = select(a.id, b.id).where(a.id == a.parent_id)
    other = select(a.id, b.id).where(a.id == b.parent_id)
    start = "SELECT anon_1.id, anon_2.id FROM node AS anon_1, node AS anon_2 WHERE anon_1.id = "
    assert sql(same, "sqlite") == start + "anon_1.parent_id"
    assert sql(other, "sqlite") == start + "anon_2.parent_id"


def test_aliased_attribute_is_usable_as_a_column() -> None:
    """An aliased class's attribute compares, orders and names itself like the class's."""
    child = aliased(Node, name="child")
    assert repr(child.name) == "<AliasedAttribute aliased(Node, 'child').name>"
    assert isinstance((child.id == 1).right, BindParameter)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: rel(Order.customer).any(),
            r"Order\.customer holds one object; use Order\.customer\.has",
        ),
        (
            lambda: rel(Customer.orders).has(),
            r"Customer\.orders is a collection; use Customer\.orders\.any",
        ),
        (lambda: Customer.orders == order(), r"use Customer\.orders\.contains\(obj\)"),
        (lambda: rel(Order.customer).contains(customer()), r"Order\.customer == obj"),
        (lambda: Order.customer == order(), r"expected a Customer object"),
        (lambda: rel(Customer.orders).any(nonsense=1), r"Order has no attribute 'nonsense'"),
        (
            lambda: rel(Node.children).of_type(aliased(Customer)),
            r"pass Node, a mapped subclass of it, aliased\(Node\)",
        ),
        (lambda: aliased(cast(Any, Customer.__table__)), r"aliased\(\) takes a mapped class"),
        (lambda: aliased(Node).nonsense, r"has no attribute 'nonsense'"),
        (
            lambda: select(Customer).join(Customer.orders, Customer.id == Order.customer_id),
            r"a relationship brings its own ON clause",
        ),
        (
            lambda: select(Customer).join_from(Order, Customer.orders),
            r"starts from customer; pass that as the left side",
        ),
        (lambda: select(Customer).join(Customer, Order.lines), r"leads to OrderLine"),
    ],
)
def test_misuse_raises_an_error_naming_the_fix(build: Callable[[], Any], message: str) -> None:
    """Wrong method, wrong operand or wrong target: an error says what to use instead."""
    with pytest.raises((exc.ArgumentError, AttributeError), match=message):
        build()


def test_self_join_without_an_alias_asks_for_one() -> None:
    """Joining a self-referential relationship to its own table asks for aliased()."""
    with pytest.raises(exc.InvalidRequestError, match=r"aliased\(Node\)"):
        select(Node).join(Node.children)
