"""Named SQL elements show SQLAlchemy's repr shape: ``<module.Class at 0x...; name>``."""

from __future__ import annotations

import re

from corral import Column as SchemaColumn
from corral import Integer, MetaData, Table, column, func, literal, select, table


def _shape(element: object) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x?", repr(element))


def test_columns_labels_functions_and_tables_show_their_name() -> None:
    """A column, label, function, table, alias or subquery repr ends with its name."""
    t = table("t", column("a"))
    assert _shape(column("c1")) == "<corral.sql.columns.ColumnClause at 0x?; c1>"
    assert _shape(t.c.a.label("b")) == "<corral.sql.wrappers.Label at 0x?; b>"
    assert _shape(func.lower(t.c.a)) == "<corral.sql.functions.Function at 0x?; lower>"
    assert _shape(t) == "<corral.sql.from_clause.TableClause at 0x?; t>"
    assert _shape(t.alias("z")) == "<corral.sql.from_clause.Alias at 0x?; z>"
    assert _shape(select(t).subquery()) == "<corral.sql.from_clause.Subquery at 0x?; anon_1>"
    assert _shape(t.alias()).endswith("; Anonymous alias of t>")


def test_the_repr_carries_the_address_of_the_object() -> None:
    """The address is the object's own, so a repeated column shows the same one twice."""
    c2 = column("c2")
    assert repr(c2) == f"<corral.sql.columns.ColumnClause at {id(c2):#x}; c2>"


def test_unnamed_elements_keep_the_object_repr() -> None:
    """An expression without a name (a comparison, a bound value) shows as any object."""
    t = table("t", column("a"))
    comparison = t.c.a == 1
    assert repr(comparison) == object.__repr__(comparison)
    value = literal(1)
    assert repr(value) == object.__repr__(value)


def test_schema_column_and_table_keep_their_constructor_reprs() -> None:
    """``Column`` and ``Table`` still show how they were built, as SQLAlchemy's do."""
    t = Table("T", MetaData(), SchemaColumn("x", Integer))
    assert repr(t.c.x) == "Column('x', Integer(), table=<T>)"
    assert repr(t).startswith("Table('T', MetaData(), ")
