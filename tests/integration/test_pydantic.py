"""Pydantic models validated from corral objects: loaded relationships serialize, unloaded ones
raise instead of lazy-loading one SELECT per object."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from corral import select
from corral.engine import Engine
from corral.ext.pydantic import loaded_only, validate
from corral.orm import Session, raiseload, selectinload
from tests.integration.web_models import Customer, Order, WebBase


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    total: int


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    orders: list[OrderOut]


class OrderWithCustomer(OrderOut):
    customer: CustomerOut


@pytest.fixture
def shop(engine: Engine) -> Engine:
    """Two customers with two and one orders."""
    WebBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Customer(name="ann", orders=[Order(total=10), Order(total=20)]))
        session.add(Customer(name="bob", orders=[Order(total=5)]))
        session.commit()
    return engine


def test_loaded_relationships_validate_with_one_query_each(shop: Engine) -> None:
    """model_validate(from_attributes=True) reads selectinload-ed collections: no SQL and
    no lazy load while validating."""
    with Session(shop, n_plus_one=None) as session:
        customers = session.scalars(
            select(Customer).options(selectinload(Customer.orders)).order_by(Customer.id)
        ).all()
        before = session.stats.statements
        out = TypeAdapter(list[CustomerOut]).validate_python(customers, from_attributes=True)
        assert session.stats.statements == before
        assert session.stats.lazy_load_total == 0
    assert [(c.name, [o.total for o in c.orders]) for c in out] == [
        ("ann", [10, 20]),
        ("bob", [5]),
    ]


def test_raiseload_makes_an_unloaded_relationship_a_validation_error(shop: Engine) -> None:
    """With raiseload('*') an unloaded relationship fails validation naming the option."""
    with Session(shop, n_plus_one=None) as session:
        customer = session.scalars(
            select(Customer).options(raiseload("*")).where(Customer.name == "ann")
        ).one()
        with pytest.raises(ValidationError, match=r"selectinload\(Customer.orders\)"):
            CustomerOut.model_validate(customer)
        assert session.stats.lazy_load_total == 0


def test_loaded_only_refuses_lazy_loads_whatever_the_query(shop: Engine) -> None:
    """validate()/loaded_only() raise for an unloaded relationship without running SQL,
    and serialize loaded ones, nested both ways."""
    with Session(shop, n_plus_one=None) as session:
        customer = session.scalars(select(Customer).where(Customer.name == "ann")).one()
        before = session.stats.statements
        with pytest.raises(ValidationError, match=r"loaded_only\(\) does not lazy-load"):
            validate(CustomerOut, customer)
        assert session.stats.statements == before
        order = session.scalars(
            select(Order)
            .options(selectinload(Order.customer).selectinload(Customer.orders))
            .where(Order.total == 5)
        ).one()
        out = OrderWithCustomer.model_validate(loaded_only(order), from_attributes=True)
        assert out.customer.name == "bob" and [o.total for o in out.customer.orders] == [5]
