"""SQLAlchemy statement forms run on every database: ``join()`` functions, ``select(t.c)``,
multi-row VALUES whose rows name different columns, and class-body column order."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    Mapped,
    Session,
    String,
    insert,
    mapped_column,
    select,
)
from corral.sql import join, outerjoin
from tests.integration.orm_models import recorded_sql


class FormsBase(DeclarativeBase):
    pass


class Author(FormsBase):
    __tablename__ = "forms_author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    fullname: Mapped[str | None] = mapped_column(String(60))
    rank: Mapped[int] = mapped_column(default=5)


class Book(FormsBase):
    __tablename__ = "forms_book"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    author_id = mapped_column(ForeignKey("forms_author.id"))


@pytest.fixture
def forms(engine: Engine) -> Iterator[Engine]:
    FormsBase.metadata.create_all(engine)
    yield engine


def _words(sql: str) -> str:
    return re.sub(r"[`\"]", "", sql)


def test_ragged_multi_row_insert_keeps_every_value(forms: Engine) -> None:
    """insert(Author).values([...]) with rows naming different keys inserts each given value,
    NULL where a row leaves a column out and the Python default for ``rank``."""
    with Session(forms) as session:
        stmt = insert(Author).values(
            [{"name": "sandy"}, {"name": "spongebob", "fullname": "Spongebob Squarepants"}]
        )
        with recorded_sql() as statements:
            session.execute(stmt)
        session.commit()
    (sql,) = [_words(s) for s in statements if s.startswith("INSERT")]
    assert sql.startswith("INSERT INTO forms_author (name, fullname, rank) VALUES (")
    assert "NULL" in sql
    with Session(forms) as session:
        rows = session.execute(
            select(Author.name, Author.fullname, Author.rank).order_by(Author.name)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("sandy", None, 5),
        ("spongebob", "Spongebob Squarepants", 5),
    ]


def test_join_functions_and_column_collections(forms: Engine) -> None:
    """select(t.c[...]).select_from(join(...)) / outerjoin(...) read the rows joined."""
    authors, books = Author.__table__, Book.__table__
    with Session(forms) as session:
        session.add_all([Author(id=1, name="ann"), Author(id=2, name="bob")])
        session.flush()
        session.add(Book(id=1, title="tides", author_id=1))  # type: ignore[call-arg]
        session.commit()
        inner = select(authors.c["name"], books.c["title"]).select_from(join(authors, books))
        with recorded_sql() as statements:
            rows = session.execute(inner.order_by(authors.c.name)).all()
        assert [tuple(r) for r in rows] == [("ann", "tides")]
        (sql,) = [_words(s) for s in statements if s.startswith("SELECT")]
        assert sql.startswith(
            "SELECT forms_author.name, forms_book.title FROM forms_author JOIN forms_book ON "
        )
        outer = select(authors.c.name, books.c.title).select_from(outerjoin(authors, books))
        rows = session.execute(outer.order_by(authors.c.name)).all()
        assert [tuple(r) for r in rows] == [("ann", "tides"), ("bob", None)]
        assert session.execute(select(books.c)).all() == [(1, "tides", 1)]


def test_columns_follow_the_class_body(forms: Engine) -> None:
    """CREATE TABLE and SELECT list ``title`` (annotation only) before ``author_id``."""
    with recorded_sql() as statements:
        FormsBase.metadata.drop_all(forms)
        FormsBase.metadata.create_all(forms)
    (create,) = [_words(s) for s in statements if s.startswith("CREATE TABLE forms_book")]
    assert create.index("title") < create.index("author_id")
    with Session(forms) as session:
        session.add(Author(id=1, name="ann"))
        session.flush()
        session.add(Book(id=3, title="tides", author_id=1))  # type: ignore[call-arg]
        session.commit()
        with recorded_sql() as statements:
            row = session.execute(select(Book.__table__)).one()
    assert tuple(row) == (3, "tides", 1)
    assert _words(statements[-1]).startswith(
        "SELECT forms_book.id, forms_book.title, forms_book.author_id"
    )
