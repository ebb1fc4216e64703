"""ModelFactory (corral.testing) without a database: what build() fills in, and its errors."""

from __future__ import annotations

import datetime

import pytest

from corral import ForeignKey, String, exc
from corral.orm import DeclarativeBase, Mapped, mapped_column
from corral.testing import ModelFactory


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "factory_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(8))
    born: Mapped[datetime.date]
    active: Mapped[bool]
    nickname: Mapped[str | None]
    rank: Mapped[int] = mapped_column(default=3)


class Book(Base):
    __tablename__ = "factory_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("factory_author.id"))


def test_build_fills_not_null_columns_numbered_per_model() -> None:
    """NOT NULL columns without a default get values of their type, numbered per model,
    cut to the column's length; nullable, defaulted and key columns stay unset."""
    factory = ModelFactory()
    first, second = factory.build(Author), factory.build(Author)
    assert (first.name, second.name) == ("name-1", "name-2")
    assert first.born == datetime.date(2000, 1, 2) and first.active is False
    assert first.nickname is None
    assert "id" not in vars(first)
    assert factory.build(Author, name=lambda n: f"a{n * 100}").name == "a300"
    assert factory.build(Author, name="x" * 20).name == "x" * 20


def test_build_leaves_foreign_keys_to_the_test() -> None:
    """A foreign key column is never invented: which row it points at is the test's choice."""
    assert ModelFactory().build(Book).author_id is None


def test_build_refuses_an_unmapped_class() -> None:
    """build() on a plain class names it and says how to map it."""
    with pytest.raises(exc.ArgumentError, match="is not mapped"):
        ModelFactory().build(dict)


def test_create_without_a_session_is_an_error() -> None:
    """create() and create_batch() need a Session and say how to give one."""
    with pytest.raises(exc.InvalidRequestError, match=r"ModelFactory\(session\)"):
        ModelFactory().create(Author)
    with pytest.raises(exc.InvalidRequestError, match=r"ModelFactory\(session\)"):
        ModelFactory().create_batch(Author, 2)
