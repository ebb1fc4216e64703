"""What type checkers infer for mapped classes, statements and sessions, with no plugin:
``make test`` runs mypy (over tests/) and pyright (strict, ``[tool.pyright]`` in
pyproject.toml) on this file, and each ``assert_type`` below is a typing test for both. A
``# type: ignore[...]`` marks an error the checkers must find: an unneeded one fails them
(mypy's ``warn_unused_ignores``, pyright's ``reportUnnecessaryTypeIgnoreComment``). The test
functions also run, on SQLite in memory, so the file cannot rot."""

from __future__ import annotations

from typing import Any, assert_type

import pytest

from corral import ForeignKey, Select, String, create_engine, select, text
from corral.engine import Row
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
)
from corral.orm.mapping.attributes import InstrumentedAttribute


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "typing_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    nickname: Mapped[str | None] = mapped_column(default=None)
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "typing_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("typing_author.id"))
    author: Mapped[Author] = relationship(back_populates="books")


def test_instance_attributes_have_their_mapped_types() -> None:
    """Mapped[T] reads as T on an instance; the constructor takes the columns as keywords."""
    author = Author(name="ann")
    assert_type(author.id, int)
    assert_type(author.name, str)
    assert_type(author.nickname, str | None)
    assert_type(author.books, list[Book])
    assert author.name == "ann"


def test_constructor_takes_the_mapped_attributes_as_typed_keywords() -> None:
    """The declarative base is a PEP 681 dataclass_transform: a checker refuses an unknown
    keyword, a value of the wrong type and a positional argument (corral refuses the first
    and the last at runtime too)."""
    with pytest.raises(TypeError, match="'nme' is not an attribute of Author"):
        Author(nme="ann")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional"):
        Author("ann")  # type: ignore[call-arg, arg-type]
    Author(name=3)  # type: ignore[arg-type]


def test_class_attributes_are_instrumented() -> None:
    """Mapped[T] reads as InstrumentedAttribute[T] on the class, for building statements."""
    assert_type(Author.name, InstrumentedAttribute[str])
    assert_type(Book.author, InstrumentedAttribute[Author])


def test_session_results_are_typed() -> None:
    """Session.get() gives the class or None; scalars of an entity select give its objects."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Author(name="ann"))
        session.commit()
        found = session.get(Author, 1)
        assert_type(found, Author | None)
        assert found is not None and found.name == "ann"
        names = session.scalars(select(Author.name)).all()
        assert_type(names, list[str])
        assert names == ["ann"]
        assert_type(session.scalars(select(Author)).one(), Author)
        assert_type(session.scalar(select(Author.id)), int | None)


def test_select_rows_are_typed_by_what_they_select() -> None:
    """select(A.x, A.y) is a Select[tuple[X, Y]] and its rows Row[tuple[X, Y]], through the
    generative methods; an untyped select stays Select[tuple[Any, ...]]."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Author(name="ann"))
        session.commit()
        statement = select(Author.id, Author.name).where(Author.name == "ann").order_by(Author.id)
        assert_type(statement, Select[tuple[int, str]])
        row = session.execute(statement).one()
        assert_type(row, Row[tuple[int, str]])
        assert tuple(row) == (1, "ann")
        assert_type(row._t, tuple[int, str])
        author_id, name = row._tuple()
        assert_type(name, str)
        assert (author_id, name) == (1, "ann")
        assert_type(select(Author, Book.id), Select[tuple[Author, int]])
        assert_type(select(text("1")), Select[tuple[Any, ...]])
    engine.dispose()
    engine.dispose()
