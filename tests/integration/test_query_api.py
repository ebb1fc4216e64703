"""The ORM querying API on three databases: yield_per batches, the autoflush execution
option, and statements describing what they select (column_descriptions and friends)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

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
    exc,
    insert,
    inspect,
    joinedload,
    mapped_column,
    relationship,
    select,
    selectinload,
    subqueryload,
    update,
)
from tests.integration.orm_models import dml, recorded_sql


class ApiBase(DeclarativeBase):
    pass


class Member(ApiBase):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    posts: Mapped[list[Post]] = relationship(back_populates="member", order_by="Post.id")


class Post(ApiBase):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    body: Mapped[str] = mapped_column(String(50))
    member: Mapped[Member] = relationship(back_populates="posts")


@pytest.fixture
def forum(engine: Engine) -> Iterator[Engine]:
    ApiBase.metadata.create_all(engine)
    with Session(engine) as session:
        for i in range(1, 8):
            session.add(Member(id=i, name=f"m{i}", posts=[Post(body=f"p{i}")]))
        session.commit()
    yield engine


def _selects(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("SELECT")]


def test_yield_per_builds_objects_batch_by_batch(forum: Engine) -> None:
    """yield_per=3: one SELECT; objects are built (and selectin-loaded) 3 rows at a time,
    and partitions() hands out lists of 3."""
    stmt = (
        select(Member)
        .options(selectinload(Member.posts))
        .order_by(Member.id)
        .execution_options(yield_per=3)
    )
    with Session(forum) as session, recorded_sql() as sql:
        result = session.scalars(stmt)
        assert len(_selects(sql)) == 1  # the members' SELECT; nothing built yet
        assert session.identity_map.get((Member, (1,))) is None
        parts = list(result.partitions())
        assert [[m.name for m in part] for part in parts] == [
            ["m1", "m2", "m3"],
            ["m4", "m5", "m6"],
            ["m7"],
        ]
        assert [p.body for part in parts for m in part for p in m.posts] == [
            f"p{i}" for i in range(1, 8)
        ]
    selects = _selects(sql)
    assert len(selects) == 4  # the members, then the posts of each batch
    assert selects[0].startswith("SELECT member.id, member.name FROM member ORDER BY member.id")
    assert all(
        s.startswith("SELECT post.id, post.member_id, post.body FROM post WHERE")
        for s in selects[1:]
    )


def test_yield_per_iterates_rows_of_several_entities(forum: Engine) -> None:
    """yield_per with a class and a column: rows come in order, each with its object."""
    stmt = select(Member, Member.name).order_by(Member.id).execution_options(yield_per=2)
    with Session(forum) as session:
        rows = [(m.id, name) for m, name in session.execute(stmt)]
    assert rows == [(i, f"m{i}") for i in range(1, 8)]


def test_result_yield_per_sets_the_partition_size(forum: Engine) -> None:
    """Result.yield_per(n) / ScalarResult.yield_per(n): partitions() of n rows."""
    with Session(forum) as session:
        parts = list(
            session.scalars(select(Member.id).order_by(Member.id)).yield_per(4).partitions()
        )
    assert parts == [[1, 2, 3, 4], [5, 6, 7]]


def test_yield_per_refuses_loads_needing_every_row(forum: Engine) -> None:
    """Joined collections, subqueryload and unique() cannot work batch by batch: refused."""
    with Session(forum) as session:
        for option in (joinedload(Member.posts), subqueryload(Member.posts)):
            stmt = select(Member).options(option).execution_options(yield_per=2)
            with pytest.raises(exc.InvalidRequestError, match="selectinload"):
                session.scalars(stmt)
        result = session.scalars(select(Member).execution_options(yield_per=2))
        with pytest.raises(exc.InvalidRequestError, match="yield_per"):
            result.unique()
        with pytest.raises(exc.ArgumentError, match="positive integer"):
            session.scalars(select(Member).execution_options(yield_per=0))
        # A joined many-to-one is fine: its rows are complete one by one.
        posts = select(Post).options(joinedload(Post.member)).execution_options(yield_per=2)
        assert sorted(p.member.name for p in session.scalars(posts)) == [
            f"m{i}" for i in range(1, 8)
        ]


def test_autoflush_execution_option(forum: Engine) -> None:
    """execution_options(autoflush=False) runs the query without flushing pending objects."""
    with Session(forum) as session, recorded_sql() as sql:
        session.add(Member(id=50, name="pending"))
        stmt = select(Member).where(Member.name == "pending")
        assert session.scalars(stmt.execution_options(autoflush=False)).all() == []
        assert not [s for s in dml(sql) if s.startswith("INSERT")]
        assert [m.id for m in session.scalars(stmt)] == [50]
        assert [s for s in dml(sql) if s.startswith("INSERT")]
        session.rollback()


def test_column_descriptions_of_orm_and_core_selects(forum: Engine) -> None:
    """column_descriptions describes each selected item as SQLAlchemy does."""
    alias = aliased(Member, name="m2")
    described = select(Member, Member.id, alias).column_descriptions
    assert described == [
        {"aliased": False, "entity": Member, "expr": Member, "name": "Member", "type": Member},
        {
            "aliased": False,
            "entity": Member,
            "expr": Member.id,
            "name": "id",
            "type": Member.__table__.c.id.type,
        },
        {"aliased": True, "entity": alias, "expr": alias, "name": "m2", "type": Member},
    ]
    member, post = Member.__table__, Post.__table__
    core = select(member, post.c.id).column_descriptions
    assert [d["name"] for d in core] == ["id", "name", "id_1"]
    assert all(set(d) == {"expr", "name", "type"} for d in core)
    assert core[2]["expr"] is post.c.id and isinstance(core[2]["type"], Integer)
    # The statement described is the one that runs: member and m2 unjoined, which warns of
    # the cartesian product (as SQLAlchemy does).
    with Session(forum) as session, pytest.warns(exc.SAWarning, match="cartesian product"):
        assert session.execute(select(Member, Member.id, alias).limit(1)).keys() == [
            "Member",
            "id",
            "m2",
        ]


def test_dml_entity_and_returning_descriptions(forum: Engine) -> None:
    """update(Member).entity_description and returning_column_descriptions."""
    stmt = update(Member).values(name="x").returning(Member.id)
    assert stmt.entity_description == {
        "entity": Member,
        "expr": Member,
        "name": "Member",
        "table": Member.__table__,
        "type": Member,
    }
    returning: list[dict[str, Any]] = stmt.returning_column_descriptions
    assert returning == [
        {
            "aliased": False,
            "entity": Member,
            "expr": Member.id,
            "name": "id",
            "type": Member.__table__.c.id.type,
        }
    ]
    table = Member.__table__
    assert update(table).entity_description == {"name": "member", "table": table}


def test_inspect_identity_key_and_mapper_collections(forum: Engine) -> None:
    """inspect(obj).key is (class, primary key, None); the mapper's collections are keyed."""
    with Session(forum) as session:
        member = session.get(Member, 3)
        assert member is not None
        info = inspect(member)
        assert info.key == info.identity_key == (Member, (3,), None)
        assert info.identity == (3,)
    mapper = inspect(Member)
    assert mapper.columns["name"] is Member.__table__.c.name
    assert mapper.c.name is Member.__table__.c.name
    assert [c.key for c in mapper.columns] == ["id", "name"]
    assert list(mapper.attrs.keys()) == ["posts", "id", "name"]
    assert mapper.attrs.name.columns == [Member.__table__.c.name]
    assert mapper.attrs["posts"] is mapper.relationships["posts"]
    assert [p.key for p in mapper.column_attrs] == ["id", "name"]


def test_update_returning_a_class_gives_objects(forum: Engine) -> None:
    """update(Member)...returning(Member) gives Member objects, the session's own when loaded."""
    with Session(forum) as session, recorded_sql() as sql:
        loaded = session.get(Member, 2)
        stmt = (
            update(Member)
            .where(Member.name.in_(["m2", "m3"]))
            .values(name=Member.name + "!")
            .returning(Member, Member.id)
        )
        stmt = stmt.execution_options(synchronize_session="fetch")
        if forum.dialect.name == "mysql":  # MariaDB has no UPDATE ... RETURNING
            with pytest.raises(exc.UnsupportedCompilationError, match="RETURNING"):
                session.execute(stmt)
            return
        rows = session.execute(stmt).all()
        assert sorted((m.id, m.name, i) for m, i in rows) == [(2, "m2!", 2), (3, "m3!", 3)]
        assert any(m is loaded for m, _ in rows)
        session.commit()
    assert any(s.startswith("UPDATE member SET name=") and "RETURNING" in s for s in dml(sql))
    with Session(forum) as session:
        names = session.scalars(select(Member.name).where(Member.id.in_([2, 3])))
        assert sorted(names) == ["m2!", "m3!"]


class Pet(ApiBase):
    __tablename__ = "pet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    species: Mapped[Optional[str]] = mapped_column(String(20), server_default="fish")  # noqa: UP045
    kind: Mapped[Optional[str]] = mapped_column(String(20), default="k")  # noqa: UP045


def test_orm_insert_leaves_out_none_values_unless_render_nulls(forum: Engine) -> None:
    """insert(Pet) with a None value leaves that column out of the row, so its default
    applies (rows batched by the columns they give); render_nulls=True sends NULL."""
    rows: list[dict[str, Any]] = [
        {"name": "a", "species": None, "kind": None},
        {"name": "b", "species": "cat", "kind": "y"},
        {"name": "c", "species": "dog", "kind": "z"},
    ]
    with Session(forum) as session, recorded_sql() as sql:
        session.execute(insert(Pet), rows)
        session.execute(
            insert(Pet).execution_options(render_nulls=True),
            [{"name": "d"}, {"name": "e", "species": None, "kind": None}],
        )
        found = session.execute(select(Pet.name, Pet.species, Pet.kind).order_by(Pet.name)).all()
        session.commit()
    assert found == [
        ("a", "fish", "k"),
        ("b", "cat", "y"),
        ("c", "dog", "z"),
        ("d", "fish", "k"),
        ("e", None, None),
    ]
    inserts = [s for s in dml(sql) if s.startswith("INSERT")]
    assert inserts[0].startswith("INSERT INTO pet (name, kind) VALUES")
    assert inserts[1].startswith("INSERT INTO pet (name, species, kind) VALUES")


def test_session_new_dirty_deleted_are_identity_sets(forum: Engine) -> None:
    """Session.new / dirty / deleted print as SQLAlchemy's IdentitySet and hold objects by
    identity; a flush empties them."""
    with Session(forum) as session, recorded_sql() as sql:
        old = session.get(Member, 1)
        gone = session.get(Post, 7)
        assert old is not None and gone is not None
        fresh = Member(id=60, name="fresh")
        session.add(fresh)
        old.name = "changed"
        session.delete(gone)
        assert repr(session.new) == f"IdentitySet([{fresh!r}])"
        assert fresh in session.new and old in session.dirty and gone in session.deleted
        assert session.dirty == [old] and len(session.deleted) == 1
        session.flush()
        assert repr(session.new) == "IdentitySet([])" and not session.dirty
        session.commit()
    statements = dml(sql)
    assert any(s.startswith("INSERT INTO member") for s in statements)
    assert any(s.startswith("UPDATE member SET name=") for s in statements)
    with Session(forum) as session:
        assert session.get(Member, 60) is not None
        assert session.get(Post, 7) is None
