"""Columns named apart from their attributes (``left = Column("lft", Integer)``), used as
SQLAlchemy code uses them: by name on the table (``table.c.lft``, ``values(lft=...)``) from a
``before_insert`` listener, and through an aliased class. On SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Column, Engine, Integer, String, case, event, select
from corral.orm import DeclarativeBase, Session, aliased
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import rows


class TreeBase(DeclarativeBase):
    pass


class Member(TreeBase):
    """A nested-set tree: each member spans ``left``..``right`` around its descendants."""

    __tablename__ = "nsa_member"
    __mapper_args__ = {"batch": False}  # each listener sees the rows inserted before it

    name = Column(String(20), primary_key=True)
    left = Column("lft", Integer, nullable=False)
    right = Column("rgt", Integer, nullable=False)
    boss: Member | None = None


@event.listens_for(Member, "before_insert")
def _make_room(mapper: Any, connection: Any, member: Any) -> None:
    """Open a gap of two just inside the boss's right edge, written by the column names."""
    if member.boss is None:
        member.left, member.right = 1, 2
        return
    table = mapper.persist_selectable
    edge = connection.scalar(select(table.c.rgt).where(table.c.name == member.boss.name))
    connection.execute(
        table.update()
        .where(table.c.rgt >= edge)
        .values(
            lft=case((table.c.lft > edge, table.c.lft + 2), else_=table.c.lft),
            rgt=table.c.rgt + 2,
        )
    )
    member.left, member.right = edge, edge + 1


@pytest.fixture
def tree(engine: Engine) -> Iterator[Engine]:
    TreeBase.metadata.create_all(engine)
    yield engine


def _member(name: str, boss: Member | None = None) -> Member:
    make: Any = Member  # plain Column attributes: a type checker sees no keyword constructor
    member: Member = make(name=name)
    member.boss = boss
    return member


def test_listener_writes_through_the_column_names(tree: Engine) -> None:
    """Each insert after the root widens its ancestors with one UPDATE naming lft and rgt."""
    root = _member("root")
    a = _member("a", root)
    b = _member("b", root)
    a1 = _member("a1", a)
    with Session(tree) as session:
        session.add_all([root, a, b, a1])
        with recorded_sql() as sql:
            session.commit()
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert len(updates) == 3
    assert all(s.startswith("UPDATE nsa_member SET lft=") for s in updates)
    assert rows(tree, "SELECT name, lft, rgt FROM nsa_member ORDER BY lft") == [
        ("root", 1, 8),
        ("a", 2, 5),
        ("a1", 3, 4),
        ("b", 6, 7),
    ]


def test_aliased_class_finds_ancestors_by_the_attributes(tree: Engine) -> None:
    """An aliased class's ``left`` renders ``alias.lft``: the ancestors of a1 load in order."""
    root = _member("root")
    a = _member("a", root)
    with Session(tree) as session:
        session.add_all([root, a, _member("b", root), _member("a1", a)])
        session.commit()
    with Session(tree) as session:
        inner = aliased(Member)
        ancestors: list[Any] = list(
            session.scalars(
                select(Member)
                .where(inner.left.between(Member.left, Member.right), inner.name == "a1")
                .order_by(Member.left)
            )
        )
        assert [(m.name, m.left, m.right) for m in ancestors] == [
            ("root", 1, 8),
            ("a", 2, 5),
            ("a1", 3, 4),
        ]
