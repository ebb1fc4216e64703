"""``Column("x", None, ForeignKey(...))``: an explicit None type (1.x style) means no type
given, and the column takes the type of the column its foreign key names."""

from __future__ import annotations

import pytest

from corral import Column, ForeignKey, Integer, MetaData, String, Table, exc
from corral.schema import CreateTable
from tests.unit.compile_helpers import compile_dialect


def test_none_type_takes_the_referenced_columns_type() -> None:
    metadata = MetaData()
    Table("parent", metadata, Column("code", String(8), primary_key=True))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_code", None, ForeignKey("parent.code")),
    )
    ddl = str(CreateTable(child).compile(dialect=compile_dialect("sqlite")))
    assert "parent_code VARCHAR(8)" in ddl
    assert "REFERENCES parent (code)" in ddl


def test_none_is_refused_where_it_is_no_type() -> None:
    """None after a ForeignKey is not the type slot: still an error naming the argument."""
    with pytest.raises(exc.ArgumentError, match="does not understand the argument None"):
        Column("x", ForeignKey("parent.code"), None)
