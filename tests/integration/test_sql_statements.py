"""Every statement kind runs on SQLite, PostgreSQL and MariaDB and returns the right rows."""

from __future__ import annotations

from typing import Any

import pytest

from corral import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exc,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)


def _schema() -> tuple[MetaData, Table, Table, Table]:
    metadata = MetaData()
    users = Table(
        "user",  # a reserved word on two of the three databases
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False),
        Column("order", Integer),  # reserved everywhere
        Column("Display Name", String(50)),  # a space and capitals
    )
    posts = Table(
        "posts",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
        Column("title", String(100), nullable=False),
        Column("score", Integer, default=0),
        Index("ix_posts_title", "title"),
    )
    archive = Table(
        "archive",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("title", String(100)),
    )
    return metadata, users, posts, archive


@pytest.fixture
def tables(engine: Engine) -> tuple[Table, Table, Table]:
    metadata, users, posts, archive = _schema()
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(users),
            [
                {"id": 1, "name": "ann", "order": 3, "Display Name": "Ann A"},
                {"id": 2, "name": "bob", "order": 1, "Display Name": None},
                {"id": 3, "name": "cy", "order": None, "Display Name": "C"},
            ],
        )
        conn.execute(
            insert(posts),
            [
                {"user_id": 1, "title": "a1", "score": 5},
                {"user_id": 1, "title": "a2", "score": 7},
                {"user_id": 2, "title": "b1"},
            ],
        )
    return users, posts, archive


def _rows(engine: Engine, statement: Any, params: Any = None) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(statement, params)]


def test_create_all_is_idempotent_and_drop_all_removes(engine: Engine) -> None:
    """create_all skips existing tables; drop_all drops them in foreign-key order."""
    metadata, users, _, _ = _schema()
    metadata.create_all(engine)
    metadata.create_all(engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar() == 0
    metadata.drop_all(engine)
    with engine.connect() as conn, pytest.raises(exc.DBAPIError):
        conn.execute(select(users))


def test_defaults_and_generated_keys(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """Python-side defaults fill missing values; generated keys come back."""
    _, posts, _ = tables
    with engine.begin() as conn:
        result = conn.execute(insert(posts).values(user_id=3, title="c1"))
        (new_id,) = result.inserted_primary_key
        assert new_id == 4
    assert _rows(engine, select(posts.c.score).where(posts.c.id == new_id)) == [(0,)]


def test_where_operators(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """Comparison, IN, LIKE, BETWEEN, NULL tests and boolean combinations filter rows."""
    users, _, _ = tables
    statement = (
        select(users.c.name)
        .where(
            or_(
                and_(users.c.id.in_([1, 2]), users.c.name.like("a%")),
                users.c.order.is_(None),
                users.c.id.between(7, 9),
            )
        )
        .order_by(users.c.id)
    )
    assert _rows(engine, statement) == [("ann",), ("cy",)]
    assert _rows(engine, select(users.c.id).where(users.c.name.ilike("BO%"))) == [(2,)]
    assert _rows(engine, select(users.c.id).where(users.c.name.contains("n"))) == [(1,)]
    assert _rows(engine, select(users.c.id).where(users.c.id.in_([]))) == []


def test_reserved_and_odd_identifiers(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """Tables and columns named user, order and 'Display Name' work on every database."""
    users, _, _ = tables
    statement = select(users.c["Display Name"]).where(users.c.order > 1).order_by(users.c.order)
    assert _rows(engine, statement) == [("Ann A",)]


def test_joins_grouping_and_ordering(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """Inferred joins, outer joins, GROUP BY, HAVING, ORDER BY, LIMIT and OFFSET."""
    users, posts, _ = tables
    per_user = (
        select(users.c.name, func.count(posts.c.id).label("n"))
        .outerjoin(posts)
        .group_by(users.c.name)
        .order_by(users.c.name)
    )
    assert _rows(engine, per_user) == [("ann", 2), ("bob", 1), ("cy", 0)]
    busy = per_user.having(func.count(posts.c.id) > 1)
    assert _rows(engine, busy) == [("ann", 2)]
    paged = select(posts.c.title).order_by(posts.c.title).limit(2).offset(1)
    assert _rows(engine, paged) == [("a2",), ("b1",)]
    assert _rows(engine, select(posts.c.title).order_by(posts.c.title).offset(2)) == [("b1",)]


def test_subqueries_ctes_unions(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """Subqueries, scalar subqueries, EXISTS, CTEs and UNION ALL return the expected rows."""
    users, posts, _ = tables
    totals = (
        select(posts.c.user_id, func.sum(posts.c.score).label("total"))
        .group_by(posts.c.user_id)
        .subquery()
    )
    assert _rows(
        engine, select(totals.c.user_id).where(totals.c.total > 10).order_by(totals.c.user_id)
    ) == [(1,)]
    count = select(func.count(posts.c.id)).where(posts.c.user_id == users.c.id).scalar_subquery()
    assert _rows(engine, select(users.c.name, count.label("n")).order_by(users.c.id)) == [
        ("ann", 2),
        ("bob", 1),
        ("cy", 0),
    ]
    has_posts = select(users.c.name).where(exists().where(posts.c.user_id == users.c.id))
    assert sorted(_rows(engine, has_posts)) == [("ann",), ("bob",)]
    high = select(posts.c.id, posts.c.title).where(posts.c.score > 6).cte("high")
    assert _rows(engine, select(high.c.title)) == [("a2",)]
    both = union_all(
        select(users.c.name).where(users.c.id == 1), select(posts.c.title).where(posts.c.id == 3)
    )
    assert sorted(_rows(engine, both)) == [("ann",), ("b1",)]


def test_case_cast_and_literals(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """CASE, CAST and bound literals evaluate on the database."""
    _, posts, _ = tables
    label = case((posts.c.score > 6, "high"), else_="low")
    statement = select(label, cast(posts.c.score, String(10)), literal(1)).order_by(posts.c.id)
    assert _rows(engine, statement) == [("low", "5", 1), ("high", "7", 1), ("low", "0", 1)]


def test_update_delete_and_insert_from_select(
    engine: Engine, tables: tuple[Table, Table, Table]
) -> None:
    """UPDATE with an expression, DELETE, and INSERT ... SELECT change the right rows."""
    users, posts, archive = tables
    with engine.begin() as conn:
        result = conn.execute(
            update(posts).where(posts.c.user_id == 1).values(score=posts.c.score + 1)
        )
        assert result.rowcount == 2
        conn.execute(
            insert(archive).from_select(["id", "title"], select(posts.c.id, posts.c.title))
        )
        removed = conn.execute(delete(users).where(users.c.id == 2))
        assert removed.rowcount == 1
    assert _rows(engine, select(posts.c.score).order_by(posts.c.id)) == [(6,), (8,)]
    assert len(_rows(engine, select(archive))) == 3


def test_executemany_with_named_where(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """One UPDATE executed for many parameter sets, the WHERE taking a named parameter."""
    _, posts, _ = tables
    statement = update(posts).where(posts.c.id == bindparam("target"))
    with engine.begin() as conn:
        conn.execute(statement, [{"target": 1, "score": 50}, {"target": 2, "score": 60}])
    assert _rows(engine, select(posts.c.score).order_by(posts.c.id)) == [(50,), (60,), (0,)]


def test_returning_where_supported(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """INSERT and DELETE ... RETURNING hand back the rows they touched."""
    _, posts, _ = tables
    features = engine.dialect.features
    with engine.begin() as conn:
        if features.insert_returning:
            row = conn.execute(
                insert(posts).values(user_id=3, title="r").returning(posts.c.id, posts.c.title)
            ).one()
            assert tuple(row) == (4, "r")
        if features.delete_returning:
            gone = conn.execute(delete(posts).where(posts.c.user_id == 2).returning(posts.c.title))
            assert [tuple(r) for r in gone] == [("b1",)]


def test_text_parameters_are_bound_not_spliced(
    engine: Engine, tables: tuple[Table, Table, Table]
) -> None:
    """A hostile value in text() is data: it matches nothing and drops nothing."""
    users, _, _ = tables
    hostile = "x'; DROP TABLE posts; --"
    query = text("SELECT count(*) FROM posts WHERE title = :title")
    assert _rows(engine, query, {"title": hostile}) == [(0,)]
    assert _rows(engine, select(func.count()).select_from(users)) == [(3,)]


def test_percent_signs_survive_format_paramstyle(
    engine: Engine, tables: tuple[Table, Table, Table]
) -> None:
    """A literal % in text() and in LIKE patterns is not taken for a placeholder."""
    _, posts, _ = tables
    assert _rows(engine, text("SELECT '100%' AS pct")) == [("100%",)]
    assert _rows(
        engine, select(posts.c.title).where(posts.c.title.like("a%")).order_by(posts.c.id)
    ) == [
        ("a1",),
        ("a2",),
    ]


def test_for_update_variants_run(engine: Engine, tables: tuple[Table, Table, Table]) -> None:
    """Each locking clause the dialect declares is accepted by the database."""
    users, _, _ = tables
    features = engine.dialect.features
    variants: list[dict[str, bool]] = [{}]
    if features.for_update_nowait:
        variants.append({"nowait": True})
    if features.for_update_skip_locked:
        variants.append({"skip_locked": True})
    if features.for_share:
        variants.append({"read": True})
    with engine.begin() as conn:
        for options in variants:
            statement = select(users.c.id).where(users.c.id == 1).with_for_update(**options)
            assert [tuple(r) for r in conn.execute(statement)] == [(1,)]


def test_misspelled_quoted_column_raises(
    engine: Engine, tables: tuple[Table, Table, Table]
) -> None:
    """A misspelled quoted column name is an error, never a string literal (SQLite included)."""
    q = engine.dialect.features.quote_char
    with engine.connect() as conn, pytest.raises(exc.DBAPIError):
        conn.execute(text(f"SELECT {q}Display Nmae{q} FROM {q}user{q}"))


def test_raw_rows_are_converted_plain_sequences(
    engine: Engine, tables: tuple[Table, Table, Table]
) -> None:
    """raw_rows() gives every row's converted values by position; DML without rows refuses."""
    users, _, _ = tables
    with engine.connect() as conn:
        rows = conn.execute(select(users.c.id, users.c.name).order_by(users.c.id)).raw_rows()
        assert [tuple(r) for r in rows] == [(1, "ann"), (2, "bob"), (3, "cy")]
        with pytest.raises(exc.ResourceClosedError):
            conn.execute(update(users).values(name="x").where(users.c.id == 9)).raw_rows()
