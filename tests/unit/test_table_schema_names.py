"""Tables in a schema: keys, fullname, foreign-key order and compiled names (no database)."""

from __future__ import annotations

from corral import Column, ForeignKey, Integer, MetaData, Table, select
from tests.unit.compile_helpers import compile_dialect


def test_sorted_tables_orders_by_schema_qualified_keys() -> None:
    """A referred table in a schema comes before the table referring to it, even when
    declared after it, and a table of the same name in another schema is kept apart."""
    metadata = MetaData()
    Table(
        "c",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("p_id", ForeignKey("s.p.id")),
        schema="s",
    )
    Table("p", metadata, Column("id", Integer, primary_key=True), schema="s")
    Table("p", metadata, Column("id", Integer, primary_key=True))
    assert [t.fullname for t in metadata.sorted_tables] == ["s.p", "s.c", "p"]


def test_schema_translate_map_compiles_named_and_default_keys() -> None:
    """{"s": "t", None: "u"} renames the schema a table names, and puts a table naming
    none in u; a schema the map lacks stays as written."""
    metadata = MetaData()
    named = Table("a", metadata, Column("id", Integer, primary_key=True), schema="s")
    plain = Table("b", metadata, Column("id", Integer, primary_key=True))
    other = Table("c", metadata, Column("id", Integer, primary_key=True), schema="keep")
    dialect = compile_dialect("postgresql")
    schema_map = {"s": "t", None: "u"}
    sql = [
        select(table.c.id)._compile_for(dialect, None, None, schema_map)[0].sql
        for table in (named, plain, other)
    ]
    assert [s.split("FROM ")[1] for s in sql] == ["t.a", "u.b", "keep.c"]
