"""Relationships without a database: configuration, its errors, and both sides kept in step."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any, Optional

import pytest

from corral import (
    DeclarativeBase,
    ForeignKey,
    Mapped,
    WriteOnlyMapped,
    backref,
    configure_mappers,
    exc,
    inspect,
    mapped_column,
    relationship,
)
from corral.orm import make_transient_to_detached
from corral.orm.mapping import properties
from corral.orm.relationships.collections import InstrumentedList, InstrumentedSet
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.relationship import Cascade, Relationship
from tests.integration.relationship_models import (
    Account,
    Author,
    Book,
    City,
    Customer,
    Event,
    Node,
    Order,
    OrderLine,
    Passport,
    Person,
    Post,
    Tag,
    Trip,
)


@pytest.fixture
def pending_restored() -> Iterator[None]:
    """Relationships a test leaves unconfigurable are forgotten afterwards."""
    before = list(properties.PENDING)
    yield
    properties.PENDING[:] = before


def _rel(cls: Any, key: str) -> Relationship:
    """The configured relationship ``cls.key``."""
    configure_mappers()
    rel: Relationship = inspect(cls).relationships[key]
    return rel


def _customer_of(order: Order) -> Customer | None:
    """order.customer, read afresh (the type checker would keep an earlier narrowing)."""
    return order.customer


def _passport_of(person: Person) -> Passport | None:
    return person.passport


def _configure_error() -> str:
    with pytest.raises(exc.ArgumentError) as raised:
        configure_mappers()
    return str(raised.value)


# -- configuration ----------------------------------------------------------------------


def test_direction_and_collection_come_from_keys_and_annotations() -> None:
    """Foreign keys give the direction; Mapped[list]/[set]/[Optional[X]] the collection kind."""
    configure_mappers()
    expected = {
        _rel(Customer, "orders"): (Direction.ONETOMANY, True, list),
        _rel(Order, "customer"): (Direction.MANYTOONE, False, list),
        _rel(Person, "passport"): (Direction.ONETOMANY, False, list),
        _rel(Passport, "holder"): (Direction.MANYTOONE, False, list),
        _rel(Post, "tags"): (Direction.MANYTOMANY, True, list),
        _rel(Tag, "posts"): (Direction.MANYTOMANY, True, set),
        _rel(Node, "children"): (Direction.ONETOMANY, True, list),
        _rel(Node, "parent"): (Direction.MANYTOONE, False, list),
        _rel(Account, "events"): (Direction.ONETOMANY, True, list),
    }
    for rel, (direction, uselist, collection) in expected.items():
        assert (rel.direction, rel.uselist, rel.collection_class) == (
            direction,
            uselist,
            collection,
        ), rel


def test_back_populates_links_both_sides() -> None:
    """back_populates pairs the two declared relationships with each other."""
    configure_mappers()
    assert _rel(Customer, "orders").reverse is _rel(Order, "customer")
    assert _rel(Order, "customer").reverse is _rel(Customer, "orders")


def test_backref_creates_the_other_side() -> None:
    """Book.author's backref="books" makes Author.books, a one-to-many list."""
    configure_mappers()
    books = _rel(Author, "books")
    assert books.direction is Direction.ONETOMANY
    assert books.uselist
    assert books.reverse is _rel(Book, "author")


def test_foreign_keys_and_primaryjoin_choose_among_two_keys() -> None:
    """Trip.origin (foreign_keys=) and Trip.destination (primaryjoin=) pair different columns."""
    configure_mappers()
    origin = [(s.key, f.key) for s, f in _rel(Trip, "origin").synchronize_pairs]
    destination = [(s.key, f.key) for s, f in _rel(Trip, "destination").synchronize_pairs]
    assert origin == [("id", "origin_id")]
    assert destination == [("id", "destination_id")]
    assert _rel(City, "arrivals").direction is Direction.ONETOMANY


def test_ambiguous_foreign_keys_name_the_fix(pending_restored: None) -> None:
    """Two foreign keys and no foreign_keys=: the error lists them and names foreign_keys=."""

    class Base(DeclarativeBase):
        pass

    class Stop(Base):
        __tablename__ = "stop"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Leg(Base):
        __tablename__ = "leg"
        id: Mapped[int] = mapped_column(primary_key=True)
        start_id: Mapped[int] = mapped_column(ForeignKey("stop.id"))
        end_id: Mapped[int] = mapped_column(ForeignKey("stop.id"))
        start: Mapped[Stop] = relationship()

    message = _configure_error()
    assert "Leg.start" in message
    assert "leg.start_id" in message and "leg.end_id" in message
    assert "foreign_keys=[Leg.start_id]" in message


def test_unknown_back_populates_names_the_missing_attribute(pending_restored: None) -> None:
    """back_populates naming nothing: the error names the class and the declaration to add."""

    class Base(DeclarativeBase):
        pass

    class Shelf(Base):
        __tablename__ = "shelf"
        id: Mapped[int] = mapped_column(primary_key=True)
        volumes: Mapped[list[Volume]] = relationship(back_populates="shelff")

    class Volume(Base):
        __tablename__ = "volume"
        id: Mapped[int] = mapped_column(primary_key=True)
        shelf_id: Mapped[int] = mapped_column(ForeignKey("shelf.id"))
        shelf: Mapped[Shelf] = relationship(back_populates="volumes")

    message = _configure_error()
    assert "back_populates='shelff'" in message
    assert "Volume.shelff = relationship(back_populates='volumes')" in message


def test_no_foreign_key_says_how_to_link(pending_restored: None) -> None:
    """Tables with no foreign key between them: add a ForeignKey or give primaryjoin=."""

    class Base(DeclarativeBase):
        pass

    class Lonely(Base):
        __tablename__ = "lonely"
        id: Mapped[int] = mapped_column(primary_key=True)
        others: Mapped[list[Other]] = relationship()

    class Other(Base):
        __tablename__ = "other"
        id: Mapped[int] = mapped_column(primary_key=True)

    message = _configure_error()
    assert "Lonely.others" in message
    assert "Add a ForeignKey" in message


def test_delete_orphan_on_many_to_one_is_refused(pending_restored: None) -> None:
    """delete-orphan belongs on the collection side; the error says so."""

    class Base(DeclarativeBase):
        pass

    class Hub(Base):
        __tablename__ = "hub"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Spoke(Base):
        __tablename__ = "spoke"
        id: Mapped[int] = mapped_column(primary_key=True)
        hub_id: Mapped[int] = mapped_column(ForeignKey("hub.id"))
        hub: Mapped[Hub] = relationship(cascade="all, delete-orphan")

    message = _configure_error()
    assert "Spoke.hub" in message and "one-to-many side" in message
    assert "single_parent=True" in message


def test_bad_cascade_word_lists_the_cascades() -> None:
    """A misspelt cascade fails at once and lists the valid words."""
    with pytest.raises(exc.ArgumentError) as raised:
        relationship("X", cascade="save-update, delete-orphans")
    message = str(raised.value)
    assert "'delete-orphans'" in message
    assert "delete-orphan" in message.split(";")[1]


def test_cascade_words_parse() -> None:
    """ "all" is five cascades; delete-orphan is separate; "none" is nothing."""
    every = Cascade("all, delete-orphan")
    assert (every.save_update, every.merge, every.expunge, every.refresh_expire) == (True,) * 4
    assert every.delete and every.delete_orphan
    assert not Cascade("all").delete_orphan
    nothing = Cascade("none")
    assert not (nothing.save_update or nothing.delete or nothing.merge)
    default = Cascade("save-update, merge")
    assert default.save_update and default.merge and not default.delete


def test_viewonly_cascades_nothing_and_refuses_write_cascades() -> None:
    """viewonly=True defaults to no cascade; a persistence cascade with it is an error."""
    quiet = relationship("X", viewonly=True).cascade
    assert not (quiet.save_update or quiet.merge or quiet.delete)
    with pytest.raises(exc.ArgumentError, match="viewonly=True"):
        relationship("X", viewonly=True, cascade="all")


def test_back_populates_and_backref_together_are_refused() -> None:
    """Either side declared on the other class, or made by backref; not both."""
    with pytest.raises(exc.ArgumentError, match="not both"):
        relationship("X", back_populates="a", backref="b")


# -- keeping both sides in step ------------------------------------------------------


def test_append_sets_the_many_to_one() -> None:
    """customer.orders.append(order) sets order.customer."""
    customer, order = Customer(name="c"), Order(reference="o")
    customer.orders.append(order)
    assert order.customer is customer


def test_remove_clears_the_many_to_one() -> None:
    """Removing an order from its customer empties order.customer."""
    order = Order(reference="o")
    customer = Customer(name="c", orders=[order])
    customer.orders.remove(order)
    assert order.customer is None
    assert customer.orders == []


def test_assigning_the_many_to_one_appends_to_the_collection() -> None:
    """order.customer = customer puts the order into customer.orders, once."""
    customer, order = Customer(name="c"), Order(reference="o")
    order.customer = customer
    order.customer = customer
    assert customer.orders == [order]


def test_reassigning_moves_between_collections() -> None:
    """Giving an order a new customer removes it from the old customer's collection."""
    ann, bob = Customer(name="ann"), Customer(name="bob")
    order = Order(reference="o", customer=ann)
    order.customer = bob
    assert ann.orders == []
    assert bob.orders == [order]
    bob.orders.remove(order)
    ann.orders.append(order)
    assert order.customer is ann
    assert bob.orders == []


def test_appending_to_another_parent_moves_the_child() -> None:
    """bob.orders.append(order) takes the order out of ann.orders."""
    ann, bob = Customer(name="ann"), Customer(name="bob")
    order = Order(reference="o")
    ann.orders.append(order)
    bob.orders.append(order)
    assert order.customer is bob
    assert ann.orders == []


def test_assigning_a_collection_fires_for_leavers_and_joiners() -> None:
    """customer.orders = [b, c] clears a's customer and sets b's and c's."""
    a, b, c = (Order(reference=r) for r in "abc")
    customer = Customer(name="ann", orders=[a, b])
    customer.orders = [b, c]
    assert isinstance(customer.orders, InstrumentedList)
    assert (a.customer, b.customer, c.customer) == (None, customer, customer)


def test_list_mutators_keep_both_sides() -> None:
    """extend, insert, item assignment, pop, del and clear all update the other side."""
    customer = Customer(name="c")
    a, b, c, d = (Order(reference=r) for r in "abcd")
    customer.orders.extend([a, b])
    customer.orders.insert(0, c)
    assert [o.customer for o in (a, b, c)] == [customer] * 3
    customer.orders[0] = d
    assert _customer_of(c) is None and _customer_of(d) is customer
    assert customer.orders.pop() is b and _customer_of(b) is None
    del customer.orders[0]
    assert _customer_of(d) is None
    customer.orders.clear()
    assert _customer_of(a) is None


def test_one_to_one_reassignment_clears_the_previous_holder() -> None:
    """Giving ann's passport to bob leaves ann without one."""
    ann, bob = Person(name="ann"), Person(name="bob")
    passport = Passport(number="X")
    ann.passport = passport
    assert passport.holder is ann
    bob.passport = passport
    assert _passport_of(ann) is None
    assert passport.holder is bob


def test_many_to_many_sides_stay_in_step() -> None:
    """post.tags (list) and tag.posts (set) show each change on both sides."""
    post, tag = Post(title="p"), Tag(name="t")
    post.tags.append(tag)
    assert isinstance(tag.posts, InstrumentedSet)
    assert tag.posts == {post}
    tag.posts.discard(post)
    assert post.tags == []
    tag.posts.add(post)
    tag.posts.add(post)
    assert post.tags == [tag]


def test_self_referential_sides_stay_in_step() -> None:
    """node.parent = root appends to root.children; moving it updates both parents."""
    root, other, leaf = Node(name="root"), Node(name="other"), Node(name="leaf")
    leaf.parent = root
    assert root.children == [leaf]
    other.children.append(leaf)
    assert leaf.parent is other
    assert root.children == []


def test_wrong_member_type_is_refused() -> None:
    """Appending a Book to customer.orders names the expected class and the object given."""
    customer = Customer(name="c")
    with pytest.raises(exc.ArgumentError) as raised:
        customer.orders.append(Book(title="b"))  # type: ignore[arg-type]
    message = str(raised.value)
    assert "Customer.orders holds Order objects" in message and "Book" in message
    assert customer.orders == []
    with pytest.raises(exc.ArgumentError, match=r"Order\.customer holds Customer"):
        Order(reference="o").customer = OrderLine(product="x")  # type: ignore[assignment]


def test_viewonly_refuses_assignment_and_changes(pending_restored: None) -> None:
    """A viewonly relationship cannot be assigned or appended to; the error says why."""

    class Base(DeclarativeBase):
        pass

    class Team(Base):
        __tablename__ = "team"
        id: Mapped[int] = mapped_column(primary_key=True)
        players: Mapped[list[Player]] = relationship(viewonly=True)

    class Player(Base):
        __tablename__ = "player"
        id: Mapped[int] = mapped_column(primary_key=True)
        team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("team.id"))  # noqa: UP045

    configure_mappers()
    team = Team()
    with pytest.raises(exc.InvalidRequestError, match="viewonly=True"):
        team.players = [Player()]
    with pytest.raises(exc.InvalidRequestError, match="viewonly=True"):
        team.players.append(Player())


def test_write_only_refuses_assignment_and_iteration() -> None:
    """A write-only collection is changed by add()/remove() and queried by select() only;
    it is assigned only before its owner has a row (as SQLAlchemy allows)."""
    account = Account(name="a")
    event = Event(kind="k")
    account.events.add(event)
    assert event.account is account
    with pytest.raises(TypeError, match="select"):
        list(account.events)
    other = Event(kind="other")
    account.events = [other]  # type: ignore[assignment]
    assert account.events.pending_added == [other]
    account.id = 1
    make_transient_to_detached(account)
    with pytest.raises(exc.InvalidRequestError, match="add"):
        account.events = []  # type: ignore[assignment]


def test_write_only_annotation_infers_a_collection(pending_restored: None) -> None:
    """WriteOnlyMapped["X"] with lazy="write_only" configures a one-to-many collection."""

    class Base(DeclarativeBase):
        pass

    class Log(Base):
        __tablename__ = "log"
        id: Mapped[int] = mapped_column(primary_key=True)
        lines: WriteOnlyMapped[LogLine] = relationship(lazy="write_only")

    class LogLine(Base):
        __tablename__ = "log_line"
        id: Mapped[int] = mapped_column(primary_key=True)
        log_id: Mapped[int] = mapped_column(ForeignKey("log.id"))

    configure_mappers()
    rel = _rel(Log, "lines")
    assert (rel.direction, rel.uselist, rel.mapper.class_) == (Direction.ONETOMANY, True, LogLine)


def test_write_only_annotation_evaluated_at_class_creation(pending_restored: None) -> None:
    """Without ``from __future__ import annotations`` the annotation is an object, not text."""
    namespace: dict[str, object] = {}
    source = (
        "from corral import DeclarativeBase, ForeignKey, Mapped, WriteOnlyMapped, "
        "mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n    pass\n"
        "class Ledger(Base):\n    __tablename__ = 'ledger'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    rows: WriteOnlyMapped['LedgerRow'] = relationship(lazy='write_only')\n"
        "class LedgerRow(Base):\n    __tablename__ = 'ledger_row'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    ledger_id: Mapped[int] = mapped_column(ForeignKey('ledger.id'))\n"
    )
    exec(compile(source, "<models>", "exec"), namespace)
    rel = _rel(namespace["Ledger"], "rows")
    assert (rel.uselist, rel.mapper.class_) == (True, namespace["LedgerRow"])


def test_backref_order_by_names_classes_of_the_registry(pending_restored: None) -> None:
    """``backref(order_by=...)`` as text or a lambda finds classes declared in a function."""

    class Base(DeclarativeBase):
        pass

    class Shelf(Base):
        __tablename__ = "shelf_x"
        id: Mapped[int] = mapped_column(primary_key=True)

    class Volume(Base):
        __tablename__ = "volume_x"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str]
        shelf_id: Mapped[int] = mapped_column(ForeignKey("shelf_x.id"))
        shelf: Mapped[Shelf] = relationship(backref=backref("volumes", order_by="Volume.title"))

    class Tome(Base):
        __tablename__ = "tome_x"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str]
        shelf_id: Mapped[int] = mapped_column(ForeignKey("shelf_x.id"))
        shelf: Mapped[Shelf] = relationship(
            backref=backref("tomes", order_by=lambda: [Tome.title.desc()])
        )

    assert [str(c) for c in _rel(Shelf, "volumes").order_by] == ["volume_x.title"]
    assert [str(c) for c in _rel(Shelf, "tomes").order_by] == ["tome_x.title DESC"]


def test_a_quoted_optional_target_in_an_evaluated_annotation() -> None:
    """Without ``from __future__ import annotations``, ``Mapped["Parent | None"]`` reaches
    the mapping as a ForwardRef of the whole text: its target is Parent, one object."""
    module = types.ModuleType("quoted_optional_models")
    namespace: dict[str, Any] = module.__dict__
    sys.modules[module.__name__] = module
    source = (
        "from corral import ForeignKey\n"
        "from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Parent(Base):\n"
        "    __tablename__ = 'fr_parent'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    kids: Mapped[list['Kid']] = relationship(back_populates='parent')\n"
        "class Kid(Base):\n"
        "    __tablename__ = 'fr_kid'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    parent_id: Mapped[int | None] = mapped_column(ForeignKey('fr_parent.id'))\n"
        "    parent: Mapped['Parent | None'] = relationship(back_populates='kids')\n"
    )
    # dont_inherit: this file's ``from __future__ import annotations`` must not reach it.
    exec(compile(source, module.__name__, "exec", dont_inherit=True), namespace)
    try:
        configure_mappers()
        kid_parent = inspect(namespace["Kid"]).relationships["parent"]
        assert kid_parent.mapper.class_ is namespace["Parent"]
        assert kid_parent.uselist is False
    finally:
        del sys.modules[module.__name__]
