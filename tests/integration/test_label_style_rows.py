"""Rows of statements given a label style, run on each database: keyed as the style names the
columns (Core, ORM, a subquery joined back), the legacy Query's rows by their own names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import (
    LABEL_STYLE_NONE,
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Engine,
    ForeignKey,
    String,
    Table,
    insert,
    select,
)
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "ls_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))


class Book(Base):
    __tablename__ = "ls_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("ls_authors.id"))
    name: Mapped[str] = mapped_column(String(30))


authors: Table = Author.__table__
books: Table = Book.__table__


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(authors), [{"id": 1, "name": "ann"}, {"id": 2, "name": "bo"}])
        connection.execute(
            insert(books),
            [{"id": 10, "author_id": 1, "name": "x"}, {"id": 11, "author_id": 2, "name": "y"}],
        )
    yield engine
    Base.metadata.drop_all(engine)


def test_core_rows_keyed_by_table_and_column(db: Engine) -> None:
    stmt = (
        select(authors, books.c.id, books.c.name)
        .join_from(authors, books)
        .order_by(books.c.id)
        .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
    )
    with db.connect() as connection:
        result = connection.execute(stmt)
        assert list(result.keys()) == [
            "ls_authors_id",
            "ls_authors_name",
            "ls_books_id",
            "ls_books_name",
        ]
        rows = [row._asdict() for row in result]
    assert rows[0] == {
        "ls_authors_id": 1,
        "ls_authors_name": "ann",
        "ls_books_id": 10,
        "ls_books_name": "x",
    }
    assert len(rows) == 2


def test_a_labelled_subquery_joins_back_by_its_labels(db: Engine) -> None:
    """Two tables' columns of the same names kept apart through a subquery."""
    both = (
        select(authors.c.id, authors.c.name, books.c.id, books.c.name)
        .join_from(authors, books)
        .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
        .subquery()
    )
    stmt = select(both.c.ls_authors_name, both.c.ls_books_name).where(both.c.ls_books_id == 11)
    with db.connect() as connection:
        assert connection.execute(stmt).all() == [("bo", "y")]


def test_label_style_none_keeps_repeated_names(db: Engine) -> None:
    stmt = (
        select(authors.c.id, books.c.id)
        .join_from(authors, books)
        .order_by(books.c.id)
        .set_label_style(LABEL_STYLE_NONE)
    )
    with db.connect() as connection:
        result = connection.execute(stmt)
        assert list(result.keys()) == ["id", "id"]
        assert result.all() == [(1, 10), (2, 11)]


def test_orm_rows_and_legacy_query_rows(db: Engine) -> None:
    with Session(db) as session:
        stmt = select(Author, Book.id).join_from(Author, Book).order_by(Book.id)
        result = session.execute(stmt.set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL))
        assert list(result.keys()) == ["Author", "ls_books_id"]
        rows = result.all()
        assert [(a.name, b) for a, b in rows] == [("ann", 10), ("bo", 11)]
        query = (
            session.query(Author.id, Book.id)
            .join(Book, Author.id == Book.author_id)
            .order_by(Book.id)
            .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
        )
        found = query.all()
        assert found == [(1, 10), (2, 11)]
        assert found[0]._fields == ("id", "id")
