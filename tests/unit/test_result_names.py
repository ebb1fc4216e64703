"""Result keys as SQLAlchemy 2.0 names them: Core rows by their printed labels, ORM column
entities by their own names made unique, a legacy Query's by each column's key."""

from __future__ import annotations

from corral import Integer, String, cast, func, literal
from corral.orm import DeclarativeBase, Mapped, Query, aliased, mapped_column
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.selectable import select
from tests.unit.compile_helpers import compiled

metadata = MetaData()
parents = Table("parents", metadata, Column("id", Integer, primary_key=True), Column("x", Integer))
kids = Table(
    "kids",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pid", ForeignKey("parents.id")),
    Column("x", Integer),
)


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)


class Pet(Base):
    __tablename__ = "pets"
    id: Mapped[int] = mapped_column(primary_key=True)


def test_core_repeated_names_are_numbered() -> None:
    """Two tables' id: id, id_1; the very same column again: id__1."""
    stmt = select(parents.c.id, kids.c.id, parents.c.id)
    assert compiled(stmt, "sqlite").result_keys == ("id", "id_1", "id__1")
    both = select(parents, kids)
    assert compiled(both, "sqlite").result_keys == ("id", "x", "id_1", "pid", "x_1")


def test_core_unnamed_expressions_take_their_labels() -> None:
    """Functions, expressions, literals and label(None) are keyed by their printed labels."""
    stmt = select(
        func.max(parents.c.x),
        func.max(parents.c.id),
        parents.c.x + 1,
        cast(parents.c.id, String),
        literal(1),
        parents.c.x.label(None),
    )
    keys = compiled(stmt, "sqlite").result_keys
    assert keys == ("max_1", "max_2", "anon_1", "id", "anon_2", "x_2")  # :x_1 took x_1
    assert "AS x_1" in str(select(parents.c.x.label(None)))


def test_orm_column_entities_keep_their_own_names() -> None:
    """ORM: count, max_1 for a repeated name, _no_label for an expression, id_1 for an alias."""
    other = aliased(Owner)
    stmt = select(func.count(Owner.id), func.max(Owner.name), func.max(Owner.id), Owner.id + 1)
    assert compiled(stmt, "sqlite").result_keys == ("count", "max", "max_1", "_no_label")
    assert compiled(select(Owner.name, other.name), "sqlite").result_keys == ("name", "name_1")
    assert compiled(select(Owner.id, Pet.id), "sqlite").result_keys == ("id", "id_1")


def test_legacy_query_keeps_repeated_keys() -> None:
    """A legacy Query's rows keep each column's key, repeated as it is."""
    statement = Query([Owner.id, Pet.id])._statement
    assert compiled(statement, "sqlite").result_keys == ("id", "id")
