"""The legacy ``Query`` (``session.query(...)``) on every database: building, fetching,
counting, set operations, bulk UPDATE/DELETE through it, and scoped_session's query_property."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    Session,
    String,
    aliased,
    bindparam,
    exc,
    func,
    joinedload,
    mapped_column,
    relationship,
    scoped_session,
    select,
    sessionmaker,
    text,
)
from corral.orm import Query
from tests.integration.orm_models import dml, recorded_sql


class QueryBase(DeclarativeBase):
    pass


class Author(QueryBase):
    __tablename__ = "lq_authors"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(30))
    rank: Mapped[int] = mapped_column(Integer)
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")


class Book(QueryBase):
    __tablename__ = "lq_books"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(30))
    author_id: Mapped[int] = mapped_column(ForeignKey("lq_authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    QueryBase.metadata.create_all(engine)
    with Session(engine) as setup:
        setup.add_all(
            [
                Author(id=1, name="ann", rank=3),
                Author(id=2, name="bob", rank=1),
                Author(id=3, name="cid", rank=2),
                Book(id=1, title="a1", author_id=1),
                Book(id=2, title="a2", author_id=1),
                Book(id=3, title="b1", author_id=2),
            ]
        )
        setup.commit()
    with Session(engine) as session:
        yield session


def names(authors: list[Any]) -> list[str]:
    return [a.name for a in authors]


def test_query_of_a_class_yields_objects_and_of_columns_rows(session: Session) -> None:
    """A query of one class returns objects; of columns, rows (also for a single column)."""
    authors = session.query(Author).order_by(Author.id).all()
    assert names(authors) == ["ann", "bob", "cid"]
    assert all(isinstance(a, Author) for a in authors)
    assert session.query(Author.id).order_by(Author.id).all() == [(1,), (2,), (3,)]
    row = session.query(Author.id, Author.name).filter(Author.id == 2).one()
    assert (row.id, row.name) == (2, "bob")


def test_filter_where_and_filter_by_add_criteria(session: Session) -> None:
    """filter(), its alias where() and filter_by() all add WHERE criteria joined by AND."""
    query = session.query(Author).filter(Author.rank > 1).where(Author.name != "cid")
    assert names(query.all()) == ["ann"]
    assert session.query(Author).filter_by(name="bob", rank=1).one().id == 2


def test_join_by_relationship_then_filter_by_the_joined_class(session: Session) -> None:
    """join(Author.books) joins along the relationship; filter_by then reads Book's names."""
    query = session.query(Author).join(Author.books).filter_by(title="b1")
    assert names(query.all()) == ["bob"]
    outer = session.query(Author.name, Book.title).outerjoin(Book).order_by(Author.id, Book.id)
    assert [tuple(r) for r in outer] == [("ann", "a1"), ("ann", "a2"), ("bob", "b1"), ("cid", None)]


def test_filter_by_after_joining_an_alias_reads_the_alias(session: Session) -> None:
    """After join(Author.books.of_type(alias)), filter_by() names the alias's attributes."""
    book = aliased(Book)
    query = session.query(Author).join(Author.books.of_type(book)).filter_by(title="a2")
    assert names(query.all()) == ["ann"]


def test_group_by_having_and_distinct(session: Session) -> None:
    """group_by()/having() aggregate; distinct() removes repeated rows."""
    query = (
        session.query(Book.author_id, func.count(Book.id))
        .group_by(Book.author_id)
        .having(func.count(Book.id) > 1)
    )
    assert [tuple(r) for r in query] == [(1, 2)]
    assert sorted(r.author_id for r in session.query(Book.author_id).distinct()) == [1, 2]


def test_limit_offset_slicing_and_indexing(session: Session) -> None:
    """limit/offset, [start:stop] and [i] select by position; negative positions raise."""
    ordered = session.query(Author).order_by(Author.id)
    assert names(ordered.limit(2).offset(1).all()) == ["bob", "cid"]
    assert names(ordered[1:3]) == ["bob", "cid"]
    assert names(ordered.offset(1)[0:1]) == ["bob"]
    assert ordered[2].name == "cid"
    assert ordered[2:2] == []
    with pytest.raises(IndexError):
        ordered[5]
    with pytest.raises(IndexError, match="negative"):
        ordered[-1]


def test_first_one_one_or_none_and_scalar(session: Session) -> None:
    """first() adds LIMIT 1; one()/one_or_none() check the count; scalar() gives one value."""
    with recorded_sql() as sql:
        first = session.query(Author).order_by(Author.rank).first()
    assert first is not None and first.name == "bob"
    assert "LIMIT" in dml(sql)[0]
    assert session.query(Author).filter(Author.id == 99).first() is None
    assert session.query(Author).filter(Author.id == 99).one_or_none() is None
    with pytest.raises(exc.NoResultFound):
        session.query(Author).filter(Author.id == 99).one()
    with pytest.raises(exc.MultipleResultsFound):
        session.query(Author).one()
    assert session.query(Author.name).filter(Author.id == 3).scalar() == "cid"
    assert session.query(Author.name).filter(Author.id == 99).scalar() is None


def test_count_wraps_the_query_in_a_subquery(session: Session) -> None:
    """count() is SELECT count(*) FROM (the query): it counts the rows the query returns."""
    with recorded_sql() as sql:
        assert session.query(Author).filter(Author.rank >= 2).count() == 2
    assert dml(sql)[0].startswith("SELECT count(*) FROM (SELECT")
    assert session.query(Book.author_id).distinct().count() == 2


def test_exists_is_usable_in_a_query_and_in_criteria(session: Session) -> None:
    """query.exists() is an EXISTS construct: selected on its own or used in filter()."""
    assert session.query(session.query(Book).filter(Book.title == "b1").exists()).scalar() is True
    assert session.query(session.query(Book).filter(Book.title == "zz").exists()).scalar() is False


def test_get_is_legacy_and_refuses_criteria(session: Session) -> None:
    """Query.get() warns (legacy, as in SQLAlchemy 2.0) and refuses a query with criteria."""
    with pytest.warns(exc.LegacyAPIWarning, match="session.get"):
        author = session.query(Author).get(2)
    assert author is not None and author.name == "bob"
    with (
        pytest.warns(exc.LegacyAPIWarning),
        pytest.raises(exc.InvalidRequestError, match="existing criterion"),
    ):
        session.query(Author).filter(Author.rank > 1).get(2)


def test_with_entities_and_add_columns_change_what_is_selected(session: Session) -> None:
    """with_entities() replaces the selected items; add_columns() appends (rows then)."""
    base = session.query(Author).filter(Author.id == 1)
    assert base.with_entities(Author.name).scalar() == "ann"
    author, rank = base.add_columns(Author.rank).one()
    assert (author.name, rank) == ("ann", 3)


def test_union_and_union_all_select_from_the_compound(session: Session) -> None:
    """union() returns a Query over the UNION: it filters and orders further."""
    low = session.query(Author).filter(Author.rank == 1)
    high = session.query(Author).filter(Author.rank == 3)
    both = low.union(high)
    assert sorted(names(both.all())) == ["ann", "bob"]
    assert names(both.filter(Author.name == "ann").all()) == ["ann"]
    assert len(low.union_all(low).all()) == 2


def test_subquery_and_cte_are_selectable(session: Session) -> None:
    """subquery()/cte() give selectables whose columns can be selected and joined."""
    counts = (
        session.query(Book.author_id, func.count(Book.id).label("n"))
        .group_by(Book.author_id)
        .subquery()
    )
    query = session.query(Author.name, counts.c.n).join(counts, counts.c.author_id == Author.id)
    assert sorted(tuple(r) for r in query) == [("ann", 2), ("bob", 1)]
    cte = session.query(Author.id).filter(Author.rank > 1).cte("ranked")
    assert sorted(r[0] for r in session.execute(select(cte.c.id))) == [1, 3]


def test_options_joinedload_makes_rows_unique_by_itself(session: Session) -> None:
    """A joined collection load through Query returns each parent once (no unique() needed)."""
    authors = session.query(Author).options(joinedload(Author.books)).order_by(Author.id).all()
    assert names(authors) == ["ann", "bob", "cid"]
    assert [b.title for b in authors[0].books] == ["a1", "a2"]


def test_params_bind_values_for_bindparams(session: Session) -> None:
    """params() supplies values for bindparam()s in the criteria."""
    query = session.query(Author).filter(Author.name == bindparam("who"))
    assert query.params(who="cid").one().id == 3


def test_from_statement_loads_entities_from_text(session: Session) -> None:
    """from_statement(text(...)) loads the query's class from that statement's rows."""
    query = session.query(Author).from_statement(
        text("SELECT id, name, rank FROM lq_authors WHERE rank = :r")
    )
    assert names(query.params(r=2).all()) == ["cid"]


def test_populate_existing_overwrites_loaded_objects(session: Session) -> None:
    """populate_existing() refreshes objects already in the session from the rows."""
    author = session.query(Author).filter(Author.id == 1).one()
    author.name = "changed"
    with session.no_autoflush:
        again = session.query(Author).filter(Author.id == 1).populate_existing().one()
    assert again is author and author.name == "ann"


def test_yield_per_builds_objects_in_batches(session: Session) -> None:
    """yield_per(n) iterates every object, built n rows at a time."""
    seen = [a.name for a in session.query(Author).order_by(Author.id).yield_per(2)]
    assert seen == ["ann", "bob", "cid"]


def test_with_for_update_locks_and_refreshes(session: Session) -> None:
    """with_for_update() adds FOR UPDATE (or the database's lock) to the SELECT."""
    with recorded_sql() as sql:
        author = session.query(Author).filter(Author.id == 2).with_for_update().one()
    assert author.name == "bob"
    if session.get_bind().dialect.features.row_locks:
        assert "FOR UPDATE" in dml(sql)[0]


def test_update_through_query_synchronizes_the_session(session: Session) -> None:
    """Query.update() runs one UPDATE with the criteria and updates loaded objects."""
    author = session.query(Author).filter(Author.id == 2).one()
    with recorded_sql() as sql:
        count = session.query(Author).filter(Author.rank < 3).update({"rank": Author.rank + 10})
    assert count == 2
    updates = [s for s in dml(sql) if s.startswith("UPDATE")]
    assert len(updates) == 1 and "WHERE" in updates[0]
    assert author.rank == 11
    session.commit()
    assert sorted(r for (r,) in session.query(Author.rank)) == [3, 11, 12]


def test_delete_through_query_removes_rows_and_objects(session: Session) -> None:
    """Query.delete() deletes the matching rows; loaded objects leave the session."""
    book = session.query(Book).filter(Book.id == 3).one()
    assert session.query(Book).filter(Book.author_id == 2).delete() == 1
    assert book not in session
    session.commit()
    assert session.query(Book).count() == 2


def test_update_refuses_a_query_with_a_join(session: Session) -> None:
    """Query.update() on a joined query raises, naming what it cannot carry."""
    with pytest.raises(exc.InvalidRequestError, match="join"):
        session.query(Author).join(Author.books).update({"rank": 0})


def test_distinct_on_expressions_is_refused(session: Session) -> None:
    """distinct(expr) (PostgreSQL's DISTINCT ON) raises a clear error."""
    with pytest.raises(exc.ArgumentError, match="DISTINCT ON"):
        session.query(Author).distinct(Author.name)


def test_statement_subquery_and_str_show_the_select(session: Session) -> None:
    """statement is the select() a Query runs; str() shows its SQL."""
    query = session.query(Author.name).filter(Author.rank == 1)
    assert session.execute(query.statement).scalar_one() == "bob"
    assert str(query).startswith("SELECT lq_authors.name")


def test_a_query_without_a_session_says_how_to_give_one() -> None:
    """Query(...) built alone raises on fetch, naming session.query / with_session."""
    with pytest.raises(exc.InvalidRequestError, match="with_session"):
        Query(Author).all()


def test_scoped_session_query_and_query_property(engine: Engine) -> None:
    """scoped_session.query() proxies; query_property() gives Class.query per scope."""
    QueryBase.metadata.create_all(engine)
    registry: scoped_session[Session] = scoped_session(sessionmaker(engine))
    try:
        registry.add(Author(id=7, name="dee", rank=5))
        registry.commit()
        assert registry.query(Author.name).scalar() == "dee"
        Author.query = registry.query_property()
        try:
            assert isinstance(Author.query, Query)  # type: ignore[attr-defined]
            assert Author.query.filter_by(name="dee").one().id == 7  # type: ignore[attr-defined]
            assert Author.query.session is registry()  # type: ignore[attr-defined]
        finally:
            del Author.query  # type: ignore[attr-defined]
    finally:
        registry.remove()
