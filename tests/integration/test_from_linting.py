"""FROM linting: a statement run with FROMs nothing joins warns of the cartesian product
(``SAWarning``), as SQLAlchemy 2.0 does; joined, correlated or turned off, it does not. And the
ORM's own statements never read such FROMs: an ``update(JoinedSubclass)`` synchronised by
"fetch" once selected the changed keys FROM the base table and the subclass's unjoined, and
so took every object of the class in the session for a changed one."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    delete,
    exc,
    select,
    true,
    update,
)
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.conftest import EngineFactory

CARTESIAN = r'cartesian product between FROM element\(s\) "fl_books" and FROM element "fl_authors"'


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "fl_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))


class Book(Base):
    __tablename__ = "fl_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("fl_authors.id"))
    pages: Mapped[int] = mapped_column(Integer)


class Staff(Base):
    __tablename__ = "fl_staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "staff"}


class Boss(Staff):
    __tablename__ = "fl_bosses"
    id: Mapped[int] = mapped_column(ForeignKey("fl_staff.id"), primary_key=True)
    title: Mapped[str] = mapped_column(String(30))
    __mapper_args__ = {"polymorphic_identity": "boss"}


authors: Table = Author.__table__
books: Table = Book.__table__


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


def run_quietly(engine: Engine, statement: Any) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with engine.connect() as connection:
            connection.execute(statement).all()
    return caught


def test_unjoined_froms_warn_when_run(db: Engine) -> None:
    with pytest.warns(exc.SAWarning, match=CARTESIAN), db.connect() as connection:
        connection.execute(select(authors.c.id, books.c.id)).all()


def test_printing_never_warns(db: Engine) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "FROM fl_authors, fl_books" in str(select(authors.c.id, books.c.id))


def test_joined_or_compared_froms_do_not_warn(db: Engine) -> None:
    linked = [
        select(authors.c.id, books.c.id).join_from(authors, books),
        select(authors.c.id, books.c.id).where(authors.c.id == books.c.author_id),
        select(authors.c.id).join(books, true()),
        select(Author, Book).join_from(Author, Book, Book.author_id == Author.id),
    ]
    for statement in linked:
        assert run_quietly(db, statement) == [], str(statement)


def test_a_comparison_with_a_value_links_nothing(db: Engine) -> None:
    statement = select(authors.c.id, books.c.id).where((authors.c.id == 1) | (books.c.id == 2))
    caught = run_quietly(db, statement)
    assert [str(w.message) for w in caught if issubclass(w.category, exc.SAWarning)]


def test_a_subquerys_own_froms_are_linted_apart(db: Engine) -> None:
    staff: Table = Staff.__table__
    inner = select(books.c.author_id).where(staff.c.name == "x")  # books, fl_staff unjoined
    with pytest.warns(exc.SAWarning, match="cartesian product"), db.connect() as connection:
        connection.execute(select(authors.c.id).where(authors.c.id.in_(inner))).all()


def test_update_and_delete_with_other_tables_are_linted(db: Engine) -> None:
    if db.dialect.name == "sqlite":
        pytest.skip("SQLite has no multi-table UPDATE ... FROM / DELETE ... USING form here")
    stmt = update(authors).where(books.c.pages == 5).values(name="n")
    warns = pytest.warns(exc.SAWarning, match="UPDATE statement has a cartesian product")
    with warns, db.begin() as connection:
        connection.execute(stmt)
    if db.dialect.name == "postgresql":
        warns = pytest.warns(exc.SAWarning, match="DELETE statement has a cartesian product")
        with warns, db.begin() as connection:
            connection.execute(delete(authors).where(books.c.pages == 5))


def test_enable_from_linting_false_turns_it_off(make_engine: EngineFactory) -> None:
    quiet = make_engine(enable_from_linting=False)
    Base.metadata.create_all(quiet)
    try:
        assert run_quietly(quiet, select(authors.c.id, books.c.id)) == []
    finally:
        Base.metadata.drop_all(quiet)


def test_fetch_synchronisation_of_a_joined_subclass_touches_only_matched_objects(
    db: Engine,
) -> None:
    """``update(Boss).where(Boss.title == ...)`` by "fetch": only the boss whose title matched
    changes in the session (the key query joins the subclass's table to the base's). Without
    the join every boss in the session took the new title."""
    with Session(db) as session:
        ann, bo = Boss(name="ann", title="ceo"), Boss(name="bo", title="cto")
        session.add_all([ann, bo])
        session.commit()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            session.execute(
                update(Boss).where(Boss.title == "ceo").values(title="chief"),
                execution_options={"synchronize_session": "fetch"},
            )
        assert (ann.title, bo.title) == ("chief", "cto")
        session.commit()
        assert session.scalars(select(Boss.title).order_by(Boss.id)).all() == ["chief", "cto"]
