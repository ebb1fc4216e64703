"""Loader options of SQLAlchemy's query guide on three databases: raiseload columns,
undefer groups and wildcards, query_expression()/with_expression(), relationship .and_()."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    ForeignKey,
    LargeBinary,
    Mapped,
    Session,
    String,
    Text,
    aliased,
    contains_eager,
    defer,
    exc,
    func,
    joinedload,
    lazyload,
    literal,
    load_only,
    mapped_column,
    query_expression,
    raiseload,
    relationship,
    select,
    selectinload,
    subqueryload,
    undefer,
    undefer_group,
    union_all,
    with_expression,
)
from tests.integration.orm_models import dml, recorded_sql


class OptBase(DeclarativeBase):
    pass


class Writer(OptBase):
    __tablename__ = "writer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    book_count: Mapped[Optional[int]] = query_expression()  # noqa: UP045
    books: Mapped[list[Novel]] = relationship(back_populates="writer", order_by="Novel.id")


class Novel(OptBase):
    __tablename__ = "novel"

    id: Mapped[int] = mapped_column(primary_key=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("writer.id"))
    title: Mapped[str] = mapped_column(String(50))
    summary: Mapped[Optional[str]] = mapped_column(  # noqa: UP045
        Text, deferred=True, deferred_group="extra"
    )
    cover: Mapped[Optional[bytes]] = mapped_column(  # noqa: UP045
        LargeBinary, deferred=True, deferred_group="extra"
    )
    writer: Mapped[Writer] = relationship(back_populates="books")


class Tagged(OptBase):
    """A class whose query_expression() has a default expression."""

    __tablename__ = "tagged"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50))
    rank: Mapped[Optional[int]] = query_expression(literal(7))  # noqa: UP045


@pytest.fixture
def shelf(engine: Engine) -> Iterator[Engine]:
    OptBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Writer(
                    name="ann",
                    books=[
                        Novel(title="a1", summary="s-a1", cover=b"c1"),
                        Novel(title="a2", summary="s-a2", cover=b"c2"),
                    ],
                ),
                Writer(name="bob", books=[Novel(title="b1", summary="s-b1", cover=b"c3")]),
                Writer(name="cy"),
                Tagged(label="x"),
            ]
        )
        session.commit()
    yield engine


def _selects(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("SELECT")]


def test_defer_raiseload_leaves_the_column_out_and_refuses_to_load_it(shelf: Engine) -> None:
    """defer(..., raiseload=True): the column is not selected and reading it raises, no SQL."""
    with Session(shelf) as session, recorded_sql() as sql:
        novel = session.scalars(
            select(Novel).options(defer(Novel.title, raiseload=True)).where(Novel.id == 1)
        ).one()
        with pytest.raises(exc.InvalidRequestError, match=r"Novel\.title.*raiseload"):
            _ = novel.title
        assert novel.writer_id == 1
    selects = _selects(sql)
    assert len(selects) == 1
    assert selects[0].startswith("SELECT novel.id, novel.writer_id FROM novel WHERE")


def test_load_only_raiseload_refuses_every_other_column(shelf: Engine) -> None:
    """load_only(..., raiseload=True): the columns not named raise when read."""
    with Session(shelf) as session, recorded_sql() as sql:
        novel = session.scalars(
            select(Novel).options(load_only(Novel.title, raiseload=True)).where(Novel.id == 2)
        ).one()
        assert novel.title == "a2"
        for attribute in ("summary", "writer_id"):
            with pytest.raises(exc.InvalidRequestError, match="raiseload"):
                getattr(novel, attribute)
        # A later query with populate_existing and undefer("*") loads everything again.
        again = session.scalars(
            select(Novel)
            .options(undefer("*"))
            .where(Novel.id == 2)
            .execution_options(populate_existing=True)
        ).one()
        assert again is novel
        assert (novel.summary, novel.cover, novel.writer_id) == ("s-a2", b"c2", 1)
    selects = _selects(sql)
    assert len(selects) == 2
    assert selects[0].startswith("SELECT novel.id, novel.title FROM novel WHERE")
    assert selects[1].startswith(
        "SELECT novel.id, novel.writer_id, novel.title, novel.summary, novel.cover FROM novel"
    )


def test_undefer_group_loads_the_group_with_the_row(shelf: Engine) -> None:
    """undefer_group("extra") selects the group's deferred columns with the rest."""
    with Session(shelf) as session, recorded_sql() as sql:
        novel = session.scalars(
            select(Novel).where(Novel.id == 3).options(undefer_group("extra"))
        ).one()
        assert (novel.summary, novel.cover) == ("s-b1", b"c3")
    selects = _selects(sql)
    assert len(selects) == 1
    assert "novel.summary, novel.cover FROM novel" in selects[0]
    with Session(shelf) as session, pytest.raises(exc.ArgumentError, match="no selected class"):
        session.scalars(select(Novel).options(undefer_group("nope"))).all()


def test_undefer_wildcard_loads_every_deferred_column(shelf: Engine) -> None:
    """undefer("*") selects all columns, deferred ones included."""
    with Session(shelf) as session, recorded_sql() as sql:
        novels = session.scalars(select(Novel).options(undefer("*")).order_by(Novel.id)).all()
        assert [n.summary for n in novels] == ["s-a1", "s-a2", "s-b1"]
    assert len(_selects(sql)) == 1


def test_with_expression_fills_a_query_expression(shelf: Engine) -> None:
    """with_expression() adds the expression to the SELECT and loads it into the attribute;
    without it the attribute reads None."""
    stmt = (
        select(Writer)
        .join_from(Writer, Novel)
        .group_by(Writer.id, Writer.name)
        .order_by(Writer.id)
        .options(with_expression(Writer.book_count, func.count(Novel.id)))
    )
    with Session(shelf) as session, recorded_sql() as sql:
        assert [(w.name, w.book_count) for w in session.scalars(stmt)] == [
            ("ann", 2),
            ("bob", 1),
        ]
    selects = _selects(sql)
    assert len(selects) == 1
    assert selects[0].startswith(
        "SELECT writer.id, writer.name, count(novel.id) AS book_count FROM writer JOIN novel"
    )
    with Session(shelf) as session, recorded_sql() as sql:
        plain = session.scalars(select(Writer).order_by(Writer.id)).all()
        assert [w.book_count for w in plain] == [None, None, None]
    assert _selects(sql)[0].startswith("SELECT writer.id, writer.name FROM writer")


def test_with_expression_reads_a_column_of_from_statement(shelf: Engine) -> None:
    """from_statement() with with_expression() reads the named column of the statement."""
    parts = [
        select(Writer, func.count(Novel.id).label("book_count"))
        .join_from(Writer, Novel)
        .where(Writer.name == name)
        .group_by(Writer.id, Writer.name)
        for name in ("ann", "bob")
    ]
    union = union_all(*parts)
    stmt = (
        select(Writer)
        .from_statement(union)
        .options(with_expression(Writer.book_count, union.selected_columns.book_count))
    )
    with Session(shelf) as session:
        loaded = sorted((w.name, w.book_count) for w in session.scalars(stmt))
    assert loaded == [("ann", 2), ("bob", 1)]


def test_query_expression_default_is_selected(shelf: Engine) -> None:
    """query_expression(default_expr) is selected with every query of the class."""
    with Session(shelf) as session, recorded_sql() as sql:
        tagged = session.scalars(select(Tagged)).one()
        assert tagged.rank == 7
        other = session.scalars(
            select(Tagged)
            .options(with_expression(Tagged.rank, func.length(Tagged.label)))
            .execution_options(populate_existing=True)
        ).one()
        assert other is tagged and tagged.rank == 1
    selects = _selects(sql)
    assert len(selects) == 2
    assert selects[0].startswith("SELECT tagged.id, tagged.label, ? AS rank FROM tagged")
    assert "length(tagged.label) AS rank" in selects[1]


def test_with_expression_refuses_a_plain_column(shelf: Engine) -> None:
    """with_expression() names what it takes when given a mapped column."""
    with pytest.raises(exc.ArgumentError, match="query_expression"):
        with_expression(Writer.name, func.count(Novel.id))


def test_raiseload_wildcard_refuses_every_relationship(shelf: Engine) -> None:
    """raiseload("*") makes every relationship not loaded by the query raise when read."""
    with Session(shelf) as session, recorded_sql() as sql:
        writer = session.scalars(
            select(Writer).options(selectinload(Writer.books), raiseload("*")).limit(1)
        ).one()
        assert [b.title for b in writer.books] == ["a1", "a2"]
        novel = session.scalars(select(Novel).options(raiseload("*")).limit(1)).one()
        with pytest.raises(exc.InvalidRequestError, match=r"Novel\.writer"):
            _ = novel.writer
    assert len(_selects(sql)) == 3


def test_lazyload_wildcard_overrides_eager_defaults(shelf: Engine) -> None:
    """lazyload("*") turns the relationships to lazy loading (one SELECT on access)."""
    with Session(shelf) as session, recorded_sql() as sql:
        writers = session.scalars(select(Writer).options(lazyload("*")).order_by(Writer.id)).all()
        assert len(_selects(sql)) == 1
        assert [b.title for b in writers[0].books] == ["a1", "a2"]
    assert len(_selects(sql)) == 2


def test_join_along_relationship_and_criteria(shelf: Engine) -> None:
    """join(Writer.books.and_(...)) puts the condition in the ON clause."""
    stmt = select(Writer.name).join(Writer.books.and_(Novel.title == "b1")).order_by(Writer.name)
    with Session(shelf) as session, recorded_sql() as sql:
        assert session.execute(stmt).all() == [("bob",)]
    assert " JOIN novel ON writer.id = novel.writer_id AND novel.title = " in _selects(sql)[0]
    other = aliased(Novel)
    with Session(shelf) as session:
        rows = session.execute(
            select(Writer.name).join(Writer.books.of_type(other).and_(other.title == "a2"))
        ).all()
        assert rows == [("ann",)]
        rows = session.execute(
            select(Writer.name).join(Writer.books.and_(Novel.title == "a1").of_type(other))
        ).all()
        assert rows == [("ann",)]


@pytest.mark.parametrize("option", [selectinload, joinedload, subqueryload, lazyload])
def test_loader_option_with_criteria_filters_the_collection(shelf: Engine, option: object) -> None:
    """selectinload/joinedload/subqueryload/lazyload(Writer.books.and_(...)) load only the
    related rows matching the condition."""
    assert callable(option)
    stmt = (
        select(Writer).options(option(Writer.books.and_(Novel.title != "a1"))).order_by(Writer.id)
    )
    with Session(shelf) as session, recorded_sql() as sql:
        writers = session.scalars(stmt).unique().all()
        loaded = [(w.name, [b.title for b in w.books]) for w in writers]
    assert loaded == [("ann", ["a2"]), ("bob", ["b1"]), ("cy", [])]
    assert any(".title != " in s for s in _selects(sql))


def test_joined_collection_without_rows_needs_no_unique(shelf: Engine) -> None:
    """A joined-collection result with no rows can be fetched without unique(), as in
    SQLAlchemy (which refuses only once a row comes)."""
    with Session(shelf) as session:
        stmt = select(Writer).options(joinedload(Writer.books))
        assert session.scalars(stmt.where(Writer.name == "nobody")).all() == []
        with pytest.raises(exc.InvalidRequestError, match="unique"):
            session.scalars(stmt).all()


class Branch(OptBase):
    __tablename__ = "branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branch.id"))  # noqa: UP045
    children: Mapped[list[Branch]] = relationship(lazy="raise", order_by="Branch.id")


def _levels(branch: Branch) -> int:
    """How many levels below ``branch`` are loaded (a not-loaded collection raises)."""
    try:
        children = branch.children
    except exc.InvalidRequestError:
        return 0
    return 1 + max((_levels(c) for c in children), default=0)


@pytest.mark.parametrize(("depth", "levels", "selects"), [(1, 2, 3), (2, 3, 4), (-1, 5, 6)])
def test_selectinload_recursion_depth(shelf: Engine, depth: int, levels: int, selects: int) -> None:
    """selectinload(..., recursion_depth=n) loads n levels below the first, -1 every level;
    one SELECT per level (the last finds nothing when all levels are loaded)."""
    with Session(shelf) as session:
        chain = Branch(id=1)
        tip = chain
        for i in range(2, 6):
            child = Branch(id=i)
            tip.children.append(child)
            tip = child
        session.add(chain)
        session.commit()
    stmt = (
        select(Branch)
        .where(Branch.id == 1)
        .options(selectinload(Branch.children, recursion_depth=depth))
    )
    with Session(shelf) as session, recorded_sql() as sql:
        root = session.scalars(stmt).one()
        assert _levels(root) == levels
    found = _selects(sql)
    assert len(found) == selects
    assert all("WHERE branch.parent_id IN (" in s for s in found[1:])


def test_contains_eager_of_type_reads_the_alias(shelf: Engine) -> None:
    """contains_eager(Writer.books.of_type(alias)) fills the collection from the alias's
    columns, i.e. only the rows the query's join matched."""
    novel = aliased(Novel)
    stmt = (
        select(Writer)
        .join(Writer.books.of_type(novel))
        .where(novel.title.in_(["a2", "b1"]))
        .options(contains_eager(Writer.books.of_type(novel)))
        .order_by(Writer.id)
    )
    with Session(shelf) as session, recorded_sql() as sql:
        loaded = [(w.name, [b.title for b in w.books]) for w in session.scalars(stmt).unique()]
    assert loaded == [("ann", ["a2"]), ("bob", ["b1"])]
    selects = _selects(sql)
    assert len(selects) == 1
    assert " FROM writer JOIN novel AS " in selects[0] and ", novel " not in selects[0]


def test_expired_query_expression_reads_none_until_loaded_again(shelf: Engine) -> None:
    """Expiring an object drops its with_expression() value, as SQLAlchemy; the next query
    with the option fills it again."""
    stmt = select(Writer).where(Writer.name == "ann")
    with Session(shelf) as session, recorded_sql() as sql:
        writer = session.scalars(
            stmt.options(with_expression(Writer.book_count, func.length(Writer.name)))
        ).one()
        assert writer.book_count == 3
        session.expire(writer)
        expired = writer  # a new name: the type checker forgets that book_count was 3
        assert expired.book_count is None
        session.commit()
        again = session.scalars(
            stmt.options(with_expression(Writer.book_count, func.length(Writer.name) + 1))
        ).one()
        assert again is writer
        assert again.book_count == 4  # (read from `again`: mypy narrowed writer's to None)
    selects = _selects(sql)
    assert len(selects) == 2
    assert "length(writer.name) + ? AS book_count" in selects[1]
