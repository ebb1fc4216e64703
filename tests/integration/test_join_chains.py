"""Joins added to a FROM that already holds their left side extend it, as in SQLAlchemy:
one join chain is sent (no table listed twice) and the rows are those of the chain."""

from __future__ import annotations

from typing import Optional

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    Mapped,
    Session,
    String,
    aliased,
    mapped_column,
    relationship,
    select,
)
from tests.integration.orm_models import dml, normalize, recorded_sql


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "jc_owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    pets: Mapped[list[Pet]] = relationship(back_populates="owner", order_by="Pet.id")


class Pet(Base):
    __tablename__ = "jc_pet"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("jc_owner.id"))
    kind: Mapped[Optional[str]] = mapped_column(String(20))  # noqa: UP045
    owner: Mapped[Owner] = relationship(back_populates="pets")


owner = Owner.__table__
pet = Pet.__table__


def _seed(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Owner(id=1, name="ann", pets=[Pet(id=1, kind="cat"), Pet(id=2, kind="dog")]),
                Owner(id=2, name="bob", pets=[Pet(id=3, kind="cat")]),
                Owner(id=3, name="cy", pets=[Pet(id=4, kind="dog")]),
            ]
        )
        session.commit()


def test_join_from_the_same_left_twice_is_one_chain(engine: Engine) -> None:
    """join_from(t, a1).join_from(t, a2) joins a2 onto the first join, not a second FROM."""
    _seed(engine)
    cat, dog = pet.alias("cat"), pet.alias("dog")
    stmt = (
        select(owner.c.name)
        .join_from(owner, cat)
        .where(cat.c.kind == "cat")
        .join_from(owner, dog)
        .where(dog.c.kind == "dog")
    )
    with engine.connect() as conn, recorded_sql() as statements:
        rows = conn.execute(stmt).scalars().all()
    assert rows == ["ann"]
    assert normalize(dml(statements)[0]) == (
        "SELECT jc_owner.name FROM jc_owner JOIN jc_pet AS cat ON cat.owner_id = jc_owner.id "
        "JOIN jc_pet AS dog ON dog.owner_id = jc_owner.id WHERE cat.kind = ? AND dog.kind = ?"
    )


def test_orm_join_from_along_a_relationship_twice_is_one_chain(engine: Engine) -> None:
    """join_from(Owner, Owner.pets.of_type(a1)).join_from(Owner, ...of_type(a2)): one chain."""
    _seed(engine)
    cat, dog = aliased(Pet, name="cat"), aliased(Pet, name="dog")
    stmt = (
        select(Owner)
        .join_from(Owner, Owner.pets.of_type(cat))
        .join_from(Owner, Owner.pets.of_type(dog))
        .where(cat.kind == "cat", dog.kind == "dog")
    )
    with Session(engine) as session, recorded_sql() as statements:
        names = [o.name for o in session.scalars(stmt)]
    assert names == ["ann"]
    assert normalize(dml(statements)[0]) == (
        "SELECT jc_owner.id, jc_owner.name FROM jc_owner "
        "JOIN jc_pet AS cat ON jc_owner.id = cat.owner_id "
        "JOIN jc_pet AS dog ON jc_owner.id = dog.owner_id WHERE cat.kind = ? AND dog.kind = ?"
    )


def test_select_from_a_table_then_a_join_holding_it_reads_the_join_only(engine: Engine) -> None:
    """select_from(t).select_from(join including t) lists the join alone in FROM."""
    _seed(engine)
    joined = pet.join(owner, owner.c.id == pet.c.owner_id)
    stmt = (
        select(pet.c.id)
        .select_from(owner)
        .select_from(joined)
        .where(owner.c.name == "ann")
        .order_by(pet.c.id)
    )
    with engine.connect() as conn, recorded_sql() as statements:
        rows = conn.execute(stmt).scalars().all()
    assert rows == [1, 2]
    assert normalize(dml(statements)[0]) == (
        "SELECT jc_pet.id FROM jc_pet JOIN jc_owner ON jc_owner.id = jc_pet.owner_id "
        "WHERE jc_owner.name = ? ORDER BY jc_pet.id"
    )
