"""selectinload's one statement with an expanding IN, and expanding IN parameters themselves,
on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import (
    Column,
    Engine,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Session,
    String,
    Table,
    bindparam,
    exc,
    insert,
    select,
    selectinload,
    tuple_,
)
from corral.orm import DeclarativeBase, Mapped, mapped_column, relationship
from tests.integration.orm_models import dml, recorded_sql
from tests.integration.relationship_models import Customer, Order, rel_session


def _selects(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("SELECT")]


@pytest.fixture
def customers(db: Engine) -> Iterator[Engine]:
    """Five customers with two orders each."""
    with Session(db) as session:
        for i in range(5):
            orders = [Order(reference=f"o{i}{j}") for j in range(2)]
            session.add(Customer(id=i + 1, name=f"c{i}", orders=orders))
        session.commit()
    yield db


def _load(session: Session, last_id: int) -> list[list[str]]:
    statement = (
        select(Customer)
        .where(Customer.id <= last_id)
        .options(selectinload(Customer.orders))
        .order_by(Customer.id)
    )
    return [[o.reference for o in c.orders] for c in session.scalars(statement).all()]


def test_selectin_statement_is_compiled_once_for_loads_of_two_sizes(customers: Engine) -> None:
    """Loads of 2 and then 5 parents send IN lists of 2 and 5 keys from one compile; control:
    an in_() of a list compiles again for a new length."""
    dialect = customers.dialect
    with rel_session(customers) as session, recorded_sql() as sql:
        assert _load(session, 2) == [["o00", "o01"], ["o10", "o11"]]
        session.expunge_all()
        compiled = dialect.compile_count
        assert _load(session, 5) == [[f"o{i}0", f"o{i}1"] for i in range(5)]
        assert dialect.compile_count == compiled  # neither statement compiled again
        session.scalars(select(Order).where(Order.id.in_([1, 2, 3]))).all()
        session.scalars(select(Order).where(Order.id.in_([1, 2, 3, 4]))).all()
        assert dialect.compile_count == compiled + 2  # the control
    selects = _selects(sql)
    assert len(selects) == 6
    assert selects[1].endswith("WHERE orders.customer_id IN (?, ?) ORDER BY orders.id")
    assert selects[3].endswith("WHERE orders.customer_id IN (?, ?, ?, ?, ?) ORDER BY orders.id")


class CompositeBase(DeclarativeBase):
    pass


class Shelf(CompositeBase):
    __tablename__ = "shelf"

    room: Mapped[str] = mapped_column(String(10), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list[Book]] = relationship(order_by="Book.id")


class Book(CompositeBase):
    __tablename__ = "book"
    __table_args__ = (
        ForeignKeyConstraint(["shelf_room", "shelf_number"], ["shelf.room", "shelf.number"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(20))
    shelf_room: Mapped[str] = mapped_column(String(10))
    shelf_number: Mapped[int] = mapped_column()


def test_selectin_of_a_composite_key_sends_one_tuple_in(engine: Engine) -> None:
    """Parents with a two-column key: one ``(a, b) IN ((?, ?), ...)``, each parent gets its
    own children, a parent without children an empty list."""
    CompositeBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Shelf(room="a", number=1, books=[Book(id=1, title="x"), Book(id=2, title="y")]),
                Shelf(room="a", number=2, books=[Book(id=3, title="z")]),
                Shelf(room="b", number=1, books=[]),
            ]
        )
        session.commit()
    with rel_session(engine) as session, recorded_sql() as sql:
        shelves = session.scalars(
            select(Shelf).options(selectinload(Shelf.books)).order_by(Shelf.room, Shelf.number)
        ).all()
        loaded = [(s.room, s.number, [b.title for b in s.books]) for s in shelves]
    assert loaded == [("a", 1, ["x", "y"]), ("a", 2, ["z"]), ("b", 1, [])]
    selects = _selects(sql)
    assert len(selects) == 2
    assert "WHERE (book.shelf_room, book.shelf_number) IN ((?, ?), (?, ?), (?, ?))" in selects[1]


metadata = MetaData()
items = Table(
    "expanding_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
)


@pytest.fixture
def filled(engine: Engine) -> Engine:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(items), [{"id": i, "name": f"n{i}"} for i in range(1, 6)])
    return engine


def test_expanding_in_runs_lists_of_any_length(filled: Engine) -> None:
    """One statement run with 3 values, 1 value and none: the rows of each list."""
    statement = (
        select(items.c.id)
        .where(items.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(items.c.id)
    )
    with filled.connect() as connection:
        assert connection.scalars(statement, {"ids": [1, 3, 5]}).all() == [1, 3, 5]
        assert connection.scalars(statement, {"ids": [4]}).all() == [4]
        assert connection.scalars(statement, {"ids": []}).all() == []


def test_expanding_not_in_of_an_empty_list_keeps_every_row(filled: Engine) -> None:
    """NOT IN () matches every row; the left side's own value goes with the condition."""
    statement = (
        select(items.c.id)
        .where((items.c.id + 10).not_in(bindparam("ids", expanding=True)), items.c.id < 4)
        .order_by(items.c.id)
    )
    with filled.connect() as connection:
        assert connection.scalars(statement, {"ids": []}).all() == [1, 2, 3]
        assert connection.scalars(statement, {"ids": [11, 13]}).all() == [2]


def test_expanding_tuple_in_and_a_value_given_with_the_parameter(filled: Engine) -> None:
    """Rows of (id, name), and a list given to bindparam() itself."""
    by_rows = select(items.c.id).where(
        tuple_(items.c.id, items.c.name).in_(bindparam("keys", expanding=True))
    )
    given = select(items.c.name).where(items.c.id.in_(bindparam("ids", [2, 4], expanding=True)))
    with filled.connect() as connection:
        rows = connection.scalars(by_rows, {"keys": [(1, "n1"), (2, "n9"), (3, "n3")]}).all()
        assert sorted(rows) == [1, 3]
        assert sorted(connection.scalars(given).all()) == ["n2", "n4"]


def test_expanding_in_refuses_an_executemany(filled: Engine) -> None:
    """Several parameter sets for an expanding IN are refused before anything is sent."""
    statement = items.delete().where(items.c.id.in_(bindparam("ids", expanding=True)))
    with filled.begin() as connection:
        with pytest.raises(exc.ArgumentError, match="expanding IN parameter"):
            connection.execute(statement, [{"ids": [1]}, {"ids": [2]}])
        assert connection.scalar(select(items.c.id).where(items.c.id <= 2).limit(1)) == 1
