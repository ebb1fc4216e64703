"""When a flush of classes with relationships is written by the plain plan (no I/O here):
new rows only, with nothing for any relationship to do (relational_flush.inserts_alone,
and before any presort, flushing.writes_related)."""

from __future__ import annotations

from corral.orm import configure_mappers
from corral.orm.session.flushing import writes_related
from corral.orm.unit_of_work.dependencies import CollectionChange, FlushWork
from corral.orm.unit_of_work.relational_flush import inserts_alone
from tests.integration.relationship_models import Customer, Node, Order, Post, Widget


def setup_module() -> None:
    configure_mappers()


def test_new_rows_with_only_unchanged_collections_are_inserts_alone() -> None:
    """One-to-many and many-to-many collections with nothing in them: the plain plan."""
    new: list[object] = [Customer(name="ann"), Post(title="p"), Customer(name="bo")]
    assert inserts_alone(FlushWork(new, [], []))


def test_a_many_to_one_needs_the_relational_writing() -> None:
    """A many-to-one copies its target's key into the row: even when it is not set."""
    assert not inserts_alone(FlushWork([Order(reference="o")], [], []))
    assert not inserts_alone(FlushWork([Customer(name="ann"), Node(name="n")], [], []))


def test_a_post_update_relationship_needs_the_relational_writing() -> None:
    assert not inserts_alone(FlushWork([Widget(name="w")], [], []))


def test_collection_changes_or_other_work_need_the_relational_writing() -> None:
    """A member added to a collection, a changed or a deleted object: table by table."""
    customer = Customer(name="ann")
    order = Order(reference="o")
    change = CollectionChange(customer, Customer.__mapper__.relationships["orders"], [order], [])
    assert not inserts_alone(FlushWork([customer], [], [], children={"orders": [change]}))
    assert not inserts_alone(FlushWork([customer], [Customer(name="bo")], []))
    assert not inserts_alone(FlushWork([customer], [], [Customer(name="bo")]))


def test_rows_holding_no_relationship_value_skip_the_presort() -> None:
    """``writes_related`` decides before the presort: new Customers and Posts whose
    collections were never touched go to the plain plan, as ``inserts_alone`` would send
    them there after a presort that found nothing; so do changed objects alone."""
    new: list[object] = [Customer(name="ann"), Post(title="p")]
    assert not writes_related({Customer, Post}, new, [], [])
    assert inserts_alone(FlushWork(new, [], []))
    assert not writes_related({Customer, Post}, [], new, [])


def test_a_relationship_value_or_other_work_keeps_the_relational_writing() -> None:
    """Control: a collection touched (even left empty), new and changed objects together,
    a deleted object, a many-to-one or post_update class: the presort and the relational
    writing, as before."""
    touched = Customer(name="ann")
    assert touched.orders == []  # loading the empty collection puts it in the object
    assert writes_related({Customer}, [touched], [], [])
    assert writes_related({Customer}, [], [touched], [])
    with_order = Customer(name="bo", orders=[Order(reference="o")])
    assert writes_related({Customer, Order}, [with_order], [], [])
    plain, other = Customer(name="cy"), Customer(name="di")
    assert writes_related({Customer}, [plain], [other], [])
    assert writes_related({Customer}, [], [], [plain])
    assert writes_related({Order}, [Order(reference="o")], [], [])
    assert writes_related({Order}, [], [Order(reference="o")], [])
    assert writes_related({Widget}, [Widget(name="w")], [], [])
