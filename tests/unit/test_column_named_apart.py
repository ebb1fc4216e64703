"""A column whose name differs from its key: ``Column("lft", key="left")`` in Core, and
``left = Column("lft", Integer)`` in a declarative class (corral keys that one by the
attribute, SQLAlchemy by the name: the table's ``.c`` and ``values()`` accept both)."""

from __future__ import annotations

import pytest

from corral import Column, Integer, MetaData, String, Table, exc, select, update
from corral.orm import DeclarativeBase, Mapped, aliased, mapped_column
from tests.unit.compile_helpers import DIALECT_NAMES, compiled


class Base(DeclarativeBase):
    pass


class Span(Base):
    __tablename__ = "span"

    id: Mapped[int] = mapped_column(primary_key=True)
    left = Column("lft", Integer, nullable=False)
    right: Mapped[int] = mapped_column("rgt")
    label = Column(String(20))


def test_core_alias_renders_the_column_name_not_its_key() -> None:
    """``alias.c.left`` of ``Column("lft", key="left")`` is ``alias.lft`` in SQL."""
    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("lft", Integer, key="left")
    )
    alias = table.alias("a")
    for dialect in DIALECT_NAMES:
        sql = compiled(select(alias.c.left).where(alias.c.left > 1), dialect).sql
        assert "a.lft" in sql and "left" not in sql.replace("a.lft", "")


def test_core_key_given_explicitly_is_not_reached_by_name() -> None:
    """An explicit ``key=`` in Core keeps SQLAlchemy's rule: the name is not a key."""
    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("lft", Integer, key="left")
    )
    assert "lft" not in table.c
    with pytest.raises(exc.NoSuchColumnError, match="has no column 'lft'"):
        table.c.lft  # noqa: B018


def test_declarative_column_found_by_name_and_by_attribute() -> None:
    """``Span.__table__.c.lft`` (SQLAlchemy's key) and ``.c.left`` (corral's) are one column."""
    table = Span.__table__
    assert table.c.lft is table.c.left
    assert table.c.rgt is table.c.right
    assert "lft" in table.c and table.c.get("rgt") is table.c.right
    assert table.c.key_for("lft") == "left"
    assert [getattr(c, "name", None) for c in table.c] == ["id", "lft", "rgt", "label"]


def test_values_keyed_by_column_name() -> None:
    """``update(table).values(lft=...)`` sets the declarative column named ``lft``."""
    table = Span.__table__
    statement = update(table).values(lft=table.c.lft + 2).where(table.c.rgt >= 4)
    for dialect in DIALECT_NAMES:
        sql = compiled(statement, dialect).sql
        assert sql.startswith("UPDATE span SET lft=")
        assert "span.lft +" in sql and "span.rgt >=" in sql


def test_aliased_class_selects_the_named_columns() -> None:
    """An aliased class's attributes render the column names under the alias."""
    other = aliased(Span)
    statement = select(Span).where(other.left.between(Span.left, Span.right))
    for dialect in DIALECT_NAMES:
        sql = compiled(statement, dialect).sql
        assert "anon_1.lft BETWEEN span.lft AND span.rgt" in sql
