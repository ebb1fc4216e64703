"""Materialized paths on every database: ``remote(foreign(path)).like(...)`` descendants and
ancestors through a ``select().alias()`` secondary, loaded, joined, and kept after moves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from corral import Column, Engine, Integer, String, Table, cast, func, select
from corral.dialects.postgresql import ARRAY
from corral.orm import (
    Session,
    aliased,
    declarative_base,
    foreign,
    joinedload,
    relationship,
    remote,
)
from tests.integration.orm_models import recorded_sql

Base: Any = declarative_base()  # declarative_base() builds the class at run time

place_table = Table(
    "place",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("path", String(200), nullable=False, index=True),
)
_child = place_table.alias("child_place")
_elder = place_table.alias("elder_place")
# Portable ancestors: pairs (place, ancestor) whose paths nest.
lineage = (
    select(_child.c.id.label("id"), _elder.c.id.label("ancestor_id"))
    .select_from(_child.join(_elder, _child.c.path.like(_elder.c.path.concat(".%"))))
    .alias("lineage")
)
# SQLAlchemy's example's own form (PostgreSQL only): ids split out of the path.
ancestry = select(
    place_table.c.id.label("id"),
    func.unnest(
        cast(
            func.string_to_array(func.regexp_replace(place_table.c.path, r"\.?\d+$", ""), "."),
            ARRAY(Integer),
        )
    ).label("ancestor_id"),
).alias()


class Place(Base):  # type: ignore[misc]
    __table__ = place_table

    descendants = relationship(
        "Place",
        viewonly=True,
        order_by=place_table.c.path,
        primaryjoin=remote(foreign(place_table.c.path)).like(place_table.c.path.concat(".%")),
    )
    ancestors = relationship(
        "Place",
        viewonly=True,
        secondary=lineage,
        primaryjoin=place_table.c.id == lineage.c.id,
        secondaryjoin=lineage.c.ancestor_id == place_table.c.id,
        order_by=place_table.c.path,
    )
    pg_ancestors = relationship(
        "Place",
        viewonly=True,
        secondary=ancestry,
        primaryjoin=place_table.c.id == ancestry.c.id,
        secondaryjoin=ancestry.c.ancestor_id == place_table.c.id,
        order_by=place_table.c.path,
    )

    id: int
    path: str

    def move_to(self, new_parent: Place) -> None:
        new_path = new_parent.path + "." + str(self.id)
        for node in self.descendants:
            node.path = new_path + node.path[len(self.path) :]
        self.path = new_path


TREE = {1: "1", 2: "1.2", 3: "1.3", 4: "1.3.4", 5: "1.3.5", 7: "1.7", 9: "1.7.9", 10: "1.7.9.10"}


@pytest.fixture
def tree(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Place(id=k, path=v) for k, v in TREE.items()])
        session.commit()
    yield engine


def _words(sql: str) -> str:
    return re.sub(r"[`\"]", "", sql)


def test_descendants_lazy_load_with_like(tree: Engine) -> None:
    """Place.descendants runs one SELECT ... WHERE path LIKE <parent path> || '.%'."""
    with Session(tree) as session:
        root = session.get(Place, 3)
        assert root is not None
        with recorded_sql() as statements:
            found = [p.id for p in root.descendants]
        assert found == [4, 5]
        (sql,) = [_words(s) for s in statements if s.startswith("SELECT")]
        assert sql.startswith("SELECT place.id, place.path FROM place WHERE place.path LIKE ")
        assert sql.endswith("ORDER BY place.path")
        assert [p.id for p in session.get(Place, 1).descendants] == [2, 3, 4, 5, 7, 9, 10]  # type: ignore[union-attr]


def test_descendants_joined_and_filtered(tree: Engine) -> None:
    """joinedload() and join() along the LIKE condition read the same rows as lazy loads."""
    with Session(tree) as session:
        with recorded_sql() as statements:
            place = (
                session.scalars(
                    select(Place).where(Place.id == 7).options(joinedload(Place.descendants))
                )
                .unique()
                .one()
            )
        assert [p.id for p in place.descendants] == [9, 10]
        assert len([s for s in statements if s.startswith("SELECT")]) == 1
        below = aliased(Place)
        rows = session.execute(
            select(Place.id, below.id)
            .join(Place.descendants.of_type(below))
            .where(place_table.c.id.in_([3, 9]))
            .order_by(Place.id, below.id)
        ).all()
        assert [tuple(r) for r in rows] == [(3, 4), (3, 5), (9, 10)]


def test_ancestors_through_a_subquery_secondary_after_a_move(tree: Engine) -> None:
    """move_to() rewrites the paths (UPDATEs); ancestors read through the subquery follow."""
    with Session(tree) as session:
        seven, three = session.get(Place, 7), session.get(Place, 3)
        assert seven is not None and three is not None
        with recorded_sql() as statements:
            seven.move_to(three)
            session.commit()
        updates = [_words(s) for s in statements if s.startswith("UPDATE")]
        assert updates and all(u.startswith("UPDATE place SET path=") for u in updates)
        ten = session.get(Place, 10)
        assert ten is not None
        with recorded_sql() as statements:
            assert [p.id for p in ten.ancestors] == [1, 3, 7, 9]
        (sql,) = [_words(s) for s in statements if s.startswith("SELECT")]
        assert "JOIN (SELECT child_place.id AS id, elder_place.id AS ancestor_id" in sql
    with tree.connect() as connection:
        rows = connection.execute(select(place_table.c.id, place_table.c.path)).all()
    paths = {row[0]: row[1] for row in rows}
    assert paths[10] == "1.3.7.9.10" and paths[7] == "1.3.7"


def test_postgresql_array_ancestors_as_in_sqlalchemys_example(tree: Engine) -> None:
    """The example's own form: unnest(CAST(string_to_array(...) AS INTEGER[])) as secondary."""
    if tree.dialect.name != "postgresql":
        pytest.skip("unnest() and ARRAY are PostgreSQL's")
    with Session(tree) as session:
        ten = session.get(Place, 10)
        assert ten is not None
        with recorded_sql() as statements:
            assert [p.id for p in ten.pg_ancestors] == [1, 7, 9]
        (sql,) = [s for s in statements if s.startswith("SELECT")]
        assert "JOIN (SELECT place.id AS id, unnest(CAST(string_to_array(regexp_replace(" in sql
