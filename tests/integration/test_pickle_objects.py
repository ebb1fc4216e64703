"""Pickling mapped objects, as SQLAlchemy allows: the object comes back detached (transient
when it had no identity) with its loaded values, its loaded collections and its unflushed
changes, and joins a session again through ``add()`` or ``merge()``. On SQLite, PostgreSQL
and MariaDB.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator

import pytest

from corral import Engine, ForeignKey, String, exc, inspect, select
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    selectinload,
)
from tests.integration.orm_models import recorded_sql


class PickleBase(DeclarativeBase):
    pass


class Shelf(PickleBase):
    __tablename__ = "pk_shelf"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
    jars: Mapped[list[Jar]] = relationship(back_populates="shelf", order_by="Jar.id")


class Jar(PickleBase):
    __tablename__ = "pk_jar"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("pk_shelf.id"))
    shelf: Mapped[Shelf] = relationship(back_populates="jars")


@pytest.fixture
def pdb(engine: Engine) -> Iterator[Engine]:
    PickleBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Shelf(id=1, label="top", jars=[Jar(id=1), Jar(id=2)]))
        session.commit()
    yield engine


def _state(obj: object) -> object:
    """The object's own state record (SQLAlchemy's name for where it is kept)."""
    return vars(obj)["_sa_instance_state"]


def _inspected(obj: object) -> tuple[bool, bool, object]:
    state = inspect(obj)
    return state.transient, state.detached, state.session


def test_a_loaded_object_comes_back_detached_with_its_values(pdb: Engine) -> None:
    with Session(pdb) as session:
        shelf = session.scalars(select(Shelf).options(selectinload(Shelf.jars))).one()
        data = pickle.dumps(shelf)
    again = pickle.loads(data)
    assert _inspected(again) == (False, True, None)
    assert (again.label, [jar.id for jar in again.jars]) == ("top", [1, 2])
    assert all(_inspected(jar) == (False, True, None) for jar in again.jars)


def test_an_unflushed_change_survives_and_is_written_after_add(pdb: Engine) -> None:
    with Session(pdb) as session:
        shelf = session.get(Shelf, 1)
        assert shelf is not None
        shelf.label = "bottom"
        data = pickle.dumps(shelf)  # the change was never flushed
    with Session(pdb) as session:
        assert session.scalars(select(Shelf.label)).one() == "top"
    again = pickle.loads(data)
    with Session(pdb) as session, recorded_sql() as statements:
        session.add(again)
        session.commit()
    assert any(sql.lstrip().upper().startswith("UPDATE PK_SHELF") for sql in statements)
    with Session(pdb) as session:
        assert session.scalars(select(Shelf.label)).one() == "bottom"


def test_merge_of_an_unpickled_object_returns_the_session_s_own(pdb: Engine) -> None:
    with Session(pdb) as session:
        data = pickle.dumps(session.get(Shelf, 1))
    again = pickle.loads(data)
    with Session(pdb) as session:
        mine = session.get(Shelf, 1)
        merged = session.merge(again)
        assert merged is mine and merged is not again
        assert _inspected(again) == (False, True, None)


def test_a_new_object_comes_back_transient_and_inserts(pdb: Engine) -> None:
    again = pickle.loads(pickle.dumps(Shelf(id=2, label="new")))
    assert _inspected(again) == (True, False, None)
    with Session(pdb) as session:
        session.add(again)
        session.commit()
        assert session.scalars(select(Shelf.label).where(Shelf.id == 2)).one() == "new"


def test_an_expired_object_read_after_unpickling_says_it_is_detached(pdb: Engine) -> None:
    """Expired attributes stay expired: reading one needs a session, and the error says so
    (the same as for the object before pickling)."""
    with Session(pdb) as session:
        shelf = session.get(Shelf, 1)
        session.commit()  # expires every attribute
        data = pickle.dumps(shelf)
    again = pickle.loads(data)
    with pytest.raises(exc.DetachedInstanceError):
        _ = again.label
    with Session(pdb) as session:
        session.add(again)
        assert again.label == "top"  # reloads once attached


def test_deepcopy_gives_the_copy_a_state_of_its_own(pdb: Engine) -> None:
    """copy.deepcopy goes through the same reduction: the copy's state is its own
    (detached), the original stays in its session. The control: a shallow copy shares the
    original's state, as in SQLAlchemy."""
    with Session(pdb) as session:
        shelf = session.get(Shelf, 1)
        assert shelf is not None
        deep = copy.deepcopy(shelf)
        assert _state(deep) is not _state(shelf)
        assert _inspected(deep) == (False, True, None)
        assert inspect(shelf).session is session
        assert _state(copy.copy(shelf)) is _state(shelf)
