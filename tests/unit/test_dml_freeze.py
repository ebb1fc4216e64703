"""A frozen INSERT (the one a flush reuses per mapper) keeps its cache key; its changed
copies compute their own, so they compile to their own SQL."""

from __future__ import annotations

from corral.sql.dml import insert
from corral.sql.schema import Column, MetaData, Table
from corral.sql.types import Integer, String
from tests.unit.compile_helpers import compile_dialect, sql

items = Table(
    "items", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(20))
)


def test_frozen_insert_compiles_as_before() -> None:
    statement = insert(items).freeze()
    assert "_frozen_key" in statement.__dict__
    assert sql(statement, "sqlite", ("name",)) == sql(insert(items), "sqlite", ("name",))


def test_copies_of_a_frozen_insert_have_their_own_key() -> None:
    """returning() and values() on a frozen INSERT, compiled by one dialect (one cache):
    the copy's SQL, not the frozen statement's."""
    dialect = compile_dialect("postgresql")
    statement = insert(items).freeze()
    frozen_sql = statement._compile_for(dialect, ("name",))[0].sql  # cached under its key
    returning = statement.returning(items.c.name)
    assert "_frozen_key" not in returning.__dict__
    returning_sql = returning._compile_for(dialect, ("name",))[0].sql
    assert returning_sql != frozen_sql
    assert returning_sql == sql(insert(items).returning(items.c.name), "postgresql", ("name",))
    valued = statement.values(name="x")
    assert "_frozen_key" not in valued.__dict__
    assert valued._compile_for(dialect)[0].sql == sql(insert(items).values(name="x"), "postgresql")
