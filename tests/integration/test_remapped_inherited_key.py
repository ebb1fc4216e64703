"""A joined hierarchy whose subclass maps the inherited key again explicitly
(``column_property(own, Parent.id)``), so its attributes are in SQLAlchemy's order (the
key after the other inherited attributes): flush and load still write and read every
table, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from corral import Column, Engine, ForeignKey, Integer, String, inspect, select
from corral.orm import DeclarativeBase, Mapped, Session, column_property, mapped_column
from tests.integration.orm_models import dml, recorded_sql


class RemapBase(DeclarativeBase):
    pass


class Member(RemapBase):
    __tablename__ = "remap_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {
        "polymorphic_on": "kind",
        "polymorphic_identity": "member",
    }


class Captain(Member):
    __tablename__ = "remap_captain"
    id = column_property(
        Column(Integer, ForeignKey("remap_member.id"), primary_key=True), Member.id
    )
    team: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "captain"}


class Coach(Captain):
    __tablename__ = "remap_coach"
    id: Mapped[int] = mapped_column(ForeignKey("remap_captain.id"), primary_key=True)
    sport: Mapped[str] = mapped_column(String(10))
    __mapper_args__: ClassVar[dict[str, Any]] = {"polymorphic_identity": "coach"}


@pytest.fixture
def rdb(engine: Engine) -> Iterator[Engine]:
    RemapBase.metadata.create_all(engine)
    yield engine


def _table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = RemapBase.metadata.tables
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for name, t in tables.items()
        }


def test_the_order_is_sqlalchemys() -> None:
    """The re-mapped key comes after the other inherited attributes."""
    assert list(inspect(Captain).column_attrs.keys()) == ["name", "kind", "id", "team"]
    assert list(inspect(Coach).column_attrs.keys()) == ["name", "kind", "id", "team", "sport"]


def test_flush_writes_every_table_in_order_and_load_reads_them(rdb: Engine) -> None:
    """INSERT base, then each subclass table with the copied key; a fresh session loads
    the object as its class; an UPDATE goes to the changed table; DELETE leaf first."""
    with Session(rdb) as session, recorded_sql() as statements:
        session.add(Coach(name="ann", team="red", sport="ski"))
        session.commit()
    inserts = [s.split(" (")[0] for s in dml(statements)]
    assert inserts == [
        "INSERT INTO remap_member",
        "INSERT INTO remap_captain",
        "INSERT INTO remap_coach",
    ]
    assert _table_rows(rdb) == {
        "remap_member": [(1, "ann", "coach")],
        "remap_captain": [(1, "red")],
        "remap_coach": [(1, "ski")],
    }
    with Session(rdb) as session:
        loaded = session.scalars(select(Member)).one()
        assert type(loaded) is Coach
        assert (loaded.id, loaded.name, loaded.team, loaded.sport) == (1, "ann", "red", "ski")
        with recorded_sql() as statements:
            loaded.team = "blue"
            session.commit()
        updates = [s for s in dml(statements) if s.startswith("UPDATE")]
        assert len(updates) == 1 and updates[0].startswith("UPDATE remap_captain SET team")
        coach = session.get(Coach, 1)
        assert coach is not None
        with recorded_sql() as statements:
            session.delete(coach)
            session.commit()
        deletes = [s.split(" WHERE")[0] for s in dml(statements) if s.startswith("DELETE")]
    assert deletes == [
        "DELETE FROM remap_coach",
        "DELETE FROM remap_captain",
        "DELETE FROM remap_member",
    ]
    assert _table_rows(rdb) == {"remap_member": [], "remap_captain": [], "remap_coach": []}
