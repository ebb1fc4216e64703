"""get() by key of a class with joined-eager collections returns its objects whole (as in
SQLAlchemy 2.0, it makes the joined rows unique itself), while an ORM select's result
still asks for unique(); and reading an expired attribute autoflushes first, on SQLite,
PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, ForeignKey, String, exc, select
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
)
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "jg_shelves"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    books: Mapped[list[Book]] = relationship(lazy="joined", order_by="Book.id")


class Book(Base):
    __tablename__ = "jg_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("jg_shelves.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("jg_owners.id"))
    owner: Mapped[Owner | None] = relationship(lazy="joined")
    pages: Mapped[list[Page]] = relationship(order_by="Page.id")


class Owner(Base):
    __tablename__ = "jg_owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))


class Page(Base):
    __tablename__ = "jg_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("jg_books.id"))


@pytest.fixture
def shelves(engine: Engine) -> Iterator[Engine]:
    """Shelf 1 with books 1 (owned by owner 1; pages 1, 2) and 2 (page 3); shelf 2 empty."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Owner(id=1, name="o1"), Shelf(id=1, name="s1"), Shelf(id=2, name="s2")])
        session.flush()
        session.add_all([Book(id=1, shelf_id=1, owner_id=1), Book(id=2, shelf_id=1)])
        session.flush()
        session.add_all([Page(id=1, book_id=1), Page(id=2, book_id=1), Page(id=3, book_id=2)])
        session.commit()
    yield engine
    Base.metadata.drop_all(engine)


SHELF_WITH_BOOKS = (
    "SELECT jg_shelves.id, jg_shelves.name, jg_books_1.id, jg_books_1.shelf_id, "
    "jg_books_1.owner_id, jg_owners_1.id, jg_owners_1.name FROM jg_shelves "
    "LEFT OUTER JOIN jg_books AS jg_books_1 ON jg_shelves.id = jg_books_1.shelf_id "
    "LEFT OUTER JOIN jg_owners AS jg_owners_1 ON jg_owners_1.id = jg_books_1.owner_id "
    "WHERE jg_shelves.id = ? ORDER BY jg_books_1.id"
)


def _books(shelf: Shelf | None) -> list[tuple[int, str | None]]:
    assert shelf is not None
    return [(b.id, b.owner.name if b.owner else None) for b in shelf.books]


def test_get_of_a_joined_collection_loads_it_in_one_select(shelves: Engine) -> None:
    """get(Shelf, 1) sends one SELECT joining the books (and their joined owners) and
    returns the shelf once with both books; reading them sends nothing more."""
    with Session(shelves) as session:
        with recorded_sql() as sql:
            shelf = session.get(Shelf, 1)
            assert _books(shelf) == [(1, "o1"), (2, None)]
        assert dml(sql) == [SHELF_WITH_BOOKS]
        empty = session.get(Shelf, 2)
        assert empty is not None and empty.books == []
        assert session.get(Shelf, 3) is None


def test_get_with_joinedload_options_and_a_chain(shelves: Engine) -> None:
    """get(..., options=[joinedload(Shelf.books).joinedload(Book.pages)]) fills every
    book's pages from the one SELECT."""
    option = joinedload(Shelf.books).joinedload(Book.pages)
    with Session(shelves) as session:
        with recorded_sql() as sql:
            shelf = session.get(Shelf, 1, options=[option])
            assert shelf is not None
            assert [[p.id for p in b.pages] for b in shelf.books] == [[1, 2], [3]]
        assert len(dml(sql)) == 1


def test_get_of_a_joined_many_to_one(shelves: Engine) -> None:
    """get(Book, 1) joins its owner (lazy="joined" many-to-one) in the one SELECT."""
    with Session(shelves) as session:
        with recorded_sql() as sql:
            book = session.get(Book, 1)
            assert book is not None and book.owner is not None and book.owner.name == "o1"
        assert len(dml(sql)) == 1


def test_query_get_merge_and_refresh_of_a_joined_collection(shelves: Engine) -> None:
    """Query.get(), merge() loading by key, and refresh() return the shelf with its books;
    refresh() sees a book added by another session."""
    with Session(shelves) as session, pytest.warns(exc.LegacyAPIWarning):
        assert _books(session.query(Shelf).get(1)) == [(1, "o1"), (2, None)]
    with Session(shelves) as session:
        merged = session.merge(Shelf(id=1, name="renamed"))
        assert merged.name == "renamed"
        assert _books(merged) == [(1, "o1"), (2, None)]
    with Session(shelves) as session:
        shelf = session.get(Shelf, 1)
        assert shelf is not None
        session.commit()  # a new transaction sees the other session's commit
        with Session(shelves) as other:
            other.add(Book(id=3, shelf_id=1))
            other.commit()
        session.refresh(shelf)
        assert _books(shelf) == [(1, "o1"), (2, None), (3, None)]


def test_select_of_a_joined_collection_still_needs_unique(shelves: Engine) -> None:
    """As in SQLAlchemy: all() and one() of select(Shelf) raise until unique() is called;
    first() and scalar() need no unique()."""
    with Session(shelves) as session:
        with pytest.raises(exc.InvalidRequestError, match="unique"):
            session.scalars(select(Shelf)).all()
        with pytest.raises(exc.InvalidRequestError, match="unique"):
            session.scalars(select(Shelf).where(Shelf.id == 1)).one()
        statement = select(Shelf).order_by(Shelf.id)
        assert [s.id for s in session.scalars(statement).unique()] == [1, 2]
        first = session.scalars(statement).first()
        assert first is not None and [b.id for b in first.books] == [1, 2]
        scalar = session.scalar(statement)
        assert scalar is first


UPDATE_OWNER = "UPDATE jg_owners SET name=? WHERE jg_owners.id = ?"
INSERT_OWNER = "INSERT INTO jg_owners (id, name) VALUES (?, ?)"
SELECT_SHELF_NAME = "SELECT jg_shelves.id, jg_shelves.name FROM jg_shelves WHERE jg_shelves.id = ?"


def test_reading_an_expired_attribute_autoflushes_first(shelves: Engine) -> None:
    """expire(shelf), rename an owner, read shelf.name: the UPDATE goes before the
    shelf's SELECT; after a commit, reading an expired attribute inserts a pending object
    first."""
    with Session(shelves) as session:
        shelf, owner = session.get(Shelf, 2), session.get(Owner, 1)
        assert shelf is not None and owner is not None
        session.expire(shelf)
        owner.name = "renamed"
        with recorded_sql() as sql:
            assert shelf.name == "s2"
        assert dml(sql) == [UPDATE_OWNER, SELECT_SHELF_NAME]
        session.commit()
        session.add(Owner(id=2, name="o2"))
        with recorded_sql() as sql:
            assert shelf.name == "s2"
        assert dml(sql)[0] == INSERT_OWNER
        assert not session.new and not session.dirty


@pytest.mark.parametrize("how", ["autoflush=False", "no_autoflush"])
def test_reading_an_expired_attribute_without_autoflush_only_selects(
    shelves: Engine, how: str
) -> None:
    """In an autoflush=False session, or a no_autoflush block, reading an expired
    attribute sends only its SELECT; the change stays pending."""
    with Session(shelves, autoflush=how != "autoflush=False") as session:
        shelf, owner = session.get(Shelf, 2), session.get(Owner, 1)
        assert shelf is not None and owner is not None
        session.expire(shelf)
        owner.name = "renamed"
        with recorded_sql() as sql:
            if how == "no_autoflush":
                with session.no_autoflush:
                    assert shelf.name == "s2"
            else:
                assert shelf.name == "s2"
        assert dml(sql) == [SELECT_SHELF_NAME]
        assert owner in session.dirty
