"""A relationship collection changed after Python freed its owner: as in SQLAlchemy 2.0,
the change is refused with ``ObjectDereferencedError`` and nothing is written; a program
that keeps the owner, or a strong identity map (the control), writes the change."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from corral import Engine, ForeignKey, Mapped, Session, String, mapped_column, relationship, select
from corral.orm import DeclarativeBase, attribute_keyed_dict
from corral.orm import exc as orm_exc
from tests.integration.orm_models import dml, joined_update, recorded_sql


class Base(DeclarativeBase):
    pass


class Crate(Base):
    __tablename__ = "dr_crates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    apples: Mapped[list[Apple]] = relationship(back_populates="crate", order_by="Apple.id")
    pears: Mapped[set[Pear]] = relationship(back_populates="crate")
    plums: Mapped[dict[str, Plum]] = relationship(
        collection_class=attribute_keyed_dict("name"), back_populates="crate"
    )


class Apple(Base):
    __tablename__ = "dr_apples"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    crate_id: Mapped[int | None] = mapped_column(ForeignKey("dr_crates.id"))
    crate: Mapped[Crate | None] = relationship(back_populates="apples")


class Pear(Base):
    __tablename__ = "dr_pears"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    crate_id: Mapped[int | None] = mapped_column(ForeignKey("dr_crates.id"))
    crate: Mapped[Crate | None] = relationship(back_populates="pears")


class Plum(Base):
    __tablename__ = "dr_plums"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    crate_id: Mapped[int | None] = mapped_column(ForeignKey("dr_crates.id"))
    crate: Mapped[Crate | None] = relationship(back_populates="plums")


ROWS = [(11, 1), (12, 1), (21, 2), (22, 2)]


@pytest.fixture
def filled(engine: Engine) -> Iterator[Engine]:
    """Crates 1 and 2, each with apples, pears and plums 10*id+1 and 10*id+2."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Crate(id=1, name="c1"), Crate(id=2, name="c2")])
        session.flush()
        for kind in (Apple, Pear, Plum):
            session.add_all([kind(id=i, name=f"n{i}", crate_id=c) for i, c in ROWS])
        session.commit()
    yield engine
    Base.metadata.drop_all(engine)


def rows(engine: Engine, kind: type[Apple] | type[Pear] | type[Plum]) -> list[tuple[int, int]]:
    with Session(engine) as check:
        found = check.execute(select(kind.id, kind.crate_id).order_by(kind.id)).tuples().all()
        return [(i, c) for i, c in found if c is not None]


def _crate(session: Session) -> Crate:
    """Crate 2, returned without being kept: the caller's expression drops it at once."""
    crate = session.get(Crate, 2)
    assert crate is not None
    return crate


def _append(session: Session) -> None:
    _crate(session).apples.append(Apple(id=100, name="new"))


def _append_to_one(session: Session) -> None:
    query = select(Crate).where(Crate.id == 2)
    session.scalars(query).one().apples.append(Apple(id=100, name="new"))


def _remove(session: Session) -> None:
    apple = session.get(Apple, 21)
    assert apple is not None
    _crate(session).apples.remove(apple)


def _kept_collection(session: Session) -> None:
    crate = session.get(Crate, 2)
    assert crate is not None
    apples = crate.apples
    del crate
    gc.collect()
    apples.append(Apple(id=100, name="new"))


def _set_add(session: Session) -> None:
    _crate(session).pears.add(Pear(id=100, name="new"))


def _set_discard(session: Session) -> None:
    pears = _crate(session).pears
    pears.discard(next(iter(pears)))


def _dict_set(session: Session) -> None:
    _crate(session).plums["new"] = Plum(id=100, name="new")


def _dict_pop(session: Session) -> None:
    _crate(session).plums.pop("n21")


CHANGES: dict[str, tuple[Callable[[Session], None], type[Apple] | type[Pear] | type[Plum], str]] = {
    "list append after get()": (_append, Apple, "INSERT INTO dr_apples"),
    "list append after scalars().one()": (_append_to_one, Apple, "INSERT INTO dr_apples"),
    "list remove": (_remove, Apple, "UPDATE dr_apples SET crate_id"),
    "list kept after del owner": (_kept_collection, Apple, "INSERT INTO dr_apples"),
    "set add": (_set_add, Pear, "INSERT INTO dr_pears"),
    "set discard": (_set_discard, Pear, "UPDATE dr_pears SET crate_id"),
    "dict setitem": (_dict_set, Plum, "INSERT INTO dr_plums"),
    "dict pop": (_dict_pop, Plum, "UPDATE dr_plums SET crate_id"),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_freed_owners_collection_refuses_changes(filled: Engine, name: str) -> None:
    """The weak map (the default) frees the owner the expression reached: the change raises
    ObjectDereferencedError naming the relationship and the fix, commit writes nothing and
    the rows stay; with weak_identity_map=False (the control) the same change is written."""
    change, kind, statement = CHANGES[name]
    with Session(filled) as session:
        with pytest.raises(orm_exc.ObjectDereferencedError, match=r"Cannot change Crate\.\w+: "):
            change(session)
        with recorded_sql() as sql:
            session.commit()
        assert dml(sql) == []
    assert rows(filled, kind) == ROWS
    with Session(filled, weak_identity_map=False) as strong:
        change(strong)
        with recorded_sql() as sql:
            strong.commit()
        assert [s for s in dml(sql) if s.startswith(statement)] != []
    assert rows(filled, kind) != ROWS


def test_a_kept_owner_writes_its_collection_change(filled: Engine) -> None:
    """With the owner referenced, the same changes go through on the weak map and commit
    writes them: the removed member's foreign key nulled and an INSERT of the new member."""
    with Session(filled) as session:
        crate = session.get(Crate, 2)
        assert crate is not None
        crate.apples.append(Apple(id=100, name="new"))
        crate.apples.remove(crate.apples[0])
        del crate
        gc.collect()
        with recorded_sql() as sql:
            session.commit()
        assert dml(sql) == [
            "UPDATE dr_apples SET crate_id=? WHERE dr_apples.id = ?",
            "INSERT INTO dr_apples (id, name, crate_id) VALUES (?, ?, ?)",
        ]
    assert rows(filled, Apple) == [(11, 1), (12, 1), (22, 2), (100, 2)]


def test_iterating_a_freed_owners_collection_changes_its_members(filled: Engine) -> None:
    """Reading a collection needs no owner: members changed in a loop over it are written."""
    with Session(filled) as session:
        for apple in _crate(session).apples:
            apple.name = apple.name + "!"
        with recorded_sql() as sql:
            session.commit()
        assert dml(sql) == [
            joined_update("dr_apples", ["name"], ["id"], ["VARCHAR", "INTEGER"], 2)
            if filled.dialect.name == "postgresql"
            else "UPDATE dr_apples SET name=? WHERE dr_apples.id = ?"
        ]
    with Session(filled) as check:
        names = check.scalars(select(Apple.name).where(Apple.crate_id == 2).order_by(Apple.id))
        assert names.all() == ["n21!", "n22!"]
