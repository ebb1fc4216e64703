"""AbstractConcreteBase on SQLite, PostgreSQL and MariaDB: each subclass writes its own
table; a query of the base reads the UNION of them and builds each row's class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from corral import AbstractConcreteBase, Engine, String, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.orm_models import recorded_sql


class Staff(DeclarativeBase):
    pass


class Person(AbstractConcreteBase, Staff):
    strict_attrs = True
    name: Mapped[str] = mapped_column(String(50))


class Boss(Person):
    __tablename__ = "acb_boss"
    id: Mapped[int] = mapped_column(primary_key=True)
    budget: Mapped[int]
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "boss", "concrete": True}


class Coder(Person):
    __tablename__ = "acb_coder"
    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(20))
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_identity": "coder",
        "concrete": True,
    }


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    Staff.registry.configure()
    Staff.metadata.create_all(engine)
    yield engine
    Staff.metadata.drop_all(engine)


def test_subclasses_write_their_own_tables_and_the_base_reads_the_union(db: Engine) -> None:
    """Each object is INSERTed into its class's table only; a query of the base (one
    SELECT of the UNION) returns each row as its class, with its own columns loaded;
    criteria on the base's attribute reach both tables."""
    with Session(db) as session:
        session.add_all(
            [
                Boss(name="ann", budget=10),
                Coder(name="bob", language="py"),
                Coder(name="ann", language="go"),
            ]
        )
        with recorded_sql() as sql:
            session.commit()
    inserts = sorted(s.split(" (")[0] for s in sql if s.startswith("INSERT"))
    assert inserts == ["INSERT INTO acb_boss", "INSERT INTO acb_coder"]
    with Session(db) as session:
        with recorded_sql() as sql:
            found = session.scalars(select(Person).where(Person.name == "ann")).all()
            seen = sorted(
                (type(p).__name__, getattr(p, "budget", getattr(p, "language", 0))) for p in found
            )
        assert seen == [("Boss", 10), ("Coder", "go")]
        assert len([s for s in sql if s.startswith("SELECT")]) == 1
        everyone = session.scalars(select(Person)).all()
        assert sorted(p.name for p in everyone) == ["ann", "ann", "bob"]
        assert session.scalars(select(Coder.language).where(Coder.name == "bob")).one() == "py"


def test_deleting_through_a_base_query_deletes_the_subclass_row(db: Engine) -> None:
    """An object loaded through the base is its subclass: deleting it removes its row
    from its own table, and the identity map holds it under its class."""
    with Session(db) as session:
        session.add_all([Boss(name="ann", budget=1), Coder(name="bob", language="c")])
        session.commit()
    with Session(db) as session:
        boss = session.scalars(select(Person).where(Person.name == "ann")).one()
        assert isinstance(boss, Boss)
        assert session.get(Boss, boss.id) is boss
        session.delete(boss)
        session.commit()
    with Session(db) as session:
        assert session.scalars(select(Boss)).all() == []
        assert [type(p) for p in session.scalars(select(Person))] == [Coder]
