"""``immediateload()`` and ``relationship(lazy="immediate")``: each parent's related objects
loaded right after the parents, by the lazy SELECT, one per parent, on SQLite,
PostgreSQL and MariaDB.

Each test counts the statements while the query runs, then reads the graph with no
statement at all, which shows the loads happened with the query.
"""

from __future__ import annotations

from typing import Any

from corral import Engine, ForeignKey, String, select
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    immediateload,
    lazyload,
    mapped_column,
    relationship,
)
from tests.integration import test_relationship_loading as loading
from tests.integration.orm_models import dml, recorded_sql
from tests.integration.relationship_models import Customer, Order, rel_session

shop = loading.shop  # the fixture: three customers with two orders of two lines, one without


def test_immediateload_chain_runs_one_select_per_parent_with_the_query(shop: Engine) -> None:
    """immediateload(Customer.orders).immediateload(Order.lines): the query, then one
    SELECT per customer (4) and per order (6), all before the graph is read; a session
    that raises on N+1 loading does not, since the option asks for it."""
    with rel_session(shop) as session:
        option = immediateload(Customer.orders).immediateload(Order.lines)
        with recorded_sql() as sql:
            statement = select(Customer).order_by(Customer.id).options(option)
            customers = list(session.scalars(statement))
        selects = dml(sql)
        assert len(selects) == 1 + 4 + 6
        assert sum("WHERE orders.customer_id = " in s for s in selects) == 4
        assert sum("WHERE order_line.order_id = " in s for s in selects) == 6
        with recorded_sql() as sql:
            assert loading._graph(customers) == loading.EXPECTED
        assert dml(sql) == []


def test_immediateload_of_a_many_to_one_uses_the_identity_map(shop: Engine) -> None:
    """immediateload(Order.customer) runs a SELECT per order whose customer the session
    lacks (3 customers for 6 orders: a customer loaded once is found after), none when
    the customers are already in the session."""
    statement = select(Order).order_by(Order.id).options(immediateload(Order.customer))
    with Session(shop) as session:
        with recorded_sql() as sql:
            orders = session.scalars(statement).all()
        assert len(dml(sql)) == 1 + 3
        assert all("customer" in o.__dict__ for o in orders)
        assert [o.customer.name for o in orders if o.customer] == [
            "c0", "c0", "c1", "c1", "c2", "c2"
        ]  # fmt: skip
    with Session(shop) as session:
        # held: the identity map is weak, and lets go of objects nobody references
        customers = session.scalars(select(Customer)).all()
        with recorded_sql() as sql:
            orders = session.scalars(statement).all()
        assert len(dml(sql)) == 1
        assert {o.customer for o in orders} <= set(customers)
        assert all("customer" in o.__dict__ for o in orders)


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "im_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    books: Mapped[list[Book]] = relationship(lazy="immediate", order_by="Book.id")


class Book(Base):
    __tablename__ = "im_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("im_shelf.id"))
    title: Mapped[str] = mapped_column(String(20))


def _shelves(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        for i in range(3):
            session.add(Shelf(label=f"s{i}", books=[Book(title=f"b{i}{j}") for j in range(2)]))
        session.commit()


def test_lazy_immediate_is_the_mapping_default(db: Engine) -> None:
    """relationship(lazy="immediate") loads the books of each shelf with the query (a
    SELECT per shelf) and for a shelf from Session.get(); lazyload() turns it back into
    a load on access."""
    _shelves(db)
    with Session(db) as session:
        with recorded_sql() as sql:
            shelves = session.scalars(select(Shelf).order_by(Shelf.id)).all()
        assert len(dml(sql)) == 1 + 3
        with recorded_sql() as sql:
            titles = [[b.title for b in s.books] for s in shelves]
        assert titles == [["b00", "b01"], ["b10", "b11"], ["b20", "b21"]]
        assert dml(sql) == []
    with Session(db) as session:
        with recorded_sql() as sql:
            shelf: Any = session.get(Shelf, 2)
        assert len(dml(sql)) == 2 and "books" in shelf.__dict__
    with Session(db) as session:
        with recorded_sql() as sql:
            shelves = session.scalars(select(Shelf).options(lazyload(Shelf.books))).all()
        assert len(dml(sql)) == 1
        assert not any("books" in s.__dict__ for s in shelves)
