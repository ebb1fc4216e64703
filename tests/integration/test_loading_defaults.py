"""Loader strategies set on the mapping, and deferred columns, on three databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    Mapped,
    Session,
    String,
    Text,
    defer,
    deferred,
    exc,
    lazyload,
    load_only,
    mapped_column,
    relationship,
    select,
    undefer,
)
from tests.integration.orm_models import dml, recorded_sql


class LoadBase(DeclarativeBase):
    pass


class Library(LoadBase):
    __tablename__ = "library"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    shelves: Mapped[list[Shelf]] = relationship(
        back_populates="library", lazy="selectin", order_by="Shelf.id"
    )
    staff: Mapped[list[Librarian]] = relationship(lazy="raise")
    visitors: Mapped[list[Visitor]] = relationship(lazy="noload")


class Shelf(LoadBase):
    __tablename__ = "shelf"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id"))
    library: Mapped[Library] = relationship(back_populates="shelves", lazy="joined")
    notes: Mapped[Optional[str]] = mapped_column(Text, deferred=True)  # noqa: UP045


class Librarian(LoadBase):
    __tablename__ = "librarian"

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id"))
    library: Mapped[Library] = relationship(lazy="raise_on_sql")


class Visitor(LoadBase):
    __tablename__ = "visitor"

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("library.id"))


class Profile(LoadBase):
    __tablename__ = "profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    bio: Mapped[str] = deferred(mapped_column(Text))
    photo: Mapped[Optional[bytes]] = mapped_column(deferred=True, deferred_group="media")  # noqa: UP045
    thumbnail: Mapped[Optional[bytes]] = mapped_column(deferred_group="media")  # noqa: UP045
    secret: Mapped[Optional[str]] = mapped_column(String(50), deferred_raiseload=True)  # noqa: UP045


@pytest.fixture
def library(engine: Engine) -> Iterator[Engine]:
    LoadBase.metadata.create_all(engine)
    with Session(engine) as session:
        for name in ("north", "south"):
            lib = Library(name=name)
            lib.shelves = [Shelf(label=f"{name}-{i}", notes=f"notes {i}") for i in range(3)]
            session.add(lib)
            session.flush()
            session.add_all([Librarian(library_id=lib.id), Visitor(library_id=lib.id)])
        session.add(
            Profile(name="ada", bio="long text", photo=b"\x89P", thumbnail=b"t", secret="s")
        )
        session.commit()
    yield engine


def _selects(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("SELECT")]


def test_mapping_strategies_apply_without_options(library: Engine) -> None:
    with Session(library, n_plus_one="raise") as session, recorded_sql() as sql:
        libraries = session.scalars(select(Library).order_by(Library.id)).all()
        labels = [[s.label for s in lib.shelves] for lib in libraries]
        owners = {s.library.name for lib in libraries for s in lib.shelves}
    assert labels == [[f"north-{i}" for i in range(3)], [f"south-{i}" for i in range(3)]]
    assert owners == {"north", "south"}
    selects = _selects(sql)
    # Libraries, then shelves by selectin. Shelf.library (lazy="joined") leads back along
    # the path, so it is not joined again; its targets are in the identity map.
    assert len(selects) == 2
    assert "JOIN" not in selects[1]
    assert "shelf.notes" not in selects[1]  # deferred
    with Session(library) as session, recorded_sql() as sql:
        shelf = session.scalars(select(Shelf).where(Shelf.label == "south-1")).one()
        assert shelf.library.name == "south"
    # The shelf joined to its library; Library.shelves (selectin) leads back: not loaded.
    assert len(_selects(sql)) == 1
    assert "LEFT OUTER JOIN library AS" in _selects(sql)[0]


def test_raise_and_noload_on_the_mapping(library: Engine) -> None:
    with Session(library) as session:
        lib = session.scalars(select(Library).where(Library.name == "north")).one()
        with pytest.raises(exc.RaiseLoadError, match=r"Library\.staff"):
            _ = lib.staff
        assert list(lib.visitors) == []  # noload: never read from the database
        librarian = session.scalars(select(Librarian).limit(1)).one()
        assert librarian.library is not None  # raise_on_sql: the library is in the identity map
        session.expunge(lib)
        other = session.scalars(select(Librarian).where(Librarian.library_id != lib.id)).one()
        with pytest.raises(exc.RaiseLoadError, match="would emit SQL"):
            _ = other.library


def test_an_option_overrides_the_mapping(library: Engine) -> None:
    with Session(library) as session, recorded_sql() as sql:
        session.scalars(select(Library).options(lazyload(Library.shelves))).all()
    assert len(_selects(sql)) == 1


def test_deferred_columns_load_alone_when_read(library: Engine) -> None:
    with Session(library) as session, recorded_sql() as sql:
        profile = session.scalars(select(Profile)).one()
        assert "bio" not in profile.__dict__ and "photo" not in profile.__dict__
        assert profile.bio == "long text"
        assert profile.photo == b"\x89P" and "thumbnail" in profile.__dict__  # the group
        assert profile.thumbnail == b"t"
    selects = _selects(sql)
    assert len(selects) == 3
    assert selects[0] == "SELECT profile.id, profile.name FROM profile"
    assert selects[1].startswith("SELECT profile.bio FROM profile WHERE profile.id = ?")
    assert selects[2].startswith("SELECT profile.photo, profile.thumbnail FROM profile")


def test_deferred_raiseload_refuses_and_undefer_loads(library: Engine) -> None:
    with Session(library) as session:
        profile = session.scalars(select(Profile)).one()
        with pytest.raises(exc.InvalidRequestError, match=r"undefer\(Profile\.secret\)"):
            _ = profile.secret
    with Session(library) as session, recorded_sql() as sql:
        profile = session.scalars(
            select(Profile).options(undefer(Profile.secret, Profile.bio))
        ).one()
        assert (profile.secret, profile.bio) == ("s", "long text")
    assert len(_selects(sql)) == 1


def test_defer_and_load_only_options(library: Engine) -> None:
    with Session(library) as session, recorded_sql() as sql:
        shelf = session.scalars(
            select(Shelf).options(defer(Shelf.label), lazyload(Shelf.library)).limit(1)
        ).one()
        assert "label" not in shelf.__dict__
        assert shelf.label.startswith(("north", "south"))
    assert "shelf.label" not in _selects(sql)[0]
    with Session(library) as session, recorded_sql() as sql:
        shelf = session.scalars(
            select(Shelf).options(load_only(Shelf.label), lazyload(Shelf.library)).limit(1)
        ).one()
        assert set(shelf.__dict__) >= {"id", "label"} and "library_id" not in shelf.__dict__
    assert _selects(sql)[0].startswith("SELECT shelf.id, shelf.label FROM shelf")
    with Session(library) as session, pytest.raises(exc.ArgumentError, match="primary key"):
        session.scalars(select(Shelf).options(defer(Shelf.id))).all()


def test_deferred_columns_survive_commit_and_changes(library: Engine) -> None:
    with Session(library) as session:
        profile = session.scalars(select(Profile)).one()
        profile.bio = "changed"
        session.commit()
        assert profile.name == "ada"  # expired columns reload without the deferred ones
        assert "bio" not in profile.__dict__
        assert profile.bio == "changed"
        assert session.get(Profile, profile.id) is profile
