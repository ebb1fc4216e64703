"""``with_polymorphic`` in ``__mapper_args__`` and ``polymorphic_load="inline"`` on joined
subclasses, on SQLite, PostgreSQL and MariaDB: a query of the base reads the subclasses'
tables in the same SELECT (LEFT OUTER JOINs), and each object arrives with its columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from corral import Engine, ForeignKey, String, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from tests.integration.orm_models import recorded_sql


class Shop(DeclarativeBase):
    pass


class Store(Shop):
    __tablename__ = "wp_store"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    staff: Mapped[list[Clerk]] = relationship(back_populates="store")


class Clerk(Shop):
    __tablename__ = "wp_clerk"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("wp_store.id"))
    store: Mapped[Store | None] = relationship(back_populates="staff")
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "clerk",
        "with_polymorphic": "*",
    }


class Cashier(Clerk):
    __tablename__ = "wp_cashier"
    id: Mapped[int] = mapped_column(ForeignKey("wp_clerk.id"), primary_key=True)
    till: Mapped[int]
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "cashier"}


class Stocker(Clerk):
    __tablename__ = "wp_stocker"
    id: Mapped[int] = mapped_column(ForeignKey("wp_clerk.id"), primary_key=True)
    aisle: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "stocker"}


class Item(Shop):
    __tablename__ = "wp_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "item",
    }


class Fridge(Item):
    __tablename__ = "wp_fridge"
    id: Mapped[int] = mapped_column(ForeignKey("wp_item.id"), primary_key=True)
    litres: Mapped[int]
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_identity": "fridge",
        "polymorphic_load": "inline",
    }


class Stove(Item):
    __tablename__ = "wp_stove"
    id: Mapped[int] = mapped_column(ForeignKey("wp_item.id"), primary_key=True)
    burners: Mapped[int]
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "stove"}


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    Shop.metadata.create_all(engine)
    with Session(engine) as session:
        store = Store(name="corner")
        session.add_all(
            [
                Cashier(name="ann", till=3, store=store),
                Stocker(name="bob", aisle="7", store=store),
                Clerk(name="cy", store=store),
                Fridge(litres=300),
                Stove(burners=4),
            ]
        )
        session.commit()
    yield engine
    Shop.metadata.drop_all(engine)


def _selects(sql: list[str]) -> list[str]:
    return [s for s in sql if s.startswith("SELECT")]


def test_with_polymorphic_star_loads_every_subclass_in_one_select(db: Engine) -> None:
    """with_polymorphic='*': select(Clerk) LEFT OUTER JOINs every subclass table (each
    subclass's key column selected as SQLAlchemy does); the objects have their own
    columns loaded, so reading them runs no SQL."""
    printed = " ".join(str(select(Clerk)).split())
    assert printed == (
        "SELECT wp_clerk.id, wp_clerk.name, wp_clerk.kind, wp_clerk.store_id, "
        "wp_cashier.id AS id_1, wp_cashier.till, wp_stocker.id AS id_2, wp_stocker.aisle "
        "FROM wp_clerk LEFT OUTER JOIN wp_cashier ON wp_clerk.id = wp_cashier.id "
        "LEFT OUTER JOIN wp_stocker ON wp_clerk.id = wp_stocker.id"
    )
    with Session(db) as session, recorded_sql() as sql:
        found = session.scalars(select(Clerk).order_by(Clerk.name)).all()
        seen = [
            (type(c).__name__, c.name, c.__dict__.get("till"), c.__dict__.get("aisle"))
            for c in found
        ]
    assert seen == [
        ("Cashier", "ann", 3, None),
        ("Stocker", "bob", None, "7"),
        ("Clerk", "cy", None, None),
    ]
    assert len(_selects(sql)) == 1


def test_relationship_join_and_loads_of_the_base_use_the_wide_select(db: Engine) -> None:
    """A join along a relationship joins onto the subclasses' outer join (no second copy of
    the base table); a lazy load of the collection and get() load subclass columns too."""
    with Session(db) as session:
        stmt = select(Clerk).join(Clerk.store).where(Store.name == "corner").order_by(Clerk.id)
        assert [c.name for c in session.scalars(stmt)] == ["ann", "bob", "cy"]
        assert str(stmt).count("FROM") == 1
    with Session(db) as session:
        store = session.scalars(select(Store)).one()
        with recorded_sql() as sql:
            tills = sorted(c.__dict__.get("till") or 0 for c in store.staff)
        assert tills == [0, 0, 3] and len(_selects(sql)) == 1
        cashier = session.scalars(select(Cashier)).one()
        assert session.get(Clerk, cashier.id) is cashier


def test_inline_subclass_joins_the_base_query(db: Engine) -> None:
    """polymorphic_load='inline' on a joined subclass: select(Item) outer joins its table
    only; the other subclass's columns load when read."""
    printed = " ".join(str(select(Item)).split())
    assert printed == (
        "SELECT wp_item.id, wp_item.kind, wp_fridge.id AS id_1, wp_fridge.litres "
        "FROM wp_item LEFT OUTER JOIN wp_fridge ON wp_item.id = wp_fridge.id"
    )
    with Session(db) as session:
        with recorded_sql() as sql:
            fridge, stove = session.scalars(select(Item).order_by(Item.id)).all()
            assert isinstance(fridge, Fridge) and fridge.litres == 300
        assert len(_selects(sql)) == 1
        assert isinstance(stove, Stove) and "burners" not in stove.__dict__
        assert stove.burners == 4


def test_select_from_join_from_and_join_to_the_base_use_the_wide_select(db: Engine) -> None:
    """select_from(Clerk), join_from(Clerk, Store) and join(Clerk) name the outer join of
    the subclasses' tables (nested as a right side), never the base table a second time;
    the rows are the same."""
    stmt = select(Clerk).select_from(Clerk).where(Clerk.name == "ann")
    assert str(stmt).count("wp_clerk LEFT OUTER JOIN") == 1
    pairs = select(Clerk.name, Store.name).join_from(Clerk, Store).order_by(Clerk.name)
    joined = select(Store.name, Clerk.name).join(Clerk).order_by(Clerk.name)
    assert " ".join(str(joined).split()).endswith(
        "FROM wp_store JOIN (wp_clerk LEFT OUTER JOIN wp_cashier ON wp_clerk.id = wp_cashier.id "
        "LEFT OUTER JOIN wp_stocker ON wp_clerk.id = wp_stocker.id) "
        "ON wp_store.id = wp_clerk.store_id ORDER BY wp_clerk.name"
    )
    with Session(db) as session:
        assert session.scalars(stmt).one().__dict__["till"] == 3
        assert [tuple(r) for r in session.execute(pairs)] == [
            ("ann", "corner"),
            ("bob", "corner"),
            ("cy", "corner"),
        ]
        assert [r[1] for r in session.execute(joined)] == ["ann", "bob", "cy"]
